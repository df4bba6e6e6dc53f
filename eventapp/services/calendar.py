"""Calendar files (iCalendar, RFC 5545): the whole programme and a delegate's own sessions.

Times are written in the event's zone (TZID=Asia/Shanghai) with its VTIMEZONE, so a
calendar in Berlin shows 03:30 for the symposium at 10:30 in Beijing. A session keeps the
same UID in every download and in both files, so importing again updates the entry
instead of adding a second one.
"""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from ..i18n import HTML_LANG, format_local_time, localized
from ..models import Delegate, Event, RegistrationStatus, Session, utcnow
from .agendas import personal_sessions, presenter_text

PRODUCT_ID = "-//eventapp//Forum programme//EN"
DEFAULT_LANGUAGE = "en"


def session_uid(session: Session, event: Event) -> str:
    return f"session-{session.id}@{event.slug}"


def _calendar(event: Event, name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", event.timezone)
    return calendar


def _description(session: Session, event: Event, language: str) -> str:
    """The session's description, then its agenda: "10:30 Title (presenter)" a line."""
    lines = [localized(session.description, language)]
    if session.agenda_items:
        lines.append("")
        for item in session.agenda_items:
            line = f"{format_local_time(item.starts_at, event.timezone)} {localized(item.title, language)}"
            presenter = presenter_text(item, language)
            lines.append(f"{line} ({presenter})" if presenter else line)
    return "\n".join(lines).strip()


def _session_entry(session: Session, event: Event, language: str, *, waitlisted: bool = False) -> CalendarEvent:
    zone = ZoneInfo(event.timezone)
    entry = CalendarEvent()
    entry.add("uid", session_uid(session, event))
    entry.add("dtstamp", utcnow())
    entry.add("dtstart", session.starts_at.astimezone(zone))
    entry.add("dtend", session.ends_at.astimezone(zone))
    title = localized(session.title, language)
    entry.add("summary", _("%(title)s (waiting list)", title=title) if waitlisted else title)
    room, venue = localized(session.room, language), localized(event.venue, language)
    entry.add("location", ", ".join(part for part in (room, venue) if part))
    entry.add("description", _description(session, event, language))
    entry.add("status", "TENTATIVE" if waitlisted else "CONFIRMED")
    entry.add("transp", "OPAQUE")
    return entry


def _to_bytes(calendar: Calendar, event: Event) -> bytes:
    # Only the event's years: the zone's history back to 1970 would add lines nobody needs.
    calendar.add_missing_timezones(
        first_date=date(event.starts_on.year, 1, 1), last_date=date(event.ends_on.year + 1, 1, 1)
    )
    return calendar.to_ical()


def programme_ics(event: Event, language: str = DEFAULT_LANGUAGE) -> bytes:
    """Every session of the event as a calendar (titles in `language`, English by default)."""
    language = language if language in HTML_LANG else DEFAULT_LANGUAGE
    with force_locale(language):
        calendar = _calendar(event, localized(event.name, language))
        for session in sorted(event.sessions, key=lambda s: (s.starts_at, s.id)):
            calendar.add_component(_session_entry(session, event, language))
        return _to_bytes(calendar, event)


def personal_ics(delegate: Delegate, language: str | None = None) -> bytes:
    """The delegate's confirmed sessions, and their waiting-list ones marked TENTATIVE with
    "(waiting list)" in the title; cancelled ones are left out. In the delegate's language."""
    language = language if language in HTML_LANG else delegate.language
    event = delegate.event
    with force_locale(language):
        calendar = _calendar(event, localized(event.name, language))
        for row in personal_sessions(delegate):
            waitlisted = row.registration.status == RegistrationStatus.WAITLISTED
            calendar.add_component(_session_entry(row.session, event, language, waitlisted=waitlisted))
        return _to_bytes(calendar, event)
