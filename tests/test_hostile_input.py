"""Input an attacker can send gets a 4xx with a message, never a 500 or a script on the page.

Each class of input is stopped where it enters (eventapp.guards, eventapp.web, the API's
JSON body decorator); these tests send it where users can, on both database backends
(PostgreSQL refuses NUL in text, so a missing guard shows there as a 500).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import CheckIn, Delegate, StaffRole
from eventapp.services import staff as staff_service

from .factories import GERMAN, form_data, person, register_by_api
from .staff_helpers import PASSWORD, make_staff, sign_in

SCRIPT = "<script>alert(1)</script>"


def page(response) -> str:
    return response.get_data(as_text=True)


def api_token(app, role=StaffRole.DOOR) -> dict:
    email = make_staff(app, role)
    with app.app_context():
        token = staff_service.create_api_token(staff_service.find_user(email))
    return {"Authorization": f"Bearer {token}"}


# ---- script in what users send comes back as text ----


def test_an_unknown_session_slug_is_echoed_escaped(app, client, forum):
    response = client.post("/register?lang=en", data=form_data(person(), [SCRIPT]))
    assert response.status_code == 422
    assert SCRIPT not in page(response)
    assert "Unknown session: &lt;script&gt;alert(1)&lt;/script&gt;" in page(response)


def test_lazy_messages_are_text_not_markup(app):
    from markupsafe import escape

    from eventapp.i18n import lazy_gettext

    with app.test_request_context("/?lang=en"):
        message = lazy_gettext("Unknown session: %(slug)s", slug=SCRIPT)
        assert str(escape(message)) == "Unknown session: &lt;script&gt;alert(1)&lt;/script&gt;"


def test_no_module_uses_flask_babels_markup_lazy_strings():
    """Flask-Babel's lazy_gettext is printed unescaped by Jinja; ours is the one to use."""
    from pathlib import Path

    import eventapp

    offenders = [
        str(path)
        for path in Path(eventapp.__file__).parent.rglob("*.py")
        if "from flask_babel import lazy" in path.read_text() or "flask_babel.lazy" in path.read_text()
    ]
    assert offenders == []


# ---- text no database can store ----

NUL = "a\x00b"


def test_nul_in_the_sign_in_form_is_refused_with_a_message(app, client, forum):
    response = client.post("/staff/login?lang=en", data={"email": f"x{NUL}@forum.test", "password": PASSWORD})
    assert response.status_code == 400
    assert "contains a character that cannot be stored" in page(response)


