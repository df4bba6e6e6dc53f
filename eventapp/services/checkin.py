"""Check-in at the door: a scan gives one clear status, and scanning twice records one check-in.

A door is the venue's entrance or a session (by its slug). Every scan is kept under the id
the door's browser gave it, so a scan replayed after a network drop gets the same answer
and records nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import BindParameter, Integer, Select, and_, bindparam, case, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload, load_only, selectinload

from ..extensions import db
from ..models import (
    ENTRANCE,
    CheckIn,
    Delegate,
    Event,
    Registration,
    RegistrationStatus,
    Scan,
    ScanStatus,
    Session,
    StaffUser,
    utcnow,
)
from .audit import Actor, AuditAction, record_audit
from .events import CURRENT_EVENT_ID, EVENT_TEXTS
from .search import match_rank, text_condition
from .transactions import insert_object, insert_rows_at_commit, write_transaction

MAX_CODE_LENGTH = 100


class UnknownDoor(Exception):
    pass


@dataclass
class ScanResult:
    status: ScanStatus
    delegate: Delegate | None
    checkin: CheckIn | None  # the standing check-in: new (ok) or earlier (already)
    door: str
    replayed: bool = False
    # Held so that the door's session stays in the ORM session's identity map: the answer
    # names the door of a standing check-in (checkin.session) from it, without a query.
    door_session: Session | None = None
    event: Event | None = None  # the event scanned for (None for a replayed answer)

    @property
    def checked_in_at(self) -> datetime | None:
        return self.checkin.checked_in_at if self.checkin else None


def door_session(event: Event, door: str) -> Session | None:
    """The session a door admits to (None for the entrance); UnknownDoor otherwise."""
    if door == ENTRANCE:
        return None
    session = db.session.execute(
        select(Session).where(Session.event_id == event.id, Session.slug == door)
    ).scalar_one_or_none()
    if session is None:
        raise UnknownDoor(door)
    return session


def normalise_code(code: str) -> str:
    """What a USB scanner or a person typed: spaces and case do not matter."""
    return "".join(code.split()).upper()[:MAX_CODE_LENGTH]


def admission(delegate: Delegate, session: Session | None) -> ScanStatus:
    """Whether the delegate's registrations admit them through this door."""
    registrations = [r for r in delegate.registrations if session is None or r.session_id == session.id]
    statuses = {r.status for r in registrations}
    if RegistrationStatus.CONFIRMED in statuses:
        return ScanStatus.OK
    if RegistrationStatus.WAITLISTED in statuses:
        return ScanStatus.WAITLISTED
    if RegistrationStatus.CANCELLED in statuses:
        return ScanStatus.CANCELLED
    return ScanStatus.NOT_REGISTERED


def admitted_condition(session: Session | None):
    """admission() == OK as SQL: a confirmed seat in the door's session (in any, at the
    entrance)."""
    condition = [
        Registration.delegate_id == Delegate.id,
        Registration.status == RegistrationStatus.CONFIRMED,
    ]
    if session is not None:
        condition.append(Registration.session_id == session.id)
    return exists().where(*condition)


@dataclass
class DoorMatch:
    """A delegate found by name at a door: whether the door admits them, and their
    standing check-in there. Only an admitted delegate without one may be checked in."""

    delegate: Delegate
    door: str
    admission: ScanStatus
    checkin: CheckIn | None

    @property
    def may_check_in(self) -> bool:
        return self.admission == ScanStatus.OK and self.checkin is None


@dataclass
class DoorSearch:
    matches: list[DoorMatch]
    total: int


def find_at_door(event: Event, door: str, text: str, limit: int) -> DoorSearch:
    """Delegates found by name, organisation or email for door staff: first those the door
    admits, best match first, then everyone else (waiting list, cancelled, registered for
    other sessions), so that no one without a seat is the first to be chosen."""
    session = door_session(event, door)
    statement = select(Delegate).where(Delegate.event_id == event.id, text_condition(text))
    total = db.session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    delegates = (
        db.session.execute(
            statement.order_by(
                case((admitted_condition(session), 0), else_=1),
                match_rank(text),
                Delegate.sort_name,
                Delegate.id,
            )
            .limit(limit)
            .options(selectinload(Delegate.registrations))
        )
        .scalars()
        .all()
    )
    checkins = {
        c.delegate_id: c
        for c in db.session.execute(
            select(CheckIn).where(
                CheckIn.door == door,
                CheckIn.undone_at.is_(None),
                CheckIn.delegate_id.in_([d.id for d in delegates]),
            )
        ).scalars()
    }
    return DoorSearch([DoorMatch(d, door, admission(d, session), checkins.get(d.id)) for d in delegates], total)


