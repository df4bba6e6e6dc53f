"""The questions an event asks its delegates (Event.questions): which are asked and which
are required, how an answer is kept on the delegate, how it reads, and the organisers'
settings that go with them (the privacy notice's version, how long passport data is kept).

The forms and the API give answers in their own words (a dietary need and a note, "yes" for
a visa letter, "none" for no interpretation); `column_answers` turns them into what the
delegate's columns hold and `form_answers` back. Passport data is no answer kept here: it
goes to services.visa, apart from the delegate (`keep_passport_data`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..labels import language_label
from ..models import QUESTIONS, Delegate, Event, QuestionUse, Salutation, VisaRequest
from . import visa
from .audit import Actor, AuditAction, record_audit
from .transactions import write_transaction

# The delegate's columns each question's answer is kept in. A question the event does not
# ask leaves them as they are: an answer given before it was turned off stays.
QUESTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "salutation": ("salutation", "academic_title"),
    "dietary": ("dietary",),
    "interpretation": ("interpretation_language",),
    "arrival_date": ("arrival_date",),
    "visa_letter": ("visa_letter_requested",),
}
PASSPORT_RETENTION_MAX_DAYS = 365


class DietaryNeed(enum.StrEnum):
    """What the caterers of a forum plan for; anything else goes into the note."""

    NONE = "none"
    VEGETARIAN = "vegetarian"
    VEGAN = "vegan"
    HALAL = "halal"
    NO_PORK = "no_pork"
    OTHER = "other"  # said in the note


DIETARY_NOTE_MAX = 180  # the column holds the need's code, ": " and the note in 200 characters
INTERPRETATION_LANGUAGES = ("zh", "de", "en")
NO_INTERPRETATION = "none"  # the answer "no interpretation needed"...
_NO_INTERPRETATION_KEPT = "-"  # ...as the two-character column keeps it


# --- which questions an event asks ----------------------------------------------------------


def question_use(event: Event | None, question: str) -> QuestionUse:
    """How the event asks `question`: not configured (or no event) is off."""
    if event is None:
        return QuestionUse.OFF
    try:
        return QuestionUse((event.questions or {}).get(question, QuestionUse.OFF))
    except ValueError:
        return QuestionUse.OFF


def question_uses(event: Event | None) -> dict[str, QuestionUse]:
    return {question: question_use(event, question) for question in QUESTIONS}


def asked_questions(event: Event | None) -> list[str]:
    """The questions the event asks, in the form's order."""
    return [q for q, use in question_uses(event).items() if use != QuestionUse.OFF]


def unasked_columns(event: Event | None) -> frozenset[str]:
    """The delegate's columns no question of the event fills in: answers to them are not taken."""
    asked = set(asked_questions(event))
    return frozenset(column for q, columns in QUESTION_COLUMNS.items() if q not in asked for column in columns)


# --- answers: as the forms give them, as the delegate keeps them ------------------------------


def dietary_column(need: str | None, note: str | None) -> str:
    """The dietary column: the need's code, then ": " and the note if there is one; a note
    without a need counts as another need."""
    note = " ".join((note or "").split())[:DIETARY_NOTE_MAX]
    if not need:
        return f"{DietaryNeed.OTHER}: {note}" if note else ""
    return f"{need}: {note}" if note else str(need)


def dietary_parts(kept: str) -> tuple[str, str]:
    """The need's code and the note of a dietary column (text from elsewhere is a note)."""
    code, _separator, note = (kept or "").partition(": ")
    if code in DietaryNeed._value2member_map_:
        return code, note
    return (DietaryNeed.OTHER.value, kept) if kept else ("", "")


def column_answers(entries: Mapping) -> dict[str, object]:
    """The answers among a form's (or the API's) entries, as the delegate's columns hold
    them; with a visa letter asked for, the passport data as `passport` (visa.PassportData)."""
    answers: dict[str, object] = {}
    if "salutation" in entries:
        answers["salutation"] = Salutation(entries["salutation"]) if entries["salutation"] else None
    if "dietary" in entries:
        answers["dietary"] = dietary_column(entries["dietary"], entries.get("dietary_note"))
    if "interpretation_language" in entries:
        language = entries["interpretation_language"] or ""
        answers["interpretation_language"] = _NO_INTERPRETATION_KEPT if language == NO_INTERPRETATION else language
    if "visa_letter" in entries:
        answers["visa_letter_requested"] = entries["visa_letter"] in ("yes", True)
    if "passport" in entries:  # taken only with a letter asked for
        passport = entries["passport"]
        wanted = answers.get("visa_letter_requested") and isinstance(passport, Mapping)
        answers["passport"] = visa.PassportData.from_mapping(passport) if wanted else None
    return answers


