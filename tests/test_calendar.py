"""Calendar files: the whole programme and a delegate's own sessions, in Beijing time."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

import eventapp.public.documents  # noqa: F401  (routes attach to the public blueprint)
from eventapp.extensions import db
from eventapp.models import Delegate, Registration, RegistrationStatus, Session
from eventapp.services.audit import Actor
from eventapp.services.programme import SessionDetails, update_session
from eventapp.services.registration import cancel_registration

from .factories import CHINESE, GERMAN, register_by_api, set_session

SYMPOSIUM = "german-enterprise-symposium"
FORUM = "thematic-forum"
BEIJING = ZoneInfo("Asia/Shanghai")


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def entries(calendar: Calendar) -> dict[str, object]:
    """VEVENTs by their English-or-other summary."""
    return {str(entry["SUMMARY"]): entry for entry in calendar.walk("VEVENT")}


def private_path(response) -> str:
    assert response.status_code == 201, response.get_json()
    return "/" + response.get_json()["manage_url"].split("/", 3)[3]


def test_programme_calendar_has_every_session_in_beijing_time(client, forum):
    calendar = parse(client.get("/agenda.ics"))
    assert str(calendar["METHOD"]) == "PUBLISH" and "eventapp" in str(calendar["PRODID"])
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Shanghai"
    sessions = entries(calendar)
    assert set(sessions) == {
        "Opening Ceremony",
        "Special Exhibition of Hidden Champions",
        "German Enterprise Symposium",
        "Thematic Forum",
    }
    symposium = sessions["German Enterprise Symposium"]
    assert symposium["DTSTART"].params["TZID"] == "Asia/Shanghai"
    start, end = symposium.decoded("DTSTART"), symposium.decoded("DTEND")
    assert start == datetime.combine(forum, time(10, 30), BEIJING)
    assert start.astimezone(UTC).time() == time(2, 30)
    assert end.astimezone(BEIJING).time() == time(12, 30)
    assert str(symposium["LOCATION"]) == (
        "Conference Room 1, Beijing China-Germany International Conference and Exhibition Center (Shunyi District)"
    )
    description = str(symposium["DESCRIPTION"])
    assert "seats are limited to 27" in description
    assert "10:30 Presentation: development of high-end industries in Beijing" in description
    assert str(symposium["STATUS"]) == "CONFIRMED" and symposium.decoded("DTSTAMP").tzinfo is not None


def test_programme_calendar_uids_are_the_same_in_every_download(client, forum):
    first = {str(e["SUMMARY"]): str(e["UID"]) for e in parse(client.get("/agenda.ics")).walk("VEVENT")}
    second = {str(e["SUMMARY"]): str(e["UID"]) for e in parse(client.get("/agenda.ics")).walk("VEVENT")}
    assert first == second and len(set(first.values())) == 4
    assert all(uid.endswith("@beijing-china-germany-forum") for uid in first.values())
    german = {str(e["UID"]) for e in parse(client.get("/agenda.ics?lang=de")).walk("VEVENT")}
    assert german == set(first.values()), "the same session whatever the language"


def test_programme_calendar_in_german_and_chinese(client, forum):
    german = entries(parse(client.get("/agenda.ics?lang=de")))
    assert "Symposium mit deutschen Unternehmen" in german
    assert str(german["Eröffnungsfeier"]["LOCATION"]).startswith("Hauptsaal, Internationales Konferenz")
    chinese = entries(parse(client.get("/agenda.ics?lang=zh")))
    assert "德企座谈会" in chinese
    assert str(chinese["德企座谈会"]["LOCATION"]) == "第一会议室, 北京中德国际会展中心（顺义区）"


@pytest.fixture
def wang_path(app, client, forum):
    """王小明 (language zh): confirmed at the exhibition, waiting for the symposium, cancelled
    at the thematic forum."""
    set_session(app, SYMPOSIUM, capacity=1)
    set_session(app, FORUM, public_registration=True)
    register_by_api(client, [SYMPOSIUM], base=GERMAN)
    path = private_path(register_by_api(client, ["exhibition", SYMPOSIUM, FORUM], base=CHINESE))
    with app.app_context():
        delegate = db.session.execute(select(Delegate).where(Delegate.name_native == "王小明")).scalar_one()
        cancel_registration(next(r for r in delegate.registrations if r.session.slug == FORUM), actor=Actor.SYSTEM)
    return path


def test_personal_calendar_has_only_the_delegates_sessions_and_marks_the_waiting_list(client, wang_path):
    response = client.get(wang_path + "/agenda.ics")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    sessions = entries(parse(response))
    assert len(sessions) == 2, "cancelled and other sessions are left out"
    assert str(sessions["隐形冠军专题展"]["STATUS"]) == "CONFIRMED", "in the delegate's language"
    (waiting,) = [entry for title, entry in sessions.items() if title.startswith("德企座谈会")]
    assert str(waiting["SUMMARY"]) == "德企座谈会（候补名单）", "the waiting-list mark in the delegate's language"
    assert str(waiting["STATUS"]) == "TENTATIVE"
    assert waiting.decoded("DTSTART").astimezone(UTC).time() == time(2, 30)
    programme_uids = {str(e["UID"]) for e in parse(client.get("/agenda.ics")).walk("VEVENT")}
    assert {str(e["UID"]) for e in sessions.values()} <= programme_uids


def test_personal_calendar_in_english_on_request(client, wang_path):
    sessions = entries(parse(client.get(wang_path + "/agenda.ics?lang=en")))
    assert set(sessions) == {"Special Exhibition of Hidden Champions", "German Enterprise Symposium (waiting list)"}


# --- iTIP PUBLISH: an organiser, and what tells calendar apps that an entry changed ---------


def test_calendars_name_the_organisers_as_itip_publish_requires(app, client, wang_path):
    app.config["MAIL_DEFAULT_SENDER"] = "forum@forum.test"
    for path in ("/agenda.ics", "/agenda.ics?lang=zh", wang_path + "/agenda.ics"):
        calendar = parse(client.get(path))
        assert str(calendar["METHOD"]) == "PUBLISH", path
        for entry in calendar.walk("VEVENT"):
            organizer = entry["ORGANIZER"]
            assert str(organizer) == "mailto:forum@forum.test", path
            assert entry.decoded("DTSTAMP").tzinfo is not None and entry.decoded("LAST-MODIFIED").tzinfo is not None
            assert entry.decoded("SEQUENCE") == 0, "nothing has changed yet"
    # Named as the mails are: the sender's own name, else the forum's in the file's language.
    chinese = parse(client.get("/agenda.ics?lang=zh")).walk("VEVENT")[0]
    assert chinese["ORGANIZER"].params["CN"] == "北京中德产业合作发展论坛"
    app.config["MAIL_DEFAULT_SENDER"] = "Forum Office <office@forum.test>"
    entry = parse(client.get("/agenda.ics")).walk("VEVENT")[0]
    assert str(entry["ORGANIZER"]) == "mailto:office@forum.test" and entry["ORGANIZER"].params["CN"] == "Forum Office"


LIBICAL_CHECK = """
import json, sys
try:
    import gi
    gi.require_version("ICalGLib", "3.0")
    from gi.repository import ICalGLib
