"""Registration rules: seats, waiting list, cancellation, private links.

The HTML forms, the JSON API and the CLI all call these functions; no Flask request object
is used here. Every function that changes seats runs inside `seat_transaction`, which takes
the seat lock of the sessions involved, re-reads their counters, and commits at the end:
PostgreSQL locks the session rows (`SELECT ... FOR UPDATE`, in id order to avoid deadlocks),
SQLite takes the database's write lock up front (`BEGIN IMMEDIATE`). The CHECK constraint
`confirmed_count <= capacity` makes the database refuse an overbooking even if a rule here
were wrong.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import partial
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Connection, bindparam, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from .. import names
from ..extensions import db
from ..i18n import format_local_datetime, format_local_when, localized, timezone_name
from ..models import (
    DELEGATE_EMAIL_INDEX,
    ENDED_STATUSES,
    Delegate,
    Delegation,
    Event,
    Invitation,
    MailKind,
    NameOrder,
    OrganisationType,
    Registration,
    RegistrationStatus,
    Salutation,
    SeatMode,
    Session,
    SessionAccess,
    utcnow,
)
from . import mail, questions, visa
from .audit import Actor, AuditAction, record_audit
from .private_links import new_manage_token
from .standing import delegates_by_email, normalise_email, waitlist_position
from .transactions import insert_object, one_round_trip, write_transaction

CHECKIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no O/0, I/1/L: read aloud at the door
CHECKIN_CODE_LENGTH = 12


class RegistrationRefused(Exception):
    """A rule refused the request; `message` is for the user, `field` names the form field."""

    field = "sessions"
    person: int | None = None  # of several people registered together, the one refused (0, 1, …)

    def __init__(self, message: str, session: Session | None = None):
        super().__init__(message)
        self.message = message
        self.session = session


class UnknownSession(RegistrationRefused):
    pass


class RegistrationNotOpen(RegistrationRefused):
    """Outside the registration window, or by invitation only."""


class AlreadyRegistered(RegistrationRefused):
    """The email already holds a live registration for the session."""


class EmailHasDelegate(AlreadyRegistered):
    """The email already belongs to a delegate of the event: one person, one private link
    and one badge, so a new session is added through that link, not by registering again."""

    field = "email"
    delegate: Delegate | None = None  # the one who has it


class CapacityTooLow(RegistrationRefused):
    field = "capacity"


class NotEnoughSeats(RegistrationRefused):
    """A group asked for everyone or nobody, and a session has fewer free seats than people."""


class SubstitutionClosed(RegistrationRefused):
    """The session's substitution deadline has passed: only organisers hand seats over now."""


@dataclass
class DelegateDetails:
    """What a delegate tells about themself; the same for the form, the API and the CLI."""

    family_name: str
    given_name: str
    email: str
    organisation: str
    country: str
    language: str = "en"
    name_native: str = ""
    native_name_order: NameOrder = NameOrder.FAMILY_FIRST
    position: str = ""
    organisation_type: OrganisationType = OrganisationType.OTHER
    phone: str = ""
    # The answers to the event's questions (services.questions), as the delegate keeps them.
    salutation: Salutation | None = None
    academic_title: str = ""
    dietary: str = ""
    interpretation_language: str = ""
    arrival_date: date | None = None
    visa_letter_requested: bool = False
    # With a visa letter asked for at registration: kept apart, in a VisaRequest, never on the delegate.
    passport: visa.PassportData | None = None

    @classmethod
    def from_mapping(cls, values: Mapping) -> DelegateDetails:
        """From a form's data (or the like): the answers as the forms give them are turned
        into what the delegate keeps (questions.column_answers)."""
        values = {**values, **questions.column_answers(values)}
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names and v is not None})

    @classmethod
    def of(cls, delegate: Delegate) -> DelegateDetails:
        return cls(**{name: getattr(delegate, name) for name in cls.column_names()})

    @classmethod
    def column_names(cls) -> list[str]:
        """The fields the delegate has a column for: all but the passport data."""
        return [f.name for f in fields(cls) if f.name != "passport"]


@dataclass(frozen=True)
class SeatAnswer:
    """What a new registration got, read under the seat lock before the commit, so the
    answer needs no query after it (a database gone after the commit cannot make an
    acknowledged registration look failed)."""

    session_slug: str
    status: RegistrationStatus
    waitlist_position: int | None


@dataclass
class RegistrationResult:
    delegate: Delegate
    registrations: list[Registration]
    manage_token: str | None  # shown once; only its hash is stored
    answers: list[SeatAnswer] = field(default_factory=list)


def new_checkin_code() -> str:
    """CHECKIN_CODE_LENGTH letters of the alphabet, each equally likely: one draw from the
    operating system's random source for the whole code (secrets.choice asks it once a
    letter, 2 % of a registration's CPU), written in the alphabet's digits."""
    base = len(CHECKIN_CODE_ALPHABET)
    number = secrets.randbelow(base**CHECKIN_CODE_LENGTH)
    letters = []
    for _letter in range(CHECKIN_CODE_LENGTH):
        number, digit = divmod(number, base)
        letters.append(CHECKIN_CODE_ALPHABET[digit])
    return "".join(letters)


def sessions_by_slug(event: Event, slugs: Iterable[str]) -> list[Session]:
    """The sessions with these slugs, in the order asked; UnknownSession for a wrong slug."""
    wanted = list(dict.fromkeys(slugs))
    found = {s.slug: s for s in event.sessions}  # often loaded already, for the form's choices
    for slug in wanted:
        if slug not in found:
            raise UnknownSession(_("Unknown session: %(slug)s", slug=slug))
    return [found[slug] for slug in wanted]