def standing_checkin(delegate_id: int, door: str) -> CheckIn | None:
    return db.session.execute(
        select(CheckIn).where(CheckIn.delegate_id == delegate_id, CheckIn.door == door, CheckIn.undone_at.is_(None))
    ).scalar_one_or_none()


def _replay(scan_id: str) -> ScanResult | None:
    earlier = db.session.execute(select(Scan).where(Scan.scan_id == scan_id)).scalar_one_or_none()
    if earlier is None:
        return None
    delegate = db.session.get(Delegate, earlier.delegate_id) if earlier.delegate_id else None
    checkin = earlier.checkin or (standing_checkin(delegate.id, earlier.door) if delegate else None)
    return ScanResult(earlier.status, delegate, checkin, earlier.door, replayed=True)


class NoEvent(Exception):
    """No event to scan for: the installation serves none yet."""


def scan(
    event: Event | None,
    code: str,
    door: str,
    scan_id: str,
    user: StaffUser | None,
    scanned_at: datetime | None = None,
) -> ScanResult:
    """Answer one scan at a door and record it. A scan id seen before gets its first answer
    again; a delegate already let in through this door gets already_checked_in with the
    time of the first check-in. `event` None: the current one, read in the same statement
    as the rest of the scan's context (NoEvent if there is none). Commits."""
    try:
        return _record_scan_once(event, code, door, scan_id, user, scanned_at)
    except (IntegrityError, UnknownDoor) as refused:
        # A scan id seen before (a door replaying after a network drop): the unique scan id
        # refused the new row, so nothing of this attempt was kept. Or another worker let
        # the same delegate in this very moment; the database kept one. Answer as the
        # earlier scan did. Checking for a replay first would cost every scan a query.
        replay = _replay(scan_id)
        if replay is not None:
            return replay
        if isinstance(refused, UnknownDoor):
            raise
        return _record_scan_once(event, code, door, scan_id, user, scanned_at)


def _record_scan_once(event, code, door, scan_id, user, scanned_at) -> ScanResult:
    with write_transaction(keep_loaded=True):  # the answer reads them right after
        return _record_scan(event, code, door, scan_id, user, scanned_at)


@dataclass
class ScanContext:
    """What a scan needs to know, read in one statement (see _scan_context)."""

    event: Event
    session: Session | None  # the door's session; None at the entrance
    delegate: Delegate | None  # the badge's, with their registrations
    standing: CheckIn | None  # the delegate's standing check-in at this door


@cache
def _scan_context_statement() -> Select[Event, Session, Delegate, CheckIn]:
    """Built once, with the event, code and door as parameters: building a statement this
    size cost a scan more CPU than the database took to run it. The event is the one
    given (event_id) or, when that is None, the current one: a statement fewer a scan."""
    door: BindParameter[str] = bindparam("door")
    event_id: BindParameter[int | None] = bindparam("event_id", type_=Integer)
    return (
        select(Event, Session, Delegate, CheckIn)
        .select_from(Event)
        .outerjoin(Session, and_(Session.event_id == Event.id, Session.slug == door))
        .outerjoin(Delegate, and_(Delegate.event_id == Event.id, Delegate.checkin_code == bindparam("code")))
        .outerjoin(CheckIn, and_(CheckIn.delegate_id == Delegate.id, CheckIn.door == door, CheckIn.undone_at.is_(None)))
        .where(Event.id == func.coalesce(event_id, CURRENT_EVENT_ID))
        .options(
            *(defer(text) for text in EVENT_TEXTS),
            # Only what a door shows and decides by: the delegate's 35 columns and the
            # session's three-language description made most of the row a scan decoded.
            load_only(*(getattr(Delegate, name) for name in DOOR_DELEGATE_COLUMNS)),
            joinedload(Delegate.registrations).load_only(Registration.session_id, Registration.status),
            defer(Session.description),
        )
    )


