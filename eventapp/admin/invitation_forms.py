"""Forms of the invitation pages. They read what was entered; the rules an invitee must meet
are services.invitations', which says which field is at fault."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import EmailField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import ValidationError

from ..i18n import LANGUAGE_NAMES, current_language
from ..i18n import lazy_gettext as _l
from ..models import Salutation
from ..public.forms import country_choices, one_line
from ..services.invitations import MAX_FILE_BYTES, InviteeDetails
from ..services.invitations.invitees import DETAIL_FIELDS


class SessionsField(SelectMultipleField):
    """The sessions an invitation opens, as checkboxes; only the event's may be chosen."""

    def __init__(self, label, **kwargs):
        super().__init__(label, validate_choice=False, **kwargs)

    def pre_validate(self, form) -> None:
        known = {value for value, _label in self.choices or ()}
        if any(slug not in known for slug in self.data or ()):
            raise ValidationError(_l("Choose sessions from the list."))


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("List of invitees"),
        [
            FileRequired(message=_l("Choose the file to upload.")),
            # .xls passes, so it is told how to save it as .xlsx.
            FileAllowed(["csv", "txt", "tsv", "xlsx", "xls"], _l("Upload a CSV file or an Excel file (.xlsx).")),
            FileSize(
                MAX_FILE_BYTES,
                message=_l(
                    "The file is larger than %(size)d KB. Split the list into parts.", size=MAX_FILE_BYTES // 1024
                ),
            ),
        ],
        description=_l(
            "A CSV file (comma, semicolon or tab separated; UTF-8, UTF-16 or GB18030, as Excel saves it) or an Excel file (.xlsx). The first row names the columns, e.g. E-Mail, Nachname, Vorname or 邮箱, 姓, 名."
        ),
        render_kw={"accept": ".csv,.txt,.tsv,.xlsx,text/csv"},
    )
    sessions = SessionsField(
        _l("Invite to"), description=_l("For the rows that name no sessions in a column of their own.")
    )


class ImportPreviewForm(FlaskForm):
    """The preview's form: the list as read (signed, see admin.invitations), the columns as
    the preview was shown, and the columns' selects (read by the view: their number varies)."""

    upload = HiddenField()
    shown_mapping = HiddenField()


class InvitationForm(FlaskForm):
    """One invitee, as an organiser types them in."""

    email = EmailField(_l("Email"), filters=[one_line])
    salutation = SelectField(_l("Salutation (optional)"), default="")
    academic_title = StringField(
        _l("Academic title (optional)"), filters=[one_line], description=_l("For example Dr. or Prof. Dr.")
    )
    family_name = StringField(_l("Family name (optional)"), filters=[one_line])
    given_name = StringField(_l("Given name (optional)"), filters=[one_line])
    name_native = StringField(
        _l("Name in native script (optional)"), filters=[one_line], description=_l("For example 王小明.")
    )
    organisation = StringField(_l("Organisation (optional)"), filters=[one_line])
    position = StringField(_l("Position (optional)"), filters=[one_line])
    country = SelectField(_l("Country or region (optional)"), default="")
    language = SelectField(
        _l("Language of the invitation"),
        default="",
        description=_l(
            "Left to the country: Chinese for China, German for Germany, Austria and Switzerland, else English."
        ),
    )
    sessions = SessionsField(_l("Invite to"))

    def __init__(self, *args, session_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.salutation.choices = [
            ("", _l("None given")),
            (Salutation.MR.value, _l("Mr")),
            (Salutation.MS.value, _l("Ms")),
            (Salutation.NONE.value, _l("No gendered form (full name)")),
        ]
        self.country.choices = [("", _l("Not given"))] + list(country_choices(current_language()))
        self.language.choices = [("", _l("From the country"))] + list(LANGUAGE_NAMES.items())
        self.sessions.choices = list(session_choices)

    def details(self) -> InviteeDetails:
        details = InviteeDetails()
        for name in DETAIL_FIELDS:
            setattr(details, name, self[name].data or "")
        details.salutation = Salutation(self.salutation.data) if self.salutation.data else None
        return details
