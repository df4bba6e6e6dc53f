"""The programme as an A4 PDF in each language, kept and rebuilt when the programme changes,
and a delegate's personal agenda with their badge's QR code.

The programme PDF is the same for everyone who reads one language, so it is rendered once
(in the background after a change to the programme, or on the first request) and kept with
the fingerprint of everything printed on it. Serving it costs a few small queries to
recompute that fingerprint and one read of the kept file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import names
from ..demo.data import EXHIBITOR_THEMES
from ..extensions import db
from ..i18n import HTML_LANG, country_name, localized, timezone_name
from ..labels import presenter_text, session_kind_labels
from ..models import (
    AgendaItem,
    Delegate,
    Event,
    Exhibitor,
    Session,
    SessionKind,
)
from . import documents, pdf
from .events import current_event
from .exports import _css_string, page_numbers_css
from .programme import exhibitors_by_theme
from .standing import personal_sessions

# Bump when what the templates print changes in a way their source does not show (e.g. a
# helper below); edits to the templates themselves change the fingerprint on their own.
TEMPLATE_VERSION = "agenda-2"
PROGRAMME_TEMPLATE = "print/agenda.html"
PERSONAL_TEMPLATE = "print/personal_agenda.html"
STYLES_TEMPLATE = "print/agenda_styles.css"
MACROS_TEMPLATE = "print/agenda_macros.html"


def document_key(language: str) -> str:
    return f"agenda:{language}"


# --- what is printed ------------------------------------------------------------------------


def kind_label(kind: SessionKind) -> str:
    return str(session_kind_labels()[kind])


def event_dates(event: Event, language: str) -> str:
    if event.ends_on == event.starts_on:
        return format_date(event.starts_on, "full", locale=language)
    return format_interval(event.starts_on, event.ends_on, "yMMMMd", locale=language)


def timezone_note(event: Event) -> str:
    return _("All times are local time in Beijing (%(zone)s).", zone=timezone_name(event.timezone))


@dataclass
class ProgrammeDay:
    day: date
    label: str
    sessions: list[Session]


def programme_days(event: Event, sessions: list[Session], language: str) -> list[ProgrammeDay]:
    """Sessions grouped by their day in the event's zone, in programme order."""
    zone = ZoneInfo(event.timezone)
    by_day = groupby(sessions, key=lambda s: s.starts_at.astimezone(zone).date())
    return [
        ProgrammeDay(day, format_date(day, "full", locale=language), list(day_sessions)) for day, day_sessions in by_day
    ]


def _sessions_with_agenda(event: Event) -> list[Session]:
    return list(
        db.session.execute(
            select(Session)
            .where(Session.event_id == event.id)
            .options(selectinload(Session.agenda_items))
            .order_by(Session.starts_at, Session.id)
        ).scalars()
    )


def _print_helpers(event: Event, language: str) -> dict:
    """What both agenda templates use: fonts, page furniture and the language's own labels."""
    return {
        "event": event,
        "language": language,
        "html_lang": HTML_LANG[language],
        "font_stack": pdf.font_stack(),
        "has_han": names.has_han,
        "kind_label": kind_label,
        "presenter_text": lambda item: presenter_text(item, language),
        "event_dates": event_dates(event, language),
        "timezone_note": timezone_note(event),
        "page_numbers": page_numbers_css(),
        "running_forum": _css_string(localized(event.name, language)),
    }


# --- the whole programme --------------------------------------------------------------------


@lru_cache(maxsize=1)
def _source_digest() -> str:
    """A hash of the agenda templates and the translation catalogues, read once per process
    (a process renders with the templates and catalogues it loaded at start): a deploy that
    changes either makes every kept programme stale without anyone bumping a version."""
    from flask_babel import get_babel

    env = current_app.jinja_env
    loader = env.loader
    if loader is None:  # never: Flask always gives its environment one
        raise RuntimeError("the Jinja environment has no template loader")
    digest = hashlib.sha256()
    for name in (PROGRAMME_TEMPLATE, STYLES_TEMPLATE, MACROS_TEMPLATE):
        digest.update(loader.get_source(env, name)[0].encode())
    for directory in get_babel(current_app).translation_directories:
        for catalogue in sorted(Path(directory).glob("*/LC_MESSAGES/*.mo")):
            digest.update(str(catalogue.relative_to(directory)).encode() + catalogue.read_bytes())
    return digest.hexdigest()


