"""Forms for the programme: a session, an agenda item, an exhibitor.

Times are entered as wall-clock times of the event's zone; the forms hand them to the
programme service, which stores them in UTC.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ..guards import MAX_DATABASE_INT
from ..i18n import HTML_LANG, current_language, format_list, timezone_name, to_local
from ..i18n import lazy_gettext as _l
from ..labels import exhibitor_theme_labels, session_access_labels, session_kind_labels
from ..models import LANGUAGES, AgendaItem, ExhibitorTheme, Session, SessionAccess, SessionKind
from ..public.forms import country_choices, strip
from ..services import programme
from ..services.programme import AgendaItemDetails, ExhibitorDetails, ProgrammeRefused, SessionDetails
from ..services.registration import CapacityTooLow

LANGUAGE_LABELS = {"zh": _l("Chinese"), "de": _l("German"), "en": _l("English")}
TEXT_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "room": _l("Room"),
    "presenter_organisation": _l("Presenter's organisation"),
    "subject": _l("Subject"),  # an organisers' message (admin/mail.py)
    "body": _l("Message"),
}
# The browser's picker and what it sends; seconds are accepted from hand-typed values.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
DATETIME_MESSAGE = _l("Enter a date and time, e.g. 2026-05-20 10:30.")


def trilingual_fields(name: str, field_class=StringField, max_length: int = 300, **render_kw):
    """The three fields of one trilingual text, labelled e.g. "Title (Chinese)"; each may
    be left empty."""
    return tuple(
        field_class(
            _l("%(text)s (%(language)s)", text=TEXT_LABELS[name], language=LANGUAGE_LABELS[language]),
            [Optional(), Length(max=max_length)],
            filters=[strip],
            render_kw={"lang": HTML_LANG[language], **render_kw},
        )
        for language in LANGUAGES
    )


def missing_translation_notes(session: Session) -> list[str]:
    """What the session lacks, e.g. ["Title (German)", "Room (Chinese, English)"]."""
    return [
        _(
            "%(text)s (%(language)s)",
            text=TEXT_LABELS[name],
            language=format_list(LANGUAGE_LABELS[code] for code in codes),
        )
        for name, codes in programme.missing_translations(session).items()
    ]


def within_calendar_range(form, field) -> None:
    """A forum between 2000 and 8999: also keeps the conversion to UTC inside datetime's range
    (0001-01-01 in Beijing has no UTC time)."""
    if field.data is not None and not 2000 <= field.data.year < 9000:
        raise ValidationError(_l("Give a date between the years 2000 and 8999."))


def local_datetime_field(label, required: bool = True, description=None):
    return DateTimeLocalField(
        label,
        [InputRequired() if required else Optional(), within_calendar_range],
        format=LOCAL_FORMATS,
        invalid_value_message=DATETIME_MESSAGE,
        description=description,
    )


def wall_clock(moment: datetime | None, zone: str) -> datetime | None:
    """A stored UTC moment as the form shows it: naive, in the event's zone."""
    return to_local(moment, zone).replace(tzinfo=None) if moment is not None else None


class ProgrammeForm(FlaskForm):
    """What the programme's forms share: trilingual texts and the service's refusals."""

    def language_fields(self, name: str) -> list:
        return [self[f"{name}_{language}"] for language in LANGUAGES]

    def trilingual_data(self, name: str) -> dict[str, str]:
        return {language: self[f"{name}_{language}"].data or "" for language in LANGUAGES}

    def fill_trilingual(self, name: str, text: dict | None) -> None:
        for language, value in programme.trilingual(text).items():
            self[f"{name}_{language}"].data = value

    def missing_languages(self, name: str) -> list[str]:
        """The names of the languages the text is not given in, as entered in the form."""
        return [str(LANGUAGE_LABELS[c]) for c in programme.missing_languages(self.trilingual_data(name))]

    def save(self, action):
        """Validate, then save through `action` (a service call): its answer, or None when
        not saved. A service's refusal is shown on the field it names."""
        if not self.validate_on_submit():
            return None
        try:
            return action()
        except (ProgrammeRefused, CapacityTooLow) as refusal:
            self.add_refusal(refusal)
            return None

    def add_refusal(self, refusal) -> None:
        """Show a service's refusal on the field it names (a trilingual text: its first field)."""
        name = refusal.field if refusal.field in self else f"{refusal.field}_{LANGUAGES[0]}"
        self[name].errors.append(refusal.message)


