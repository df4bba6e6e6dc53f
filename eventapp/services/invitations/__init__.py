"""Invitations, the organisers' side: lists of invitees read from a spreadsheet
(`spreadsheets`), checked row by row (`invitees`) and previewed before anything is saved;
one invitee added by hand; the invitation mails and one reminder.

An invitation is keyed by its event and normalised email, so saving the same list again
changes nothing, and a row for an email already invited updates what it tells anew. An
import never takes anything away: an empty cell keeps what is known, and sessions are added
to those the invitation opens, never removed.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Event, Invitation, MailKind, Session, utcnow
from .. import mail
from ..audit import Actor, AuditAction, record_audit
from ..private_links import hash_token, invitation_token, link_token
from ..standing import normalise_email
from ..transactions import write_transaction
from .invitees import (
    DETAIL_FIELDS,
    LANGUAGE_BY_COUNTRY,
    InviteeDetails,
    InviteeField,
    Problems,
    field_labels,
    guess_mapping,
    mapping_problems,
    read_invitee,
)
from .spreadsheets import MAX_FILE_BYTES, ImportFileError, UploadedTable, read_table

__all__ = [
    "MAX_FILE_BYTES",
    "ImportFileError",
    "ImportPreview",
    "InvitationRefused",
    "InvitationState",
    "InviteeDetails",
    "InviteeField",
    "PreviewRow",
    "RowState",
    "UploadedTable",
    "add_invitation",
    "field_labels",
    "find_invitation_by_token",
    "guess_mapping",
    "invitation_page",
    "invitation_token",
    "invitations_in",
    "mapping_problems",
    "preview_import",
    "read_table",
    "reminder_candidates",
    "save_import",
    "send_invitations",
    "send_reminders",
    "state_counts",
]


def _sessions_of(event: Event) -> dict[str, Session]:
    return {s.slug: s for s in event.sessions}


# --- a list, previewed and saved --------------------------------------------------------------


class RowState(enum.StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"
    UPDATED = "updated"  # an email invited already, with something new
    INVALID = "invalid"


@dataclass
class PreviewRow:
    number: int  # in the file, the header being 1
    details: InviteeDetails
    sessions: list[Session]
    problems: Problems
    state: RowState
    changes: list[str] = field(default_factory=list)  # the fields an update changes
    invitation: Invitation | None = None


@dataclass
class ImportPreview:
    rows: list[PreviewRow]
    problems: list[str]  # the mapping's (no row is read while there are any)
    counts: dict[RowState, int]

    @property
    def to_save(self) -> int:
        return self.counts[RowState.NEW] + self.counts[RowState.UPDATED]


def preview_import(
    event: Event,
    table: UploadedTable,
    mapping: Sequence[InviteeField | None],
    default_slugs: Sequence[str] = (),
) -> ImportPreview:
    """Each row read and checked against the list itself (an email twice) and the
    invitations there are: new, unchanged, updated or invalid. Changes nothing.
    `default_slugs`: the sessions of rows that name none."""
    problems = mapping_problems(mapping)
    counts = dict.fromkeys(RowState, 0)
    if problems:
        return ImportPreview([], problems, counts)
    sessions = _sessions_of(event)
    defaults = [sessions[slug] for slug in default_slugs if slug in sessions]
    existing = {
        invitation.email_normalized: invitation
        for invitation in db.session.execute(
            select(Invitation).where(Invitation.event_id == event.id).options(selectinload(Invitation.sessions))
        ).scalars()
    }
    first_row_of: dict[str, int] = {}
    rows = []
    for number, cells in table.rows:
        values = {f: cell for f, cell in zip(mapping, cells) if f is not None}
        details, chosen, row_problems = read_invitee(values, sessions)
        key = normalise_email(details.email)
        if key in first_row_of:
            row_problems.append(
                (InviteeField.EMAIL, _("The same email address is in row %(row)d.", row=first_row_of[key]))
            )
        elif key:
            first_row_of[key] = number
        row = PreviewRow(number, details, chosen or defaults, row_problems, RowState.INVALID)
        _judge(row, existing.get(key))
        counts[row.state] += 1
        rows.append(row)
    return ImportPreview(rows, [], counts)


def _judge(row: PreviewRow, invitation: Invitation | None) -> None:
    if not row.problems and invitation is None and not row.sessions:
        row.problems.append(
            (InviteeField.SESSIONS, _("No session: choose sessions for the list, or name them in a column."))
        )
    if row.problems:
        row.state = RowState.INVALID
    elif invitation is None:
        row.state = RowState.NEW
    else:
        row.invitation = invitation
        row.changes = _changes(invitation, row.details, row.sessions)
        row.state = RowState.UPDATED if row.changes else RowState.UNCHANGED


def _changes(invitation: Invitation, details: InviteeDetails, sessions: Iterable[Session]) -> list[str]:
    changed = [
        name
        for name in DETAIL_FIELDS
        if getattr(details, name) not in ("", None) and getattr(invitation, name) != getattr(details, name)
    ]
    if any(session not in invitation.sessions for session in sessions):
        changed.append("sessions")
    return changed


def save_import(
    event: Event,
    table: UploadedTable,
    mapping: Sequence[InviteeField | None],
    default_slugs: Sequence[str],
    actor: Actor,
) -> ImportPreview:
    """Create the new invitations and update the changed ones in one transaction, skipping
    invalid rows, with an audit entry each; the rows are judged again against the
    invitations there are now. Nothing is mailed. Returns what was done."""
    with write_transaction():
        _lock_invitations_of(event)
        preview = preview_import(event, table, mapping, default_slugs)
        for row in preview.rows:
            if row.state == RowState.NEW:
                _create(event, row.details, row.sessions, actor)
            elif row.state == RowState.UPDATED and row.invitation is not None:
                _update(row.invitation, row.details, row.sessions, row.changes, actor)
    return preview


class InvitationRefused(ValueError):
    def __init__(self, problems: Problems):
        super().__init__("; ".join(message for _field, message in problems))
        self.problems = problems


def add_invitation(event: Event, details: InviteeDetails, session_slugs: Sequence[str], actor: Actor) -> Invitation:
    """Invite one person, with the rules of a list; InvitationRefused says what is wrong,
    including an email that is invited already."""
    values = {InviteeField(name): str(getattr(details, name) or "") for name in DETAIL_FIELDS}
    values[InviteeField.SESSIONS] = " ".join(session_slugs)
    with write_transaction():
        _lock_invitations_of(event)
        checked, sessions, problems = read_invitee(values, _sessions_of(event))
        if not problems and not sessions:
            problems.append((InviteeField.SESSIONS, _("Choose at least one session.")))
        if not problems and _invitation_for(event, checked.email) is not None:
            problems.append((InviteeField.EMAIL, _("This email address is invited already.")))
        if problems:
            raise InvitationRefused(problems)
        invitation = _create(event, checked, sessions, actor)
    return invitation


def _invitation_for(event: Event, email: str) -> Invitation | None:
    return db.session.execute(
        select(Invitation).where(Invitation.event_id == event.id, Invitation.email_normalized == normalise_email(email))
    ).scalar_one_or_none()


def _lock_invitations_of(event: Event) -> None:
    """Invitations of one event change one transaction at a time, so two imports of the same
    list cannot both add a person. FOR NO KEY UPDATE: registrations (rows that refer to
    the event) go on meanwhile. SQLite's write transaction is one at a time anyway."""
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update(key_share=True))


