"""The visa team's pages: the list of delegates who asked for a letter, one delegate's
passport data and letter, the batch of reviewed letters, and the letterhead and seal."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..auth import staff_actor
from ..guards import takes_files
from ..i18n import lazy_gettext as _l
from ..models import Event, VisaLetterStatus, VisaRequest
from ..services import visa as visa_service
from ..services.pdf import FontMissing
from ..services.visa import IMAGE_KINDS, PassportData, VisaRefused, VisaRequestRow
from ..web import ConfirmForm, document_response, event_or_404
from . import bp
from .forms import EventImageForm, PassportForm

# The pill each status is shown in (the colours of staff.css).
STATUS_PILLS = {
    VisaLetterStatus.REQUESTED: "pill-queued",
    VisaLetterStatus.REVIEWED: "pill-confirmed",
    VisaLetterStatus.SENT: "pill-sent",
}


def status_labels() -> dict[VisaLetterStatus, str]:
    return {
        VisaLetterStatus.REQUESTED: _l("Waiting for review"),
        VisaLetterStatus.REVIEWED: _l("Reviewed"),
        VisaLetterStatus.SENT: _l("Sent"),
    }


def image_texts() -> dict[str, dict[str, str]]:
    """What the images page says of each image (whole sentences: languages inflect the noun)."""
    return {
        "letterhead": {
            "label": _l("Letterhead"),
            "alt": _l("The current letterhead"),
            "saved": _l("Letterhead saved."),
            "removed": _l("Letterhead removed: letters show the forum's name in its place."),
        },
        "seal": {
            "label": _l("Seal"),
            "alt": _l("The current seal"),
            "saved": _l("Seal saved."),
            "removed": _l("Seal removed: letters have no seal."),
        },
    }


def row_or_404(event: Event, delegate_id: int) -> VisaRequestRow:
    row = visa_service.visa_request_row(event, delegate_id)
    if row is None:
        abort(404)
    return row


def request_or_back(row: VisaRequestRow) -> VisaRequest | None:
    """The row's request, or None after flashing that there is no passport data yet."""
    if row.request is None:
        flash(_("Enter the passport data first."), "error")
    return row.request


def back_to(row: VisaRequestRow):
    return redirect(url_for("visa.request_page", delegate_id=row.delegate.id))


@bp.get("/")
def visa_requests():
    event = event_or_404()
    chosen = request.args.get("status", "")
    status = VisaLetterStatus(chosen) if chosen in VisaLetterStatus._value2member_map_ else None
    return render_template(
        "visa/requests.html",
        event=event,
        rows=visa_service.visa_requests(event, status),
        status=status,
        reviewed=len(visa_service.reviewed_requests(event)),
        status_labels=status_labels(),
        status_pills=STATUS_PILLS,
    )


def render_request_page(event: Event, row: VisaRequestRow, form: PassportForm | None = None, code: int = 200):
    delegate = row.delegate
    return render_template(
        "visa/request.html",
        event=event,
        row=row,
        delegate=delegate,
        form=form or PassportForm(obj=row.request),
        confirm_form=ConfirmForm(),
        seats=visa_service.seated_sessions(delegate),
        status_labels=status_labels(),
        status_pills=STATUS_PILLS,
        VisaLetterStatus=VisaLetterStatus,
    ), code


@bp.get("/delegates/<int:delegate_id>")
def request_page(delegate_id: int):
    event = event_or_404()
    return render_request_page(event, row_or_404(event, delegate_id))


@bp.post("/delegates/<int:delegate_id>/passport")
def passport_save(delegate_id: int):
    event = event_or_404()
    row = row_or_404(event, delegate_id)
    form = PassportForm()
    if form.validate_on_submit():
        try:
            visa_service.save_passport_data(row.delegate, PassportData.from_mapping(form.data), staff_actor())
        except VisaRefused as refusal:
            for name, message in refusal.errors.items():
                if name in form:
                    form[name].errors.append(message)
                else:
                    flash(message, "error")
        else:
            flash(_("Passport data saved."), "success")
            return back_to(row)
    return render_request_page(event, row, form, 422)


