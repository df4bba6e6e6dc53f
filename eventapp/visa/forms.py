"""Forms of the visa pages. They only read what was entered: the rules for passport data
and images are services.visa's, which says which field is at fault."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from ..i18n import lazy_gettext as _l
from ..public.forms import PassportEntries


class PassportForm(PassportEntries):
    """The passport data as the visa team edits it: the fields of the registration form's."""

    choose_country = _l("Choose a country")


class EventImageForm(FlaskForm):
    """One image (letterhead or seal); each has its own form on the page, told apart by prefix."""

    image = FileField(
        _l("Image file"), description=_l("PNG or JPEG, at most 1 MB."), render_kw={"accept": "image/png, image/jpeg"}
    )