def form_answers(delegate: Delegate) -> dict[str, object]:
    """The delegate's answers in the forms' words (the inverse of `column_answers`)."""
    need, note = dietary_parts(delegate.dietary)
    language = delegate.interpretation_language
    return {
        "dietary": need or None,
        "dietary_note": note,
        "interpretation_language": NO_INTERPRETATION if language == _NO_INTERPRETATION_KEPT else language or None,
        "visa_letter": "yes" if delegate.visa_letter_requested else "no",
    }


def arrival_date_error(event: Event, day: date) -> str | None:
    """An arrival after the forum's last day makes no sense; any day before may be right
    (delegates come early for meetings of their own)."""
    if day > event.ends_on:
        return _("The forum ends on %(date)s: choose a day until then.", date=format_date(event.ends_on, "long"))
    return None


# --- passport data that comes with a registration -----------------------------------------------


def keep_passport_data(delegate: Delegate, data: visa.PassportData, actor: Actor) -> VisaRequest:
    """The passport data a new delegate gave with their registration, kept (apart from the
    delegate) in the registration's transaction: the registration and its letter request are
    saved together or not at all. The same rules as visa.save_passport_data (VisaRefused);
    the audit entry names the fields and the separate consent, never the data."""
    data = data.normalised()
    errors = visa.passport_data_errors(delegate.event, data)
    if errors:
        raise visa.VisaRefused(errors)
    request = VisaRequest(delegate=delegate, **{f.name: getattr(data, f.name) for f in fields(data)})
    db.session.add(request)
    db.session.flush()
    record_audit(
        AuditAction.PASSPORT_DATA_SAVED,
        actor,
        delegate=delegate,
        fields=list(visa.PASSPORT_FIELDS),
        visa_request=request.id,
        passport_consent=True,
    )
    return request


# --- how answers read ----------------------------------------------------------------------------


def question_labels() -> dict[str, str]:
    return {
        "salutation": _l("Salutation and academic title"),
        "dietary": _l("Dietary needs"),
        "interpretation": _l("Simultaneous interpretation"),
        "arrival_date": _l("Arrival date"),
        "visa_letter": _l("Visa invitation letter"),
    }


def salutation_labels() -> dict[Salutation, str]:
    return {
        Salutation.MR: _l("Mr"),
        Salutation.MS: _l("Ms"),
        Salutation.NONE: _l("No gendered form (mails use the full name)"),
    }


def dietary_labels() -> dict[DietaryNeed, str]:
    return {
        DietaryNeed.NONE: _l("No special needs"),
        DietaryNeed.VEGETARIAN: _l("Vegetarian"),
        DietaryNeed.VEGAN: _l("Vegan"),
        DietaryNeed.HALAL: _l("Halal"),
        DietaryNeed.NO_PORK: _l("No pork"),
        DietaryNeed.OTHER: _l("Other (please say what)"),
    }


def interpretation_labels() -> dict[str, str]:
    """The language listened to through the interpretation headset, in the page's language."""
    return {
        **{code: language_label(code) for code in INTERPRETATION_LANGUAGES},
        NO_INTERPRETATION: str(_l("No interpretation needed")),
    }


def dietary_text(kept: str) -> str:
    need, note = dietary_parts(kept)
    if not need:
        return ""
    label = str(dietary_labels()[DietaryNeed(need)]) if need != DietaryNeed.OTHER else ""
    return f"{label} ({note})" if label and note else label or note


def interpretation_text(kept: str) -> str:
    answer = NO_INTERPRETATION if kept == _NO_INTERPRETATION_KEPT else kept
    return interpretation_labels().get(answer, answer) if answer else ""


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


Value = str | date | None


