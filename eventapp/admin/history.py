"""The audit log written as sentences for organisers: what happened, who did it, and the
details (changed fields, reasons, counts) instead of the JSON and actor codes it stores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import gettext as _
from flask_babel import ngettext

from ..i18n import format_list, localized
from ..i18n import lazy_gettext as _l
from ..labels import organisation_type_labels, role_labels
from ..models import AuditEntry, MailKind, OrganisationType, RegistrationStatus, StaffRole
from ..services.audit import Actor, ActorKind, AuditAction
from . import bp
from .mail import kind_labels

ACTION_LABELS = {
    AuditAction.DELEGATE_CREATED: _l("Registered as delegate"),
    AuditAction.REGISTERED: _l("Registered"),
    AuditAction.WAITLISTED: _l("Put on the waiting list"),
    AuditAction.PROMOTED: _l("Promoted from the waiting list"),
    AuditAction.CANCELLED: _l("Cancelled"),
    AuditAction.DETAILS_CHANGED: _l("Details changed"),
    AuditAction.PRIVATE_LINK_RENEWED: _l("New private link made"),
    AuditAction.PRIVATE_LINK_SENT: _l("Private link mailed"),
    AuditAction.MAIL_RESENT: _l("Mail sent again"),
    AuditAction.MESSAGE_SENT: _l("Message to delegates queued"),
    AuditAction.CHECKED_IN: _l("Checked in"),
    AuditAction.CHECKIN_UNDONE: _l("Check-in undone"),
    AuditAction.CAPACITY_CHANGED: _l("Capacity changed"),
    AuditAction.SESSION_CHANGED: _l("Session changed"),
    AuditAction.SESSION_CREATED: _l("Session added"),
    AuditAction.AGENDA_ITEM_ADDED: _l("Agenda item added"),
    AuditAction.AGENDA_ITEM_CHANGED: _l("Agenda item changed"),
    AuditAction.AGENDA_ITEM_DELETED: _l("Agenda item deleted"),
    AuditAction.EXHIBITOR_ADDED: _l("Exhibitor added"),
    AuditAction.EXHIBITOR_CHANGED: _l("Exhibitor changed"),
    AuditAction.EXHIBITOR_DELETED: _l("Exhibitor deleted"),
    AuditAction.STAFF_CREATED: _l("Staff account created"),
    AuditAction.STAFF_CHANGED: _l("Staff account changed"),
    AuditAction.INVITATION_CREATED: _l("Invited"),
    AuditAction.INVITATION_UPDATED: _l("Invitation changed"),
    AuditAction.INVITATION_DECLINED: _l("Invitation declined"),
    AuditAction.APPLIED: _l("Applied"),
    AuditAction.APPLICATION_APPROVED: _l("Application approved"),
    AuditAction.APPLICATION_REJECTED: _l("Application rejected"),
    AuditAction.PASSPORT_DATA_SAVED: _l("Passport data saved"),
    AuditAction.PASSPORT_DATA_ERASED: _l("Passport data erased"),
    AuditAction.VISA_LETTER_REVIEWED: _l("Visa letter reviewed"),
    AuditAction.VISA_LETTER_SENT: _l("Visa letter sent"),
    AuditAction.EVENT_IMAGE_UPLOADED: _l("Letterhead or seal uploaded"),
    AuditAction.EVENT_IMAGE_REMOVED: _l("Letterhead or seal removed"),
    AuditAction.QUESTIONS_CHANGED: _l("Registration questions changed"),
    AuditAction.DELEGATION_CREATED: _l("Registered with a delegation"),
    AuditAction.SUBSTITUTED: _l("Seat handed to a colleague"),
}

STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.WAITLISTED: _l("On the waiting list"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}

# The names the services record in `fields`, as the forms call them.
FIELD_LABELS = {
    "salutation": _l("Salutation"),
    "dietary": _l("Dietary needs"),
    "interpretation_language": _l("Simultaneous interpretation"),
    "interpretation": _l("Simultaneous interpretation"),
    "arrival_date": _l("Arrival date"),
    "visa_letter_requested": _l("Visa letter requested"),
    "visa_letter": _l("Visa letter requested"),
    "privacy_notice_version": _l("Version of the privacy notice"),
    "privacy_notice": _l("Version of the privacy notice"),
    "passport_retention_days": _l("Days passport data is kept after the forum"),
    "passport_consent": _l("Consent to processing passport data"),
    "passport_name": _l("Name as in the passport"),
    "nationality": _l("Nationality"),
    "passport_number": _l("Passport number"),
    "passport_expiry": _l("Passport valid until"),
    "date_of_birth": _l("Date of birth"),
    "academic_title": _l("Academic title"),
    "sessions": _l("Sessions"),
    "family_name": _l("Family name"),
    "given_name": _l("Given name"),
    "name_native": _l("Name in native script"),
    "native_name_order": _l("Order of the name in native script"),
    "organisation": _l("Organisation"),
    "position": _l("Position"),
    "organisation_type": _l("Type of organisation"),
    "country": _l("Country or region"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "language": _l("Preferred language"),
    "title": _l("Title"),
    "description": _l("Description"),
    "room": _l("Room"),
    "starts_at": _l("Start"),
    "ends_at": _l("End"),
    "public_registration": _l("Open for registration"),  # before sessions had an access
    "access": _l("Who may take a seat"),
    "substitution_freeze_at": _l("Substitutions close"),
    "registration_opens_at": _l("Registration opens"),
    "registration_closes_at": _l("Registration closes"),
    "presenter_name": _l("Presenter"),
    "presenter_organisation": _l("Presenter's organisation"),
    "company": _l("Company"),
    "theme": _l("Theme"),
    "booth": _l("Booth"),
    # What a substitution and a delegation's registration record.
    "handed_to": _l("Handed to"),
    "taken_over_from": _l("Taken over from"),
    "contact": _l("Contact person"),
}

# Who acted, for the actors shown as a sentence rather than by their name.
ACTOR_LABELS = {
    Actor.SYSTEM: _l("Automatically"),
    Actor.on_registration_form(): _l("The delegate, on the registration form"),
    Actor.through_api(): _l("The delegate, through the registration API"),
    Actor.asking_for_lost_link(): _l("The delegate, asking for their link again"),
}


def action_label(action: str) -> str:
    try:
        return str(ACTION_LABELS[AuditAction(action)])
    except (ValueError, KeyError):  # an action no code records (now), or one without a label
        return action.replace("_", " ")


def status_label(status: str | None) -> str:
    if status is None:
        return "–"
    try:
        return str(STATUS_LABELS[RegistrationStatus(status)])
    except ValueError:
        return status or "–"


def actor_label(code: str) -> str:
    """ "staff:anna@forum.example" -> the address; "delegate:17" -> the delegate, on their
    private page; "cli:fake-delegates" -> the command; codes not known are shown as stored."""
    try:
        actor = Actor.parse(code)
    except ValueError:
        return code
    if actor in ACTOR_LABELS:
        return str(ACTOR_LABELS[actor])
    if actor.staff_email:
        return actor.staff_email
    if actor.delegate_id is not None:
        return _("The delegate, on their private page")
    if actor.command_name:
        return _("The command line (%(command)s)", command=actor.command_name)
    if actor.kind == ActorKind.INVITEE:
        return _("The invitee, on their invitation link")
    if actor.kind == ActorKind.CONTACT:
        return _("The delegation's contact person")
    return code


def _fields(names: Iterable[object] | None) -> str:
    labels = [str(FIELD_LABELS.get(str(name), str(name).replace("_", " "))) for name in names or ()]
    return _("Changed: %(fields)s.", fields=format_list(labels)) if labels else ""


def _seats(capacity: int | None) -> str:
    if capacity is None:
        return _("no limit")
    return ngettext("%(num)d seat", "%(num)d seats", int(capacity))


def _reason(reason: object, by: object) -> str:
    """Why someone was promoted: a seat freed or the capacity raised (by whom), an organiser."""
    who = actor_label(str(by)) if by else ""
    if reason == "seat_freed":
        return _("A seat was freed (%(who)s).", who=who) if who else _("A seat was freed.")
    if reason == "capacity_raised":
        return _("The capacity was raised (%(who)s).", who=who) if who else _("The capacity was raised.")
    if reason == "by_organiser":
        return _("Confirmed by an organiser.")
    return str(reason)  # entries written before reasons were codes


def _role(value: object) -> str:
    try:
        return str(role_labels()[StaffRole(str(value))])
    except (ValueError, KeyError):
        return str(value)


def _account_state(state: Mapping) -> str:
    active = _("active") if state.get("active") else _("deactivated")
    return f"{_role(state.get('role'))}, {active}"


def _mail_kind(value: object) -> str:
    try:
        return str(kind_labels()[MailKind(str(value))])
    except ValueError:
        return str(value)


def _known_details(entry: AuditEntry, details: dict) -> list[str]:
    """Sentences for the details an action records; what they used takes them out of `details`."""
    sentences = []
    if "fields" in details:
        sentences.append(_fields(details.pop("fields")))
    if "reason" in details:
        sentences.append(_reason(details.pop("reason"), details.pop("by", None)))
    if entry.action == AuditAction.CAPACITY_CHANGED:
        sentences.append(
            _(
                "From %(before)s to %(after)s.",
                before=_seats(details.pop("previous", None)),
                after=_seats(details.pop("capacity", None)),
            )
        )
    if "kind" in details:
        sentences.append(_("Mail: %(kind)s.", kind=_mail_kind(details.pop("kind"))))
        details.pop("mail", None)
    if "recipients" in details:
        count = int(details.pop("recipients"))
        sentences.append(ngettext("To %(num)d delegate.", "To %(num)d delegates.", count))
    if "subject" in details:
        sentences.append(_("Subject: “%(subject)s”.", subject=details.pop("subject")))
    details.pop("statuses", None)
    if "door" in details:
        door = details.pop("door")
        if entry.session is None or door != entry.session.slug:
            sentences.append(_("At the door “%(door)s”.", door=door))
    if "title" in details:
        title = details.pop("title")
        sentences.append(f"“{localized(title) if isinstance(title, dict) else title}”")
    details.pop("agenda_item", None)
    details.pop("slug", None)
    details.pop("exhibitor", None)
    if "company" in details:
        company, booth = details.pop("company"), details.pop("booth", None)
        sentences.append(_("%(company)s, booth %(booth)s.", company=company, booth=booth) if booth else f"{company}.")
    if "email" in details:
        sentences.append(str(details.pop("email")) + ("," if "role" in details else "."))
    if "role" in details:
        sentences.append(_("as %(role)s.", role=_role(details.pop("role"))))
    if "before" in details and "after" in details:
        before, after = details.pop("before"), details.pop("after")
        sentences.append(
            _("Was %(before)s; now %(after)s.", before=_account_state(before), after=_account_state(after))
        )
    if details.pop("password", None):
        sentences.append(_("New password set; every sign-in of the account ended."))
    if "renewed" in details:
        details.pop("renewed")
    # Ids that name what the entry is about (shown by the entry's delegate or session), and
    # the visa team's details, which say nothing an organiser needs.
    for key in ("invitation", "sessions", "visa_request", "mailed", "retention_days", "image", "mimetype", "size"):
        details.pop(key, None)
    return [s for s in sentences if s]


def _plain(value: object) -> str:
    if isinstance(value, dict):
        return (
            localized(value)
            if value.keys() <= {"zh", "de", "en"}
            else ", ".join(f"{k} {_plain(v)}" for k, v in value.items())
        )
    if isinstance(value, list | tuple):
        return format_list(_plain(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and value in OrganisationType._value2member_map_:
        return str(organisation_type_labels()[OrganisationType(value)])
    return str(value)


def audit_details(entry: AuditEntry) -> str:
    """The entry's details as sentences; anything not known is listed as "name: value"."""
    details = dict(entry.details or {})
    sentences = _known_details(entry, details)
    sentences += [f"{FIELD_LABELS.get(k, k.replace('_', ' '))!s}: {_plain(v)}." for k, v in details.items()]
    return " ".join(sentences)


def audit_change(entry: AuditEntry) -> str:
    """What an entry did: "Promoted from the waiting list · Symposium: On the waiting list → Confirmed"."""
    text = action_label(entry.action)
    if entry.session is not None:
        text += f" · {localized(entry.session.title)}"
    if entry.to_status:
        text += f": {status_label(entry.from_status) if entry.from_status else '–'} → {status_label(entry.to_status)}"
    return text


bp.add_app_template_filter(audit_change, "audit_change")
bp.add_app_template_filter(audit_details, "audit_details")
bp.add_app_template_filter(actor_label, "actor_label")
bp.add_app_template_filter(status_label, "registration_status")
