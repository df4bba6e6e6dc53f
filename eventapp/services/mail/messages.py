"""Mails someone asks for: a delegate's private link (by an organiser, or through the public
lost-link form, then at most every LOST_LINK_COOLDOWN), and an organisers' message to the
delegates of a session (previewed in each language, queued once however often Send is clicked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...i18n import HTML_LANG, localized
from ...models import Delegate, Event, MailKind, OutboxMail, Registration, RegistrationStatus, Session, utcnow
from ..audit import Actor, AuditAction, record_audit
from ..standing import delegates_by_email
from ..transactions import write_transaction
from .compose import WrittenMail, new_message_id, write
from .outbox import note, queue_sender_after_commit


def send_private_link(delegate: Delegate, *, actor: Actor, unless_sent_within: timedelta | None = None) -> bool:
    """Mail the delegate their private link (the current one). With `unless_sent_within`, not
    if such a mail was queued that recently (a public form must not flood a mailbox).
    Returns whether a mail was queued."""

    with write_transaction():
        delegate = db.session.get_one(Delegate, delegate.id)
        if unless_sent_within is not None:
            recent = db.session.execute(
                select(OutboxMail.id)
                .where(
                    OutboxMail.delegate_id == delegate.id,
                    OutboxMail.kind == MailKind.PRIVATE_LINK,
                    OutboxMail.created_at > utcnow() - unless_sent_within,
                )
                .limit(1)
            ).first()
            if recent is not None:
                return False
        note(delegate, MailKind.PRIVATE_LINK, actor=actor)
        record_audit(AuditAction.PRIVATE_LINK_SENT, actor, delegate=delegate)
    return True


# However often the lost-link form is sent for one address, it mails at most this often.
LOST_LINK_COOLDOWN = timedelta(minutes=15)


def send_lost_links(event_id: int, email: str) -> None:
    """The lost-link form: the private link of every delegate of the event with this email."""

    event = db.session.get(Event, event_id)
    if event is None:
        return
    for delegate in delegates_by_email(event, email):
        send_private_link(delegate, actor=Actor.asking_for_lost_link(), unless_sent_within=LOST_LINK_COOLDOWN)


@dataclass
class Audience:
    session: Session
    statuses: tuple[RegistrationStatus, ...]


def audience_delegates(audience: Audience) -> list[Delegate]:
    return list(
        db.session.execute(
            select(Delegate)
            .join(Registration, Registration.delegate_id == Delegate.id)
            .where(Registration.session_id == audience.session.id, Registration.status.in_(audience.statuses))
            .order_by(Delegate.sort_name, Delegate.id)
        )
        .scalars()
        .unique()
    )


def message_preview(audience: Audience, subject: dict, body: dict) -> dict[str, WrittenMail]:
    """The message as it would reach a delegate in each language (nothing is saved)."""
    delegates = audience_delegates(audience)
    previews = {}
    for language in HTML_LANG:
        sample = next((d for d in delegates if d.language == language), None)
        if sample is None:
            continue
        mail = OutboxMail(
            delegate_id=sample.id,
            delegate=sample,
            kind=MailKind.MESSAGE,
            payload={"message": {"subject": subject, "body": body}},
        )
        previews[language] = write(mail)
    return previews


class MessageAlreadyQueued(Exception):
    pass


def queue_message(audience: Audience, subject: dict, body: dict, *, actor: Actor, key: str) -> int:
    """Queue the organisers' message to every delegate of the audience; returns how many.
    `key` names this message (made when it was previewed): its mails' Message-IDs come from
    it, so a second click on Send finds them taken and queues nothing twice."""
    try:
        with write_transaction():
            delegates = audience_delegates(audience)
            db.session.add_all(
                OutboxMail(
                    delegate_id=delegate.id,
                    kind=MailKind.MESSAGE,
                    created_by=actor.code,
                    payload={"message": {"subject": subject, "body": body}},
                    message_id=new_message_id(f"message.{key}.{delegate.id}"),
                )
                for delegate in delegates
            )
            db.session.flush()
            record_audit(
                AuditAction.MESSAGE_SENT,
                actor,
                session=audience.session,
                recipients=len(delegates),
                statuses=[s.value for s in audience.statuses],
                subject=localized(subject, "en"),
            )
            queue_sender_after_commit()
    except IntegrityError:
        raise MessageAlreadyQueued(key) from None
    return len(delegates)
