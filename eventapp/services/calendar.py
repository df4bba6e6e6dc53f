"""Calendar files (iCalendar, RFC 5545): the whole programme and a delegate's own sessions.

Times are written in the event's zone (TZID=Asia/Shanghai) with its VTIMEZONE, so a
calendar in Berlin shows 03:30 for the symposium at 10:30 in Beijing. A session keeps the
same UID in every download and in both files, so importing again updates the entry
instead of adding a second one; its SEQUENCE (the session's revision, one more once a
waiting delegate has their seat) and LAST-MODIFIED tell calendar apps that it changed.

The files are iTIP PUBLISH messages (RFC 5546 §3.2.1), as the mail attachment's
`method=PUBLISH` says: published by the forum's organisers, named as ORGANIZER (PUBLISH
requires one, and libical refuses the file without) by the address mails come from.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, vCalAddress
from icalendar import Event as CalendarEvent

from ..i18n import HTML_LANG, format_local_time, localized
from ..labels import presenter_text
from ..models import Delegate, Event, Registration, RegistrationStatus, Session, utcnow
from .events import sender_for
from .standing import personal_sessions

PRODUCT_ID = "-//eventapp//Forum programme//EN"
DEFAULT_LANGUAGE = "en"
METHOD = "PUBLISH"  # also the mail attachment's Content-Type method (services/mail.py)


def session_uid(session: Session, event: Event) -> str:
    return f"session-{session.id}@{event.slug}"


def _calendar(event: Event, name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", METHOD)
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


def organizer(event: Event, language: str) -> vCalAddress:
    """The ORGANIZER of every entry: the mailbox that mails to delegates come from, by name."""
    address, name = sender_for(event, language)
    value = vCalAddress(f"mailto:{address}")
    value.params["cn"] = name
    return value


def _session_entry(
    session: Session, event: Event, language: str, registration: Registration | None = None
) -> CalendarEvent:
    """The session as a calendar entry; with the delegate's `registration`, as theirs: a
    waiting-list place is TENTATIVE, marked "(waiting list)", and the seat that follows it
    counts as one more revision (its STATUS and SUMMARY change)."""
    waitlisted = registration is not None and registration.status == RegistrationStatus.WAITLISTED
    promoted = (
        registration is not None
        and registration.status == RegistrationStatus.CONFIRMED
        and registration.waitlisted_at is not None
    )
    modified = session.revised_at
    if registration is not None:
        modified = max(modified, registration.status_changed_at)
    zone = ZoneInfo(event.timezone)
    entry = CalendarEvent()
    entry.add("uid", session_uid(session, event))
    entry.add("dtstamp", utcnow())  # when this file was written (RFC 5546: with a METHOD)
    entry.add("sequence", session.revision + (1 if promoted else 0))
    entry.add("last-modified", modified)
    entry.add("organizer", organizer(event, language))
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
            calendar.add_component(_session_entry(row.session, event, language, row.registration))
        return _to_bytes(calendar, event)
