"""Forms for delegations: a contact person registering a group, adding a person to it, and
anyone handing a seat to a colleague. The JSON API validates with the same classes.

A person's fields are the registration form's own (the same labels, limits and checks);
the organisation, its type and country are given once, for the whole group.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FormField, RadioField
from wtforms.validators import DataRequired

from ..i18n import lazy_gettext as _l
from ..models import SeatMode
from ..services.delegations import MAX_PEOPLE
from .forms import DelegateDetailsForm, PinyinSuggestion, RegistrationForm

# A person of a group, as a form asks for them; the rest of DelegateDetails comes from the
# group (organisation, its type, country) or stays empty (phone).
PERSON_FIELDS = ("family_name", "given_name", "name_native", "native_name_order", "position", "email", "language")
# What the contact tells of themself and of the organisation every person belongs to.
CONTACT_FIELDS = ("family_name", "given_name", "email", "language", "organisation", "organisation_type", "country")


def seat_mode_labels() -> dict[SeatMode, str]:
    return {
        SeatMode.ALL_OR_NOTHING: _l(
            "Everyone or nobody: register the group only if each session has a seat for every person"
        ),
        SeatMode.ONE_BY_ONE: _l("One by one: seats while they last, then the waiting list"),
    }


def seat_mode_field(default: SeatMode = SeatMode.ALL_OR_NOTHING) -> RadioField:
    return RadioField(
        _l("When seats are short"),
        choices=[(mode.value, label) for mode, label in seat_mode_labels().items()],
        default=default.value,
        description=_l("Sessions by application are decided by the organisers for each person, whatever you choose."),
    )


class PersonForm(PinyinSuggestion):
    """One person: a colleague taking over a seat, or a person added to a delegation. The
    Latin name is filled in from Chinese characters and shown for checking, as on the
    registration form."""

    family_name = DelegateDetailsForm.family_name
    given_name = DelegateDetailsForm.given_name
    name_native = DelegateDetailsForm.name_native
    native_name_order = DelegateDetailsForm.native_name_order
    position = DelegateDetailsForm.position
    email = DelegateDetailsForm.email
    language = DelegateDetailsForm.language

    may_be_blank = False  # a row of the group form: left empty, it is no one

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self:  # the hints speak to the person themself; the page has one for all
            field.description = ""

    def is_blank(self) -> bool:
        return not any(
            (self[name].data or "").strip() for name in PERSON_FIELDS if name not in ("native_name_order", "language")
        )

    def validate(self, extra_validators=None) -> bool:
        if self.may_be_blank and self.is_blank():
            return True
        return super().validate(extra_validators)

    def person_data(self) -> dict:
        return {name: self[name].data for name in PERSON_FIELDS}


class PersonRow(PersonForm):
    """A row of the group form (part of its page: no CSRF token of its own)."""

    class Meta:
        csrf = False

    may_be_blank = True


class ContactForm(DelegateDetailsForm):
    """The contact person and their organisation, which every person of the group shares."""

    class Meta:
        csrf = False

    name_native = None
    native_name_order = None  # type: ignore[assignment]  # None removes an inherited field
    position = None
    phone = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self:  # the hints are about names on badges: the contact gets none
            field.description = ""

    def fill_latin_name_from_native(self) -> bool:
        return False  # no name in native script is asked


class SessionsMixin:
    """The sessions chosen for the people, checked as on the registration form."""

    sessions = RegistrationForm.sessions
    validate_sessions = RegistrationForm.validate_sessions


class DelegationForm(SessionsMixin, FlaskForm):
    contact = FormField(ContactForm)
    people = FieldList(FormField(PersonRow), min_entries=3, max_entries=MAX_PEOPLE)
    seat_mode = seat_mode_field()
    consent = BooleanField(
        _l(
            "Every person named here has agreed that I register them and that the organisers process their data to run this forum."
        ),
        [DataRequired(message=_l("The consent of the people you register is needed."))],
    )

    def __init__(self, *args, session_choices=(), people_given: int | None = None, **kwargs):
        """`people_given`: the JSON API's people, as many rows and none of them blank (no one
        to ask about a pinyin suggestion either)."""
        super().__init__(*args, **kwargs)
        self.sessions.choices = list(session_choices)
        if people_given is not None:
            while len(self.people) > people_given:
                self.people.pop_entry()
            for row in self.people:
                row.form.may_be_blank = row.form.confirm_pinyin_suggestion = False

    def filled_rows(self) -> list[PersonRow]:
        return [row.form for row in self.people if not row.form.is_blank()]

    @property
    def pinyin_suggested(self) -> bool:
        return any(row.form.pinyin_suggested for row in self.people)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.filled_rows():
            self.people.errors = [_l("Name at least one person.")]  # shown above the rows
            return False
        return valid

    def error_links(self) -> list[tuple[str, str]]:
        """Every error with the id of its field, for the summary at the top of the page."""
        links = [
            (field.id, _("Contact person, %(label)s: %(error)s", label=field.label.text, error=error))
            for field in self.contact.form
            for error in field.errors
        ]
        for number, row in enumerate(self.people, start=1):
            links += [
                (
                    field.id,
                    _("Person %(number)d, %(label)s: %(error)s", number=number, label=field.label.text, error=error),
                )
                for field in row.form
                for error in field.errors
            ]
        if self.people.errors and not any(isinstance(error, dict) for error in self.people.errors):
            links += [("people-fieldset", str(error)) for error in self.people.errors]
        links += [("sessions-fieldset", str(error)) for error in self.sessions.errors]
        links += [(f"{self.seat_mode.id}-0", str(error)) for error in self.seat_mode.errors]
        links += [(self.consent.id, str(error)) for error in self.consent.errors]
        return links


class AddPersonForm(SessionsMixin, PersonForm):
    """A person added on the contact page, with their sessions."""

    seat_mode = seat_mode_field()

    def __init__(self, *args, session_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions.choices = list(session_choices)
