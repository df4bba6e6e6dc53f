"""The questions delegates are asked, for organisers: each off, optional or required; the
privacy notice's version every registration records; how long passport data is kept."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from ..auth import staff_actor
from ..i18n import lazy_gettext as _l
from ..models import QUESTIONS, QuestionUse
from ..public.forms import one_line
from ..services import questions as questions_service
from ..services.questions import PASSPORT_RETENTION_MAX_DAYS, QuestionSettings, SettingsRefused
from ..web import event_or_404
from . import bp


def use_choices() -> list[tuple[str, str]]:
    return [
        (QuestionUse.OFF.value, _l("Not asked")),
        (QuestionUse.OPTIONAL.value, _l("Asked, optional")),
        (QuestionUse.REQUIRED.value, _l("Asked, required")),
    ]


class QuestionsForm(FlaskForm):
    privacy_notice_version = StringField(
        _l("Version of the privacy notice"),
        [InputRequired(), Length(max=40)],
        filters=[one_line],
        description=_l(
            "Each registration records the version the delegate agreed to. Give a new version when the notice's text changes."
        ),
    )
    passport_retention_days = IntegerField(
        _l("Days passport data is kept after the forum"),
        [InputRequired(), NumberRange(min=0, max=PASSPORT_RETENTION_MAX_DAYS)],
        description=_l("Then it is erased: what a letter needs is gone, the letter's state stays."),
    )

    def settings(self) -> QuestionSettings:
        return QuestionSettings(
            {question: QuestionUse(self[question].data) for question in QUESTIONS},
            self.privacy_notice_version.data or "",
            self.passport_retention_days.data or 0,
        )


def question_hints() -> dict[str, str]:
    return {
        "salutation": _l(
            "Mr, Ms or no gendered form, and a title such as Dr.: German mails then open with “Sehr geehrter Herr Dr. Müller”."
        ),
        "dietary": _l("No special needs, vegetarian, vegan, halal, no pork or other, with a note for allergies."),
        "interpretation": _l("The language listened to through the interpretation: Chinese, German, English, or none."),
        "arrival_date": _l("A day until the forum's last day."),
        "visa_letter": _l(
            "Whether a visa invitation letter is needed. With yes, the passport data follows, with its own consent: only the visa team and admins see it, and no export holds it."
        ),
    }


# A choice for each question, named as the question (the form's fields are the questions).
_LABELS, _HINTS = questions_service.question_labels(), question_hints()
for _question in QUESTIONS:
    setattr(
        QuestionsForm,
        _question,
        RadioField(
            _LABELS[_question],
            [InputRequired()],
            choices=use_choices(),
            description=_HINTS[_question],
            default=QuestionUse.OFF.value,
        ),
    )


def form_entries(settings: QuestionSettings) -> dict[str, object]:
    return {
        **{question: use.value for question, use in settings.questions.items()},
        "privacy_notice_version": settings.privacy_notice_version,
        "passport_retention_days": settings.passport_retention_days,
    }


@bp.route("/questions", methods=["GET", "POST"])
def questions():
    event = event_or_404()
    form = QuestionsForm(data=form_entries(QuestionSettings.of(event)))
    if form.validate_on_submit():
        try:
            changed = questions_service.save_settings(event, form.settings(), actor=staff_actor())
        except SettingsRefused as refusal:
            form[refusal.field].errors.append(refusal.message)
        else:
            flash(_("The registration questions have been saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("admin.questions"))
    return render_template(
        "admin/questions.html",
        event=event,
        form=form,
        question_names=QUESTIONS,
        consents=questions_service.consent_counts(event),
    ), (422 if form.errors else 200)
