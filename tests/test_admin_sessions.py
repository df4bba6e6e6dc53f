"""Organisers edit the programme: sessions, capacity, agenda items, exhibitors."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import LANGUAGES, AgendaItem, AuditEntry, Exhibitor, Session, StaffRole

from .factories import register_by_api, seats, set_session
from .staff_helpers import sign_in
from .test_html_quality import assert_valid_and_labelled

SYMPOSIUM = "german-enterprise-symposium"
BEIJING = ZoneInfo("Asia/Shanghai")


def text_of(response) -> str:
    return response.get_data(as_text=True)


def session_id(app, slug: str = SYMPOSIUM) -> int:
    with app.app_context():
        return db.session.execute(select(Session.id).where(Session.slug == slug)).scalar_one()


def edit_form(app, slug: str = SYMPOSIUM, **changes) -> dict:
    """The session's edit form as the page fills it in, with some entries changed."""
    with app.app_context():
        session = db.session.execute(select(Session).where(Session.slug == slug)).scalar_one()

        def local(moment):
            return moment.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M") if moment else ""

        data = {
            f"{name}_{language}": (getattr(session, name) or {}).get(language, "")
            for name in ("title", "description", "room")
            for language in LANGUAGES
        }
        data.update(
            starts_at=local(session.starts_at),
            ends_at=local(session.ends_at),
            capacity="" if session.capacity is None else str(session.capacity),
            registration_opens_at=local(session.registration_opens_at),
            registration_closes_at=local(session.registration_closes_at),
            substitution_freeze_at=local(session.substitution_freeze_at),
            access=session.access.value,
        )
    data.update(changes)
    return data


def post_edit(client, app, slug: str = SYMPOSIUM, **changes):
    return client.post(f"/admin/sessions/{session_id(app, slug)}/edit", data=edit_form(app, slug, **changes))


def test_organiser_sees_every_session_with_its_seats_and_window(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    set_session(app, SYMPOSIUM, capacity=1)
    for _ in range(3):
        register_by_api(client, [SYMPOSIUM])
    page = text_of(client.get("/admin/sessions?lang=en"))
    for title in ("Opening Ceremony", "German Enterprise Symposium", "Thematic Forum", "Hidden Champions"):
        assert title in page
    row = next(row for row in page.split("<tr>") if "German Enterprise Symposium" in row)
    cells = re.findall(r"<td>\s*(.*?)\s*</td>", row, re.S)
    assert cells[2:6] == ["1", "1", "2", "Open"]  # capacity, confirmed, waiting, who may take a seat
    assert "Until the session starts" in row
    assert f'href="/admin/sessions/{session_id(app)}/edit"' in row
    assert 'href="/admin/exhibitors"' in page


def test_german_title_change_shows_on_the_public_programme(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    response = post_edit(client, app, title_de="Symposium der deutschen Mittelständler")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/sessions")
    assert "has been saved" in text_of(client.get(response.headers["Location"] + "?lang=en"))
    assert "Symposium der deutschen Mittelständler" in text_of(client.get("/?lang=de"))
    assert "German Enterprise Symposium" in text_of(client.get("/?lang=en"))  # other languages kept
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "session_changed")).scalar_one()
        assert entry.details["fields"] == ["title"]
        assert entry.actor == "staff:organiser@forum.test"