class SessionForm(ProgrammeForm):
    title_zh, title_de, title_en = trilingual_fields("title")
    description_zh, description_de, description_en = trilingual_fields(
        "description", TextAreaField, max_length=5000, rows=6
    )
    room_zh, room_de, room_en = trilingual_fields("room", max_length=200)
    starts_at = local_datetime_field(_l("Starts"))
    ends_at = local_datetime_field(_l("Ends"))
    capacity = IntegerField(
        _l("Capacity (optional)"),
        # The service refuses a negative one; the database stores at most MAX_DATABASE_INT.
        [Optional(), NumberRange(max=MAX_DATABASE_INT, message=_l("Enter a smaller number."))],
        invalid_value_message=_l("Enter a whole number, or leave empty for no limit."),
        description=_l(
            "Empty: no limit. It cannot be lower than the seats already confirmed; "
            "raising it confirms people from the waiting list."
        ),
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    access = RadioField(
        _l("Who may take a seat"),
        choices=[(access.value, label) for access, label in session_access_labels().items()],
        default=SessionAccess.INVITATION.value,
    )
    registration_opens_at = local_datetime_field(
        _l("Registration opens (optional)"), required=False, description=_l("Empty: open now.")
    )
    registration_closes_at = local_datetime_field(
        _l("Registration closes (optional)"),
        required=False,
        description=_l("Empty: registration closes when the session starts."),
    )
    substitution_freeze_at = local_datetime_field(
        _l("Substitutions close (optional)"),
        required=False,
        description=_l(
            "The venue's deadline for its security list: until then a delegate or their contact may hand "
            "a seat to a colleague; afterwards only organisers can. Empty: no deadline."
        ),
    )

    def __init__(self, *args, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        hint = _("Local time in Beijing (%(zone)s).", zone=timezone_name(zone))
        self.starts_at.description = self.ends_at.description = hint

    @classmethod
    def of(cls, session: Session) -> SessionForm:
        zone = session.event.timezone
        form = cls(
            zone=zone,
            data={
                "starts_at": wall_clock(session.starts_at, zone),
                "ends_at": wall_clock(session.ends_at, zone),
                "capacity": session.capacity,
                "access": session.access.value,
                "registration_opens_at": wall_clock(session.registration_opens_at, zone),
                "registration_closes_at": wall_clock(session.registration_closes_at, zone),
                "substitution_freeze_at": wall_clock(session.substitution_freeze_at, zone),
            },
        )
        for name in ("title", "description", "room"):
            form.fill_trilingual(name, getattr(session, name))
        return form

    def details(self) -> SessionDetails:
        def utc(field):
            return programme.local_to_utc(field.data, self.zone) if field.data else None

        return SessionDetails(
            title=self.trilingual_data("title"),
            description=self.trilingual_data("description"),
            room=self.trilingual_data("room"),
            starts_at=utc(self.starts_at),
            ends_at=utc(self.ends_at),
            access=SessionAccess(self.access.data),
            registration_opens_at=utc(self.registration_opens_at),
            registration_closes_at=utc(self.registration_closes_at),
            substitution_freeze_at=utc(self.substitution_freeze_at),
        )


class NewSessionForm(SessionForm):
    """A session to add: what every session has, and what is fixed once it exists."""

    kind = SelectField(_l("Kind of session"), default=SessionKind.SYMPOSIUM.value)
    slug = StringField(
        _l("Web address (optional)"),
        [Optional(), Length(max=programme.SLUG_MAX)],
        filters=[strip],
        description=_l(
            "The last part of the session's links and its name in the API, e.g. innovation-workshop. "
            "Empty: made from the title. It cannot be changed later."
        ),
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )

    def __init__(self, *args, zone: str, **kwargs):
        super().__init__(*args, zone=zone, **kwargs)
        self.kind.choices = [(kind.value, label) for kind, label in session_kind_labels().items()]

    @classmethod
    def blank(cls, event) -> NewSessionForm:
        """Prefilled with the event's first day, 09:00 to 10:00 (the organiser changes them)."""
        start = datetime.combine(event.starts_on, time(9, 0))
        return cls(zone=event.timezone, data={"starts_at": start, "ends_at": start + timedelta(hours=1)})


class AgendaItemForm(ProgrammeForm):
    starts_at = TimeField(
        _l("Time"),
        [InputRequired()],
        format=["%H:%M", "%H:%M:%S"],
        invalid_value_message=_l("Enter a time, e.g. 10:30."),
    )
    title_zh, title_de, title_en = trilingual_fields("title")
    presenter_name = StringField(
        _l("Presenter (optional)"),
        [Optional(), Length(max=200)],
        filters=[strip],
        description=_l("As it is printed, e.g. Dr. Anna Schmidt or 王小明."),
    )
    (
        presenter_organisation_zh,
        presenter_organisation_de,
        presenter_organisation_en,
    ) = trilingual_fields("presenter_organisation")

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.starts_at.description = _(
            "Local time in Beijing (%(zone)s), during the session.",
            zone=timezone_name(session.event.timezone),
        )

    @classmethod
    def of(cls, item: AgendaItem) -> AgendaItemForm:
        form = cls(
            session=item.session,
            data={
                "starts_at": to_local(item.starts_at, item.session.event.timezone).time(),
                "presenter_name": item.presenter_name,
            },
        )
        form.fill_trilingual("title", item.title)
        form.fill_trilingual("presenter_organisation", item.presenter_organisation)
        return form

    def details(self) -> AgendaItemDetails:
        return AgendaItemDetails(
            starts_at=programme.agenda_moment(self.session, self.starts_at.data),
            title=self.trilingual_data("title"),
            presenter_name=self.presenter_name.data or "",
            presenter_organisation=self.trilingual_data("presenter_organisation"),
        )


class ExhibitorForm(ProgrammeForm):
    company = StringField(_l("Company"), [InputRequired(), Length(max=200)], filters=[strip])
    theme = SelectField(_l("Theme"))
    booth = StringField(
        _l("Booth"),
        [InputRequired(), Length(max=20)],
        filters=[strip],
        description=_l("E.g. A01. Each booth holds one exhibitor."),
    )
    country = SelectField(_l("Country or region"), [InputRequired(message=_l("Choose a country or region."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.theme.choices = list(exhibitor_theme_labels().items())
        self.country.choices = [("", _l("Choose…"))] + list(country_choices(current_language()))

    def details(self) -> ExhibitorDetails:
        return ExhibitorDetails(
            company=self.company.data,
            theme=ExhibitorTheme(self.theme.data),
            booth=self.booth.data,
            country=self.country.data,
        )