# --- the seat lock -----------------------------------------------------------------------


@contextmanager
def seat_transaction(sessions: Sequence[Session]) -> Iterator[list[Session]]:
    """Run the block in one transaction holding the seat lock of `sessions`; commit at the end.

    Yields the sessions re-read under the lock, so counters are current. On an exception
    the transaction is rolled back and nothing of the block remains. A block that writes a
    delegate's email must write it before the lock (see _emails_first).
    """
    with write_transaction():
        yield lock_seats(sessions)


def lock_seats(sessions: Sequence[Session]) -> list[Session]:
    """Take the seat lock of `sessions` in the transaction under way, held until it ends;
    the sessions re-read under it. Whatever can be done before (new delegates, their
    audit entries) is best done before: every registration for a session waits here."""
    ids = {"ids": sorted({s.id for s in sessions})}
    db.session().info.pop(_LINES, None)  # what an earlier lock read is not for this one
    if any(inspect(s).expired_attributes for s in sessions):  # loaded in an earlier transaction
        reloading = _LOCKING_SESSIONS.execution_options(populate_existing=True)
        found = {s.id: s for s in db.session.execute(reloading, ids).scalars()}
        return [found[s.id] for s in sessions]
    # Loaded in this transaction: only what another one may change meanwhile is read again,
    # as plain numbers (after the flush the ORM's execute would do): on PostgreSQL by the
    # driver, with the waiting lines in the same round trip; on SQLite by SQLAlchemy Core.
    by_id = {s.id: s for s in sessions}
    db.session.flush()
    connection = db.session.connection()
    counters: Sequence[Any]
    if connection.dialect.name == "postgresql":
        counters = _lock_with_lines(connection, ids["ids"], [s.id for s in sessions if not _has_free_seat(s)])
    else:
        counters = connection.execute(_LOCKING_SEAT_COUNTERS, ids).all()
    for session_id, capacity, confirmed_count in counters:
        set_committed_value(by_id[session_id], "capacity", capacity)
        set_committed_value(by_id[session_id], "confirmed_count", confirmed_count)
    return list(sessions)


# PostgreSQL, for the driver (no SQLAlchemy between, see _lock_with_lines): the statements of
# _LOCKING_SEAT_COUNTERS and _LAST_PLACE_AND_LINE, the seat lock and the end of a waiting line.
_LOCK_SQL = "SELECT id, capacity, confirmed_count FROM sessions WHERE id = ANY(%(ids)s) ORDER BY id FOR UPDATE"
_LINE_SQL = (
    "SELECT max(waitlist_rank), count(*) FILTER (WHERE status = %(waitlisted)s)"
    " FROM registrations WHERE session_id = %(session_id)s"
)
_LINES = "eventapp_lines_read_with_lock"  # db.session.info: (the transaction, {session id: line})


def _lock_with_lines(connection: Connection, session_ids: list[int], looked_full: list[int]) -> list[Any]:
    """The seat lock's counters, and the waiting lines of the sessions that were full when
    loaded, asked in one round trip (transactions.one_round_trip). PostgreSQL begins each
    line's statement once the lock statement has its rows, and READ COMMITTED gives every
    statement its own snapshot: a line read so sees every registration committed before
    the lock was ours, as one asked after it would, without a second wait under the lock.
    The first change of status in the session uses it (`_line_read_with_lock`)."""
    with one_round_trip(connection) as driver:
        lock = driver.cursor()
        lock.execute(_LOCK_SQL, {"ids": session_ids})
        asked = {}
        for session_id in looked_full:
            asked[session_id] = driver.cursor()
            asked[session_id].execute(
                _LINE_SQL, {"session_id": session_id, "waitlisted": RegistrationStatus.WAITLISTED.value}
            )
        counters = lock.fetchall()
        lines = {session_id: cursor.fetchone() for session_id, cursor in asked.items()}
    db.session().info[_LINES] = (db.session().get_transaction(), lines)
    return counters


def _line_read_with_lock(session: Session) -> tuple[int | None, int] | None:
    """The (last rank, number waiting) read with this transaction's seat lock, if it was,
    and only for the first change of status in the session: after it the line is asked."""
    transaction, lines = db.session().info.get(_LINES, (None, {}))
    if transaction is not db.session().get_transaction():
        return None
    return lines.pop(session.id, None)


# Built once, for the sessions of a lock (in id order, so two locks never wait for each other).
_LOCKING_SESSIONS = (
    select(Session).where(Session.id.in_(bindparam("ids", expanding=True))).order_by(Session.id).with_for_update()
)
_LOCKING_SEAT_COUNTERS = _LOCKING_SESSIONS.with_only_columns(Session.id, Session.capacity, Session.confirmed_count)


# --- rules ------------------------------------------------------------------------------


def check_registration_open(session: Session, now: datetime | None = None, *, invited: bool = False) -> None:
    """Public registration (or an application) only for sessions that take it, and only
    inside the window; a session by invitation only with an invitation naming it."""
    now = now or utcnow()
    title = localized(session.title)
    timezone = session.event.timezone
    if session.access == SessionAccess.INVITATION and not invited:
        raise RegistrationNotOpen(_("%(session)s is by invitation only.", session=title), session)
    if session.registration_opens_at and now < session.registration_opens_at:
        raise RegistrationNotOpen(
            _(
                "Registration for %(session)s opens on %(when)s.",
                session=title,
                when=format_local_datetime(session.registration_opens_at, timezone),
            ),
            session,
        )
    closes_at = session.registration_closes_at or session.starts_at
    if now >= closes_at:
        raise RegistrationNotOpen(_("Registration for %(session)s has closed.", session=title), session)


