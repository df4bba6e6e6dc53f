"""The audit log: who changed what, written in the transaction of the change.

What was done is an `AuditAction`, who did it an `Actor`; the log stores both as the strings
they have always been (`AuditAction` values, `Actor.code`), so old entries read the same."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEntry, Delegate, Registration, Session, utcnow
from .transactions import insert_rows_at_commit


class AuditAction(enum.StrEnum):
    DELEGATE_CREATED = "delegate_created"
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    CANCELLED = "cancelled"
    DETAILS_CHANGED = "details_changed"
    PRIVATE_LINK_RENEWED = "private_link_renewed"
    PRIVATE_LINK_SENT = "private_link_sent"
    MAIL_RESENT = "mail_resent"
    MESSAGE_SENT = "message_sent"
    CHECKED_IN = "checked_in"
    CHECKIN_UNDONE = "checkin_undone"
    CAPACITY_CHANGED = "capacity_changed"
    SESSION_CHANGED = "session_changed"
    SESSION_CREATED = "session_created"
    AGENDA_ITEM_ADDED = "agenda_item_added"
    AGENDA_ITEM_CHANGED = "agenda_item_changed"
    AGENDA_ITEM_DELETED = "agenda_item_deleted"
    EXHIBITOR_ADDED = "exhibitor_added"
    EXHIBITOR_CHANGED = "exhibitor_changed"
    EXHIBITOR_DELETED = "exhibitor_deleted"
    STAFF_CREATED = "staff_created"
    STAFF_CHANGED = "staff_changed"
    INVITATION_CREATED = "invitation_created"
    INVITATION_UPDATED = "invitation_updated"
    INVITATION_DECLINED = "invitation_declined"
    APPLIED = "applied"  # an application for a session by application
    APPLICATION_APPROVED = "application_approved"
    APPLICATION_REJECTED = "application_rejected"
    PASSPORT_DATA_SAVED = "passport_data_saved"
    PASSPORT_DATA_ERASED = "passport_data_erased"
    VISA_LETTER_REVIEWED = "visa_letter_reviewed"
    VISA_LETTER_SENT = "visa_letter_sent"
    EVENT_IMAGE_UPLOADED = "event_image_uploaded"
    EVENT_IMAGE_REMOVED = "event_image_removed"
    QUESTIONS_CHANGED = "questions_changed"  # which questions the registration asks, the privacy notice
    DELEGATION_CREATED = "delegation_created"  # a delegate registered by a delegation's contact
    SUBSTITUTED = "substituted"  # a seat handed to a colleague (recorded on both delegates)


class ActorKind(enum.StrEnum):
    STAFF = "staff"  # who: the account's email
    DELEGATE = "delegate"  # who: the delegate's id (their private page) or a DelegateChannel
    SYSTEM = "system"  # who: nobody (the application itself, e.g. a promotion)
    CLI = "cli"  # who: the command's name
    INVITEE = "invitee"  # who: the invitation's id (on their personal link, before registering)
    CONTACT = "contact"  # who: the delegation's id (its contact person, on the contact page)


class DelegateChannel(enum.StrEnum):
    """Where a delegate acted who has no id yet, or is not known by it."""

    WEB = "web"  # the registration form
    API = "api"  # the registration API
    LOST_LINK = "lost-link"  # the form asking for the private link again


@dataclass(frozen=True)
class Actor:
    """Who acted, stored as its `code`: "staff:anna@forum.example", "delegate:17",
    "delegate:web", "system", "cli:fake-delegates"."""

    kind: ActorKind
    who: str = ""

    SYSTEM: ClassVar[Actor]

    def __post_init__(self) -> None:
        if (self.kind == ActorKind.SYSTEM) != (not self.who):
            raise ValueError(f"not an actor: {self.kind}:{self.who}")
        if self.kind == ActorKind.DELEGATE and not (
            self.who.isdigit() or self.who in DelegateChannel._value2member_map_
        ):
            raise ValueError(f"not a delegate actor: {self.who}")

    @classmethod
    def staff(cls, email: str) -> Actor:
        return cls(ActorKind.STAFF, email)

    @classmethod
    def delegate(cls, delegate_id: int) -> Actor:
        """The delegate on their private page."""
        return cls(ActorKind.DELEGATE, str(delegate_id))

    @classmethod
    def delegate_through(cls, channel: DelegateChannel) -> Actor:
        return cls(ActorKind.DELEGATE, channel.value)

    @classmethod
    def on_registration_form(cls) -> Actor:
        return cls.delegate_through(DelegateChannel.WEB)

    @classmethod
    def through_api(cls) -> Actor:
        return cls.delegate_through(DelegateChannel.API)

    @classmethod
    def asking_for_lost_link(cls) -> Actor:
        return cls.delegate_through(DelegateChannel.LOST_LINK)

    @classmethod
    def contact(cls, delegation_id: int) -> Actor:
        return cls(ActorKind.CONTACT, str(delegation_id))

    @classmethod
    def invitee(cls, invitation_id: int) -> Actor:
        return cls(ActorKind.INVITEE, str(invitation_id))

    @classmethod
    def command(cls, name: str) -> Actor:
        """A command line command (`flask create-user`: "create-user")."""
        return cls(ActorKind.CLI, name)

    @classmethod
    def parse(cls, code: str) -> Actor:
        """The actor a stored code names; ValueError for a code no actor writes."""
        kind, _sep, who = code.partition(":")
        try:
            return cls(ActorKind(kind), who)
        except ValueError:
            raise ValueError(f"not an actor code: {code!r}") from None

    @property
    def code(self) -> str:
        return f"{self.kind}:{self.who}" if self.who else str(self.kind)

    def __str__(self) -> str:
        return self.code

    @property
    def is_staff(self) -> bool:
        return self.kind == ActorKind.STAFF

    @property
    def is_system(self) -> bool:
        return self.kind == ActorKind.SYSTEM

    @property
    def staff_email(self) -> str | None:
        return self.who if self.kind == ActorKind.STAFF else None

    @property
    def delegate_id(self) -> int | None:
        """The delegate's id when they acted on their private page."""
        return int(self.who) if self.kind == ActorKind.DELEGATE and self.who.isdigit() else None

    @property
    def channel(self) -> DelegateChannel | None:
        if self.kind == ActorKind.DELEGATE and self.delegate_id is None:
            return DelegateChannel(self.who)
        return None

    @property
    def command_name(self) -> str | None:
        return self.who if self.kind == ActorKind.CLI else None


Actor.SYSTEM = Actor(ActorKind.SYSTEM)


def record_audit(
    action: AuditAction,
    actor: Actor,
    *,
    delegate: Delegate | None = None,
    registration: Registration | None = None,
    session: Session | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    **details: object,
) -> None:
    if registration is not None:
        delegate = delegate or registration.delegate
        session = session or registration.session
    # Written when the caller's transaction commits, with its other entries in one INSERT:
    # the log is append-only and nothing reads an entry back in the same transaction.
    insert_rows_at_commit(
        AuditEntry,
        {
            "at": utcnow(),
            "actor": actor.code,
            "action": action.value,
            "delegate_id": delegate.id if delegate else None,
            "session_id": session.id if session else None,
            "registration_id": registration.id if registration else None,
            "from_status": from_status,
            "to_status": to_status,
            "details": {k: v for k, v in details.items() if v is not None},
        },
    )


def delegate_history(delegate: Delegate) -> list[AuditEntry]:
    """Everything the audit log holds about a delegate, oldest first."""
    return list(
        db.session.execute(
            select(AuditEntry).where(AuditEntry.delegate_id == delegate.id).order_by(AuditEntry.at, AuditEntry.id)
        ).scalars()
    )
