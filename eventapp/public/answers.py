"""The delegate's answers to the event's questions on their private pages: shown with their
details (services.questions.delegate_answers), and the passport data of a visa letter,
changed on a page of its own through services.visa, which sends a letter already checked
back for review."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..models import QuestionUse
from ..services import questions, visa
from ..services.audit import Actor
from . import bp
from .forms import PassportDataForm
from .routes import delegate_or_404


def masked_passport_number(number: str) -> str:
    """All but the last three characters hidden: the delegate recognises their passport; a
    screen looked over or a page passed on shows no usable number."""
    return "•" * max(len(number) - 3, 0) + number[-3:]


bp.add_app_template_filter(masked_passport_number, "masked_passport_number")
bp.add_app_template_global(questions.delegate_answers, "delegate_answers")


@bp.app_template_global()
def asks_question(event, question: str) -> bool:
    return questions.question_use(event, question) != QuestionUse.OFF


@bp.route("/r/<token>/passport", methods=["GET", "POST"])
def passport_data(token: str):
    delegate = delegate_or_404(token)
    event = delegate.event
    if not asks_question(event, "visa_letter"):
        abort(404)
    kept = delegate.visa_request
    if kept is not None and kept.erased_at is not None:
        flash(_("The passport data of this forum has been erased: no new data is taken."), "error")
        return redirect(url_for("public.manage", token=token))
    entries = None
    if kept is not None and request.method == "GET":  # all but the number, which is not shown again
        entries = {
            "passport": {name: getattr(kept, name) for name in visa.PASSPORT_FIELDS if name != "passport_number"}
        }
    form = PassportDataForm(event=event, kept_number=kept.passport_number if kept else "", data=entries)
    if form.validate_on_submit():
        data = visa.PassportData.from_mapping(form.passport_entries())
        try:
            visa.save_passport_data(delegate, data, Actor.delegate(delegate.id))
        except visa.VisaRefused as refusal:
            for name, message in refusal.errors.items():
                if name in form.passport.form:
                    form.passport.form[name].errors.append(message)
                else:
                    flash(message, "error")
        else:
            flash(_("Your passport data has been saved. The visa team checks it before the letter is sent."), "success")
            return redirect(url_for("public.manage", token=token))
    return render_template("public/passport.html", event=event, delegate=delegate, form=form, token=token), (
        422 if form.errors else 200
    )
