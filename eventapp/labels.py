"""What codes stored in the database are called in the page's language: types of
organisation and languages (countries: i18n.country_name)."""
from __future__ import annotations

from babel import Locale

from .i18n import current_language
from .i18n import lazy_gettext as _l
from .models import OrganisationType, SessionKind, StaffRole


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
    return Locale.parse(current_language()).languages.get(code, code)


def role_labels() -> dict[StaffRole, str]:
    return {StaffRole.ADMIN: _l("Admin"), StaffRole.ORGANISER: _l("Organiser"), StaffRole.DOOR: _l("Door staff")}


def session_kind_labels() -> dict[SessionKind, str]:
    return {
        SessionKind.CEREMONY: _l("Ceremony"),
        SessionKind.SYMPOSIUM: _l("Symposium"),
        SessionKind.FORUM: _l("Forum"),
        SessionKind.EXHIBITION: _l("Exhibition"),
    }
