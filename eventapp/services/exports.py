"""Exports for organisers: delegates (with their answers to the event's questions, never
passport data), registrations and attendance as CSV and XLSX, and a sign-in sheet per
session as PDF.

The table builders return plain rows (strings, numbers, times in the event's zone) and the
writers turn any table into file bytes, so the back office and a CLI share one code path.
Spreadsheets execute what looks like a formula: every text cell that starts like one is
written with a leading apostrophe, in CSV and XLSX alike.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from .. import names
from ..extensions import db
from ..i18n import country_name, format_local_date, format_local_time, localized
from ..labels import language_label, organisation_type_label
from ..models import (
    CheckIn,
    Delegate,
    Event,
    Registration,
    RegistrationStatus,
    Session,
    utcnow,
)
from . import questions
from .pdf import CJK_FONT_FAMILY, FontMissing, html_to_pdf  # noqa: F401 (FontMissing: for callers)

# OWASP's list: what Excel, LibreOffice and Google Sheets take as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PHONE_NUMBER = re.compile(r"\+[0-9][0-9 ()./-]{3,39}")
# Control characters that the XLSX format cannot hold (openpyxl refuses them).
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_ILLEGAL = re.compile(r"[\[\]:*?/\\]")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

Cell = str | int | datetime | None


@dataclass
class ExportTable:
    """Rows for one file; times are aware datetimes in the event's zone."""

    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


# --- what each export holds ---------------------------------------------------------------


def status_label(status: RegistrationStatus, position: int | None = None) -> str:
    if status == RegistrationStatus.CONFIRMED:
        return _("confirmed")
    if status == RegistrationStatus.WAITLISTED:
        return _("waitlisted (%(position)s)", position=position)
    return _("cancelled")


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return moment.astimezone(zone).replace(microsecond=0) if moment else None


def _event_sessions(event: Event) -> list[Session]:
    return list(
        db.session.execute(
            select(Session).where(Session.event_id == event.id).order_by(Session.starts_at, Session.id)
        ).scalars()
    )


def _registrations(event: Event, session: Session | None = None) -> list[Registration]:
    """Registrations with their delegate and session loaded, by delegate name, then programme."""
    statement = (
        select(Registration)
        .join(Registration.session)
        .join(Registration.delegate)
        .where(Session.event_id == event.id)
        .options(contains_eager(Registration.session), contains_eager(Registration.delegate))
        .order_by(Delegate.sort_name, Delegate.id, Session.starts_at, Session.id, Registration.id)
    )
    if session is not None:
        statement = statement.where(Registration.session_id == session.id)
    return list(db.session.execute(statement).scalars())


def _waitlist_positions(registrations: Iterable[Registration]) -> dict[int, int]:
    """Registration id -> place on its session's waiting list (1 = next in line)."""
    by_session: dict[int, list[Registration]] = defaultdict(list)
    for registration in registrations:
        if registration.status == RegistrationStatus.WAITLISTED:
            by_session[registration.session_id].append(registration)
    positions = {}
    for waiting in by_session.values():
        waiting.sort(key=lambda r: r.waitlist_rank or 0)  # never None: see waitlisted_has_rank
        positions.update({r.id: place for place, r in enumerate(waiting, start=1)})
    return positions


def _standing_checkins(event: Event, door: str) -> dict[int, datetime]:
    """Delegate id -> when they were let in through this door (undone check-ins left out)."""
    rows = db.session.execute(
        select(CheckIn.delegate_id, CheckIn.checked_in_at)
        .join(CheckIn.delegate)
        .where(Delegate.event_id == event.id, CheckIn.door == door, CheckIn.undone_at.is_(None))
    ).all()
    return dict(rows)


def _name_columns() -> list[str]:
    return [_("Family name"), _("Given name"), _("Name in native script")]


def _name_cells(delegate: Delegate) -> list[Cell]:
    return [delegate.family_name, delegate.given_name, delegate.name_native]


def _answer_cell(value: questions.Value) -> Cell:
    return value.isoformat() if isinstance(value, date) else value