def programme_fingerprint(event: Event, language: str) -> str:
    """A hash of everything the programme PDF prints in this language. Three small queries
    of plain columns (no ORM objects): cheap enough to run on every request."""
    sessions = db.session.execute(
        select(
            Session.id,
            Session.slug,
            Session.kind,
            Session.title,
            Session.description,
            Session.room,
            Session.starts_at,
            Session.ends_at,
        )
        .where(Session.event_id == event.id)
        .order_by(Session.starts_at, Session.id)
    ).all()
    agenda_items = db.session.execute(
        select(
            AgendaItem.id,
            AgendaItem.session_id,
            AgendaItem.starts_at,
            AgendaItem.title,
            AgendaItem.presenter_name,
            AgendaItem.presenter_organisation,
        )
        .join(AgendaItem.session)
        .where(Session.event_id == event.id)
        .order_by(AgendaItem.session_id, AgendaItem.starts_at, AgendaItem.id)
    ).all()
    exhibitors = db.session.execute(
        select(Exhibitor.id, Exhibitor.company, Exhibitor.theme, Exhibitor.booth, Exhibitor.country)
        .where(Exhibitor.event_id == event.id)
        .order_by(Exhibitor.booth, Exhibitor.id)
    ).all()
    return documents.fingerprint(
        TEMPLATE_VERSION,
        _source_digest(),
        language,
        [event.id, event.slug, event.name, event.theme, event.venue, event.timezone, event.starts_on, event.ends_on],
        [list(row) for row in sessions],
        [list(row) for row in agenda_items],
        [list(row) for row in exhibitors],
        EXHIBITOR_THEMES,
    )


def programme_html(event: Event, language: str) -> str:
    """The programme's HTML; call under force_locale(language)."""
    sessions = _sessions_with_agenda(event)
    exhibition = next((s for s in sessions if s.kind == SessionKind.EXHIBITION), None)
    themes = [
        (localized(EXHIBITOR_THEMES.get(theme.value), language) or theme.value, exhibitors)
        for theme, exhibitors in exhibitors_by_theme(event)
        if exhibitors
    ]
    return render_template(
        PROGRAMME_TEMPLATE,
        days=programme_days(event, sessions, language),
        sessions=sessions,
        exhibition=exhibition,
        themes=themes,
        country_name=lambda code: country_name(code, language),
        running_title=_css_string(_("Programme") + " · " + event_dates(event, language)),
        **_print_helpers(event, language),
    )


def render_programme_pdf(event: Event, language: str) -> bytes:
    """The whole programme on A4 in one language: forum, theme, venue, date and the time
    zone; every session with its times, room, description and agenda (presenters too); the
    exhibitors by theme and booth; page numbers. FontMissing without the CJK font."""
    pdf.ensure_fonts()
    with force_locale(language):
        html = programme_html(event, language)
    return pdf.html_to_pdf(html)


def programme_pdf(event: Event, language: str, *, fingerprint: str | None = None) -> bytes:
    """The kept programme if it is current, else rendered now and kept. Pass the fingerprint
    if you have just computed it (the view does, for its ETag)."""
    fingerprint = fingerprint or programme_fingerprint(event, language)
    kept = documents.cached(document_key(language), fingerprint)
    if kept is not None:
        return kept
    content = render_programme_pdf(event, language)
    keep = [(document_key(language), fingerprint, content)]
    documents.keep(keep)
    return content


def refresh_agenda(language: str) -> None:
    """Render and keep the programme in this language unless the kept one is current (the
    background task after a change to the programme; needs an app context)."""
    event = current_event()
    if event is None or language not in current_app.config["LANGUAGES"]:
        return
    programme_pdf(event, language)


# --- a delegate's own agenda ----------------------------------------------------------------


def personal_agenda_html(delegate: Delegate, language: str) -> str:
    """The personal agenda's HTML; call under force_locale(language)."""
    event = delegate.event
    rows = personal_sessions(delegate)
    name = delegate.badge_name
    has_seat = any(row.confirmed for row in rows)
    return render_template(
        PERSONAL_TEMPLATE,
        delegate=delegate,
        name=name,
        rows=rows,
        qr=pdf.qr_png_data_uri(delegate.checkin_code) if has_seat else None,
        running_title=_css_string(_("Personal agenda") + " · " + name.main),
        **_print_helpers(event, language),
    )


def personal_agenda_pdf(delegate: Delegate, language: str | None = None) -> bytes:
    """A delegate's agenda on A4 in their language (or the one asked): their confirmed
    sessions and the waiting-list ones with their position, each with time, room and agenda;
    their name as on the badge and, once a seat is confirmed, the badge's QR code with the
    check-in code in text. FontMissing without the CJK font."""
    language = language if language in HTML_LANG else delegate.language
    pdf.ensure_fonts()
    with force_locale(language):
        html = personal_agenda_html(delegate, language)
    return pdf.html_to_pdf(html)
