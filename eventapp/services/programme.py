"""The programme as organisers change it: sessions, their agenda items, the exhibitors.

Times arrive timezone-aware (the forms read them in the event's zone) and are stored in
UTC. Every change runs in one write transaction and is written to the audit log. A
session's capacity is the registration service's business (`set_capacity`), because a
raise must promote from the waiting list under the seat lock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..i18n import format_local_time
from ..models import (
    LANGUAGES,
    AgendaItem,
    Event,
    Exhibitor,
    ExhibitorTheme,
    Registration,
    Session,
    SessionAccess,
    SessionKind,
    Trilingual,
)
from ..names import fold, pinyin
from . import registration
from .audit import Actor, AuditAction, record_audit
from .transactions import write_transaction

if TYPE_CHECKING:  # typeshed's protocol for "a dataclass instance" exists only for type checkers
    from _typeshed import DataclassInstance


class ProgrammeRefused(Exception):
    """A rule refused the change; `message` is for the user, `field` names what is wrong."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


# --- trilingual texts and local times ----------------------------------------------------


def trilingual(text: dict | None) -> Trilingual:
    """The text with all three languages present, stripped (an empty string where missing)."""
    text = text or {}
    return {language: (text.get(language) or "").strip() for language in LANGUAGES}


def missing_languages(text: dict | None) -> list[str]:
    """The language codes a trilingual text lacks, in the order zh, de, en."""
    return [language for language, value in trilingual(text).items() if not value]


def missing_translations(session: Session) -> dict[str, list[str]]:
    """For each trilingual text of the session that lacks a language: which ones."""
    texts = {"title": session.title, "description": session.description, "room": session.room}
    return {name: missing for name, text in texts.items() if (missing := missing_languages(text))}


