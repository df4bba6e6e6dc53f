"""Forms for delegates. The JSON API validates with the same classes (see api.routes)."""

from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, SelectMultipleField, StringField, TelField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from ..i18n import LANGUAGE_NAMES, countries, current_language
from ..i18n import lazy_gettext as _l
from ..labels import organisation_type_labels
from ..models import PUBLIC_ORGANISATION_TYPES, NameOrder, OrganisationType
from ..names import fold, pinyin, suggest_latin_name
from ..printable import unprintable_characters

# Babel's territories include groupings and private-use codes that are not countries.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def one_line(value):
    """One line without surrounding spaces: a line break or control character pasted into a
    name would break the badge's layout and the headers of mails."""
    return " ".join(_CONTROL.sub(" ", value).split()) if isinstance(value, str) else value


def plain_local_part(form, field) -> None:
    """Before the @ only what every mail server takes: say so, instead of "Invalid email
    address" for müller@example.de (the domain may have umlauts: it is converted)."""
    local, at, _domain = (field.data or "").rpartition("@")
    if at and not local.isascii():
        raise StopValidation(
            _l(
                "Before the @, use Latin letters without accents or umlauts (for example mueller@example.de, not müller@example.de): many mail servers cannot deliver to such an address."
            )
        )


def printable_on_badge(form, field) -> None:
    """Names and organisations go on the badge: a character no badge font has (an emoji,
    say) would print as an empty box, so it is refused with the characters named."""
    missing = unprintable_characters(field.data or "")
    if missing:
        raise ValidationError(
            ngettext(
                "Badges cannot print %(characters)s. Please leave it out or write it in letters.",
                "Badges cannot print these characters: %(characters)s. Please leave them out or write them in letters.",
                len(missing),
                characters=" ".join(missing),
            )
        )


def upper(value):
    return value.strip().upper() if isinstance(value, str) else value


def country_sort_key(name: str, language: str) -> str:
    """Chinese names by pinyin, others without accents (Ägypten under A, not after Z)."""
    return fold(" ".join(pinyin(name)) if language == "zh" else name)


@lru_cache(maxsize=8)
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """ISO 3166 alpha-2 countries named in the page's language, China and Germany first."""
    territories = countries(language)
    codes = list(territories)
    first = [c for c in ("CN", "DE") if c in codes]
    rest = sorted((c for c in codes if c not in first), key=lambda c: country_sort_key(territories[c], language))
    return tuple((c, territories[c]) for c in first + rest)


class DelegateDetailsForm(FlaskForm):
    """A delegate's personal details: registration, and editing through the private link.
    Required fields use DataRequired, which looks at the value after the filters: an entry
    of only spaces is no entry."""

    family_name = StringField(
        _l("Family name"),
        [DataRequired(), Length(max=100), printable_on_badge],
        filters=[one_line],
        description=_l(
            "In Latin letters, e.g. Wang or Müller. Left empty, it is filled in from a name in Chinese characters."
        ),
    )
    given_name = StringField(
        _l("Given name"),
        [DataRequired(), Length(max=100), printable_on_badge],
        filters=[one_line],
        description=_l("In Latin letters, e.g. Xiaoming or Jürgen."),
    )
    name_native = StringField(
        _l("Name in native script (optional)"),
        [Optional(), Length(max=100), printable_on_badge],
        filters=[one_line],
        description=_l("For example 王小明. Printed on your badge."),
    )
    native_name_order = SelectField(
        _l("Order of the name in native script"),
        choices=[
            (NameOrder.FAMILY_FIRST.value, _l("Family name first (as in 王小明)")),
            (NameOrder.GIVEN_FIRST.value, _l("Given name first")),
        ],
        default=NameOrder.FAMILY_FIRST.value,
    )
    organisation = StringField(
        _l("Organisation"), [DataRequired(), Length(max=200), printable_on_badge], filters=[one_line]
    )
    position = StringField(
        _l("Position (optional)"), [Optional(), Length(max=150), printable_on_badge], filters=[one_line]
    )
    organisation_type = SelectField(_l("Type of organisation"), default=OrganisationType.ENTERPRISE.value)
    country = SelectField(
        _l("Country or region"),
        [DataRequired(message=_l("Choose a country or region."))],
        filters=[upper],
    )
    email = EmailField(
        _l("Email"),
        [DataRequired(), plain_local_part, Email(check_deliverability=False, allow_smtputf8=False), Length(max=254)],
        filters=[one_line],
    )
    phone = TelField(
        _l("Phone (optional)"),
        [
            Optional(),
            Length(max=40),
            Regexp(r"^\+?[0-9 ()./-]{5,40}$", message=_l("Enter a phone number, e.g. +86 10 1234 5678.")),
        ],
        filters=[one_line],
    )
    language = SelectField(
        _l("Preferred language"),
        choices=list(LANGUAGE_NAMES.items()),
        default="en",
    )

    # The HTML form shows the pinyin it filled in and asks the person to check it before
    # saving; the JSON API (no one to ask) takes the suggestion as it is.
    confirm_pinyin_suggestion = True
    pinyin_suggested = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = organisation_type_labels()
        self.organisation_type.choices = [(t.value, labels[t]) for t in PUBLIC_ORGANISATION_TYPES]
        self.country.choices = [("", _l("Choose…"))] + list(country_choices(current_language()))

    def validate(self, extra_validators=None) -> bool:
        suggested = self.fill_latin_name_from_native()
        valid = super().validate(extra_validators)
        if suggested and valid and self.confirm_pinyin_suggestion:
            self.pinyin_suggested = True
            return False
        return valid

    def fill_latin_name_from_native(self) -> bool:
        """Both Latin name fields empty and a name in Chinese characters: fill in its pinyin."""
        if self.family_name.data or self.given_name.data:
            return False
        family_first = self.native_name_order.data != NameOrder.GIVEN_FIRST.value
        family, given = suggest_latin_name(self.name_native.data or "", family_first)
        if not given:
            return False
        for field, value in ((self.family_name, family), (self.given_name, given)):
            field.data, field.raw_data = value, [value]
        return True


class RegistrationForm(DelegateDetailsForm):
    sessions = SelectMultipleField(_l("Sessions"), validate_choice=False)
    consent = BooleanField(
        _l("I agree that the organisers process my data to run this forum."),
        [DataRequired(message=_l("Your consent is needed to register."))],
    )

    def __init__(self, *args, session_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions.choices = list(session_choices)

    def validate_sessions(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one session."))
        known = {value for value, _label in self.sessions.choices}
        unknown = [slug for slug in field.data if slug not in known]
        if unknown:
            raise ValidationError(_l("Unknown session: %(slug)s", slug=", ".join(unknown)))


class AddSessionForm(FlaskForm):
    session = SelectField(_l("Session"), validate_choice=True)


class LostLinkForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        [InputRequired(), plain_local_part, Email(check_deliverability=False, allow_smtputf8=False), Length(max=254)],
        filters=[strip],
        description=_l("The address you registered with."),
    )
