"""How a scan's answer is shown: the JSON the door page and door apps read."""

from __future__ import annotations

from flask_babel import gettext as _

from ..i18n import format_local_time, localized
from ..labels import organisation_type_labels
from ..models import ENTRANCE, CheckIn, Delegate, Event, ScanStatus, Session
from ..services.checkin import DoorMatch, ScanResult


def delegate_summary(delegate: Delegate) -> dict:
    return {
        "id": delegate.id,
        "family_name": delegate.family_name,
        "given_name": delegate.given_name,
        "name_native": delegate.name_native,
        "display_name": delegate.display_name,
        "latin_name": delegate.latin_name,
        "organisation": delegate.organisation,
        "organisation_type": delegate.organisation_type.value,
        "organisation_type_label": str(organisation_type_labels()[delegate.organisation_type]),
        "country": delegate.country,
    }


def door_name(session: Session | None) -> str:
    """What door staff call a door: the session's title, or the venue entrance."""
    return localized(session.title) if session is not None else _("Venue entrance")


def scan_message(result: ScanResult, event: Event) -> str:
    """One sentence for the person at the door."""
    if result.status == ScanStatus.OK:
        return _("Welcome: checked in.")
    if result.status == ScanStatus.ALREADY_CHECKED_IN and result.checkin is not None:  # always one
        return checked_in_message(result.checkin, event)
    if result.status == ScanStatus.INVALID:
        return _("No delegate of this event has this code: check it, or find them by name.")
    return refusal_message(result.status, result.door)


def checked_in_message(checkin: CheckIn, event: Event) -> str:
    return _(
        "Already checked in at %(time)s (%(door)s).",
        time=format_local_time(checkin.checked_in_at, event.timezone),
        door=door_name(checkin.session),
    )


def refusal_message(admission: ScanStatus, door: str) -> str:
    """Why a door does not let a delegate in: the same words for a scan and a name search."""
    if admission == ScanStatus.NOT_REGISTERED and door == ENTRANCE:
        return _("No registration for this event.")
    return {
        ScanStatus.NOT_REGISTERED: _("Not registered for this session."),
        ScanStatus.WAITLISTED: _("On the waiting list: no confirmed seat."),
        ScanStatus.CANCELLED: _("Registration cancelled."),
    }[admission]


def scan_answer(result: ScanResult, event: Event) -> dict:
    return {
        "status": result.status.value,
        "delegate": delegate_summary(result.delegate) if result.delegate else None,
        "checked_in_at": result.checked_in_at.isoformat() if result.checked_in_at else None,
        "checkin_id": result.checkin.id if result.checkin else None,
        "door": result.door,
        "checked_in_door": result.checkin.door if result.checkin else None,
        "replayed": result.replayed,
        "message": scan_message(result, event),
    }


# A door's admission as a registration status: what the name search shows door staff.
REGISTRATION_AT_DOOR = {
    ScanStatus.OK: "confirmed",
    ScanStatus.WAITLISTED: "waitlisted",
    ScanStatus.CANCELLED: "cancelled",
    ScanStatus.NOT_REGISTERED: "not_registered",
}


def search_entry(match: DoorMatch, event: Event) -> dict:
    """One delegate found by the door's name search, with their standing at this door:
    `status` is what a scan would answer now, `standing` says it in words, and
    `may_check_in` (the check-in button) only for a confirmed seat here without a check-in."""
    delegate = match.delegate
    status = ScanStatus.ALREADY_CHECKED_IN if match.checkin is not None else match.admission
    if match.checkin is not None:
        standing = checked_in_message(match.checkin, event)
    elif match.admission == ScanStatus.OK:
        standing = _("Registered")
    else:
        standing = refusal_message(match.admission, match.door)
    return {
        "id": delegate.id,
        "display_name": delegate.display_name,
        "name_native": delegate.name_native,
        "latin_name": delegate.latin_name,
        "organisation": delegate.organisation,
        "checkin_code": delegate.checkin_code,
        "registration": REGISTRATION_AT_DOOR[match.admission],
        "status": status.value,
        "admitted": match.admission == ScanStatus.OK,
        "may_check_in": match.may_check_in,
        "checked_in": match.checkin is not None,
        "checked_in_at": match.checkin.checked_in_at.isoformat() if match.checkin else None,
        "standing": standing,
    }