def act_on_request(delegate_id: int, action, done: Callable[[VisaRequestRow], str]):
    """A button of the request page: `action(request, actor)` (a service function), then
    back to the page with `done(row)` or why it was refused."""
    row = row_or_404(event_or_404(), delegate_id)
    visa_request = request_or_back(row)
    if visa_request is not None and ConfirmForm().validate_on_submit():
        try:
            action(visa_request, staff_actor())
        except VisaRefused as refusal:
            flash(refusal.message, "error")
        else:
            flash(done(row), "success")
    return back_to(row)


@bp.post("/delegates/<int:delegate_id>/review")
def review(delegate_id: int):
    return act_on_request(delegate_id, visa_service.review, lambda row: _("Reviewed: the letter may be sent."))


@bp.post("/delegates/<int:delegate_id>/send")
def send(delegate_id: int):
    return act_on_request(
        delegate_id,
        visa_service.send_letter,
        lambda row: _("The letter is being mailed to %(email)s.", email=row.delegate.email),
    )


@bp.post("/delegates/<int:delegate_id>/sent")
def mark_sent(delegate_id: int):
    return act_on_request(delegate_id, visa_service.mark_sent, lambda row: _("Marked as sent."))


@bp.get("/delegates/<int:delegate_id>/letter.pdf")
def letter_preview(delegate_id: int):
    """The letter as it would be sent (a draft before the review), to open in the browser."""
    row = row_or_404(event_or_404(), delegate_id)
    visa_request = request_or_back(row)
    if visa_request is None:
        return back_to(row)
    try:
        content = visa_service.letter_pdf(visa_request)
    except (VisaRefused, FontMissing) as refusal:
        flash(refusal.message if isinstance(refusal, VisaRefused) else str(refusal), "error")
        return back_to(row)
    return document_response(content, "application/pdf", visa_service.letter_filename(visa_request), private=True)


@bp.get("/letters.pdf")
def letters_batch():
    """Every reviewed letter not sent yet, a page each, to print or pass on."""
    event = event_or_404()
    try:
        content = visa_service.letters_batch_pdf(visa_service.reviewed_requests(event))
    except (VisaRefused, FontMissing) as refusal:
        flash(refusal.message if isinstance(refusal, VisaRefused) else str(refusal), "error")
        return redirect(url_for("visa.visa_requests"))
    filename = f"visa-letters-{event.slug}.pdf"
    return document_response(content, "application/pdf", filename, inline=False, private=True)


# --- letterhead and seal ----------------------------------------------------------------------


def image_forms() -> dict[str, EventImageForm]:
    return {kind: EventImageForm(prefix=kind) for kind in IMAGE_KINDS}


def render_images_page(event: Event, forms: dict[str, EventImageForm], code: int = 200):
    return render_template(
        "visa/images.html",
        event=event,
        forms=forms,
        images=visa_service.event_images(event),
        texts=image_texts(),
        confirm_form=ConfirmForm(),
    ), code


@bp.get("/images")
def images():
    event = event_or_404()
    return render_images_page(event, image_forms())


@bp.post("/images/<any(letterhead, seal):kind>")
@takes_files
def image_upload(kind: str):
    event = event_or_404()
    forms = image_forms()
    form = forms[kind]
    if form.validate_on_submit():
        upload = form.image.data
        content = upload.read() if upload else b""
        try:
            visa_service.save_event_image(event, kind, content, upload.mimetype if upload else "", staff_actor())
        except VisaRefused as refusal:
            form.image.errors.extend(refusal.errors.values())
        else:
            flash(str(image_texts()[kind]["saved"]), "success")
            return redirect(url_for("visa.images"))
    return render_images_page(event, forms, 422)


@bp.post("/images/<any(letterhead, seal):kind>/remove")
def image_remove(kind: str):
    event = event_or_404()
    if ConfirmForm().validate_on_submit() and visa_service.remove_event_image(event, kind, staff_actor()):
        flash(str(image_texts()[kind]["removed"]), "success")
    return redirect(url_for("visa.images"))


@bp.get("/images/<any(letterhead, seal):kind>")
def image_file(kind: str):
    image = visa_service.event_images(event_or_404()).get(kind)
    if image is None:
        abort(404)
    extension = "png" if image.mimetype == "image/png" else "jpg"
    return document_response(image.content, image.mimetype, f"{kind}.{extension}", private=True)
