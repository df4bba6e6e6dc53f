"""What codes stored in the database are called in the page's language: types of
organisation and languages (countries: i18n.country_name)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from babel import Locale
from flask_babel import gettext as _

from .demo.data import EXHIBITOR_THEMES
from .i18n import current_language, localized
from .i18n import lazy_gettext as _l
from .models import (
    AgendaItem,
    OrganisationType,
    Registration,
    RegistrationStatus,
    SessionAccess,
    SessionKind,
    StaffRole,
)
from .services.standing import waitlist_position


def organisation_type_labels() -> dict[OrganisationType, str]:
    return {
        OrganisationType.GOVERNMENT: _l("Government or public authority"),
        OrganisationType.CHAMBER: _l("Chamber of commerce"),
        OrganisationType.ASSOCIATION: _l("Association"),
        OrganisationType.ENTERPRISE: _l("Enterprise"),
        OrganisationType.PRESS: _l("Press"),
        OrganisationType.OTHER: _l("Other"),
        OrganisationType.EXHIBITOR: _l("Exhibitor"),
        OrganisationType.STAFF: _l("Staff"),
    }


def organisation_type_label(kind: OrganisationType) -> str:
    return str(organisation_type_labels()[kind])


def language_label(code: str) -> str:
    """A delegate's language named in the page's language: de -> 德语 / Deutsch / German."""
    return _language_names(current_language()).get(code, code)


@lru_cache(maxsize=8)
def _language_names(language: str) -> Mapping[str, str]:
    return Locale.parse(language).languages  # parsed once: every registration form asks


def role_labels() -> dict[StaffRole, str]:
    return {
        StaffRole.ADMIN: _l("Admin"),
        StaffRole.ORGANISER: _l("Organiser"),
        StaffRole.DOOR: _l("Door staff"),
        StaffRole.VISA: _l("Visa team"),
    }


def session_access_labels() -> dict[SessionAccess, str]:
    """Who may take a seat, as the session form offers it."""
    return {
        SessionAccess.OPEN: _l("Open: anyone registers on the public site, first come first served"),
        SessionAccess.APPLICATION: _l("By application: delegates apply on the public site, organisers approve"),
        SessionAccess.INVITATION: _l("By invitation: only an invitation link (or an organiser) gives a seat"),
    }


def session_access_short_labels() -> dict[SessionAccess, str]:
    """The same in a word, for lists."""
    return {
        SessionAccess.OPEN: _l("Open"),
        SessionAccess.APPLICATION: _l("By application"),
        SessionAccess.INVITATION: _l("By invitation"),
    }


def session_kind_labels() -> dict[SessionKind, str]:
    return {
        SessionKind.CEREMONY: _l("Ceremony"),
        SessionKind.SYMPOSIUM: _l("Symposium"),
        SessionKind.FORUM: _l("Forum"),
        SessionKind.EXHIBITION: _l("Exhibition"),
    }


def exhibitor_theme_labels() -> dict[str, str]:
    return {key: localized(label) for key, label in EXHIBITOR_THEMES.items()}


def status_sentence(registration: Registration) -> str:
    """What a registration's state means for the delegate, e.g. "… is full: you are on the
    waiting list, position 3." (flashed after a change, by the private page and the back office)."""
    title = localized(registration.session.title)
    if registration.status == RegistrationStatus.CONFIRMED:
        return _("%(session)s: your seat is confirmed.", session=title)
    if registration.status == RegistrationStatus.WAITLISTED:
        return _(
            "%(session)s is full: you are on the waiting list, position %(position)d.",
            session=title,
            position=waitlist_position(registration),
        )
    if registration.status == RegistrationStatus.PENDING:
        return _("%(session)s: your application has been received; the organisers will decide.", session=title)
    if registration.status == RegistrationStatus.REJECTED:
        return _("%(session)s: your application was not accepted.", session=title)
    return _("%(session)s: cancelled.", session=title)


def presenter_text(item: AgendaItem, language: str) -> str:
    """ "Dr. Katharina Weißenborn, Hofmann Hochvolt-Systeme GmbH", either part may be missing."""
    parts = [item.presenter_name.strip(), localized(item.presenter_organisation, language)]
    return ("，" if language == "zh" else ", ").join(p for p in parts if p)