def _create(event: Event, details: InviteeDetails, sessions: list[Session], actor: Actor) -> Invitation:
    nonce = secrets.token_hex(16)
    invitation = Invitation(
        event=event,
        email_normalized=normalise_email(details.email),
        token_hash=hash_token(link_token("invitation", nonce)),
        link_nonce=nonce,
        created_by=actor.code,
        sessions=list(sessions),
    )
    for name in DETAIL_FIELDS:
        setattr(invitation, name, getattr(details, name))
    invitation.language = details.language or LANGUAGE_BY_COUNTRY.get(details.country, "en")
    db.session.add(invitation)
    db.session.flush()
    # Ids only: the audit log is kept for good, the invitee's data may have to be erased.
    record_audit(AuditAction.INVITATION_CREATED, actor, invitation=invitation.id, sessions=[s.slug for s in sessions])
    return invitation


def _update(
    invitation: Invitation, details: InviteeDetails, sessions: list[Session], changes: list[str], actor: Actor
) -> None:
    for name in changes:
        if name == "sessions":
            invitation.sessions += [s for s in sessions if s not in invitation.sessions]
        else:
            setattr(invitation, name, getattr(details, name))
    record_audit(AuditAction.INVITATION_UPDATED, actor, invitation=invitation.id, fields=changes)


# --- the link ---------------------------------------------------------------------------------


def find_invitation_by_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return db.session.execute(select(Invitation).where(Invitation.token_hash == hash_token(token))).scalar_one_or_none()


# --- where each invitation stands, and the mails ----------------------------------------------


class InvitationState(enum.StrEnum):
    NOT_SENT = "not_sent"
    SENT = "sent"  # waiting for an answer
    REMINDED = "reminded"  # still waiting, after the reminder
    REGISTERED = "registered"
    DECLINED = "declined"