def delegate_table(event: Event) -> ExportTable:
    """One row per delegate, by sort name, with their status in every session of the event:
    the live registration if there is one, else "cancelled", else blank."""
    zone = ZoneInfo(event.timezone)
    sessions = _event_sessions(event)
    delegates = db.session.execute(
        select(Delegate).where(Delegate.event_id == event.id).order_by(Delegate.sort_name, Delegate.id)
    ).scalars()
    registrations = _registrations(event)
    positions = _waitlist_positions(registrations)
    shown: dict[tuple[int, int], Registration] = {}
    for registration in registrations:
        key = (registration.delegate_id, registration.session_id)
        if key not in shown or shown[key].status == RegistrationStatus.CANCELLED:
            shown[key] = registration

    answers = questions.answer_columns(event)  # the questions the event asks; never passport data
    table = ExportTable(
        title=_("Delegates"),
        columns=[
            _("ID"),
            *_name_columns(),
            _("Organisation"),
            _("Position"),
            _("Organisation type"),
            _("Country"),
            _("Email"),
            _("Phone"),
            _("Language"),
            *(column.label for column in answers),
            _("Registered at (%(zone)s)", zone=event.timezone),
            _("Check-in code"),
            *(localized(s.title) for s in sessions),
        ],
    )
    for delegate in delegates:
        statuses = []
        for session in sessions:
            held = shown.get((delegate.id, session.id))
            statuses.append(status_label(held.status, positions.get(held.id)) if held else "")
        table.rows.append(
            [
                delegate.id,
                *_name_cells(delegate),
                delegate.organisation,
                delegate.position,
                organisation_type_label(delegate.organisation_type),
                country_name(delegate.country),
                delegate.email,
                delegate.phone,
                language_label(delegate.language),
                *(_answer_cell(column.value(delegate)) for column in answers),
                _local(delegate.created_at, zone),
                delegate.checkin_code,
                *statuses,
            ]
        )
    return table


def registration_table(event: Event) -> ExportTable:
    """One row per registration, cancelled ones included, by delegate then programme."""
    zone = ZoneInfo(event.timezone)
    registrations = _registrations(event)
    positions = _waitlist_positions(registrations)
    table = ExportTable(
        title=_("Registrations"),
        columns=[
            _("Delegate ID"),
            *_name_columns(),
            _("Email"),
            _("Organisation"),
            _("Session"),
            _("Session title"),
            _("Status"),
            _("Waiting list position"),
            # Full sentences, not f-strings: the message extractor cannot see into those.
            _("Created (%(zone)s)", zone=event.timezone),
            _("Confirmed (%(zone)s)", zone=event.timezone),
            _("Cancelled (%(zone)s)", zone=event.timezone),
        ],
    )
    for registration in registrations:
        delegate, session = registration.delegate, registration.session
        table.rows.append(
            [
                delegate.id,
                *_name_cells(delegate),
                delegate.email,
                delegate.organisation,
                session.slug,
                localized(session.title),
                status_label(registration.status, positions.get(registration.id)),
                positions.get(registration.id),
                _local(registration.created_at, zone),
                _local(registration.confirmed_at, zone),
                _local(registration.cancelled_at, zone),
            ]
        )
    return table


def attendance_table(event: Event, session: Session) -> ExportTable:
    """Who holds a seat in the session and whether they came in through its door; then the
    waiting list in order. Someone let in and cancelled afterwards is listed too: they came."""
    zone = ZoneInfo(event.timezone)
    registrations = _registrations(event, session)
    positions = _waitlist_positions(registrations)
    checkins = _standing_checkins(event, session.slug)
    live = {r.delegate_id for r in registrations if r.status != RegistrationStatus.CANCELLED}
    confirmed = [r for r in registrations if r.status == RegistrationStatus.CONFIRMED]
    waiting = sorted(
        (r for r in registrations if r.status == RegistrationStatus.WAITLISTED),
        key=lambda r: positions[r.id],
    )
    cancelled_but_came = list(
        {
            r.delegate_id: r
            for r in registrations
            if r.status == RegistrationStatus.CANCELLED and r.delegate_id in checkins and r.delegate_id not in live
        }.values()
    )
    table = ExportTable(
        title=localized(session.title),
        columns=[
            _("No."),
            _("Delegate ID"),
            *_name_columns(),
            _("Organisation"),
            _("Email"),
            _("Status"),
            _("Checked in"),
            _("Checked in at (%(zone)s)", zone=event.timezone),
        ],
    )
    for number, registration in enumerate([*confirmed, *cancelled_but_came, *waiting], start=1):
        delegate = registration.delegate
        came = checkins.get(delegate.id)
        table.rows.append(
            [
                number,
                delegate.id,
                *_name_cells(delegate),
                delegate.organisation,
                delegate.email,
                status_label(registration.status, positions.get(registration.id)),
                _("yes") if came else _("no"),
                _local(came, zone),
            ]
        )
    return table