@dataclass(frozen=True)
class AnswerColumn:
    label: str
    value: Callable[[Delegate], Value]


def answer_columns(event: Event) -> list[AnswerColumn]:
    """What the delegates answered to the questions the event asks, a column per answer:
    for the exports and the delegate's own page. Never passport data."""
    columns = {
        "salutation": [
            AnswerColumn(_("Salutation"), lambda d: str(salutation_labels()[d.salutation]) if d.salutation else ""),
            AnswerColumn(_("Academic title"), lambda d: d.academic_title),
        ],
        "dietary": [AnswerColumn(_("Dietary needs"), lambda d: dietary_text(d.dietary))],
        "interpretation": [AnswerColumn(_("Interpretation"), lambda d: interpretation_text(d.interpretation_language))],
        "arrival_date": [AnswerColumn(_("Arrival date"), lambda d: d.arrival_date)],
        "visa_letter": [AnswerColumn(_("Visa letter requested"), lambda d: yes_no(d.visa_letter_requested))],
    }
    return [column for question in asked_questions(event) for column in columns[question]]


def delegate_answers(delegate: Delegate) -> list[tuple[str, str]]:
    """The delegate's answers as their private page shows them: (question, answer)."""
    rows = []
    for column in answer_columns(delegate.event):
        value = column.value(delegate)
        rows.append((column.label, format_date(value, "long") if isinstance(value, date) else value or "–"))
    return rows


# --- the organisers' settings ---------------------------------------------------------------------


@dataclass
class QuestionSettings:
    """What organisers set on the questions page."""

    questions: dict[str, QuestionUse]
    privacy_notice_version: str
    passport_retention_days: int

    @classmethod
    def of(cls, event: Event) -> QuestionSettings:
        return cls(question_uses(event), event.privacy_notice_version, event.passport_retention_days)


class SettingsRefused(Exception):
    """A setting no event can have; `field` names the form field, `message` is for the user."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def save_settings(event: Event, settings: QuestionSettings, *, actor: Actor) -> list[str]:
    """Set which questions the event asks (and which it requires), the privacy notice's
    version (each registration records the one the delegate agreed to: a new text wants a
    new version) and how many days after the forum passport data is erased. Returns what
    changed, which the audit log records with the new values. Commits."""
    version = " ".join(settings.privacy_notice_version.split())
    if not version or len(version) > 40:
        raise SettingsRefused(_("Give the notice a version of 1 to 40 characters."), "privacy_notice_version")
    if not 0 <= settings.passport_retention_days <= PASSPORT_RETENTION_MAX_DAYS:
        raise SettingsRefused(
            _("Between 0 and %(max)d days.", max=PASSPORT_RETENTION_MAX_DAYS), "passport_retention_days"
        )
    with write_transaction():
        event = db.session.get_one(Event, event.id, populate_existing=True, with_for_update=True)
        before = QuestionSettings.of(event)
        uses = {q: QuestionUse(settings.questions.get(q, QuestionUse.OFF)) for q in QUESTIONS}
        new_values: dict[str, Any] = {q: uses[q].value for q in QUESTIONS if uses[q] != before.questions[q]}
        if version != before.privacy_notice_version:
            new_values["privacy_notice_version"] = version
        if settings.passport_retention_days != before.passport_retention_days:
            new_values["passport_retention_days"] = settings.passport_retention_days
        if not new_values:
            return []
        event.questions = {q: use.value for q, use in uses.items()}  # a new dict: JSON columns see no mutation
        event.privacy_notice_version = version
        event.passport_retention_days = settings.passport_retention_days
        record_audit(AuditAction.QUESTIONS_CHANGED, actor, fields=list(new_values), **new_values)
    return list(new_values)


def consent_counts(event: Event) -> list[tuple[str, int]]:
    """How many delegates agreed to each version of the privacy notice, newest registrations'
    version first ("" for registrations from before versions were recorded)."""
    rows = db.session.execute(
        select(Delegate.privacy_notice_version, func.count(Delegate.id), func.max(Delegate.consent_at))
        .where(Delegate.event_id == event.id)
        .group_by(Delegate.privacy_notice_version)
        .order_by(func.max(Delegate.consent_at).desc())
    ).all()
    return [(version, count) for version, count, _latest in rows]