def _set_status(
    registration: Registration,
    status: RegistrationStatus,
    actor: Actor,
    action: AuditAction,
    *,
    head_of_line: bool = False,
    **details,
) -> int | None:
    """The one place a registration's status changes: times, counters and the audit log.
    `head_of_line`: a waiting-list place before everyone waiting (an approved application
    that found the session full). Returns the new waiting-list position (None off the list)."""
    previous = registration.status
    now = utcnow()
    session = registration.session
    line = _line_read_with_lock(session)  # taken by the first change: later ones ask again
    rank = position = None
    if status == RegistrationStatus.WAITLISTED:
        with db.session.no_autoflush:  # the new row has no status yet: do not flush it early
            rank, position = _waitlist_place(session, head_of_line, line)
    if previous == RegistrationStatus.CONFIRMED:
        session.confirmed_count -= 1
    if status == RegistrationStatus.CONFIRMED:
        session.confirmed_count += 1
        registration.confirmed_at = now
    elif status == RegistrationStatus.WAITLISTED:
        registration.waitlisted_at = now
        registration.waitlist_rank = rank
    elif status == RegistrationStatus.CANCELLED:
        registration.cancelled_at = now
    if previous == RegistrationStatus.PENDING and status != RegistrationStatus.CANCELLED:
        registration.decided_at = now
        registration.decision_reason = str(details.get("reason") or "")
    registration.status = status
    registration.status_changed_at = now
    if inspect(registration).transient:  # new, in no loaded list (_new_registration)
        insert_object(registration)  # a quarter of the flush's CPU, under the seat lock
    else:
        db.session.flush()
    record_audit(
        action,
        actor,
        registration=registration,
        from_status=previous.value if previous else None,
        to_status=status.value,
        **details,
    )
    _note_mail(registration, status, previous, actor, position)
    return position


def _note_mail(
    registration: Registration,
    status: RegistrationStatus,
    previous: RegistrationStatus | None,
    actor: Actor,
    position: int | None,
) -> None:
    """What the delegate is told of this change (one mail per kind and transaction)."""
    delegate, ids = registration.delegate, [registration.id]
    if previous is None:  # a new registration, confirmed, waitlisted or applied for
        waitlisted = ids if status == RegistrationStatus.WAITLISTED else []
        mail.note(
            delegate,
            MailKind.RECEIVED,
            actor=actor,
            registrations=ids,
            waitlisted=waitlisted,
            # Known here, under the seat lock: the outbox need not count the line again.
            status_at_change={str(registration.id): [status.value, position]},
        )
    elif previous == RegistrationStatus.PENDING and status != RegistrationStatus.CANCELLED:
        kind = MailKind.APPLICATION_REJECTED if status == RegistrationStatus.REJECTED else MailKind.APPLICATION_APPROVED
        mail.note(delegate, kind, actor=actor, registrations=ids, reason=registration.decision_reason or None)
    elif status == RegistrationStatus.CONFIRMED:
        mail.note(delegate, MailKind.PROMOTED, actor=actor, registrations=ids)
    elif status == RegistrationStatus.CANCELLED:
        mail.note(delegate, MailKind.CANCELLED, actor=actor, registrations=ids)


def _waitlist_place(
    session: Session, head_of_line: bool = False, line: tuple[int | None, int] | None = None
) -> tuple[int, int]:
    """The rank and position of a new place at the end of the line (or before its first
    place), in one query under the seat lock, or from the `line` read with the lock. Ranks
    are never reused, so they may go below 1; positions are counted (everyone waiting is
    ahead of a place at the end), so they stay gapless."""
    if line is not None and not head_of_line:
        rank, ahead = line
    else:
        statement = _FIRST_PLACE_AND_LINE if head_of_line else _LAST_PLACE_AND_LINE
        # Two numbers, no objects: SQLAlchemy Core (the ORM's execute would only add to
        # the work every registration for the session waits for).
        rank, ahead = db.session.connection().execute(statement, {"session_id": session.id}).one()
    if head_of_line:
        return (rank if rank is not None else 1) - 1, 1
    return (rank or 0) + 1, ahead + 1


def _place_and_line(edge):
    waiting = func.count(Registration.id).filter(Registration.status == RegistrationStatus.WAITLISTED)
    return select(edge, waiting).where(Registration.session_id == bindparam("session_id"))


# Built once: a registration for a full session asks one of them under the seat lock.
_LAST_PLACE_AND_LINE = _place_and_line(func.max(Registration.waitlist_rank))
_FIRST_PLACE_AND_LINE = _place_and_line(func.min(Registration.waitlist_rank))


def _has_free_seat(session: Session) -> bool:
    return session.capacity is None or session.confirmed_count < session.capacity


def _ensure_email_free(email_normalized: str, sessions: Iterable[Session]) -> None:
    for session in sessions:
        taken = db.session.execute(
            select(Registration.id)
            .join(Delegate)
            .where(
                Registration.session_id == session.id,
                Registration.status.not_in(ENDED_STATUSES),
                Delegate.email_normalized == email_normalized,
            )
            .limit(1)
        ).first()
        if taken:
            raise AlreadyRegistered(
                _(
                    "This email address is already registered for %(session)s.",
                    session=localized(session.title),
                ),
                session,
            )