# --- writing files --------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; a phone
    number (+86 10 …: digits and punctuation, no letters, so no function) is left as it is."""
    if PHONE_NUMBER.fullmatch(value):
        return value
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_cell(value: Cell) -> str | int:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, str):
        return neutralise(value)
    return value


def to_csv(table: ExportTable) -> bytes:
    """Comma-separated UTF-8 with a byte order mark, which Excel needs to read Chinese and
    umlauts right; CRLF line ends as RFC 4180 says."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(c) for c in table.columns])
    writer.writerows([_csv_cell(c) for c in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


def _text_width(value: Cell) -> int:
    """Roughly how many Latin characters wide a cell is: CJK characters take two."""
    if isinstance(value, datetime):
        return 19
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _sheet_title(title: str) -> str:
    return (_SHEET_TITLE_ILLEGAL.sub(" ", title).strip() or "Sheet")[:31]


def to_xlsx(table: ExportTable) -> bytes:
    """One worksheet: bold frozen header with filters, times as real Excel date-times."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(table.title)
    sheet.append([neutralise(_XLSX_ILLEGAL.sub("", c)) for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for row in table.rows:
        values = []
        for value in row:
            if isinstance(value, datetime):
                value = value.replace(tzinfo=None)  # Excel has no zones; the header names it
            elif isinstance(value, str):
                value = neutralise(_XLSX_ILLEGAL.sub("", value))
            values.append(value)
        sheet.append(values)
    for column_cells in sheet.iter_cols(min_row=2):
        for cell in column_cells:
            if isinstance(cell.value, datetime):
                cell.number_format = XLSX_TIME_FORMAT
    for index, column in enumerate(table.columns, start=1):
        widest = max([_text_width(column), *(_text_width(row[index - 1]) for row in table.rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 6), 60)
    sheet.freeze_panes = "A2"
    if table.columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(
    event: Event, kind: str, extension: str, session: Session | None = None, on: date | None = None
) -> str:
    """E.g. beijing-china-germany-forum-exhibition-attendance-2026-12-26.csv (the day of the
    export in the event's zone)."""
    on = on or utcnow().astimezone(ZoneInfo(event.timezone)).date()
    parts = [event.slug, session.slug if session else None, kind, on.isoformat()]
    return "-".join(p for p in parts if p) + "." + extension


# --- the sign-in sheet ----------------------------------------------------------------------


def _css_string(text: str) -> str:
    """Text as a quoted CSS string, safe inside a <style> element."""
    escaped = "".join(ch if ch.isalnum() or ch in " .,:;-()/·–" else f"\\{ord(ch):06x}" for ch in text)
    return f'"{escaped}"'


def page_numbers_css() -> str:
    """CSS `content` for "Page X of Y" in the page's language."""
    text = _("Page %(page)s of %(pages)s", page="\0", pages="\1")
    return _css_string(text).replace("\\000000", '" counter(page) "').replace("\\000001", '" counter(pages) "')


@dataclass
class SigninLine:
    number: int
    delegate: Delegate | None  # None: an empty line for someone added at the door

    @property
    def chinese(self) -> bool:
        return self.delegate is not None and names.is_chinese_name(self.delegate.name_native)


def signin_lines(event: Event, session: Session, spare: int = 5) -> list[SigninLine]:
    """Confirmed delegates by sort name (pinyin for Chinese names), then `spare` empty lines."""
    confirmed = [r.delegate for r in _registrations(event, session) if r.status == RegistrationStatus.CONFIRMED]
    lines = [SigninLine(n, d) for n, d in enumerate(confirmed, start=1)]
    lines += [SigninLine(len(lines) + n, None) for n in range(1, spare + 1)]
    return lines


def signin_sheet_html(event: Event, session: Session) -> str:
    lines = signin_lines(event, session)
    return render_template(
        "print/signin_sheet.html",
        event=event,
        session=session,
        lines=lines,
        confirmed=sum(1 for line in lines if line.delegate),
        day=format_local_date(session.starts_at, event.timezone, "full"),
        hours=f"{format_local_time(session.starts_at, event.timezone)}–"
        f"{format_local_time(session.ends_at, event.timezone)}",
        page_numbers=page_numbers_css(),
        running_title=_css_string(localized(session.title)),
        running_day=_css_string(format_local_date(session.starts_at, event.timezone, "medium")),
        running_forum=_css_string(localized(event.name)),
        font_family=CJK_FONT_FAMILY,
        has_han=names.has_han,
    )


def signin_sheet_pdf(event: Event, session: Session) -> bytes:
    """An A4 sign-in sheet: one numbered line per confirmed delegate with a wide signature
    column; the table header repeats on every page. FontMissing without the CJK font."""
    return html_to_pdf(signin_sheet_html(event, session))


def session_choices(event: Event) -> Sequence[tuple[str, str]]:
    """(slug, "10:30 German Enterprise Symposium") in programme order."""
    return [
        (s.slug, f"{format_local_time(s.starts_at, event.timezone)} {localized(s.title)}")
        for s in _event_sessions(event)
    ]