except (ImportError, ValueError):
    print(json.dumps(None)); sys.exit()
component = ICalGLib.Component.new_from_string(sys.stdin.read())
problems = []
def walk(c):
    p = c.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while p:
        problems.append(p.get_xlicerror()); p = c.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    sub = c.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while sub:
        walk(sub); sub = c.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
passed = bool(ICalGLib.restriction_check(component))
walk(component)
print(json.dumps([passed, problems]))
"""


def libical_problems(data: bytes) -> list[str] | None:
    """What libical's parser and iTIP restriction check (icalrestriction.c) say about a
    file; None without libical's GObject bindings (Debian: gir1.2-ical-3.0, python3-gi)."""
    python = shutil.which("python3", path="/usr/bin:/usr/local/bin")
    if python is None:
        return None
    answer = subprocess.run([python, "-c", LIBICAL_CHECK], input=data, capture_output=True, timeout=60, check=True)
    result = json.loads(answer.stdout)
    if result is None:
        return None
    passed, problems = result
    return problems if problems or passed else ["restriction check failed"]


def test_libical_accepts_the_calendars(client, wang_path):
    for path in ("/agenda.ics", "/agenda.ics?lang=zh", wang_path + "/agenda.ics"):
        problems = libical_problems(client.get(path).data)
        if problems is None:
            pytest.skip("libical's Python bindings are not installed (gir1.2-ical-3.0)")
        assert problems == [], path