def _ensure_no_delegate_with(event: Event, email_normalized: str, other_than: Delegate | None = None) -> None:
    """The look-up that says who has the email; the unique index keeps it true (_emails_first)."""
    others = [d for d in delegates_by_email(event, email_normalized) if d is not other_than]
    if not others:
        return
    if other_than is not None:
        refusal = EmailHasDelegate(_("Another delegate is registered with this email address."))
    else:
        refusal = EmailHasDelegate(
            _(
                "You have already registered with this email address. We are mailing you your private link again: with it you can add sessions or change your registration."
            )
        )
    refusal.delegate = others[0]
    raise refusal


def _take_seats(
    delegate: Delegate, sessions: Iterable[Session], actor: Actor, applications: frozenset[int] = frozenset()
) -> list[tuple[Registration, SeatAnswer]]:
    """Confirm or waitlist the delegate in each session, or, in the sessions whose ids are in
    `applications`, put their application before the organisers; the caller holds the seat
    lock. Each registration with the answer it got."""
    taken = []
    for session in sessions:
        registration = _new_registration(delegate, session)
        if session.id in applications:
            status, action = RegistrationStatus.PENDING, AuditAction.APPLIED
        elif _has_free_seat(session):
            status, action = RegistrationStatus.CONFIRMED, AuditAction.REGISTERED
        else:
            status, action = RegistrationStatus.WAITLISTED, AuditAction.WAITLISTED
        position = _set_status(registration, status, actor, action)
        taken.append((registration, SeatAnswer(session.slug, status, position)))
    return taken


def _new_registration(delegate: Delegate, session: Session) -> Registration:
    """A registration of the delegate for the session, with no status yet. The delegate's
    and the session's lists of registrations take it only where they are loaded: adding to
    one not loaded would mark the delegate and the session changed, and the flush under
    the seat lock would go through both for nothing (their update hooks, the renders to
    queue). A list loaded later reads the new row from the database. Where a list is
    loaded, the registration joins the session with it (and is flushed); elsewhere it
    stays out until _set_status writes it (transactions.insert_object)."""
    registration = Registration(delegate_id=delegate.id, session_id=session.id, status=None)
    for name, parent in (("delegate", delegate), ("session", session)):
        if "registrations" in vars(parent):  # loaded (SQLAlchemy keeps loaded values there)
            setattr(registration, name, parent)
        else:
            set_committed_value(registration, name, parent)
    return registration


def _fill_from_waiting_list(session: Session, actor: Actor, reason: str, by: Actor | None = None) -> list[Registration]:
    """Confirm waiting delegates, first come first served, while seats are free; `reason`
    (seat_freed, capacity_raised) and `by` (whose action freed the seat) go into the audit."""
    promoted = []
    while _has_free_seat(session):
        first = db.session.execute(
            select(Registration)
            .where(
                Registration.session_id == session.id,
                Registration.status == RegistrationStatus.WAITLISTED,
            )
            .order_by(Registration.waitlist_rank)
            .limit(1)
        ).scalar_one_or_none()
        if first is None:
            break
        _set_status(
            first, RegistrationStatus.CONFIRMED, actor, AuditAction.PROMOTED, reason=reason, by=by.code if by else None
        )
        promoted.append(first)
    return promoted


def _apply_details(delegate: Delegate, details: DelegateDetails) -> None:
    # Answers to questions the event does not ask are not taken (those given before stay).
    unasked = questions.unasked_columns(delegate.event)
    for name in DelegateDetails.column_names():
        if name in unasked:
            continue
        value = getattr(details, name)
        setattr(delegate, name, value.strip() if isinstance(value, str) else value)
    delegate.country = delegate.country.upper()
    delegate.email_normalized = normalise_email(details.email)
    refresh_name_keys(delegate)


def refresh_name_keys(delegate: Delegate) -> None:
    """Keep the search and sort columns in step with the names."""
    delegate.search_text = names.search_text(
        delegate.family_name,
        delegate.given_name,
        delegate.name_native,
        delegate.organisation,
        delegate.email,
    )
    delegate.sort_name = names.sort_name(delegate.family_name, delegate.given_name, delegate.name_native)


# --- public service functions --------------------------------------------------------------


def _create_delegate(
    event: Event, details: DelegateDetails, actor: Actor, delegation: Delegation | None = None
) -> tuple[Delegate, str]:
    """A new delegate with the details given, who agreed to the event's privacy notice now
    (its version is recorded with the time), one of `delegation`'s if given; passport data
    given for a visa letter is kept in the same transaction (questions.keep_passport_data)."""
    token, token_hash, nonce = new_manage_token()
    delegate = Delegate(
        event_id=event.id,
        consent_at=utcnow(),
        privacy_notice_version=event.privacy_notice_version,
        manage_token_hash=token_hash,
        manage_link_nonce=nonce,
        checkin_code=new_checkin_code(),
    )
    set_committed_value(delegate, "event", event)
    _apply_details(delegate, details)
    if delegation is None:
        insert_object(delegate)  # one INSERT without the unit of work: two thirds of the CPU
    else:
        delegate.delegation = delegation  # and joins its list of delegates
        db.session.add(delegate)
        db.session.flush()
    record_audit(AuditAction.DELEGATE_CREATED, actor, delegate=delegate, privacy_notice=event.privacy_notice_version)
    if details.passport is not None and delegate.visa_letter_requested:
        questions.keep_passport_data(delegate, details.passport, actor)
    return delegate, token


