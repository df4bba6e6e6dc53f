"""Who may open which staff page: anonymous users are sent to sign in, lesser roles get 403."""

from __future__ import annotations

from eventapp.models import StaffRole

from .staff_helpers import PASSWORD, make_staff, sign_in, staff_urls

ADMIN_ONLY = {"admin.staff", "admin.staff_change", "admin.audit_log"}


def test_anonymous_users_are_sent_to_sign_in_from_every_staff_url(app, client, forum):
    for endpoint, method, path in staff_urls(app):
        response = client.open(path, method=method)
        assert response.status_code == 302, (endpoint, path, response.status_code)
        assert "/staff/login" in response.headers["Location"], (endpoint, path)


def test_door_staff_get_403_on_every_back_office_url_but_may_use_the_door(app, client, forum):
    sign_in(client, app, StaffRole.DOOR)
    for endpoint, method, path in staff_urls(app):
        response = client.open(path, method=method)
        if endpoint.startswith("admin."):
            assert response.status_code == 403, (endpoint, path, response.status_code)
            assert "Access denied" in response.get_data(as_text=True)
        else:
            assert response.status_code != 403, (endpoint, path)
    assert client.get("/door/").status_code == 200


def test_organisers_may_not_manage_staff_or_read_the_audit_log(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    for endpoint, method, path in staff_urls(app):
        response = client.open(path, method=method)
        if endpoint in ADMIN_ONLY:
            assert response.status_code == 403, (endpoint, path)
        else:
            assert response.status_code != 403, (endpoint, path)


def test_admin_reaches_every_page(app, client, forum):
    sign_in(client, app, StaffRole.ADMIN)
    for endpoint, method, path in staff_urls(app):
        if method == "GET":
            assert client.get(path).status_code in (200, 404, 422), (endpoint, path)


def test_failed_sign_in_does_not_reveal_whether_the_email_exists(app, client, forum):
    email = make_staff(app, StaffRole.ORGANISER)
    wrong_password = client.post("/staff/login?lang=en", data={"email": email, "password": "wrong wrong wrong"})
    unknown_email = client.post(
        "/staff/login?lang=en", data={"email": "nobody@forum.test", "password": "wrong wrong wrong"}
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    message = "Email or password is not right."
    assert message in wrong_password.get_data(as_text=True) and message in unknown_email.get_data(as_text=True)
    assert f'value="{email}"' in wrong_password.get_data(as_text=True)  # the entry is kept


def test_sign_in_leads_to_the_right_home_and_sign_out_ends_it(app, client, forum):
    make_staff(app, StaffRole.DOOR)
    response = client.post("/staff/login", data={"email": "door@forum.test", "password": PASSWORD})
    assert response.headers["Location"].endswith("/door/")
    client.post("/staff/logout")
    assert client.get("/door/").status_code == 302


def test_deactivated_accounts_cannot_sign_in(app, client, forum):
    from eventapp.extensions import db
    from eventapp.services import staff as staff_service

    email = make_staff(app, StaffRole.ORGANISER)
    with app.app_context():
        staff_service.find_user(email).active = False
        db.session.commit()
    response = client.post("/staff/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 401


def test_passwords_are_hashed_with_scrypt(app):
    email = make_staff(app, StaffRole.ADMIN)
    from eventapp.services import staff as staff_service

    with app.app_context():
        assert staff_service.find_user(email).password_hash.startswith("scrypt:")


def test_sign_in_attempts_are_rate_limited(app, forum, database_url):
    from eventapp import create_app
    from eventapp.extensions import limiter

    limited = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})
    limiter.reset()
    client = limited.test_client()
    statuses = [
        client.post("/staff/login", data={"email": "x@forum.test", "password": "nope nope nope"}).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [401] * 10 and statuses[-1] == 429
    limiter.reset()