def test_nul_in_search_and_paths_is_refused(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    for url in ("/admin/delegates?q=a%00b", "/door/entrance/search?q=a%00b", "/sessions/a%00b", "/r/a%00b"):
        response = client.get(url + ("&" if "?" in url else "?") + "lang=en")
        assert response.status_code == 400, url
        assert "cannot be stored" in page(response), url


def test_nul_in_a_registration_is_refused_and_nothing_is_saved(app, client, forum):
    response = client.post("/register?lang=en", data=form_data(person(organisation=NUL), ["exhibition"]))
    assert response.status_code == 400 and "“organisation”" in page(response)
    api = register_by_api(client, ["exhibition"], organisation=NUL)
    assert api.status_code == 400
    assert "organisation" in api.json["errors"]
    with app.app_context():
        assert db.session.execute(select(Delegate)).first() is None


@pytest.mark.parametrize("field", ["code", "session", "scan_id"])
def test_nul_in_a_check_in_is_refused_by_field(app, client, forum, field):
    body = {"code": "K7QXM2RD4PTA", "session": "entrance", "scan_id": "scan-1", field: NUL}
    response = client.post("/api/v1/checkins?lang=en", json=body, headers=api_token(app))
    assert response.status_code == 400
    assert "cannot be stored" in response.json["errors"][field][0]


def test_lone_surrogates_in_json_are_refused(app, client, forum):
    body = json.dumps({**person(), "sessions": ["exhibition"]})[:-1] + ', "position": "\\ud800"}'
    response = client.post("/api/v1/registrations?lang=en", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "cannot be stored" in response.json["errors"]["position"][0]


def test_deeply_nested_json_is_refused(app, client, forum):
    for body in ("[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 50 + "1" + "}" * 50):
        response = client.post("/api/v1/registrations?lang=en", data=body, content_type="application/json")
        assert response.status_code == 400
        assert response.json["errors"]["body"][0] in (
            "The body is not valid JSON.",
            "The JSON body is nested too deeply.",
        )


def test_a_scan_time_outside_any_clock_is_refused(app, client, forum):
    headers = api_token(app)
    for scanned_at in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "yesterday", 12):
        body = {"code": "K7QXM2RD4PTA", "session": "entrance", "scanned_at": scanned_at}
        response = client.post("/api/v1/checkins?lang=en", json=body, headers=headers)
        assert response.status_code == 422, scanned_at
        assert "ISO 8601" in response.json["errors"]["scanned_at"][0]
    fine = {"code": "K7QXM2RD4PTA", "session": "entrance", "scanned_at": "2026-12-26T09:15:00+08:00"}
    assert client.post("/api/v1/checkins", json=fine, headers=headers).status_code == 200


def test_a_country_of_only_spaces_is_asked_for_again(app, client, forum):
    response = client.post("/register?lang=en", data=form_data(person(country="   "), ["exhibition"]))
    assert response.status_code == 422
    assert "Choose a country or region." in page(response)
    assert f'value="{GERMAN["organisation"]}"'.replace("&", "&amp;") in page(response)  # entries kept
    api = register_by_api(client, ["exhibition"], country="   ")
    assert api.status_code == 422 and "country" in api.json["errors"]


def test_a_file_sent_to_a_form_is_refused(app, client, forum):
    from io import BytesIO

    for url in ("/register", "/r/lost", "/staff/login"):
        response = client.post(
            url + "?lang=en", data={"email": (BytesIO(b"x"), "x.txt")}, content_type="multipart/form-data"
        )
        assert response.status_code == 400 and "takes text, not a file" in page(response), url


# ---- redirects and numbers ----


@pytest.mark.parametrize(
    "target", ["/admin/\r\nSet-Cookie: x=1", "//evil.example/", "/\\evil.example/", "https://evil.example/"]
)
def test_a_next_target_off_this_site_or_with_a_line_break_is_ignored(app, client, forum, target):
    switched = client.get("/language/de", query_string={"next": target})
    assert switched.status_code == 302 and switched.headers["Location"] == "/"
    email = make_staff(app, StaffRole.ORGANISER)
    signed_in = client.post("/staff/login", query_string={"next": target}, data={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/admin/"


def test_a_local_next_target_is_followed(app, client, forum):
    assert (
        client.get("/language/de?next=/register%3Fsession%3Dexhibition").headers["Location"]
        == "/register?session=exhibition"
    )


def test_numbers_beyond_the_database_range_are_not_found(app, client, forum):
    sign_in(client, app, StaffRole.ADMIN)
    assert client.get("/admin/delegates/99999999999?lang=en").status_code == 404
    assert client.get("/admin/delegates/2147483648").status_code == 404
    for url in ("/admin/delegates", "/admin/mail", "/admin/audit"):
        for number in ("99999999999", "²", "-1", "0"):
            assert client.get(f"{url}?page={number}").status_code == 200, (url, number)
    undo = client.post("/api/v1/checkins/99999999999/undo", json={})
    assert undo.status_code == 404


def test_paging_links_keep_the_query_and_ignore_url_for_arguments(app, client, forum):
    from eventapp.demo.forum import add_fake_delegates
    from eventapp.services.events import current_event

    with app.app_context():
        add_fake_delegates(current_event(), 60, seed=1)
    sign_in(client, app, StaffRole.ORGANISER)
    response = client.get("/admin/delegates?page=1&_method=zz&endpoint=zz&_external=1&q=")
    assert response.status_code == 200
    assert 'href="/admin/delegates?_method=zz&amp;endpoint=zz&amp;_external=1&amp;q=&amp;page=2"' in page(response)


def test_undo_takes_only_json(app, client, forum):
    headers = api_token(app)
    registered = register_by_api(client, ["exhibition"])
    assert registered.status_code == 201
    with app.app_context():
        code = db.session.execute(select(Delegate.checkin_code)).scalar_one()
    scan = client.post("/api/v1/checkins", json={"code": code, "session": "exhibition"}, headers=headers)
    checkin_id = scan.json["checkin_id"]
    form_post = client.post(f"/api/v1/checkins/{checkin_id}/undo", data={"x": "1"}, headers=headers)
    assert form_post.status_code == 415
    with app.app_context():
        assert db.session.get(CheckIn, checkin_id).undone_at is None
    undone = client.post(f"/api/v1/checkins/{checkin_id}/undo", json={}, headers=headers)
    assert undone.status_code == 200 and undone.json["id"] == checkin_id