def register(
    event: Event,
    details: DelegateDetails,
    session_slugs: Sequence[str],
    *,
    actor: Actor,
    by_staff: bool = False,
    invitation: Invitation | None = None,
) -> RegistrationResult:
    """Register a new delegate for sessions: a confirmed seat while one is free, otherwise
    the next place on that session's waiting list. Public registration (by_staff False)
    must be inside each session's window. Refuses an email that already has a delegate
    (EmailHasDelegate): one person stays one delegate. Commits."""
    (result,) = register_many(event, [details], session_slugs, actor=actor, by_staff=by_staff, invitation=invitation)
    return result


def sessions_to_register_for(
    event: Event, session_slugs: Sequence[str], by_staff: bool, invited_to: frozenset[int] = frozenset()
) -> list[Session]:
    """The sessions named, each open for registration (staff may register outside the
    window and for sessions by invitation; an invitation opens the sessions it names)."""
    if not session_slugs:
        raise RegistrationRefused(_("Choose at least one session."))
    sessions = sessions_by_slug(event, session_slugs)
    if not by_staff:
        for session in sessions:
            check_registration_open(session, invited=session.id in invited_to)
    return sessions


def applications_among(sessions: Iterable[Session], by_staff: bool, invited_to: frozenset[int]) -> frozenset[int]:
    """The sessions where this registration is an application for the organisers to decide:
    those by application, unless an organiser registers or an invitation names them."""
    if by_staff:
        return frozenset()
    return frozenset(s.id for s in sessions if s.access == SessionAccess.APPLICATION and s.id not in invited_to)


def register_many(
    event: Event,
    people: Sequence[DelegateDetails],
    session_slugs: Sequence[str],
    *,
    actor: Actor,
    by_staff: bool = False,
    invitation: Invitation | None = None,
    seat_mode: SeatMode = SeatMode.ONE_BY_ONE,
) -> list[RegistrationResult]:
    """`register` for several people in one transaction (imports, demo data): all or none.
    With the `invitation` of the one person registering, the sessions it names take them
    even by invitation or by application, and the invitation is marked as answered.
    `seat_mode` as in `seat_people`."""
    invited_to = frozenset(s.id for s in invitation.sessions) if invitation else frozenset()
    sessions = sessions_to_register_for(event, session_slugs, by_staff, invited_to)
    applications = applications_among(sessions, by_staff, invited_to)
    # Loaded objects are not expired at the commit: what the caller reads of them next is
    # what this transaction wrote (expiring the event, its sessions and the new rows was
    # 3 % of a registration's CPU).
    with write_transaction(keep_loaded=True):
        if invitation is not None:
            invitation = _unanswered(invitation)
        return seat_people(
            event, people, sessions, applications, actor=actor, seat_mode=seat_mode, invitation=invitation
        )


def seat_people(
    event: Event,
    people: Sequence[DelegateDetails],
    sessions: Sequence[Session],
    applications: frozenset[int],
    *,
    actor: Actor,
    seat_mode: SeatMode = SeatMode.ONE_BY_ONE,
    delegation: Delegation | None = None,
    invitation: Invitation | None = None,
) -> list[RegistrationResult]:
    """In the caller's write transaction: a new delegate for each person, each taking seats
    in `sessions` by the one rule of `_take_seats`. The delegates (private links, badge
    codes, search keys, audit entries, passport data) are made before the seat lock is
    taken; under it only the seats are counted and taken. ONE_BY_ONE: seats while they
    last, then the waiting list. ALL_OR_NOTHING: NotEnoughSeats, and the transaction rolled
    back, when a session has fewer free seats than people (applications take no seat: those
    sessions are left out). The people of a `delegation` become its delegates."""
    # Written in the order of their emails, so two registrations of overlapping groups
    # take the emails' index entries in one order; each before any seat (see _emails_first).
    in_email_order = sorted(range(len(people)), key=lambda i: normalise_email(people[i].email))
    with _emails_first(lambda: _refuse_taken_email(event, people, delegation)):
        made = {i: _newcomer(event, people[i], actor, delegation, invitation) for i in in_email_order}
        db.session.flush()  # their rows written now, while other registrations still take seats
    newcomers = [made[i] for i in range(len(people))]
    locked = lock_seats(sessions)
    if seat_mode == SeatMode.ALL_OR_NOTHING:
        _ensure_seats_for(len(people), [s for s in locked if s.id not in applications])
    results = []
    for delegate, token in newcomers:
        taken = _take_seats(delegate, locked, actor, applications)
        results.append(RegistrationResult(delegate, [r for r, _ in taken], token, [a for _, a in taken]))
    return results


def _newcomer(
    event: Event,
    details: DelegateDetails,
    actor: Actor,
    delegation: Delegation | None,
    invitation: Invitation | None,
) -> tuple[Delegate, str]:
    """The delegate for a person of a registration. That no delegate has their email yet is
    not looked up first: the database refuses a second one (DELEGATE_EMAIL_INDEX) when the
    delegates are written, and `_refuse_taken_email` then says who has it."""
    delegate, token = _create_delegate(event, details, actor, delegation)
    if invitation is not None:
        invitation.delegate_id = delegate.id
    return delegate, token


@contextmanager
def _emails_first(refuse: Callable[[], None]) -> Iterator[None]:
    """The block writes delegates' emails, before its transaction takes any seat lock.

    One person, one delegate is the database's unique index (DELEGATE_EMAIL_INDEX): a
    transaction writing an email another one has written and not yet committed waits for
    it, and is refused if it commits. Every path writes its emails before it takes seats,
    so none waits for an email while holding a seat another one waits for. When the
    database refuses one, the transaction is rolled back and `refuse()` raises the
    refusal that says who has the address."""
    try:
        yield
    except IntegrityError as error:
        if not _email_taken(error):
            raise
        db.session.rollback()
        refuse()
        raise


