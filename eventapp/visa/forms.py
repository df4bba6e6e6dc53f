"""Forms of the visa pages. They only read what was entered: the rules for passport data
and images are services.visa's, which says which field is at fault."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from ..i18n import current_language
from ..i18n import lazy_gettext as _l
from ..public.forms import country_choices, one_line, strip


class PassportForm(FlaskForm):
    passport_name = StringField(
        _l("Name as in the passport"),
        [Length(max=200)],
        filters=[one_line],
        description=_l("As the passport's page with the photo prints it, in Latin letters: family name first."),
    )
    nationality = SelectField(_l("Nationality"))
    passport_number = StringField(_l("Passport number"), [Length(max=40)], filters=[strip])
    # Optional: an empty date is no error here; the service says the letter needs it.
    passport_expiry = DateField(_l("Passport valid until"), [Optional()])
    date_of_birth = DateField(_l("Date of birth"), [Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.nationality.choices = [("", _("Choose a country")), *country_choices(current_language())]


class EventImageForm(FlaskForm):
    """One image (letterhead or seal); each has its own form on the page, told apart by prefix."""

    image = FileField(
        _l("Image file"), description=_l("PNG or JPEG, at most 1 MB."), render_kw={"accept": "image/png, image/jpeg"}
    )