def local_to_utc(moment: datetime, zone: str) -> datetime:
    """A wall-clock time in `zone` (naive, or already carrying a zone) as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


def agenda_moment(session: Session, local: time) -> datetime:
    """An agenda time of day as a moment: on the session's first day, or on its next day
    when the session runs past midnight and the time is earlier than its start."""
    zone = ZoneInfo(session.event.timezone)
    start = session.starts_at.astimezone(zone)
    moment = local_to_utc(datetime.combine(start.date(), local), session.event.timezone)
    if moment < session.starts_at and session.ends_at.astimezone(zone).date() > start.date():
        moment = local_to_utc(datetime.combine(start.date() + timedelta(days=1), local), session.event.timezone)
    return moment


def _event_days(event: Event) -> str:
    if event.starts_on == event.ends_on:
        return format_date(event.starts_on, "long")
    return f"{format_date(event.starts_on, 'long')} – {format_date(event.ends_on, 'long')}"


def _local_date(moment: datetime, event: Event) -> date:
    return moment.astimezone(ZoneInfo(event.timezone)).date()


def _changed(before: object, after: DataclassInstance) -> list[str]:
    """The names of the dataclass fields whose values differ."""
    return [f.name for f in fields(after) if getattr(before, f.name) != getattr(after, f.name)]


def _apply(target: object, details: object, names: list[str]) -> None:
    for name in names:
        setattr(target, name, getattr(details, name))


# --- sessions ----------------------------------------------------------------------------


@dataclass
class SessionDetails:
    """What organisers may change about a session, except its capacity (see set_capacity).
    The names are the Session columns they go to."""

    title: Trilingual
    description: Trilingual
    room: Trilingual
    starts_at: datetime
    ends_at: datetime
    access: SessionAccess = SessionAccess.INVITATION
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    substitution_freeze_at: datetime | None = None

    @classmethod
    def of(cls, session: Session) -> SessionDetails:
        values = {f.name: getattr(session, f.name) for f in fields(cls)}
        texts = {name: trilingual(values[name]) for name in ("title", "description", "room")}
        return cls(**{**values, **texts})


@dataclass
class SessionSaved:
    changed: list[str]  # the SessionDetails names that changed
    capacity_changed: bool
    promoted: list[Registration]  # confirmed from the waiting list by a raised capacity
    agenda_moved: bool  # the agenda moved with a new start


def check_session_details(event: Event, details: SessionDetails) -> SessionDetails:
    """The rules of a session's details; returns them cleaned. The title is given in at
    least one language; the session ends after it starts, within the event's days; the
    registration window opens before it closes (by default at the start) and closes no
    later than the end of the session."""
    details = SessionDetails(
        **{
            **{f.name: getattr(details, f.name) for f in fields(SessionDetails)},
            "title": trilingual(details.title),
            "description": trilingual(details.description),
            "room": trilingual(details.room),
            "starts_at": details.starts_at.astimezone(UTC),
            "ends_at": details.ends_at.astimezone(UTC),
            "registration_opens_at": _utc_or_none(details.registration_opens_at),
            "registration_closes_at": _utc_or_none(details.registration_closes_at),
        }
    )
    if len(missing_languages(details.title)) == len(LANGUAGES):
        raise ProgrammeRefused(_("Give the title in at least one language."), "title")
    if details.ends_at <= details.starts_at:
        raise ProgrammeRefused(_("The end must be after the start."), "ends_at")
    outside = _("The event takes place on %(days)s: choose a time within it.", days=_event_days(event))
    if not event.starts_on <= _local_date(details.starts_at, event) <= event.ends_on:
        raise ProgrammeRefused(outside, "starts_at")
    # A session may end at midnight that closes the last day.
    if _local_date(details.ends_at - timedelta(microseconds=1), event) > event.ends_on:
        raise ProgrammeRefused(outside, "ends_at")
    opens, closes = details.registration_opens_at, details.registration_closes_at
    if closes is not None and opens is not None and closes <= opens:
        raise ProgrammeRefused(_("Registration must close after it opens."), "registration_closes_at")
    if closes is None and opens is not None and opens >= details.starts_at:
        raise ProgrammeRefused(
            _("Without a closing time registration closes when the session starts, so it must open before."),
            "registration_opens_at",
        )
    if closes is not None and closes > details.ends_at:
        raise ProgrammeRefused(_("Registration cannot close after the session has ended."), "registration_closes_at")
    return details


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def check_capacity(capacity: int | None) -> None:
    if capacity is not None and capacity < 0:
        raise ProgrammeRefused(_("The capacity cannot be negative."), "capacity")


def update_session(session: Session, details: SessionDetails, capacity: int | None, *, actor: Actor) -> SessionSaved:
    """Change a session's details and capacity (None: unlimited). Every rule is checked
    before anything is saved (see check_session_details). A new capacity goes through
    registration.set_capacity: never below the confirmed seats (CapacityTooLow), and a
    raise confirms waiting delegates first come first served. Moving the start moves the
    agenda items by as much. The other changes are audited as "session_changed"."""
    details = check_session_details(session.event, details)
    check_capacity(capacity)
    capacity_changed = capacity != session.capacity
    promoted = registration.set_capacity(session, capacity, actor=actor) if capacity_changed else []
    with write_transaction() as dbs:
        session = dbs.get_one(Session, session.id, populate_existing=True)
        before = SessionDetails.of(session)
        changed = _changed(before, details)
        _apply(session, details, changed)
        shift = details.starts_at - before.starts_at
        agenda_moved = bool(shift) and bool(session.agenda_items)
        for item in session.agenda_items if shift else ():
            item.starts_at = item.starts_at + shift
        if changed:
            record_audit(AuditAction.SESSION_CHANGED, actor, session=session, fields=changed)
    return SessionSaved(changed, capacity_changed, promoted, agenda_moved)


def set_access(session: Session, access: SessionAccess, *, actor: Actor) -> SessionSaved:
    """Who may take a seat in the session (the session form and `flask session-access`).
    Applications already made stay for the organisers to decide."""
    return update_session(session, replace(SessionDetails.of(session), access=access), session.capacity, actor=actor)


SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 80


def slug_from_title(title: Trilingual) -> str:
    """A web address part from the English (else German, else Chinese, in pinyin) title:
    "Innovation Workshop: Hydrogen" -> innovation-workshop-hydrogen."""
    text = title.get("en") or title.get("de") or " ".join(pinyin(title.get("zh") or ""))
    words = re.findall(r"[a-z0-9]+", fold(text))
    return "-".join(words)[:SLUG_MAX].strip("-")


def create_session(
    event: Event, details: SessionDetails, capacity: int | None, *, kind: SessionKind, slug: str, actor: Actor
) -> Session:
    """A new session of the event, under the same rules as a change (check_session_details);
    its slug (URLs, the API's `sessions`) is made from the title when not given, must be new
    in the event and is never changed afterwards."""
    details = check_session_details(event, details)
    check_capacity(capacity)
    slug = (slug or "").strip().lower() or slug_from_title(details.title)
    if not SLUG.fullmatch(slug) or len(slug) > SLUG_MAX:
        raise ProgrammeRefused(
            _(
                "Use small Latin letters, digits and hyphens, e.g. innovation-workshop (at most %(max)d characters).",
                max=SLUG_MAX,
            ),
            "slug",
        )
    taken = _("Another session already has the address “%(slug)s”: choose another.", slug=slug)
    try:
        with write_transaction() as dbs:
            if dbs.execute(select(Session.id).where(Session.event_id == event.id, Session.slug == slug)).first():
                raise ProgrammeRefused(taken, "slug")
            session = Session(event_id=event.id, slug=slug, kind=kind, capacity=capacity, confirmed_count=0)
            _apply(session, details, [f.name for f in fields(SessionDetails)])
            dbs.add(session)
            dbs.flush()
            record_audit(AuditAction.SESSION_CREATED, actor, session=session, slug=slug)
    except IntegrityError:
        # Another organiser created a session with this slug between our check and the insert.
        raise ProgrammeRefused(taken, "slug") from None
    return session


# --- agenda items ------------------------------------------------------------------------


@dataclass
class AgendaItemDetails:
    starts_at: datetime
    title: Trilingual
    presenter_name: str = ""
    presenter_organisation: Trilingual | None = None

    @classmethod
    def of(cls, item: AgendaItem) -> AgendaItemDetails:
        return cls(
            starts_at=item.starts_at,
            title=trilingual(item.title),
            presenter_name=item.presenter_name or "",
            presenter_organisation=(trilingual(item.presenter_organisation) if item.presenter_organisation else None),
        )


def check_agenda_item(session: Session, details: AgendaItemDetails) -> AgendaItemDetails:
    """An agenda item has a title in at least one language and a time during its session.
    An organisation given in no language is stored as none."""
    organisation = trilingual(details.presenter_organisation)
    details = AgendaItemDetails(
        starts_at=details.starts_at.astimezone(UTC),
        title=trilingual(details.title),
        presenter_name=(details.presenter_name or "").strip(),
        presenter_organisation=organisation if any(organisation.values()) else None,
    )
    if len(missing_languages(details.title)) == len(LANGUAGES):
        raise ProgrammeRefused(_("Give the title in at least one language."), "title")
    if not session.starts_at <= details.starts_at < session.ends_at:
        zone = session.event.timezone
        raise ProgrammeRefused(
            _(
                "Choose a time during the session (%(start)s–%(end)s).",
                start=format_local_time(session.starts_at, zone),
                end=format_local_time(session.ends_at, zone),
            ),
            "starts_at",
        )
    return details


def add_agenda_item(session: Session, details: AgendaItemDetails, *, actor: Actor) -> AgendaItem:
    """A new agenda item of the session (see check_agenda_item)."""
    details = check_agenda_item(session, details)
    with write_transaction() as dbs:
        session = dbs.get_one(Session, session.id)
        item = AgendaItem(session=session, **vars(details))
        dbs.add(item)
        dbs.flush()
        record_audit(AuditAction.AGENDA_ITEM_ADDED, actor, session=session, agenda_item=item.id, title=item.title)
    return item


def update_agenda_item(item: AgendaItem, details: AgendaItemDetails, *, actor: Actor) -> AgendaItem:
    """Change an agenda item (see check_agenda_item)."""
    details = check_agenda_item(item.session, details)
    with write_transaction() as dbs:
        item = dbs.get_one(AgendaItem, item.id, populate_existing=True)
        changed = _changed(AgendaItemDetails.of(item), details)
        _apply(item, details, changed)
        if changed:
            record_audit(
                AuditAction.AGENDA_ITEM_CHANGED, actor, session=item.session, agenda_item=item.id, fields=changed
            )
    return item


def delete_agenda_item(item: AgendaItem, *, actor: Actor) -> None:
    with write_transaction() as dbs:
        current = dbs.get(AgendaItem, item.id)
        if current is None:  # deleted meanwhile: nothing left to do
            return
        record_audit(
            AuditAction.AGENDA_ITEM_DELETED, actor, session=current.session, agenda_item=current.id, title=current.title
        )
        dbs.delete(current)


# --- exhibitors --------------------------------------------------------------------------


@dataclass
class ExhibitorDetails:
    company: str
    theme: ExhibitorTheme
    booth: str
    country: str  # ISO 3166 alpha-2

    @classmethod
    def of(cls, exhibitor: Exhibitor) -> ExhibitorDetails:
        return cls(**{f.name: getattr(exhibitor, f.name) for f in fields(cls)})


def exhibitors_by_theme(event: Event) -> list[tuple[ExhibitorTheme, list[Exhibitor]]]:
    """Every theme with its exhibitors by booth (a theme may have none)."""
    exhibitors = (
        db.session.execute(
            select(Exhibitor).where(Exhibitor.event_id == event.id).order_by(Exhibitor.booth, Exhibitor.id)
        )
        .scalars()
        .all()
    )
    return [(theme, [e for e in exhibitors if e.theme == theme]) for theme in ExhibitorTheme]


def check_exhibitor(details: ExhibitorDetails) -> ExhibitorDetails:
    details = ExhibitorDetails(
        company=details.company.strip(),
        theme=ExhibitorTheme(details.theme),
        booth=details.booth.strip(),
        country=details.country.strip().upper(),
    )
    if not details.company:
        raise ProgrammeRefused(_("Give the company's name."), "company")
    if not details.booth:
        raise ProgrammeRefused(_("Give the booth."), "booth")
    if len(details.country) != 2 or not details.country.isalpha():
        raise ProgrammeRefused(_("Choose a country or region."), "country")
    return details


def _ensure_booth_free(event_id: int, booth: str, exhibitor_id: int | None) -> None:
    """One exhibitor a booth and event; "a01" and "A01" are the same booth."""
    holder = (
        db.session.execute(
            select(Exhibitor).where(
                Exhibitor.event_id == event_id,
                func.lower(Exhibitor.booth) == booth.lower(),
                Exhibitor.id != (exhibitor_id or 0),
            )
        )
        .scalars()
        .first()
    )
    if holder is not None:
        raise ProgrammeRefused(
            _("Booth %(booth)s is already taken by %(company)s.", booth=holder.booth, company=holder.company),
            "booth",
        )


def _save_exhibitor(event_id: int, exhibitor_id: int | None, details: ExhibitorDetails, actor: Actor) -> Exhibitor:
    details = check_exhibitor(details)
    try:
        with write_transaction() as dbs:
            _ensure_booth_free(event_id, details.booth, exhibitor_id)
            if exhibitor_id is None:
                exhibitor = Exhibitor(event_id=event_id, **vars(details))
                dbs.add(exhibitor)
                dbs.flush()
                record_audit(
                    AuditAction.EXHIBITOR_ADDED,
                    actor,
                    exhibitor=exhibitor.id,
                    company=exhibitor.company,
                    booth=exhibitor.booth,
                )
                return exhibitor
            exhibitor = dbs.get_one(Exhibitor, exhibitor_id, populate_existing=True)
            changed = _changed(ExhibitorDetails.of(exhibitor), details)
            _apply(exhibitor, details, changed)
            if changed:
                record_audit(
                    AuditAction.EXHIBITOR_CHANGED,
                    actor,
                    exhibitor=exhibitor.id,
                    company=exhibitor.company,
                    fields=changed,
                )
            return exhibitor
    except IntegrityError:
        # Another organiser took the booth between our check and the insert.
        _ensure_booth_free(event_id, details.booth, exhibitor_id)
        raise


def add_exhibitor(event: Event, details: ExhibitorDetails, *, actor: Actor) -> Exhibitor:
    """A new exhibitor of the event; its booth must be free (ProgrammeRefused on "booth")."""
    return _save_exhibitor(event.id, None, details, actor)


def update_exhibitor(exhibitor: Exhibitor, details: ExhibitorDetails, *, actor: Actor) -> Exhibitor:
    """Change an exhibitor; a new booth must be free (ProgrammeRefused on "booth")."""
    return _save_exhibitor(exhibitor.event_id, exhibitor.id, details, actor)


def delete_exhibitor(exhibitor: Exhibitor, *, actor: Actor) -> None:
    with write_transaction() as dbs:
        current = dbs.get(Exhibitor, exhibitor.id)
        if current is None:  # deleted meanwhile: nothing left to do
            return
        record_audit(
            AuditAction.EXHIBITOR_DELETED,
            actor,
            exhibitor=current.id,
            company=current.company,
            booth=current.booth,
        )
        dbs.delete(current)