def _email_taken(error: IntegrityError) -> bool:
    """The database refused a delegate because another of the event has the email."""
    constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)  # PostgreSQL
    return constraint == DELEGATE_EMAIL_INDEX or "delegates.email_normalized" in str(error.orig)  # SQLite


def _refuse_taken_email(event: Event, people: Sequence[DelegateDetails], delegation: Delegation | None) -> None:
    """EmailHasDelegate for the first person whose email a delegate of the event has, as the
    refusal of someone registering themselves, or others (a delegation's contact), says it.
    (One email given for two people of a group is refused before: delegations._check_people.)"""
    for index, details in enumerate(people):
        try:
            if delegation is None:
                _ensure_no_delegate_with(event, normalise_email(details.email))
            else:  # someone registers others: the refusal speaks of them
                ensure_not_a_delegate(event, details.email)
        except EmailHasDelegate as refusal:
            refusal.person = index
            raise


def _ensure_seats_for(count: int, sessions: Iterable[Session]) -> None:
    for session in sessions:
        if session.capacity is None or session.capacity - session.confirmed_count >= count:
            continue
        left = max(session.capacity - session.confirmed_count, 0)
        title = localized(session.title)
        if left == 0:
            message = _(
                "%(session)s is full, so nobody of the group was registered. Choose “one by one” to put the group on the waiting list.",
                session=title,
            )
        else:
            message = ngettext(
                "Only %(num)d seat is left in %(session)s, not enough for %(people)d people, so nobody of the group was registered. Register fewer people, or choose “one by one”: the others join the waiting list.",
                "Only %(num)d seats are left in %(session)s, not enough for %(people)d people, so nobody of the group was registered. Register fewer people, or choose “one by one”: the others join the waiting list.",
                left,
                session=title,
                people=count,
            )
        raise NotEnoughSeats(message, session)


def ensure_not_a_delegate(event: Event, email: str) -> None:
    """EmailHasDelegate if the address belongs to a delegate of the event: a colleague taking
    over a seat, or a person a contact registers, must be someone not registered yet. The
    unique index keeps the answer true until the caller commits (_emails_first)."""
    known = delegates_by_email(event, email)
    if known:
        refusal = EmailHasDelegate(
            _(
                "%(email)s already belongs to a registered delegate. Seats go only to people not registered yet; a registered delegate adds sessions with their own private link.",
                email=email.strip(),
            )
        )
        refusal.delegate = known[0]
        raise refusal


class InvitationAnswered(RegistrationRefused):
    """The invitation was used (or declined) already: one invitation, one registration."""


def _unanswered(invitation: Invitation) -> Invitation:
    """The invitation as it is now, under the seat lock; InvitationAnswered if it is used."""
    current = db.session.get_one(Invitation, invitation.id, populate_existing=True, with_for_update=True)
    if current.delegate_id is not None:
        raise InvitationAnswered(_("You have registered with this invitation already."))
    return current


def add_sessions(
    delegate: Delegate, session_slugs: Sequence[str], *, actor: Actor, by_staff: bool = False
) -> list[Registration]:
    """Register an existing delegate for more sessions, with the same rules as `register`."""
    sessions = sessions_to_register_for(delegate.event, session_slugs, by_staff)
    applications = applications_among(sessions, by_staff, frozenset())
    with seat_transaction(sessions) as locked:
        delegate = db.session.get_one(Delegate, delegate.id)
        _ensure_email_free(delegate.email_normalized, locked)
        return [registration for registration, _ in _take_seats(delegate, locked, actor, applications)]


def cancel_registration(registration: Registration, *, actor: Actor) -> list[Registration]:
    """Cancel one registration. A freed seat goes to the first on the waiting list in the
    same transaction; returns the registrations promoted. Cancelling twice changes nothing."""
    with seat_transaction([registration.session]) as (session,):
        db.session.refresh(registration)  # as it is now, under the lock
        return _cancel_and_fill(registration, session, actor)


def cancel_delegate(delegate: Delegate, *, actor: Actor) -> list[Registration]:
    """Cancel every live registration of a delegate; returns the registrations promoted."""
    live = delegate.live_registrations
    promoted: list[Registration] = []
    if not live:
        return promoted
    with seat_transaction([r.session for r in live]) as locked:
        for session in locked:
            registration = db.session.execute(
                select(Registration).where(
                    Registration.delegate_id == delegate.id,
                    Registration.session_id == session.id,
                    Registration.status.not_in(ENDED_STATUSES),
                )
            ).scalar_one_or_none()
            if registration is not None:
                promoted += _cancel_and_fill(registration, session, actor)
    return promoted


def _cancel_and_fill(registration: Registration, session: Session, actor: Actor) -> list[Registration]:
    """Under the session's seat lock: cancel (once) and give a freed seat to the waiting list.
    Cancelling an application withdraws it."""
    if registration.status in ENDED_STATUSES:
        return []
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    _set_status(registration, RegistrationStatus.CANCELLED, actor, AuditAction.CANCELLED)
    if not was_confirmed:
        return []
    return _fill_from_waiting_list(session, Actor.SYSTEM, reason="seat_freed", by=actor)


