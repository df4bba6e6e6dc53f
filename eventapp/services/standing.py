"""Where a delegate stands, read without changing anything: found by email, their
registrations one per session, places on waiting lists. Shared by the registration rules,
the mails, the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select

from ..extensions import db
from ..models import Delegate, Event, Registration, RegistrationStatus, Session


def normalise_email(email: str) -> str:
    return email.strip().lower()


# Built once: the refusal of a taken email, the checks of a substitute or a group, and the
# lost-link form ask it.
_DELEGATES_BY_EMAIL = select(Delegate).where(
    Delegate.event_id == bindparam("event_id"), Delegate.email_normalized == bindparam("email")
)


def delegates_by_email(event: Event, email: str) -> list[Delegate]:
    found = db.session.execute(_DELEGATES_BY_EMAIL, {"event_id": event.id, "email": normalise_email(email)})
    return list(found.scalars())


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in line; None unless the registration is on the waiting list."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.execute(
        select(func.count(Registration.id)).where(
            Registration.session_id == registration.session_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.waitlist_rank < registration.waitlist_rank,
        )
    ).scalar_one()
    return ahead + 1


def registration_rows(delegate: Delegate) -> list[tuple[Registration, int | None]]:
    """What the delegate holds, one row per session, with waiting-list positions."""
    return [(r, waitlist_position(r)) for r in delegate.current_registrations]


@dataclass
class PersonalSession:
    session: Session
    registration: Registration
    waitlist_position: int | None  # None when the seat is confirmed

    @property
    def confirmed(self) -> bool:
        return self.registration.status == RegistrationStatus.CONFIRMED


def personal_sessions(delegate: Delegate) -> list[PersonalSession]:
    """The delegate's confirmed and waiting-list sessions in programme order (cancelled
    ones are left out)."""
    live = sorted(delegate.live_registrations, key=lambda r: (r.session.starts_at, r.session.id))
    return [PersonalSession(r.session, r, waitlist_position(r)) for r in live]