state_expression: ColumnElement[str] = case(
    (Invitation.delegate_id.is_not(None), InvitationState.REGISTERED.value),
    (Invitation.declined_at.is_not(None), InvitationState.DECLINED.value),
    (Invitation.reminded_at.is_not(None), InvitationState.REMINDED.value),
    (Invitation.sent_at.is_not(None), InvitationState.SENT.value),
    else_=InvitationState.NOT_SENT.value,
)


def state_counts(event: Event) -> dict[InvitationState, int]:
    counts = dict.fromkeys(InvitationState, 0)
    rows = db.session.execute(
        select(state_expression, func.count()).where(Invitation.event_id == event.id).group_by(state_expression)
    )
    counts.update({InvitationState(state): count for state, count in rows})
    return counts


def _by_name(query: Select) -> Select:
    return query.order_by(
        func.lower(Invitation.family_name), func.lower(Invitation.given_name), Invitation.email_normalized
    )


def invitations_in(event: Event, *states: InvitationState, ids: Iterable[int] | None = None) -> list[Invitation]:
    """The event's invitations in these states (all without), by name, with their sessions."""
    query = select(Invitation).where(Invitation.event_id == event.id).options(selectinload(Invitation.sessions))
    if states:
        query = query.where(state_expression.in_([s.value for s in states]))
    if ids is not None:
        query = query.where(Invitation.id.in_(list(ids)))
    return list(db.session.execute(_by_name(query)).scalars())


@dataclass
class InvitationPage:
    rows: list[tuple[Invitation, InvitationState]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def invitation_page(event: Event, state: InvitationState | None, page: int, per_page: int) -> InvitationPage:
    """One page of the event's invitations (in one state, or all), each with its state."""
    where = [Invitation.event_id == event.id]
    if state is not None:
        where.append(state_expression == state.value)
    total = db.session.execute(select(func.count()).select_from(Invitation).where(*where)).scalar_one()
    query = select(Invitation, state_expression).where(*where).options(selectinload(Invitation.sessions))
    rows = db.session.execute(_by_name(query).limit(per_page).offset((page - 1) * per_page)).all()
    return InvitationPage([(i, InvitationState(s)) for i, s in rows], total, page, per_page)


def reminder_candidates(event: Event) -> list[Invitation]:
    """Sent, not answered (neither registered nor declined), not reminded yet."""
    return invitations_in(event, InvitationState.SENT)


def send_invitations(invitations: Iterable[Invitation], actor: Actor) -> list[Invitation]:
    """Mail each of these invitations that is not sent yet and not answered: sent_at and
    the mail in one transaction, so an invitation is never mailed twice (a second call, or
    one racing this, finds it sent). Returns those mailed now."""
    return _mail_once([i.id for i in invitations], InvitationState.NOT_SENT, MailKind.INVITATION, actor)


def send_reminders(ids: Iterable[int], actor: Actor) -> list[Invitation]:
    """One reminder to each of these invitations that is still a reminder candidate."""
    return _mail_once(list(ids), InvitationState.SENT, MailKind.INVITATION_REMINDER, actor)


def _mail_once(ids: list[int], state: InvitationState, kind: MailKind, actor: Actor) -> list[Invitation]:
    if not ids:
        return []
    with write_transaction():
        # Locked and read again: a transaction that mailed them first has set the time.
        due = list(
            db.session.execute(
                select(Invitation)
                .where(Invitation.id.in_(ids), state_expression == state.value)
                .order_by(Invitation.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).scalars()
        )
        now = utcnow()
        for invitation in due:
            if kind == MailKind.INVITATION:
                invitation.sent_at = now
            else:
                invitation.reminded_at = now
            mail.note_for_invitee(invitation, kind, actor=actor)
    return due


# --- the invitee's answer -------------------------------------------------------------------


def form_entries(invitation: Invitation) -> dict[str, object]:
    """What the registration form starts with for the invitee: what the organisers know."""
    entries: dict[str, object] = {name: getattr(invitation, name) for name in DETAIL_FIELDS}
    entries.update(email=invitation.email, sessions=[s.slug for s in invitation.sessions])
    return {name: value for name, value in entries.items() if value not in (None, "")}


def decline(invitation: Invitation, actor: Actor) -> bool:
    """The invitee says they cannot come: no reminder goes to them any more. Returns
    whether anything changed (declining twice, or after registering, changes nothing)."""
    with write_transaction():
        current = db.session.get_one(Invitation, invitation.id, populate_existing=True, with_for_update=True)
        if current.answered:
            return False
        current.declined_at = utcnow()
        record_audit(AuditAction.INVITATION_DECLINED, actor, invitation=current.id)
    return True