class WhenFull(enum.StrEnum):
    """What approving an application does when the session has no seat left."""

    WAITLIST_HEAD = "waitlist_head"  # the first place on the waiting list
    REFUSE = "refuse"  # nothing: the application stays pending


@dataclass
class Decisions:
    """What deciding a set of applications did, each list in the order asked."""

    confirmed: list[Registration] = field(default_factory=list)
    waitlisted: list[Registration] = field(default_factory=list)
    rejected: list[Registration] = field(default_factory=list)
    left_pending: list[Registration] = field(default_factory=list)  # approved, but no seat (REFUSE)
    not_pending: list[Registration] = field(default_factory=list)  # decided or withdrawn meanwhile


def decide_applications(
    registration_ids: Sequence[int],
    *,
    approve: bool,
    actor: Actor,
    reason: str = "",
    when_full: WhenFull = WhenFull.WAITLIST_HEAD,
) -> Decisions:
    """Approve or reject pending applications, one or many, under the seat lock of their
    sessions (the same lock and rule as a registration: an approval takes a free seat, or
    when none is left the head of the waiting list, or nothing, as `when_full` says).
    `reason` goes into the audit log and the delegate's mail. Commits."""
    wanted = list(dict.fromkeys(registration_ids))
    found = db.session.execute(select(Registration).where(Registration.id.in_(wanted))).scalars().all()
    by_id = {r.id: r for r in found}
    outcome = Decisions()
    if not by_id:
        return outcome
    reason = reason.strip()
    with seat_transaction(list({r.session_id: r.session for r in found}.values())):
        for registration_id in wanted:
            registration = by_id.get(registration_id)
            if registration is None:
                continue
            db.session.refresh(registration)  # as it is now, under the lock
            if registration.status != RegistrationStatus.PENDING:
                outcome.not_pending.append(registration)
            elif not approve:
                _set_status(
                    registration,
                    RegistrationStatus.REJECTED,
                    actor,
                    AuditAction.APPLICATION_REJECTED,
                    reason=reason or None,
                )
                outcome.rejected.append(registration)
            elif _has_free_seat(registration.session):
                _set_status(
                    registration,
                    RegistrationStatus.CONFIRMED,
                    actor,
                    AuditAction.APPLICATION_APPROVED,
                    reason=reason or None,
                )
                outcome.confirmed.append(registration)
            elif when_full == WhenFull.WAITLIST_HEAD:
                _set_status(
                    registration,
                    RegistrationStatus.WAITLISTED,
                    actor,
                    AuditAction.APPLICATION_APPROVED,
                    head_of_line=True,
                    reason=reason or None,
                )
                outcome.waitlisted.append(registration)
            else:
                outcome.left_pending.append(registration)
    return outcome


def update_details(delegate: Delegate, details: DelegateDetails, *, actor: Actor) -> Delegate:
    """Change a delegate's personal details. A new email must not belong to another
    delegate of the event. Commits."""
    sessions = [r.session for r in delegate.live_registrations]
    event, new_key = delegate.event, normalise_email(details.email)
    with write_transaction():
        delegate = db.session.get_one(Delegate, delegate.id)
        refuse = partial(_ensure_no_delegate_with, event, new_key, other_than=delegate)
        with _emails_first(refuse):
            if new_key != delegate.email_normalized:
                refuse()
            before = DelegateDetails.of(delegate)
            _apply_details(delegate, details)
            after = DelegateDetails.of(delegate)
            db.session.flush()
        lock_seats(sessions)
        changed = [f.name for f in fields(DelegateDetails) if getattr(before, f.name) != getattr(after, f.name)]
        if changed:
            record_audit(AuditAction.DETAILS_CHANGED, actor, delegate=delegate, fields=changed)
            if actor.is_staff:  # the delegate knows what they changed themselves
                mail.note(delegate, MailKind.DETAILS_CHANGED, actor=actor, fields=changed)
    return delegate


def set_capacity(session: Session, capacity: int | None, *, actor: Actor) -> list[Registration]:
    """Change a session's capacity (None: unlimited). It cannot fall below the confirmed
    seats; a raise confirms as many waiting delegates as now fit. Returns those promoted."""
    with seat_transaction([session]) as (session,):
        if capacity is not None and capacity < session.confirmed_count:
            raise CapacityTooLow(
                _(
                    "%(count)d seats are confirmed; the capacity cannot be lower.",
                    count=session.confirmed_count,
                )
            )
        previous = session.capacity
        session.capacity = capacity
        db.session.flush()
        record_audit(AuditAction.CAPACITY_CHANGED, actor, session=session, previous=previous, capacity=capacity)
        return _fill_from_waiting_list(session, Actor.SYSTEM, reason="capacity_raised", by=actor)


@dataclass
class SessionFill:
    session: Session
    confirmed: int
    waitlisted: int
    pending: int = 0  # applications waiting for an organiser

    @property
    def seats_left(self) -> int | None:
        return self.session.seats_left


def pending_applications(event: Event, session_slug: str | None = None) -> list[Registration]:
    """Open applications, oldest first (first come, first considered)."""
    statement = (
        select(Registration)
        .join(Registration.session)
        .where(Session.event_id == event.id, Registration.status == RegistrationStatus.PENDING)
        .order_by(Registration.created_at, Registration.id)
        .options(selectinload(Registration.delegate), selectinload(Registration.session))
    )
    if session_slug:
        statement = statement.where(Session.slug == session_slug)
    return list(db.session.execute(statement).scalars())


