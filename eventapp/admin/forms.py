"""Forms for organisers' delegate and staff pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from ..models import OrganisationType, StaffRole
from ..public.forms import DelegateDetailsForm, organisation_type_labels
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
        _l("The delegate has agreed that the organisers process their data for this forum."),
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
    }
    return [(role.value, labels[role]) for role in StaffRole]
