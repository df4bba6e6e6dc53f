"""Organisers manage delegates: search, filters, a delegate's page, registering and promoting."""

from __future__ import annotations

import re

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Delegate, StaffRole
from eventapp.services import checkin as checkin_service
from eventapp.services import staff as staff_service
from eventapp.services.events import current_event

from .factories import CHINESE, GERMAN, person, register_by_api, seats, set_session
from .staff_helpers import sign_in

SYMPOSIUM = "german-enterprise-symposium"


def text_of(response):
    return response.get_data(as_text=True)


def delegate_id(app, email: str) -> int:
    with app.app_context():
        return db.session.execute(select(Delegate.id).where(Delegate.email == email)).scalar_one()


def test_search_finds_chinese_names_by_characters_and_pinyin_with_or_without_tones(app, client, forum):
    register_by_api(client, [SYMPOSIUM], base=CHINESE)
    register_by_api(
        client,
        [SYMPOSIUM],
        base=CHINESE,
        name_native="李娜",
        family_name="Li",
        given_name="Na",
        organisation="泽川新能源汽车有限公司",
    )
    register_by_api(client, [SYMPOSIUM], base=GERMAN)
    sign_in(client, app, StaffRole.ORGANISER)
    for query in ("王小明", "小明", "wang xiaoming", "Wáng Xiǎomíng", "wangxiaoming", "WANG"):
        page = text_of(client.get("/admin/delegates", query_string={"q": query, "lang": "en"}))
        assert "1 delegate" in page and "王小明" in page and "李娜" not in page, query
    for query in ("müller", "mueller", "Muller", "Weiß", "weiss"):
        page = text_of(client.get("/admin/delegates", query_string={"q": query, "lang": "en"}))
        assert "Müller-Lüdenscheidt" in page and "王小明" not in page, query
    page = text_of(client.get("/admin/delegates", query_string={"q": "泽川", "lang": "en"}))
    assert "李娜" in page and "1 delegate" in page


def test_filters_and_sorting(app, client, forum):
    set_session(app, SYMPOSIUM, capacity=1)
    register_by_api(client, [SYMPOSIUM], base=GERMAN, family_name="Zimmermann")
    register_by_api(client, [SYMPOSIUM], base=CHINESE)
    register_by_api(client, ["exhibition"], base=GERMAN, family_name="Adler", organisation_type="press")
    sign_in(client, app, StaffRole.ORGANISER)
    waiting = text_of(
        client.get("/admin/delegates", query_string={"session": SYMPOSIUM, "status": "waitlisted", "lang": "en"})
    )
    assert "1 delegate" in waiting and "王小明" in waiting and "Zimmermann" not in waiting
    press = text_of(client.get("/admin/delegates", query_string={"type": "press", "lang": "en"}))
    assert "Adler" in press and "Zimmermann" not in press
    chinese = text_of(client.get("/admin/delegates", query_string={"country": "CN", "lang": "en"}))
    assert "王小明" in chinese and "Adler" not in chinese
    by_name = text_of(client.get("/admin/delegates", query_string={"sort": "name"}))
    assert by_name.index("Adler") < by_name.index("WANG Xiaoming") < by_name.index("Zimmermann")
    reverse = text_of(client.get("/admin/delegates", query_string={"sort": "-name"}))
    assert reverse.index("Zimmermann") < reverse.index("Adler")


def test_pages_through_many_delegates(app, client, forum, runner):
    assert runner.invoke(args=["fake-delegates", "120", "--seed", "3"]).exit_code == 0
    sign_in(client, app, StaffRole.ORGANISER)
    first = text_of(client.get("/admin/delegates?lang=en"))
    assert "120 delegates" in first and "Page 1 of 3" in first
    third = text_of(client.get("/admin/delegates?page=3&lang=en"))
    assert "Page 3 of 3" in third
    assert len(re.findall(r'href="/admin/delegates/\d+"', third)) == 20
    assert client.get("/admin/delegates?page=999").status_code == 200