def session_fill(event: Event) -> list[SessionFill]:
    """Every session of the event with its confirmed, waiting and pending counts, in programme order."""
    counts: dict[tuple[int, RegistrationStatus], int] = {
        (session_id, status): count
        for session_id, status, count in db.session.execute(
            select(Registration.session_id, Registration.status, func.count(Registration.id))
            .join(Session)
            .where(
                Session.event_id == event.id,
                Registration.status.in_([RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING]),
            )
            .group_by(Registration.session_id, Registration.status)
        ).all()
    }
    sessions = db.session.execute(
        select(Session).where(Session.event_id == event.id).order_by(Session.starts_at, Session.id)
    ).scalars()
    return [
        SessionFill(
            s,
            s.confirmed_count,
            counts.get((s.id, RegistrationStatus.WAITLISTED), 0),
            counts.get((s.id, RegistrationStatus.PENDING), 0),
        )
        for s in sessions
    ]


def promote(registration: Registration, *, actor: Actor) -> Registration:
    """An organiser confirms a waiting delegate out of turn. Capacity still holds: with no
    free seat this is refused (raise the capacity instead, which promotes in order)."""
    with seat_transaction([registration.session]) as (session,):
        registration = db.session.get_one(Registration, registration.id, populate_existing=True)
        if registration.status != RegistrationStatus.WAITLISTED:
            raise RegistrationRefused(_("Only a delegate on the waiting list can be promoted."), session)
        if not _has_free_seat(session):
            raise RegistrationRefused(
                _(
                    "%(session)s has no free seat. Raise its capacity to admit more delegates.",
                    session=localized(session.title),
                ),
                session,
            )
        _set_status(registration, RegistrationStatus.CONFIRMED, actor, AuditAction.PROMOTED, reason="by_organiser")
    return registration


# --- substitution ----------------------------------------------------------------------------


def substitution_open(session: Session, now: datetime | None = None) -> bool:
    """Whether delegates and their contacts may still hand seats of the session over."""
    return session.substitution_freeze_at is None or (now or utcnow()) < session.substitution_freeze_at


def check_substitution_open(session: Session, now: datetime | None = None, *, by_staff: bool = False) -> None:
    """Until the session's substitution deadline (the venue's security list) anyone holding a
    seat may hand it over; afterwards only organisers (SubstitutionClosed)."""
    freeze = session.substitution_freeze_at
    if by_staff or freeze is None or substitution_open(session, now):
        return
    timezone = session.event.timezone
    raise SubstitutionClosed(
        _(
            "Seats in %(session)s can no longer be handed to a colleague: the venue's security list closed on %(when)s (%(zone)s). Please write to the organisers.",
            session=localized(session.title),
            when=format_local_when(freeze, timezone),
            zone=timezone_name(timezone),
        ),
        session,
    )


def substitute(
    registration: Registration,
    new_person: DelegateDetails,
    *,
    actor: Actor,
    by_staff: bool = False,
    now: datetime | None = None,
) -> RegistrationResult:
    """Hand a registration's place to a colleague: the same seat (status, waiting-list rank
    and the session's count unchanged) for a new delegate, with their own private link and
    badge code, in the same delegation. The old delegate keeps their other registrations
    and gets a new badge code, so their old badge no longer opens any door. Refused after
    the session's substitution deadline unless `by_staff`, for a registration that ended,
    and for an email that already belongs to a delegate (EmailHasDelegate). Commits."""
    event = registration.session.event
    with write_transaction():
        refuse = partial(ensure_not_a_delegate, event, new_person.email)
        with _emails_first(refuse):
            refuse()
            # Written before the seat lock; rolled back with the rest if the seat is refused.
            successor, token = _create_delegate(event, new_person, actor)
        (session,) = lock_seats([registration.session])
        registration = db.session.get_one(Registration, registration.id, populate_existing=True)
        if registration.status in ENDED_STATUSES:
            raise RegistrationRefused(
                _("Only a seat or place that is still held can be handed to a colleague."), session
            )
        check_substitution_open(session, now, by_staff=by_staff)
        previous = registration.delegate
        successor.delegation_id = previous.delegation_id
        registration.delegate = successor
        previous.checkin_code = new_checkin_code()
        db.session.flush()
        record_audit(
            AuditAction.SUBSTITUTED,
            actor,
            delegate=previous,
            registration=registration,
            handed_to=successor.display_name,
        )
        record_audit(
            AuditAction.SUBSTITUTED,
            actor,
            delegate=successor,
            registration=registration,
            taken_over_from=previous.display_name,
        )
        mail.note(previous, MailKind.SUBSTITUTED, actor=actor, session=session.id, successor=successor.display_name)
        waitlisted = [registration.id] if registration.status == RegistrationStatus.WAITLISTED else []
        mail.note(successor, MailKind.RECEIVED, actor=actor, registrations=[registration.id], waitlisted=waitlisted)
        answer = SeatAnswer(session.slug, registration.status, waitlist_position(registration))
    return RegistrationResult(successor, [registration], token, [answer])


def renew_private_link(delegate: Delegate, *, actor: Actor) -> str:
    """A new private link for the delegate; the old one stops working. Returns the token."""
    token, token_hash, nonce = new_manage_token()
    with write_transaction():
        delegate = db.session.get_one(Delegate, delegate.id, populate_existing=True)
        delegate.manage_token_hash, delegate.manage_link_nonce = token_hash, nonce
        record_audit(AuditAction.PRIVATE_LINK_RENEWED, actor, delegate=delegate)
        mail.note(delegate, MailKind.PRIVATE_LINK, actor=actor, renewed=True)
    return token
