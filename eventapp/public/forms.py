"""Forms for delegates. The JSON API validates with the same classes (see api.routes)."""

from __future__ import annotations

import re
from functools import lru_cache

import wtforms
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FormField,
    SelectMultipleField,
    StringField,
    TelField,
)
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
from ..models import PUBLIC_ORGANISATION_TYPES, Delegate, NameOrder, OrganisationType, QuestionUse
from ..names import fold, pinyin, suggest_latin_name
from ..printable import unprintable_characters
from ..services import questions, visa
from ..services.events import current_event

# Babel's territories include groupings and private-use codes that are not countries.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class ChoiceInSet:
    """A select or radio field whose choice is looked up in a set: wtforms' own check makes
    an object of every choice on each validation (~250 countries), a good share of the CPU
    of a registration. A value not among them gets wtforms' own answer; an optional field
    left empty none, as Optional() would clear it (wtforms would still look up and
    translate its "Not a valid choice")."""

    def pre_validate(self, form):
        if self.validate_choice and not self.process_errors and isinstance(self.choices, list):
            if self.data in {choice[0] for choice in self.choices if isinstance(choice, tuple)}:
                return
            if _left_empty(self) and any(isinstance(v, Optional) for v in self.validators):
                return
        super().pre_validate(form)


def _left_empty(field) -> bool:
    """What Optional() takes for no answer: no value sent, or only spaces."""
    return not field.raw_data or (isinstance(field.raw_data[0], str) and not field.raw_data[0].strip())


class SelectField(ChoiceInSet, wtforms.SelectField):
    pass


class RadioField(ChoiceInSet, wtforms.RadioField):
    pass


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


class _AnswersOf:
    """A delegate as the forms read it (`obj=`): the answers in the forms' words."""

    def __init__(self, delegate: Delegate):
        self._delegate = delegate
        vars(self).update(questions.form_answers(delegate))

    def __getattr__(self, name: str):
        return getattr(self._delegate, name)


# The fields that answer each question; the first one is the answer the question requires.
QUESTION_FIELDS = {
    "salutation": ("salutation", "academic_title"),
    "dietary": ("dietary", "dietary_note"),
    "interpretation": ("interpretation_language",),
    "arrival_date": ("arrival_date",),
    "visa_letter": ("visa_letter",),
}


class PinyinSuggestion(FlaskForm):
    """A form with Latin and native name fields: with the Latin name left empty and a name in
    Chinese characters, the pinyin is filled in. The HTML form shows it and asks the person to
    check it before saving; the JSON API (no one to ask) takes the suggestion as it is."""

    confirm_pinyin_suggestion = True
    pinyin_suggested = False

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


class DelegateDetailsForm(PinyinSuggestion):
    """A delegate's personal details and their answers to the event's questions: registration,
    and editing through the private link. Required fields use DataRequired, which looks at
    the value after the filters: an entry of only spaces is no entry.

    The event's questions (services.questions) decide which answers are asked: a question
    that is off has no field (nothing sent for it is taken), a required one must be answered.
    The event is the one given, the delegate's (`obj=`), or the current one; `uses=`
    (question -> QuestionUse) asks them without an event, as the API's documentation does.
    A form nested in another (a delegation's contact person) asks none.
    """

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

    # The answers to the event's questions; their validators are set by how the event asks.
    salutation = RadioField(_l("Salutation"), description=_l("How mails to you begin."))
    academic_title = StringField(
        _l("Academic title (optional)"),
        [Optional(), Length(max=40), printable_on_badge],
        filters=[one_line],
        description=_l("For example Dr. or Prof. Dr.: mails greet you with it."),
    )
    dietary = RadioField(_l("Dietary needs"))
    dietary_note = StringField(
        _l("Allergies or other dietary needs (optional)"),
        [Optional(), Length(max=questions.DIETARY_NOTE_MAX)],
        filters=[one_line],
        description=_l("For example: no nuts; lactose-free."),
    )
    interpretation_language = RadioField(
        _l("Simultaneous interpretation"),
        description=_l("The language you want to listen in through the interpretation headset."),
    )
    arrival_date = DateField(
        _l("Arrival date"),
        description=_l("The day you arrive for the forum; it may be days before the forum starts."),
    )
    visa_letter = RadioField(
        _l("Do you need a visa invitation letter?"),
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        description=_l("The organisers' letter for your visa application. It needs your passport data."),
    )

    # False: the form of someone who is not a delegate (a delegation's contact): no questions.
    asks_questions = True

    def __init__(self, *args, event=None, uses=None, **kwargs):
        if isinstance(kwargs.get("obj"), Delegate):
            event = event or kwargs["obj"].event
            kwargs["obj"] = _AnswersOf(kwargs["obj"])
        super().__init__(*args, **kwargs)
        labels = organisation_type_labels()
        self.organisation_type.choices = [(t.value, labels[t]) for t in PUBLIC_ORGANISATION_TYPES]
        self.country.choices = [("", _l("Choose…"))] + list(country_choices(current_language()))
        if getattr(self, "_parent_form", None) is not None:
            self.asks_questions = False
        if event is None and uses is None and self.asks_questions:
            event = current_event()
        self.event = event
        self.ask_questions(questions.question_uses(event) if uses is None else uses)

    def ask_questions(self, uses) -> None:
        """Keep the fields of the questions asked, each required or optional as asked."""
        for question, names in QUESTION_FIELDS.items():
            use = QuestionUse(uses.get(question, QuestionUse.OFF)) if self.asks_questions else QuestionUse.OFF
            if use == QuestionUse.OFF:
                for name in names:
                    del self[name]
                continue
            answer = self[names[0]]
            if use == QuestionUse.REQUIRED:
                answer.validators = [InputRequired(message=_l("Please answer this question."))]
            else:
                answer.validators = [Optional()]
                answer.label.text = _l("%(question)s (optional)", question=answer.label.text)
        if "salutation" in self:
            self.salutation.choices = list(questions.salutation_labels().items())
        if "dietary" in self:
            self.dietary.choices = list(questions.dietary_labels().items())
        if "interpretation_language" in self:
            self.interpretation_language.choices = list(questions.interpretation_labels().items())

    def asks_for_letter(self) -> bool:
        """The delegate said they need a visa invitation letter."""
        return "visa_letter" in self and self.visa_letter.data == "yes"

    def validate_dietary(self, field) -> None:
        if field.data == questions.DietaryNeed.OTHER and not self.dietary_note.data:
            raise ValidationError(_l("Please say in the note which dietary needs you have."))

    def validate_arrival_date(self, field) -> None:
        error = questions.arrival_date_error(self.event, field.data) if field.data and self.event else None
        if error:
            raise ValidationError(error)