# The delegate's columns a scan reads (presenting.delegate_summary and the door's page).
DOOR_DELEGATE_COLUMNS = (
    "event_id",
    "family_name",
    "given_name",
    "name_native",
    "native_name_order",
    "organisation",
    "organisation_type",
    "country",
    "checkin_code",
    "delegation_id",
)


def _scan_context(event: Event | None, code: str, door: str) -> ScanContext:
    """The event (the current one if None), the door's session, the delegate with this code
    and their registrations, and their standing check-in at the door, in one statement: the
    event's row, with each of them joined where it exists (a door scans often; each
    statement costs a round trip and the CPU to make and read it)."""
    parameters = {"event_id": event.id if event else None, "code": code, "door": door}
    # Outer joins: each of the three is None where nothing matched.
    found = db.session.execute(_scan_context_statement(), parameters).unique().one_or_none()
    if found is None:
        raise NoEvent()
    event, session, delegate, standing = found
    if door == ENTRANCE:
        return ScanContext(event, None, delegate, standing)
    if session is None:
        raise UnknownDoor(door)
    return ScanContext(event, session, delegate, standing)


def _record_scan(event, code, door, scan_id, user, scanned_at) -> ScanResult:
    code = normalise_code(code)
    found = _scan_context(event, code, door)
    status, checkin = _let_in(found, door, user)
    _insert_scan(scan_id, door, code, status, found.delegate, checkin, user, scanned_at)
    return ScanResult(status, found.delegate, checkin, door, door_session=found.session, event=found.event)


def _let_in(found: ScanContext, door: str, user: StaffUser | None) -> tuple[ScanStatus, CheckIn | None]:
    """The scan's status and the check-in it stands on: for ok a new one (written, with its
    audit entry noted for the commit), for already_checked_in the earlier one."""
    delegate, session = found.delegate, found.session
    if delegate is None:
        return ScanStatus.INVALID, None
    status = admission(delegate, session)
    if status != ScanStatus.OK:
        return status, None
    if found.standing is not None:
        return ScanStatus.ALREADY_CHECKED_IN, found.standing
    checkin = CheckIn(
        delegate_id=delegate.id,
        door=door,
        session_id=session.id if session else None,
        checked_in_by_id=user.id if user else None,
    )
    insert_object(checkin)  # its id, for the scan's row: one INSERT, no unit of work
    record_audit(AuditAction.CHECKED_IN, actor_of(user), delegate=delegate, session=session, door=door)
    return ScanStatus.OK, checkin


def _insert_scan(scan_id, door, code, status, delegate, checkin, user, scanned_at) -> None:
    """Nothing reads the scan's row back in this request: a plain INSERT, sent with the
    commit (with the audit entry, in one round trip on PostgreSQL). A scan id seen before
    fails the commit (IntegrityError), and nothing of the scan is kept."""
    insert_rows_at_commit(
        Scan,
        {
            "scan_id": scan_id,
            "door": door,
            "code": code,
            "status": status,
            "delegate_id": delegate.id if delegate else None,
            "checkin_id": checkin.id if checkin else None,
            "user_id": user.id if user else None,
            "scanned_at": scanned_at,
        },
    )


def undo_checkin(checkin: CheckIn, user: StaffUser | None) -> CheckIn:
    """Take back a mistaken check-in; the record stays, marked as undone."""
    with write_transaction():
        checkin = db.session.get_one(CheckIn, checkin.id, populate_existing=True)
        if checkin.undone_at is None:
            checkin.undone_at = utcnow()
            checkin.undone_by_id = user.id if user else None
            record_audit(
                AuditAction.CHECKIN_UNDONE,
                actor_of(user),
                delegate=checkin.delegate,
                session=checkin.session,
                door=checkin.door,
            )
    return checkin


def actor_of(user: StaffUser | None) -> Actor:
    return Actor.staff(user.email) if user else Actor.SYSTEM


def checked_in_counts(event: Event) -> dict[str, int]:
    """Standing check-ins per door."""
    rows = db.session.execute(
        select(CheckIn.door, func.count(CheckIn.id))
        .join(Delegate)
        .where(Delegate.event_id == event.id, CheckIn.undone_at.is_(None))
        .group_by(CheckIn.door)
    ).all()
    return dict(rows)
