"""Rate limits as a client meets them: per address (the real one behind a trusted proxy),
only failed sign-ins counted, a lockout per account, and a 429 that keeps the entries."""

from __future__ import annotations

import pytest

from eventapp import create_app
from eventapp.extensions import db, limiter
from eventapp.models import StaffRole

from .factories import form_data, person
from .staff_helpers import PASSWORD, make_staff


@pytest.fixture
def limited_app(app, database_url):
    """The test app with limits on, small enough to reach, in memory, fresh for each test."""
    limited = create_app(
        {
            **app.config,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "REGISTRATION_RATE_LIMIT": "3 per minute",
            "LOST_LINK_RATE_LIMIT": "2 per minute",
            "LOGIN_RATE_LIMIT": "4 per minute",
            "LOGIN_ACCOUNT_LOCKOUT": "3 per 15 minutes",
            "TRUSTED_PROXIES": 0,
        }
    )
    with limited.app_context():
        limiter.reset()
    yield limited
    with limited.app_context():
        db.engine.dispose()


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def register(client, address: str, **kwargs):
    return client.post(
        "/api/v1/registrations?lang=en",
        json={**person(), "sessions": ["exhibition"]},
        **from_address(address),
        **kwargs,
    )


def test_one_address_cannot_register_without_end_but_others_can(limited_app, forum):
    client = limited_app.test_client()
    assert [register(client, "198.51.100.7").status_code for _ in range(3)] == [201, 201, 201]
    refused = register(client, "198.51.100.7")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many registrations from your network" in refused.json["message"]
    # The HTML form shares the budget, and shows the form again with the entries.
    data = form_data(person(organisation="Weiß & Söhne GmbH"), ["exhibition"])
    page = client.post("/register?lang=en", data=data, **from_address("198.51.100.7"))
    assert page.status_code == 429
    html = page.get_data(as_text=True)
    assert "Too many registrations from your network" in html and 'value="Weiß &amp; Söhne GmbH"' in html
    # A rush from many addresses is not slowed down.
    assert {register(client, f"203.0.113.{n}").status_code for n in range(1, 40)} == {201}


def test_behind_a_trusted_proxy_the_client_address_counts(limited_app, forum):
    limited_app.config["TRUSTED_PROXIES"] = 1
    proxied = create_app({**limited_app.config})
    client = proxied.test_client()
    proxy = "10.0.0.2"
    for n in range(1, 8):  # seven delegates behind one proxy: each has its own budget
        forwarded = {"headers": {"X-Forwarded-For": f"203.0.113.{n}"}}
        assert register(client, proxy, **forwarded).status_code == 201
    one = {"headers": {"X-Forwarded-For": "203.0.113.99"}}
    assert [register(client, proxy, **one).status_code for _ in range(4)] == [201, 201, 201, 429]


def test_without_a_trusted_proxy_forwarded_addresses_are_not_believed(limited_app, forum):
    client = limited_app.test_client()
    statuses = [
        register(client, "198.51.100.8", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(1, 5)
    ]
    assert statuses == [201, 201, 201, 429]


def sign_in(client, email, password, address="198.51.100.20"):
    return client.post("/staff/login?lang=en", data={"email": email, "password": password}, **from_address(address))


def test_only_failed_sign_ins_count(limited_app, forum):
    email = make_staff(limited_app, StaffRole.ORGANISER)
    client = limited_app.test_client()
    for _ in range(8):  # more than the limit of 4, all good
        assert sign_in(client, email, PASSWORD).status_code == 302
        client.post("/staff/logout")
    failures = [sign_in(client, f"nobody{n}@forum.test", "wrong password").status_code for n in range(5)]
    assert failures == [401, 401, 401, 401, 429]
    refused = sign_in(client, email, PASSWORD)
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Too many failed sign-ins from your network" in html and f'value="{email}"' in html
    # Another address (another organiser) is not locked out by this one.
    assert sign_in(client, email, PASSWORD, address="198.51.100.21").status_code == 302


def test_an_account_is_locked_after_failures_from_any_address(limited_app, forum):
    email = make_staff(limited_app, StaffRole.ORGANISER)
    other = make_staff(limited_app, StaffRole.DOOR)
    client = limited_app.test_client()
    for n in range(3):
        assert sign_in(client, email, "wrong password", address=f"203.0.113.{n}").status_code == 401
    locked = sign_in(client, email.upper(), PASSWORD, address="203.0.113.50")
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this account" in locked.get_data(as_text=True)
    # The same words for an address without an account: the lockout tells no one who exists.
    for n in range(3):
        sign_in(client, "nobody@forum.test", "wrong password", address=f"203.0.113.{10 + n}")
    assert "Too many failed sign-ins for this account" in sign_in(
        client, "nobody@forum.test", "x", address="203.0.113.51"
    ).get_data(as_text=True)
    assert sign_in(client, other, PASSWORD, address="203.0.113.50").status_code == 302


def test_failed_sign_ins_sent_at_once_cannot_slip_under_the_limit(limited_app, forum):
    from concurrent.futures import ThreadPoolExecutor

    email = make_staff(limited_app, StaffRole.ORGANISER)

    def attempt(n):
        return sign_in(limited_app.test_client(), email, "wrong password", address=f"203.0.113.{n}").status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(attempt, range(12)))
    assert statuses.count(401) == 3 and statuses.count(429) == 9  # the account's budget is 3


def test_an_administrator_unlocks_an_account_by_saving_it(limited_app, forum):
    email = make_staff(limited_app, StaffRole.ORGANISER)
    admin_email = make_staff(limited_app, StaffRole.ADMIN)
    client = limited_app.test_client()
    for n in range(4):
        sign_in(client, email, "wrong password", address=f"203.0.113.{n}")
    assert sign_in(client, email, PASSWORD, address="203.0.113.60").status_code == 429
    admin = limited_app.test_client()
    assert sign_in(admin, admin_email, PASSWORD, address="198.51.100.30").status_code == 302
    from eventapp.services import staff as staff_service

    with limited_app.app_context():
        user_id = staff_service.find_user(email).id
    saved = admin.post(
        f"/admin/staff/{user_id}", data={f"user{user_id}-role": "organiser", f"user{user_id}-active": "y"}
    )
    assert saved.status_code == 302
    assert sign_in(client, email, PASSWORD, address="203.0.113.61").status_code == 302


def test_lost_link_requests_are_limited_per_address(limited_app, forum):
    client = limited_app.test_client()
    statuses = [
        client.post(
            "/r/lost?lang=en", data={"email": f"someone{n}@example.de"}, **from_address("198.51.100.9")
        ).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_a_forwarded_host_never_chooses_the_host_of_private_links(limited_app, forum):
    limited_app.config["TRUSTED_PROXIES"] = 1
    client = create_app({**limited_app.config}).test_client()
    forged = {
        "headers": {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Host": "evil.example", "X-Forwarded-Port": "666"}
    }
    response = register(client, "10.0.0.2", **forged)
    assert response.status_code == 201 and response.json["manage_url"].startswith("http://forum.test/r/")
