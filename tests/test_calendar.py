"""Calendar files: the whole programme and a delegate's own sessions, in Beijing time."""
from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

import eventapp.public.documents  # noqa: F401  (routes attach to the public blueprint)
from eventapp.extensions import db
from eventapp.models import Delegate
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
    assert start.astimezone(timezone.utc).time() == time(2, 30)
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
        cancel_registration(next(r for r in delegate.registrations if r.session.slug == FORUM), actor="test")
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
    assert waiting.decoded("DTSTART").astimezone(timezone.utc).time() == time(2, 30)
    programme_uids = {str(e["UID"]) for e in parse(client.get("/agenda.ics")).walk("VEVENT")}
    assert {str(e["UID"]) for e in sessions.values()} <= programme_uids


def test_personal_calendar_in_english_on_request(client, wang_path):
    sessions = entries(parse(client.get(wang_path + "/agenda.ics?lang=en")))
    assert set(sessions) == {"Special Exhibition of Hidden Champions", "German Enterprise Symposium (waiting list)"}