def test_new_time_shows_in_beijing_time_and_the_agenda_moves_along(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    day = forum.isoformat()
    response = post_edit(client, app, starts_at=f"{day}T15:00", ends_at=f"{day}T16:45")
    assert response.status_code == 302
    assert "The agenda items moved" in text_of(client.get("/admin/sessions?lang=en"))
    programme = text_of(client.get("/?lang=en"))
    symposium = re.search(r'<article class="session session-symposium".*?</article>', programme, re.S).group(0)
    assert re.search(r">15:00</time>–<time[^>]*>16:45</time>\s*· Conference Room", symposium)
    assert ">15:20</time>" in symposium  # the 10:50 agenda item, moved by as much
    with app.app_context():
        session = db.session.get(Session, session_id(app))
        assert session.starts_at == datetime.combine(forum, datetime.min.time(), UTC).replace(hour=7)


def test_raising_the_capacity_confirms_people_from_the_waiting_list(app, client, forum):
    set_session(app, SYMPOSIUM, capacity=2)
    for _ in range(5):
        register_by_api(client, [SYMPOSIUM])
    assert seats(app, SYMPOSIUM)["waitlisted"] == 3
    sign_in(client, app, StaffRole.ORGANISER)
    response = post_edit(client, app, capacity="4")
    assert response.status_code == 302
    after = seats(app, SYMPOSIUM)
    assert (after["capacity"], after["confirmed"], after["waitlisted"]) == (4, 4, 1)
    assert "2 delegates were confirmed from the waiting list." in text_of(client.get("/admin/sessions?lang=en"))


def test_capacity_below_the_confirmed_seats_is_refused_and_entries_are_kept(app, client, forum):
    for _ in range(3):
        register_by_api(client, [SYMPOSIUM])
    sign_in(client, app, StaffRole.ORGANISER)
    response = client.post(
        f"/admin/sessions/{session_id(app)}/edit?lang=en",
        data=edit_form(app, capacity="2", title_de="Neuer Titel"),
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "3 seats are confirmed; the capacity cannot be lower." in page
    assert re.search(r'id="capacity-error"[^>]*>\s*<li>3 seats are confirmed', page)
    assert 'value="2"' in page and 'value="Neuer Titel"' in page
    assert seats(app, SYMPOSIUM)["capacity"] == 27
    assert "Neuer Titel" not in text_of(client.get("/?lang=de"))  # nothing saved
    assert_valid_and_labelled(page)


def test_invalid_entries_are_explained(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    day = forum.isoformat()
    path = f"/admin/sessions/{session_id(app)}/edit?lang=en"
    end_first = client.post(path, data=edit_form(app, starts_at=f"{day}T12:00", ends_at=f"{day}T11:00"))
    assert end_first.status_code == 422
    assert "The end must be after the start." in text_of(end_first)
    assert f'value="{day}T11:00"' in text_of(end_first)
    not_a_number = client.post(path, data=edit_form(app, capacity="abc", starts_at="soon"))
    assert not_a_number.status_code == 422
    page = text_of(not_a_number)
    assert page.count("Enter a whole number, or leave empty for no limit.") == 2  # summary and field
    assert "Enter a date and time" in page
    assert 'value="abc"' in page
    assert_valid_and_labelled(page)
    negative = client.post(path, data=edit_form(app, capacity="-1"))
    assert negative.status_code == 422 and "The capacity cannot be negative." in text_of(negative)
    no_title = client.post(path, data=edit_form(app, title_zh="", title_de="", title_en=""))
    assert no_title.status_code == 422 and "Give the title in at least one language." in text_of(no_title)
    window = client.post(
        path, data=edit_form(app, registration_opens_at=f"{day}T10:00", registration_closes_at=f"{day}T09:00")
    )
    assert window.status_code == 422 and "Registration must close after it opens." in text_of(window)
    other_day = client.post(path, data=edit_form(app, starts_at="2001-01-01T10:00", ends_at="2001-01-01T11:00"))
    assert other_day.status_code == 422 and "choose a time within it" in text_of(other_day)
    huge = client.post(path, data=edit_form(app, capacity="99999999999999999999"))
    assert huge.status_code == 422 and "Enter a smaller number." in text_of(huge)
    for name in ("starts_at", "registration_opens_at"):  # no UTC time for 0001-01-01 in Beijing
        ancient = client.post(path, data=edit_form(app, **{name: "0001-01-01T00:00"}))
        assert ancient.status_code == 422 and "between the years 2000 and 8999" in text_of(ancient)
    assert seats(app, SYMPOSIUM)["capacity"] == 27


def test_missing_languages_are_pointed_out(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    assert post_edit(client, app, title_de="", room_zh="").status_code == 302
    listing = text_of(client.get("/admin/sessions?lang=en"))
    assert "Missing: Title (German)" in listing and "Missing: Room (Chinese)" in listing
    form = text_of(client.get(f"/admin/sessions/{session_id(app)}/edit?lang=en"))
    assert re.search(r'id="title-missing".*?Missing: German', form, re.S)
    assert "German Enterprise Symposium" in text_of(client.get("/?lang=de"))  # English stands in


def test_registration_window_is_saved_in_beijing_time(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    day = forum.isoformat()
    response = post_edit(client, app, registration_opens_at=f"{day}T08:00", registration_closes_at=f"{day}T10:00")
    assert response.status_code == 302
    with app.app_context():
        session = db.session.get(Session, session_id(app))
        assert session.registration_closes_at.astimezone(BEIJING).strftime("%H:%M") == "10:00"
        assert session.registration_closes_at.hour == 2  # stored in UTC
    assert "From " in text_of(client.get("/admin/sessions?lang=en"))


def test_agenda_items_are_added_changed_and_deleted(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    sid = session_id(app)
    item = {
        "starts_at": "12:10",
        "title_zh": "问答环节",
        "title_de": "Fragen und Antworten",
        "title_en": "Questions and answers",
        "presenter_name": "Dr. Anna Schmidt",
        "presenter_organisation_de": "Deutsche Handelskammer in China",
    }
    new_page = client.get(f"/admin/sessions/{sid}/agenda/new?lang=en")
    assert new_page.status_code == 200
    assert_valid_and_labelled(text_of(new_page))
    response = client.post(f"/admin/sessions/{sid}/agenda/new", data=item)
    assert response.status_code == 302
    page = text_of(client.get(f"/sessions/{SYMPOSIUM}?lang=en"))
    assert "Questions and answers" in page and ">12:10</time>" in page
    assert "Dr. Anna Schmidt, Deutsche Handelskammer in China" in page

    with app.app_context():
        item_id = db.session.execute(
            select(AgendaItem.id).where(AgendaItem.presenter_name == "Dr. Anna Schmidt")
        ).scalar_one()
    edit_page = text_of(client.get(f"/admin/agenda/{item_id}/edit?lang=en"))
    assert 'value="12:10"' in edit_page and "Missing: Chinese and English" in edit_page
    assert_valid_and_labelled(edit_page)
    changed = client.post(
        f"/admin/agenda/{item_id}/edit", data={**item, "starts_at": "12:15", "title_en": "Open discussion"}
    )
    assert changed.status_code == 302
    page = text_of(client.get(f"/sessions/{SYMPOSIUM}?lang=en"))
    assert "Open discussion" in page and ">12:15</time>" in page and "Questions and answers" not in page

    outside = client.post(f"/admin/agenda/{item_id}/edit?lang=en", data={**item, "starts_at": "13:00"})
    assert outside.status_code == 422
    assert "Choose a time during the session (10:30–12:30)." in text_of(outside)
    no_time = client.post(f"/admin/sessions/{sid}/agenda/new?lang=en", data={**item, "starts_at": "noon"})
    assert no_time.status_code == 422 and "Enter a time, e.g. 10:30." in text_of(no_time)

    deleted = client.post(f"/admin/agenda/{item_id}/delete?lang=en", follow_redirects=True)
    assert "Deleted from the agenda: Open discussion." in text_of(deleted)
    assert "Open discussion" not in text_of(client.get(f"/sessions/{SYMPOSIUM}?lang=en"))
    with app.app_context():
        actions = (
            db.session.execute(select(AuditEntry.action).where(AuditEntry.action.like("agenda_item_%"))).scalars().all()
        )
    assert actions == ["agenda_item_added", "agenda_item_changed", "agenda_item_deleted"]


def test_exhibitors_are_added_by_theme_and_booths_are_not_shared(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    listing = client.get("/admin/exhibitors?lang=en")
    assert listing.status_code == 200
    assert "Smart Equipment" in text_of(listing) and "A01" in text_of(listing)
    assert_valid_and_labelled(text_of(listing))
    new = {"company": "Brandt Laserschneidtechnik GmbH", "theme": "smart_equipment", "booth": "B06", "country": "DE"}
    response = client.post("/admin/exhibitors/new", data=new)
    assert response.status_code == 302
    page = text_of(client.get("/sessions/exhibition?lang=en"))
    assert "Brandt Laserschneidtechnik GmbH" in page and "Booth B06" in page

    taken = client.post("/admin/exhibitors/new?lang=en", data={**new, "company": "Zweite GmbH", "booth": "a01"})
    assert taken.status_code == 422
    assert "Booth A01 is already taken by Hofmann Hochvolt-Systeme GmbH." in text_of(taken)
    assert 'value="Zweite GmbH"' in text_of(taken)
    assert_valid_and_labelled(text_of(taken))

    with app.app_context():
        exhibitor_id = db.session.execute(select(Exhibitor.id).where(Exhibitor.booth == "B06")).scalar_one()
    edit_page = client.get(f"/admin/exhibitors/{exhibitor_id}/edit?lang=en")
    assert 'value="B06"' in text_of(edit_page)
    assert_valid_and_labelled(text_of(edit_page))
    moved_onto_taken = client.post(f"/admin/exhibitors/{exhibitor_id}/edit?lang=en", data={**new, "booth": "B01"})
    assert moved_onto_taken.status_code == 422 and "Booth B01 is already taken" in text_of(moved_onto_taken)
    renamed = client.post(f"/admin/exhibitors/{exhibitor_id}/edit", data={**new, "company": "Brandt Laser GmbH"})
    assert renamed.status_code == 302
    assert "Brandt Laser GmbH" in text_of(client.get("/sessions/exhibition?lang=en"))
    deleted = client.post(f"/admin/exhibitors/{exhibitor_id}/delete?lang=en", follow_redirects=True)
    assert "Brandt Laser GmbH has been removed." in text_of(deleted)
    assert "Brandt Laser GmbH" not in text_of(client.get("/sessions/exhibition?lang=en"))


def new_session_form(app, **changes) -> dict:
    """The new-session form filled in for a workshop on the forum's first day, 14:00 to 15:30."""
    with app.app_context():
        day = (
            db.session.execute(select(Session.starts_at).where(Session.slug == SYMPOSIUM))
            .scalar_one()
            .astimezone(BEIJING)
            .date()
        )
    data = {
        "kind": "forum",
        "slug": "",
        "title_en": "Hydrogen Workshop: Fuel Cells",
        "title_de": "Wasserstoff-Werkstatt",
        "title_zh": "",
        "description_en": "",
        "description_de": "",
        "description_zh": "",
        "room_en": "Room 3",
        "room_de": "Raum 3",
        "room_zh": "3号会议室",
        "starts_at": f"{day}T14:00",
        "ends_at": f"{day}T15:30",
        "capacity": "2",
        "access": "open",
        "registration_opens_at": "",
        "registration_closes_at": "",
    }
    data.update(changes)
    return data


def test_organiser_adds_a_session_that_delegates_can_register_for(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    listing = text_of(client.get("/admin/sessions?lang=en"))
    assert '<a class="button" href="/admin/sessions/new">New session</a>' in listing
    form_page = client.get("/admin/sessions/new?lang=en")
    assert form_page.status_code == 200 and "Web address (optional)" in text_of(form_page)
    added = client.post("/admin/sessions/new?lang=en", data=new_session_form(app), follow_redirects=True)
    assert "Hydrogen Workshop: Fuel Cells has been added." in text_of(added)
    with app.app_context():
        session = db.session.execute(select(Session).where(Session.slug == "hydrogen-workshop-fuel-cells")).scalar_one()
        assert (session.kind.value, session.capacity, session.public_registration) == ("forum", 2, True)
        assert session.starts_at.astimezone(BEIJING).strftime("%H:%M") == "14:00"
        assert (
            db.session.execute(select(AuditEntry).where(AuditEntry.action == "session_created")).scalar_one().session_id
            == session.id
        )
    assert "Hydrogen Workshop: Fuel Cells" in text_of(client.get("/admin/sessions?lang=en"))
    assert "Wasserstoff-Werkstatt" in text_of(client.get("/?lang=de"))
    # Delegates take its seats like any other session's, the third one on the waiting list.
    statuses = [
        register_by_api(client, ["hydrogen-workshop-fuel-cells"], email=f"h{n}@example.de").json["registrations"][0][
            "status"
        ]
        for n in range(3)
    ]
    assert statuses == ["confirmed", "confirmed", "waitlisted"]


def test_a_new_session_with_a_taken_or_malformed_address_is_refused_with_the_entries_kept(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    taken = client.post("/admin/sessions/new?lang=en", data=new_session_form(app, slug="exhibition"))
    assert taken.status_code == 422
    page = text_of(taken)
    assert "Another session already has the address “exhibition”: choose another." in page
    assert 'value="Hydrogen Workshop: Fuel Cells"' in page and 'value="3号会议室"' in page
    malformed = client.post("/admin/sessions/new?lang=en", data=new_session_form(app, slug="Wasser Stoff!"))
    assert malformed.status_code == 422 and "Use small Latin letters, digits and hyphens" in text_of(malformed)
    outside = client.post(
        "/admin/sessions/new?lang=en",
        data=new_session_form(app, starts_at="2001-01-01T10:00", ends_at="2001-01-01T11:00"),
    )
    assert outside.status_code == 422 and "choose a time within it" in text_of(outside)
    untitled = client.post("/admin/sessions/new?lang=en", data=new_session_form(app, title_en="", title_de=""))
    assert untitled.status_code == 422 and "Give the title in at least one language." in text_of(untitled)
    with app.app_context():
        assert db.session.execute(select(Session.id).where(Session.room["en"].as_string() == "Room 3")).first() is None


def test_programme_pages_are_valid_html_with_labelled_fields_in_every_language(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    sid = session_id(app)
    with app.app_context():
        item_id = db.session.execute(select(AgendaItem.id).where(AgendaItem.session_id == sid)).scalars().first()
    paths = [
        "/admin/sessions",
        "/admin/sessions/new",
        f"/admin/sessions/{sid}/edit",
        f"/admin/sessions/{sid}/agenda/new",
        f"/admin/agenda/{item_id}/edit",
        "/admin/exhibitors",
        "/admin/exhibitors/new",
    ]
    for language in ("en", "de", "zh"):
        for path in paths:
            response = client.get(f"{path}?lang={language}")
            assert response.status_code == 200, path
            assert_valid_and_labelled(text_of(response))
    edit = text_of(client.get(f"/admin/sessions/{sid}/edit?lang=en"))
    assert '<label for="title_de">Title (German)</label>' in edit
    assert 'lang="zh-CN"' in edit


def test_door_staff_are_refused_and_anonymous_users_sent_to_sign_in(app, client, forum):
    paths = ["/admin/sessions", f"/admin/sessions/{session_id(app)}/edit", "/admin/exhibitors"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    sign_in(client, app, StaffRole.DOOR)
    for path in paths:
        assert client.get(path).status_code == 403
    assert client.post(f"/admin/sessions/{session_id(app)}/edit", data=edit_form(app, capacity="0")).status_code == 403
    assert seats(app, SYMPOSIUM)["capacity"] == 27