def test_organiser_registers_a_delegate_for_an_invitation_only_session(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    data = {
        **{k: v for k, v in person(CHINESE).items() if k != "consent"},
        "consent": "y",
        "sessions": ["opening-ceremony", SYMPOSIUM],
        "organisation_type": "government",
    }
    response = client.post("/admin/delegates/new", data=data)
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"] + "?lang=en"))
    assert "王小明" in page and "Opening Ceremony" in page and "Confirmed" in page
    assert seats(app, "opening-ceremony")["confirmed"] == 1
    # The same person again: named, and no second delegate.
    again = client.post("/admin/delegates/new?lang=en", data={**data, "sessions": ["exhibition"]})
    assert again.status_code == 422
    assert (
        "王小明 (WANG Xiaoming) is already registered with this email address: add the sessions on their page."
        in text_of(again)
    )


def test_new_delegate_form_keeps_entries_on_errors(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    response = client.post("/admin/delegates/new?lang=en", data={"family_name": "Weiß", "email": "broken"})
    assert response.status_code == 422
    page = text_of(response)
    assert 'value="Weiß"' in page and "Choose at least one session." in page and "consent is needed" in page


def test_cancel_promote_and_capacity_still_holds(app, client, forum):
    set_session(app, SYMPOSIUM, capacity=1)
    first = person()
    waiting = person(CHINESE)
    client.post("/api/v1/registrations", json={**first, "sessions": [SYMPOSIUM]})
    client.post("/api/v1/registrations", json={**waiting, "sessions": [SYMPOSIUM]})
    sign_in(client, app, StaffRole.ORGANISER)
    waiting_id = delegate_id(app, waiting["email"])
    with app.app_context():
        registration_id = db.session.get(Delegate, waiting_id).registrations[0].id
    refused = client.post(
        f"/admin/delegates/{waiting_id}/registrations/{registration_id}/promote", follow_redirects=True
    )
    assert "has no free seat" in text_of(refused)
    assert seats(app, SYMPOSIUM)["confirmed"] == 1
    first_id = delegate_id(app, first["email"])
    with app.app_context():
        first_registration = db.session.get(Delegate, first_id).registrations[0].id
    cancelled = client.post(
        f"/admin/delegates/{first_id}/registrations/{first_registration}/cancel", follow_redirects=True
    )
    assert "was promoted from the waiting list" in text_of(cancelled)
    assert seats(app, SYMPOSIUM)["confirmed"] == 1
    history = text_of(client.get(f"/admin/delegates/{waiting_id}?lang=en"))
    assert "Promoted from the waiting list" in history and "On the waiting list → Confirmed" in history
    # Who and why in words: the organiser's cancellation freed the seat; the promotion itself is automatic.
    assert "A seat was freed (organiser@forum.test)." in history and "Automatically" in history
    assert "The delegate, through the registration API" in history
    assert "delegate:api" not in history and "seat_freed" not in history


def test_organiser_edits_details_and_history_shows_who(app, client, forum):
    payload = person(GERMAN)
    client.post("/api/v1/registrations", json={**payload, "sessions": [SYMPOSIUM]})
    sign_in(client, app, StaffRole.ORGANISER)
    did = delegate_id(app, payload["email"])
    data = {k: v for k, v in payload.items() if k != "consent"}
    data.update(organisation="Neue Straße AG", organisation_type="exhibitor")
    assert client.post(f"/admin/delegates/{did}", data=data).status_code == 302
    page = text_of(client.get(f"/admin/delegates/{did}?lang=en"))
    assert "Neue Straße AG" in page and "Details changed" in page
    # The history is sentences: the fields by their labels, the organiser by their address.
    assert "Changed: Organisation and Type of organisation." in page
    assert "organiser@forum.test" in page and "staff:organiser" not in page
    assert "{&#34;fields&#34;" not in page and '{"fields"' not in page
    broken = client.post(f"/admin/delegates/{did}?lang=en", data={**data, "email": "nope"})
    assert broken.status_code == 422 and 'value="nope"' in text_of(broken)


def test_new_private_link_replaces_the_old_one(app, client, forum):
    answer = register_by_api(client, [SYMPOSIUM])
    old_path = "/" + answer.json["manage_url"].split("/", 3)[3]
    sign_in(client, app, StaffRole.ORGANISER)
    with app.app_context():
        did = db.session.execute(select(Delegate.id)).scalar_one()
    page = text_of(client.post(f"/admin/delegates/{did}/private-link"))
    new_link = re.search(
        r'id="new-link" class="link-box" type="text" readonly value="http://forum.test(/r/[^"]+)"', page
    ).group(1)
    assert client.get(old_path).status_code == 404
    assert client.get(new_link).status_code == 200


def test_delegate_page_shows_check_ins_and_undo(app, client, forum):
    answer = register_by_api(client, [SYMPOSIUM], base=CHINESE)
    assert answer.status_code == 201
    with app.app_context():
        delegate = db.session.execute(select(Delegate)).scalar_one()
        checkin_service.scan(current_event(), delegate.checkin_code, SYMPOSIUM, "scan-1", None)
        did, checkin_id = delegate.id, checkin_service.standing_checkin(delegate.id, SYMPOSIUM).id
    sign_in(client, app, StaffRole.ORGANISER)
    page = text_of(client.get(f"/admin/delegates/{did}?lang=en"))
    assert "German Enterprise Symposium" in page and "Not checked in anywhere yet." not in page
    client.post(f"/admin/checkins/{checkin_id}/undo")
    assert "undone" in text_of(client.get(f"/admin/delegates/{did}?lang=en"))


def test_dashboard_shows_fill_waiting_and_check_ins_and_updates_as_json(app, client, forum):
    set_session(app, SYMPOSIUM, capacity=2)
    for _ in range(3):
        register_by_api(client, [SYMPOSIUM])
    sign_in(client, app, StaffRole.ORGANISER)
    page = text_of(client.get("/admin/?lang=en"))
    assert "German Enterprise Symposium" in page and "Registrations per day" in page
    assert re.search(
        r'data-session="german-enterprise-symposium".*?data-figure="confirmed">2</span> / 2.*?data-figure="waitlisted">1<',
        page,
        re.S,
    )
    figures = client.get("/admin/dashboard.json").json
    symposium = next(s for s in figures["sessions"] if s["slug"] == SYMPOSIUM)
    assert (symposium["confirmed"], symposium["waitlisted"], symposium["checked_in"]) == (2, 1, 0)
    assert figures["delegates"] == 3 and sum(d["count"] for d in figures["per_day"]) == 3


def test_admin_creates_staff_accounts_and_reads_the_audit_log(app, client, forum):
    sign_in(client, app, StaffRole.ADMIN)
    response = client.post(
        "/admin/staff",
        data={"email": "new.door@example.org", "name": "Tür", "role": "door", "password": "long enough pass"},
    )
    assert response.status_code == 302
    short = client.post("/admin/staff?lang=en", data={"email": "x@example.org", "role": "door", "password": "short"})
    assert short.status_code == 422 and 'value="x@example.org"' in text_of(short)
    duplicate = client.post(
        "/admin/staff?lang=en", data={"email": "new.door@example.org", "role": "door", "password": "long enough pass"}
    )
    assert "already an account" in text_of(duplicate)
    audit = text_of(client.get("/admin/audit?lang=en"))
    assert "Staff account created" in audit and "admin@forum.test" in audit and "staff:admin" not in audit
    assert "new.door@example.org, as Door staff." in audit and "&#34;role&#34;" not in audit
    # The account is made and audited in one go; an admin cannot demote themselves.
    with app.app_context():
        admin = staff_service.find_user("admin@forum.test")
    refused = client.post(
        f"/admin/staff/{admin.id}?lang=en",
        data={f"user{admin.id}-role": "door", f"user{admin.id}-active": "y"},
        follow_redirects=True,
    )
    assert "You cannot take away your own admin rights." in text_of(refused)
    with app.app_context():
        assert staff_service.find_user("admin@forum.test").role == StaffRole.ADMIN


def test_pages_are_valid_html(app, client, forum):
    from .test_html_quality import assert_valid_and_labelled

    register_by_api(client, [SYMPOSIUM], base=CHINESE)
    sign_in(client, app, StaffRole.ADMIN)
    with app.app_context():
        did = db.session.execute(select(Delegate.id)).scalar_one()
    # A signed-in admin opens each page; the sign-in page sends them on to the dashboard.
    expected = {"/staff/login": 302}
    for path in (
        "/admin/",
        "/admin/delegates",
        f"/admin/delegates/{did}",
        "/admin/delegates/new",
        "/admin/staff",
        "/admin/audit",
        "/staff/login",
    ):
        response = client.get(path)
        assert response.status_code == expected.get(path, 200), path
        if response.status_code == 200:
            assert_valid_and_labelled(text_of(response), path)
