"""The outbox: mails noted in the transaction of the change they tell of.

A change that a delegate should hear about notes it (`note`) inside the transaction that
makes the change; just before that transaction commits, the notes become `OutboxMail` rows,
one per delegate and kind of news. So a committed registration always has its mail and a
rolled-back one never does, and nothing slow (templates, SMTP) runs under the seat lock.
After a commit that wrote mails, the background sender is queued (`register`). The sender
takes due rows one at a time (`claim_next`); rows a dead sender left SENDING are marked
interrupted (`mark_interrupted`).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from ...extensions import db
from ...models import Delegate, Delegation, Invitation, MailKind, MailStatus, OutboxMail, Registration, utcnow
from ..audit import Actor
from ..standing import waitlist_position
from ..transactions import insert_rows_at_commit, make_rows_at_commit, write_transaction
from .compose import new_message_id

# The session's info keys: the notes of the transaction, "no mails" (suppressed), and
# "this transaction wrote mails" (the sender is queued after its commit).
_NOTES = "eventapp_mail_notes"
_SUPPRESSED = "eventapp_mail_suppressed"
_QUEUED = "eventapp_mail_queued"


# last_error of a mail whose sender died while handing it over (shown to organisers).
INTERRUPTED = "interrupted while sending; it may have arrived"


def note(delegate: Delegate, kind: MailKind, *, actor: Actor = Actor.SYSTEM, **payload) -> None:
    """Tell the delegate about this change once the transaction commits. Notes of one kind
    for one delegate in one transaction make one mail (registration ids are gathered)."""
    dbs = db.session()
    if dbs.info.get(_SUPPRESSED):
        return
    notes = dbs.info.setdefault(_NOTES, {})
    entry = notes.setdefault((delegate.id, kind), {"actor": actor})
    for name, value in payload.items():
        if isinstance(value, list):
            entry[name] = entry.get(name, []) + value
        elif isinstance(value, dict):
            entry[name] = {**entry.get(name, {}), **value}
        else:
            entry[name] = value


def note_for_invitee(invitation: Invitation, kind: MailKind, *, actor: Actor) -> None:
    """An invitation or reminder mail for someone who is no delegate yet, written to the
    outbox in the caller's transaction (one per call: the caller sends each once)."""
    db.session.add(
        OutboxMail(kind=kind, invitation_id=invitation.id, message_id=new_message_id(), created_by=actor.code)
    )
    queue_sender_after_commit()


def note_for_contact(delegation: Delegation, kind: MailKind, *, actor: Actor) -> None:
    """A mail to a delegation's contact person, who is no delegate, written to the outbox
    in the caller's transaction (one per call)."""
    if db.session().info.get(_SUPPRESSED):
        return
    db.session.add(
        OutboxMail(kind=kind, delegation_id=delegation.id, message_id=new_message_id(), created_by=actor.code)
    )
    queue_sender_after_commit()


@contextmanager
def suppressed():
    """No mails for changes made inside (demo data, fake delegates: nobody to write to)."""
    dbs = db.session()
    dbs.info[_SUPPRESSED] = True
    try:
        yield
    finally:
        dbs.info.pop(_SUPPRESSED, None)


def _write_notes_to_outbox(session: OrmSession) -> None:
    notes = session.info.pop(_NOTES, None)
    if not notes:
        return
    rows = []
    for (delegate_id, kind), entry in notes.items():
        actor: Actor = entry.pop("actor")
        for name, value in entry.items():
            if isinstance(value, list):
                entry[name] = sorted(set(value))
        if kind == MailKind.RECEIVED and entry["waitlisted"] == entry["registrations"]:
            kind = MailKind.WAITLISTED  # nothing confirmed: the waiting list is the news
        if entry.get("registrations"):
            # What the change itself noted (a new place's status and position, read under
            # the seat lock) needs no second look; the others are read now.
            known = entry.get("status_at_change", {})
            unknown = [i for i in entry["registrations"] if str(i) not in known]
            entry["status_at_change"] = {**_statuses_now(session, unknown), **known}
        rows.append(
            {
                "delegate_id": delegate_id,
                "kind": kind,
                "payload": entry,
                "message_id": new_message_id(),
                "created_by": actor.code,
            }
        )
    for row in rows:  # nothing reads them back in this transaction
        insert_rows_at_commit(OutboxMail, row)
    queue_sender_after_commit(session)


def _statuses_now(session: OrmSession, registration_ids: list[int]) -> dict[str, list]:
    """Each registration's status and waiting-list position as this change left them: the
    mail tells of the change, even if it goes out after later ones."""
    snapshot = {}
    for registration_id in registration_ids:
        registration = session.get(Registration, registration_id)
        if registration is not None:
            snapshot[str(registration_id)] = [registration.status.value, waitlist_position(registration)]
    return snapshot


SENDER_QUEUE = "eventapp.queue_mail_sender"  # app.extensions: queues the sender (tasks.py)


def queue_sender_after_commit(session: OrmSession | None = None) -> None:
    """This transaction wrote mails: queue the sender once it commits."""
    (session or db.session()).info[_QUEUED] = True


def _after_commit(session: OrmSession) -> None:
    if session.info.pop(_QUEUED, False) and current_app.config.get("MAIL_SEND_AFTER_COMMIT"):
        queue_sender = current_app.extensions.get(SENDER_QUEUE)
        if queue_sender is not None:
            queue_sender()


def _after_soft_rollback(session: OrmSession, previous_transaction) -> None:
    session.info.pop(_NOTES, None)
    session.info.pop(_QUEUED, None)


def register(app, queue_sender=None) -> None:
    """Write noted mails at each commit; after one that wrote some, `queue_sender()` (the
    background sender's task, given by tasks.py: this module does not know the queue)."""
    app.extensions[SENDER_QUEUE] = queue_sender
    make_rows_at_commit(_write_notes_to_outbox)
    if not sa_event.contains(db.session, "after_commit", _after_commit):  # the app's sessions
        sa_event.listen(db.session, "after_commit", _after_commit)
        sa_event.listen(db.session, "after_soft_rollback", _after_soft_rollback)


def claim_next(now: datetime) -> OutboxMail | None:
    """Mark the next due mail SENDING and commit, so no other sender takes it."""
    with write_transaction(keep_loaded=True):
        mail = db.session.execute(
            select(OutboxMail)
            .where(OutboxMail.status == MailStatus.QUEUED, OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        if mail is None:
            return None
        mail.status = MailStatus.SENDING
        mail.attempts += 1
        mail.claimed_at = utcnow()
    return mail


def mark_interrupted(now: datetime | None = None) -> int:
    """Mails left SENDING longer than the lease: the sender died while handing them over.
    They may have arrived, so they are not sent again without an organiser."""
    cutoff = (now or utcnow()) - timedelta(seconds=current_app.config["MAIL_SENDING_LEASE"])
    with write_transaction():
        stuck = (
            db.session.execute(
                select(OutboxMail)
                .where(OutboxMail.status == MailStatus.SENDING, OutboxMail.claimed_at < cutoff)
                .with_for_update(skip_locked=True)  # not one a sender is just marking sent
            )
            .scalars()
            .all()
        )
        for mail in stuck:
            mail.status = MailStatus.FAILED
            mail.last_error = INTERRUPTED
    return len(stuck)


def outbox_counts() -> dict[MailStatus, int]:
    rows = db.session.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status)).all()
    counts = {status: 0 for status in MailStatus}
    counts.update({status: count for status, count in rows})
    return counts
