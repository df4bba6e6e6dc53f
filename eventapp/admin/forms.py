"""Forms for organisers' delegate and staff pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from ..i18n import lazy_gettext as _l
from ..labels import organisation_type_labels
from ..models import OrganisationType, StaffRole
from ..public.forms import DelegateDetailsForm
from ..services.staff import MIN_PASSWORD_LENGTH


class StaffDelegateForm(DelegateDetailsForm):
    """A delegate's details as organisers edit them: every organisation type is offered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = organisation_type_labels()
        self.organisation_type.choices = [(t.value, labels[t]) for t in OrganisationType]


class NewDelegateForm(StaffDelegateForm):
    sessions = SelectMultipleField(_l("Sessions"), validate_choice=False)
    consent = BooleanField(
        _l(
            "The delegate has agreed to the privacy notice, which is recorded with its version, including the transfer of their data between China and Germany."
        ),
        [DataRequired(message=_l("The delegate's consent is needed."))],
    )

    def __init__(self, *args, session_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions.choices = list(session_choices)

    def validate_sessions(self, field):
        known = {value for value, _label in self.sessions.choices}
        if not field.data:
            raise ValidationError(_l("Choose at least one session."))
        if any(slug not in known for slug in field.data):
            raise ValidationError(_l("Choose sessions from the list."))


class AddRegistrationForm(FlaskForm):
    session = SelectField(_l("Register for"))


class StaffAccountForm(FlaskForm):
    email = EmailField(_l("Email"), [InputRequired(), Email(check_deliverability=False), Length(max=254)])
    name = StringField(_l("Name"), [Length(max=200)])
    role = SelectField(_l("Role"))
    password = PasswordField(
        _l("Password"),
        [InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("At least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class StaffAccountChangeForm(FlaskForm):
    role = SelectField(_l("Role"))
    active = BooleanField(_l("Account active"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


def role_choices():
    labels = {
        StaffRole.ADMIN: _l("Admin: everything, including staff accounts"),
        StaffRole.ORGANISER: _l("Organiser: delegates, registrations, exports, printing"),
        StaffRole.DOOR: _l("Door: check-in only"),
        StaffRole.VISA: _l("Visa team: visa invitation letters and the passport data they need, nothing else"),
    }
    return [(role.value, labels[role]) for role in StaffRole]


class BadgeBatchForm(FlaskForm):
    """Which badges the print shop gets, and on what paper."""

    session = SelectField(_l("Session"), default="")
    organisation_type = SelectField(_l("Type of organisation"), default="")
    registered_from = DateField(_l("Registered from (optional)"), [Optional()])
    registered_until = DateField(_l("Registered until (optional)"), [Optional()])
    sheet = RadioField(
        _l("Paper"),
        choices=[
            ("a6", _l("One A6 badge per page, with 3 mm bleed and crop marks")),
            (
                "print-shop",
                _l(
                    "For a print shop: one A6 badge per page with 3 mm bleed and crop marks, colours declared as sRGB (PDF/X-4 style)"
                ),
            ),
            (
                "a4-4up",
                _l(
                    "Four badges on an A4 sheet for an office printer (95 × 134 mm, 10 mm clear of the edges), with cut marks"
                ),
            ),
        ],
        default="a6",
    )

    def __init__(self, *args, session_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.session.choices = [("", _l("All sessions"))] + list(session_choices)
        labels = organisation_type_labels()
        self.organisation_type.choices = [("", _l("All types"))] + [(t.value, labels[t]) for t in OrganisationType]

    def validate_registered_until(self, field):
        if field.data and self.registered_from.data and field.data < self.registered_from.data:
            raise ValidationError(_l("The end date comes before the start date."))

    def filters(self) -> dict:
        return {
            "session": self.session.data or None,
            "organisation_type": self.organisation_type.data or None,
            "registered_from": self.registered_from.data.isoformat() if self.registered_from.data else None,
            "registered_until": self.registered_until.data.isoformat() if self.registered_until.data else None,
        }


class ApplicationDecisionForm(FlaskForm):
    """Approve or reject the applications ticked in the list, with a reason for the mail."""

    applications = SelectMultipleField(_l("Applications"), coerce=int, validate_choice=False)
    decision = RadioField(
        _l("Decision"),
        choices=[("approve", _l("Approve")), ("reject", _l("Reject"))],
        validators=[InputRequired(message=_l("Choose approve or reject."))],
    )
    when_full = RadioField(
        _l("When the session is full"),
        choices=[
            ("waitlist_head", _l("Put the delegate first on the waiting list")),
            ("refuse", _l("Do not approve: the application stays open")),
        ],
        default="waitlist_head",
    )
    reason = TextAreaField(
        _l("Note to the delegates (optional)"),
        [Length(max=1000)],
        description=_l("It is written into the mail each delegate gets about the decision."),
    )

    def validate_applications(self, field):
        if not field.data:
            raise ValidationError(_l("Tick at least one application."))
