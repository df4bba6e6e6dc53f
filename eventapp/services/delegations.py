"""Delegations: several delegates of one organisation registered together by a contact person
(a chamber of commerce, say), who sees and manages them on a contact page.

The contact page has a private link of its own, made like a delegate's (an HMAC of a random
nonce with the secret key; only its hash is stored), so it opens no delegate's page and no
delegate's link opens it. Every person is a delegate of their own: own private link, badge,
check-in code and mails. Seats are taken by the registration rules under the same seat lock
(`registration.seat_people`), all or nothing or one by one, as the contact chooses.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Delegate, Delegation, Event, MailKind, Registration, SeatMode, Session
from . import mail, registration
from .audit import Actor, AuditAction, record_audit
from .private_links import hash_token, link_token
from .registration import DelegateDetails, RegistrationRefused, RegistrationResult
from .standing import normalise_email, registration_rows
from .transactions import write_transaction

MAX_PEOPLE = 20  # in one form; more are added on the contact page


@dataclass
class ContactDetails:
    """Who registers the group, and the organisation its people belong to."""

    family_name: str
    given_name: str
    email: str
    organisation: str
    language: str = "en"

    @classmethod
    def from_mapping(cls, values: Mapping) -> ContactDetails:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names and v is not None})


@dataclass
class DelegationResult:
    delegation: Delegation
    people: list[RegistrationResult]
    token: str  # the contact page's, shown once; only its hash is stored


class PeopleRefused(RegistrationRefused):
    """Nobody, too many people, or one email given for two of them."""

    field = "people"


class DuplicateEmail(PeopleRefused):
    field = "email"


def find_delegation_by_token(token: str) -> Delegation | None:
    if not token or len(token) > 100:
        return None
    return db.session.execute(
        select(Delegation).where(Delegation.manage_token_hash == hash_token(token))
    ).scalar_one_or_none()


def contact_actor(delegation: Delegation) -> Actor:
    """The contact acting on their contact page, as the audit log names who acted."""
    return Actor.contact(delegation.id)


def register_delegation(
    event: Event,
    contact: ContactDetails,
    people: Sequence[DelegateDetails],
    session_slugs: Sequence[str],
    seat_mode: SeatMode,
    *,
    actor: Actor,
    by_staff: bool = False,
) -> DelegationResult:
    """Register a delegation: its contact and its people, each a delegate of their own for
    the same sessions, with the rules of `registration.register` (public registration
    inside each session's window; sessions by application take applications unless an
    organiser registers). ALL_OR_NOTHING: NotEnoughSeats, and nothing saved, when a
    session cannot seat everyone; ONE_BY_ONE: seats while they last, then the waiting list.
    The contact is mailed the contact page's link; each person gets their own mail. Commits."""
    _check_people(people)
    sessions = registration.sessions_to_register_for(event, session_slugs, by_staff)
    applications = registration.applications_among(sessions, by_staff, frozenset())
    nonce = secrets.token_hex(16)
    token = link_token("delegation", nonce)  # the same as private_links.contact_page_token gives
    with write_transaction():
        delegation = Delegation(
            event=event,
            organisation=contact.organisation.strip(),
            contact_family_name=contact.family_name.strip(),
            contact_given_name=contact.given_name.strip(),
            contact_email=contact.email.strip(),
            contact_language=contact.language,
            seat_mode=seat_mode,
            manage_token_hash=hash_token(token),
            manage_link_nonce=nonce,
        )
        db.session.add(delegation)
        db.session.flush()
        results = _seat(delegation, people, sessions, applications, actor, seat_mode)
        mail.note_for_contact(delegation, MailKind.DELEGATION, actor=actor)
    return DelegationResult(delegation, results, token)


