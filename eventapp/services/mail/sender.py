"""The sender: one pass over the due mails (`send_due`: the huey task, `flask send-mail`).

It writes each mail from the delegate's data then, in their language, and hands it to the
transport. A mail is marked SENDING before it is handed over and SENT after: a failure puts it
back in the queue with a growing delay, and after MAIL_MAX_ATTEMPTS it is FAILED for organisers
to see and send again (`resend`). If the sender dies between the two, the mail stays SENDING;
it is not sent again by itself (it may have arrived), but shown to organisers as interrupted
after MAIL_SENDING_LEASE.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import MailStatus, OutboxMail, utcnow
from ..audit import Actor, AuditAction, record_audit
from ..events import sender_for
from ..transactions import write_transaction
from .compose import MailNotWritten, WrittenMail, build_message, new_message_id, write
from .outbox import claim_next, mark_interrupted, queue_sender_after_commit
from .transports import transport

# The package's logger, whichever of its modules logs.
log = logging.getLogger(__package__)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    interrupted: int = 0


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the first, second … failed attempt, at most MAIL_RETRY_MAX."""
    config = current_app.config
    seconds = config["MAIL_RETRY_BASE"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX"]))


# Errors that say the server cannot be reached now: the rest of the pass would only wait for
# the same timeouts, so it stops and leaves them due.
UNREACHABLE = (ConnectionError, socket.timeout, smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected)


@dataclass
class Outcome:
    status: MailStatus
    unreachable: bool = False


def _prepare(mail: OutboxMail) -> tuple[EmailMessage, WrittenMail, str]:
    """The message ready to hand over. Anything wrong with the delegate's data shows here
    and will not get better by trying again."""
    written = write(mail)
    event = mail.event
    if event is None:  # write() has refused it already: the delegate or invitee is gone
        raise MailNotWritten("the recipient no longer exists")
    address, name = sender_for(event, written.language)
    try:
        message = build_message(mail, written, address, name)
    except (ValueError, TypeError) as error:  # e.g. a line break in a name, a malformed address
        raise MailNotWritten(f"the message cannot be built: {error}") from error
    return message, written, address


def send_one(mail: OutboxMail, via, now: datetime | None = None) -> Outcome:
    config, mail_id = current_app.config, mail.id
    try:
        message, written, envelope_from = _prepare(mail)
        # End the read transaction before the (slow) hand-over: SQLite would refuse to write
        # from a snapshot that other writers have passed meanwhile, and PostgreSQL would
        # hold the transaction open for the length of an SMTP conversation.
        db.session.rollback()
        via.send(message, envelope_from, written.recipient)
    except Exception as error:
        db.session.rollback()  # a failed statement leaves PostgreSQL's transaction unusable
        if not isinstance(error, (MailNotWritten, smtplib.SMTPException, OSError)):
            log.exception("mail %s could not be written or sent", mail_id)
        permanent = isinstance(error, MailNotWritten)
        with write_transaction():
            mail = db.session.get_one(OutboxMail, mail_id, populate_existing=True)
            mail.last_error = f"{type(error).__name__}: {error}"[:2000]
            if permanent or mail.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                mail.status = MailStatus.FAILED
            else:
                mail.status = MailStatus.QUEUED
                mail.next_attempt_at = (now or utcnow()) + retry_delay(mail.attempts)
            status, last_error = mail.status, mail.last_error
        log.warning("mail %s not sent: %s", mail_id, last_error)
        return Outcome(status, unreachable=isinstance(error, UNREACHABLE))
    with write_transaction():
        mail = db.session.get_one(OutboxMail, mail_id, populate_existing=True)
        mail.status = MailStatus.SENT
        mail.sent_at = utcnow()
        mail.last_error = ""
        mail.recipient, mail.subject, mail.language = written.recipient, written.subject[:300], written.language
    return Outcome(MailStatus.SENT)


def send_due(limit: int | None = None, now: datetime | None = None) -> SendReport:
    """One pass: every mail due now (at most `limit`), one at a time; it stops early when the
    server cannot be reached."""
    report = SendReport(interrupted=mark_interrupted(now))
    via = transport()
    while limit is None or report.sent + report.retrying + report.failed < limit:
        mail = claim_next(now or utcnow())
        if mail is None:
            break
        outcome = send_one(mail, via, now)
        if outcome.status == MailStatus.SENT:
            report.sent += 1
        elif outcome.status == MailStatus.QUEUED:
            report.retrying += 1
        else:
            report.failed += 1
        if outcome.unreachable:
            break
    return report


def resend(mail: OutboxMail, *, actor: Actor, key: str) -> MailStatus | None:
    """Send a mail again: a failed (or interrupted) one goes back to the queue; a sent one is
    queued anew as a copy. Returns the status it was resent from, or None when nothing was
    done: it is queued or being sent already, or this `key` (made when the organiser's page
    was shown) has already made its copy: a double click sends nothing twice."""
    try:
        with write_transaction():
            mail = db.session.execute(select(OutboxMail).where(OutboxMail.id == mail.id).with_for_update()).scalar_one()
            was = mail.status
            if was == MailStatus.FAILED:
                mail.status, mail.attempts, mail.next_attempt_at = MailStatus.QUEUED, 0, utcnow()
            elif was == MailStatus.SENT:
                db.session.add(
                    OutboxMail(
                        delegate_id=mail.delegate_id,
                        invitation_id=mail.invitation_id,
                        delegation_id=mail.delegation_id,
                        kind=mail.kind,
                        payload=mail.payload,
                        message_id=new_message_id(f"resend.{mail.id}.{key}"),
                        created_by=actor.code,
                    )
                )
            else:
                return None
            db.session.flush()
            record_audit(AuditAction.MAIL_RESENT, actor, delegate=mail.delegate, mail=mail.id, kind=mail.kind.value)
            queue_sender_after_commit()
    except IntegrityError:
        return None
    return was