def symposium_entry(client, path: str = "/agenda.ics"):
    calendar = parse(client.get(path))
    (entry,) = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]).startswith(("German Enterprise", "德企座谈会"))]
    return entry


def change_symposium(app, **changes) -> None:
    """Through the service organisers use, as the session edit page does."""
    with app.app_context():
        session = db.session.execute(select(Session).where(Session.slug == SYMPOSIUM)).scalar_one()
        details = SessionDetails.of(session)
        for name, value in changes.items():
            setattr(details, name, value(getattr(details, name)) if callable(value) else value)
        update_session(session, details, changes.pop("capacity", session.capacity), actor=Actor.SYSTEM)


def revised_at(app) -> datetime:
    with app.app_context():
        return db.session.execute(select(Session.revised_at).where(Session.slug == SYMPOSIUM)).scalar_one()


def test_a_session_moved_renamed_or_given_another_room_is_a_new_revision_of_the_same_entry(app, client, forum):
    set_session(app, SYMPOSIUM, revised_at=datetime(2000, 1, 1, tzinfo=UTC))
    before = symposium_entry(client)
    assert before.decoded("SEQUENCE") == 0
    assert before.decoded("LAST-MODIFIED") == datetime(2000, 1, 1, tzinfo=UTC)
    change_symposium(app, starts_at=lambda t: t + timedelta(hours=1), ends_at=lambda t: t + timedelta(hours=1))
    moved = symposium_entry(client)
    assert str(moved["UID"]) == str(before["UID"]), "the same entry, updated in place"
    assert moved.decoded("SEQUENCE") == 1
    assert moved.decoded("DTSTART").astimezone(BEIJING).time() == time(11, 30)
    assert moved.decoded("LAST-MODIFIED") == revised_at(app).replace(microsecond=0) > before.decoded("LAST-MODIFIED")
    change_symposium(app, room=lambda room: {**room, "en": "Conference Room 2"})
    assert symposium_entry(client).decoded("SEQUENCE") == 2
    change_symposium(app, title=lambda title: {**title, "en": "German Enterprise Symposium 2027"})
    assert symposium_entry(client).decoded("SEQUENCE") == 3
    # What no calendar shows is no new revision.
    change_symposium(app, public_registration=False)
    set_session(app, SYMPOSIUM, capacity=5, confirmed_count=0)
    assert symposium_entry(client).decoded("SEQUENCE") == 3


def test_a_seat_from_the_waiting_list_updates_the_delegates_entry(app, client, wang_path):
    waiting = symposium_entry(client, wang_path + "/agenda.ics")
    assert str(waiting["STATUS"]) == "TENTATIVE" and waiting.decoded("SEQUENCE") == 0
    with app.app_context():
        first = db.session.execute(
            select(Registration)
            .join(Session)
            .where(Session.slug == SYMPOSIUM, Registration.status == RegistrationStatus.CONFIRMED)
        ).scalar_one()
        cancel_registration(first, actor=Actor.SYSTEM)  # 王小明 moves up
        promoted_at = db.session.execute(
            select(Registration.status_changed_at)
            .join(Session)
            .join(Delegate)
            .where(Session.slug == SYMPOSIUM, Delegate.name_native == "王小明")
        ).scalar_one()
    confirmed = symposium_entry(client, wang_path + "/agenda.ics")
    assert str(confirmed["STATUS"]) == "CONFIRMED" and str(confirmed["SUMMARY"]) == "德企座谈会"
    assert confirmed.decoded("SEQUENCE") == 1, "status and title changed: calendar apps must take it"
    assert confirmed.decoded("LAST-MODIFIED") == promoted_at.replace(microsecond=0)
    assert str(confirmed["UID"]) == str(waiting["UID"])