def add_to_delegation(
    delegation: Delegation,
    people: Sequence[DelegateDetails],
    session_slugs: Sequence[str],
    *,
    actor: Actor,
    seat_mode: SeatMode | None = None,
    by_staff: bool = False,
) -> list[RegistrationResult]:
    """More people for a delegation, by the rules of `register_delegation` (the seat mode
    the delegation was registered with, unless another is given). Commits."""
    _check_people(people)
    event = delegation.event
    sessions = registration.sessions_to_register_for(event, session_slugs, by_staff)
    applications = registration.applications_among(sessions, by_staff, frozenset())
    with write_transaction():
        delegation = db.session.get_one(Delegation, delegation.id)
        return _seat(delegation, people, sessions, applications, actor, seat_mode or delegation.seat_mode)


def _seat(
    delegation: Delegation,
    people: Sequence[DelegateDetails],
    sessions: Sequence[Session],
    applications: frozenset[int],
    actor: Actor,
    seat_mode: SeatMode,
) -> list[RegistrationResult]:
    """The people seated by registration.seat_people, which takes the seat lock itself."""
    results = registration.seat_people(
        delegation.event, people, sessions, applications, actor=actor, seat_mode=seat_mode, delegation=delegation
    )
    for result in results:
        record_audit(
            AuditAction.DELEGATION_CREATED,
            actor,
            delegate=result.delegate,
            organisation=delegation.organisation,
            contact=delegation.contact_email,
        )
    return results


def _check_people(people: Sequence[DelegateDetails]) -> None:
    if not people:
        raise PeopleRefused(_("Name at least one person."))
    if len(people) > MAX_PEOPLE:
        raise PeopleRefused(too_many_people())
    seen: set[str] = set()
    for index, person in enumerate(people):
        key = normalise_email(person.email)
        if key in seen:
            refusal = DuplicateEmail(
                _("This email address is given for another person of the group: each person needs their own.")
            )
            refusal.person = index
            raise refusal
        seen.add(key)


def mail_contact_page(delegation: Delegation, *, actor: Actor) -> None:
    """Mail the contact the contact page's link again (and where each person stands). Commits."""
    with write_transaction():
        mail.note_for_contact(db.session.get_one(Delegation, delegation.id), MailKind.DELEGATION, actor=actor)


def too_many_people() -> str:
    return _("At most %(num)d people can be registered at once: add the others on the contact page.", num=MAX_PEOPLE)


def cancel_in_delegation(delegation: Delegation, delegate: Delegate, *, actor: Actor) -> list[Registration]:
    """Cancel every registration of one person of the delegation (freed seats go to the
    waiting lists); returns the registrations promoted."""
    if delegate.delegation_id != delegation.id:
        raise ValueError(f"delegate {delegate.id} is not in delegation {delegation.id}")
    return registration.cancel_delegate(delegate, actor=actor)


def members(delegation: Delegation) -> list[Delegate]:
    """The delegation's people who hold or held a registration, by name (one who handed
    their only seat to a colleague is no longer among them)."""
    return [d for d in delegation.delegates if d.registrations]


def member_rows(delegation: Delegation) -> list[tuple[Delegate, list]]:
    """Each person with their registrations, one per session, and waiting-list positions."""
    return [(delegate, registration_rows(delegate)) for delegate in members(delegation)]


def colleague_of(delegate: Delegate, person: Mapping) -> DelegateDetails:
    """A person's details as a delegation's form gives them (names, position, email,
    language), with the organisation, its type and country of `delegate`: a colleague."""
    return DelegateDetails.from_mapping(
        {
            "organisation": delegate.organisation,
            "organisation_type": delegate.organisation_type,
            "country": delegate.country,
            **person,
        }
    )


def delegations_of(event: Event) -> list[Delegation]:
    """The event's delegations by organisation, then oldest first."""
    return list(
        db.session.execute(
            select(Delegation)
            .where(Delegation.event_id == event.id)
            .order_by(Delegation.organisation, Delegation.created_at, Delegation.id)
        ).scalars()
    )