class PassportEntries(FlaskForm):
    """The passport data a visa letter needs, named as services.visa's PassportData. Only
    what was entered is read here: the rules are services.visa's, which says which field is
    at fault."""

    passport_name = StringField(
        _l("Name as in the passport"),
        [Length(max=200)],
        filters=[one_line],
        description=_l("As the passport's page with the photo prints it, in Latin letters: family name first."),
    )
    nationality = SelectField(_l("Nationality"), filters=[upper], default="")
    passport_number = StringField(_l("Passport number"), [Length(max=40)], filters=[strip])
    # Optional: an empty date is no error here; the service says the letter needs it.
    passport_expiry = DateField(_l("Passport valid until"), [Optional()])
    date_of_birth = DateField(_l("Date of birth"), [Optional()])

    choose_country = _l("Choose…")  # the empty choice of the nationality list

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.nationality.choices = [("", self.choose_country), *country_choices(current_language())]


class PassportFields(PassportEntries):
    """PassportEntries as a part of another form (PassportField): no CSRF token of its own."""

    class Meta:
        csrf = False


class PassportField(FormField):
    """PassportFields, checked by services.visa's rules when the form asks for a letter (and
    not looked at otherwise). Its errors read as one list, "Passport number: …", as every
    other field's do (the error summary, the API's answer); each entry shows its own."""

    def validate(self, form, extra_validators=()) -> bool:
        if not form.asks_for_letter():
            return True
        self.form.validate()
        if form.event is not None:
            data = visa.PassportData.from_mapping(form.passport_entries()).normalised()
            for name, message in visa.passport_data_errors(form.event, data).items():
                if not self.form[name].errors:  # one message an entry: what was entered is wrong first
                    self.form[name].errors.append(message)
        return not self.errors

    @property
    def errors(self) -> list[str]:
        return [_("%(label)s: %(value)s", label=f.label.text, value=error) for f in self.form for error in f.errors]


class PassportQuestion(FlaskForm):
    """The passport data for a visa letter, with the delegate's separate consent to its
    processing (sensitive personal information under PIPL)."""

    passport = PassportField(
        PassportFields,
        _l("Passport data for the letter"),
        description=_l(
            "Only if you need a visa invitation letter: as printed in your passport. Only the organisers' visa team sees it, and it is erased after the forum."
        ),
    )
    passport_consent = BooleanField(
        _l(
            "I agree that the organisers process my passport data, which is sensitive personal information, only for my visa invitation letter, as the privacy notice describes."
        )
    )
    event = None

    def asks_for_letter(self) -> bool:
        return True

    def passport_entries(self) -> dict:
        return dict(self.passport.data)

    def validate_passport_consent(self, field) -> None:
        if self.asks_for_letter() and not field.data:
            raise ValidationError(_l("The letter needs your separate consent to the processing of your passport data."))


class PassportDataForm(PassportQuestion):
    """The delegate's passport data on their private page. The number is not shown again:
    left empty, the one given before stays."""

    def __init__(self, *args, event, kept_number: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.kept_number = kept_number
        if kept_number:
            self.passport.form.passport_number.description = _l(
                "Leave it empty to keep the number ending in %(end)s.", end=kept_number[-3:]
            )

    def passport_entries(self) -> dict:
        entries = super().passport_entries()
        return {**entries, "passport_number": entries.get("passport_number") or self.kept_number}


class RegistrationForm(DelegateDetailsForm, PassportQuestion):
    sessions = SelectMultipleField(_l("Sessions"), validate_choice=False)
    consent = BooleanField(
        _l(
            "I agree that the organisers process my data as the privacy notice describes, including its transfer between China and Germany."
        ),
        [DataRequired(message=_l("Your consent is needed to register."))],
    )

    def __init__(self, *args, session_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions.choices = list(session_choices)
        if "visa_letter" not in self:
            del self["passport"]
            del self["passport_consent"]

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
