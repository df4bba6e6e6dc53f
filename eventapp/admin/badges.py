"""Badges for organisers: one delegate's badge, and print-shop batches made in the background."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..i18n import localized
from ..labels import organisation_type_label
from ..models import OrganisationType, PrintJob, PrintJobStatus, utcnow
from ..services import printing
from ..services.pdf import FontMissing
from ..tasks import enqueue, run_print_job
from ..web import ConfirmForm, document_response, event_or_404
from . import bp
from .delegates import delegate_or_404
from .forms import BadgeBatchForm

# A queued job that no worker has started after this long probably has no worker.
STALLED_AFTER_SECONDS = 15


@bp.get("/delegates/<int:delegate_id>/badge.pdf")
def delegate_badge(delegate_id: int):
    delegate = delegate_or_404(delegate_id)
    try:
        content = printing.badge_pdf(delegate)
    except FontMissing as missing:
        flash(str(missing), "error")
        return redirect(url_for("admin.delegate_page", delegate_id=delegate_id))
    return document_response(content, "application/pdf", f"badge-{delegate.id}.pdf", private=True)


def batch_form(event) -> BadgeBatchForm:
    return BadgeBatchForm(session_choices=[(s.slug, localized(s.title)) for s in event.sessions])


@bp.route("/badges", methods=["GET", "POST"])
def badges():
    event = event_or_404()
    form = batch_form(event)
    if form.validate_on_submit():
        try:
            job = printing.create_print_job(event, form.sheet.data, form.filters(), current_user.id)
        except printing.NothingToPrint as nothing:
            form.session.errors.append(nothing.message)
        else:
            enqueue(run_print_job, job.id)
            return redirect(url_for("admin.print_job", job_id=job.id))
    jobs = db.session.execute(select(PrintJob).order_by(PrintJob.id.desc()).limit(10)).scalars().all()
    page = render_template(
        "admin/badges.html",
        event=event,
        form=form,
        jobs=[(job, job_state(job)) for job in jobs],
        sheet_names=sheet_names(),
    )
    return page, (422 if form.errors else 200)


def job_or_404(job_id: int) -> PrintJob:
    job = db.get_or_404(PrintJob, job_id)
    return job


def sheet_names() -> dict[str, str]:
    """Short names of the papers, for lists of batches (the form says more)."""
    return {
        "a6": _("A6, one a page"),
        "print-shop": _("A6 for a print shop (PDF/X-4)"),
        "a4-4up": _("4 on A4"),
    }


def batch_contents(job: PrintJob, event) -> list[tuple[str, str]]:
    """What a batch holds, as (label, value) lines: which delegates, how many, what paper."""
    filters = job.filters or {}
    session = next((s for s in event.sessions if s.slug == filters.get("session")), None)
    kind = filters.get("organisation_type")
    lines = [
        (_("Session"), localized(session.title) if session else _("All sessions")),
        (_("Type of organisation"), organisation_type_label(OrganisationType(kind)) if kind else _("All types")),
    ]
    for key, label in (("registered_from", _("Registered from")), ("registered_until", _("Registered until"))):
        if filters.get(key):
            lines.append((label, format_date(date.fromisoformat(filters[key]), "long")))
    lines += [
        (_("Badges"), str(job.total)),
        (_("Paper"), sheet_names().get(job.sheet, job.sheet)),
    ]
    return lines


def job_status_text(job: PrintJob, interrupted: bool) -> str:
    """The sentence the page says (and screen readers read out) about where a batch is."""
    if job.status == PrintJobStatus.DONE:
        return _("The badges are ready.")
    if job.status == PrintJobStatus.FAILED:
        return _("The batch failed: %(error)s", error=job.error)
    if interrupted:
        return _(
            "The worker making this batch stopped (a restart or a crash). The badges made so far are kept: "
            "making it again goes on from there."
        )
    if job.status == PrintJobStatus.RUNNING:
        if job.total and job.done >= job.total:
            return _("All badges are made; they are being put into one file…")
        return _("The badges are being made…")
    return _("Waiting for the background worker…")


def job_state(job: PrintJob) -> dict:
    now = utcnow()
    waited = (now - job.created_at).total_seconds()
    done = job.total if job.status == PrintJobStatus.DONE else min(job.done, job.total)
    interrupted = printing.is_interrupted(job, now)
    stalled = job.status == PrintJobStatus.QUEUED and waited > STALLED_AFTER_SECONDS
    return {
        "id": job.id,
        "status": job.status.value,
        "sheet": job.sheet,
        "total": job.total,
        "done": done,
        "percent": round(100 * done / job.total) if job.total else 0,
        "progress_text": ngettext("%(done)d of %(num)d badge", "%(done)d of %(num)d badges", job.total, done=done),
        "status_text": job_status_text(job, interrupted),
        "status_label": job_status_label(job, interrupted),
        "error": job.error,
        "stalled": stalled,
        "interrupted": interrupted,
        "offer_run_now": stalled or interrupted or job.status == PrintJobStatus.FAILED,
        "download_url": url_for("admin.print_job_pdf", job_id=job.id) if job.status == PrintJobStatus.DONE else None,
    }


def job_status_label(job: PrintJob, interrupted: bool) -> str:
    """A word for the list of batches."""
    if interrupted:
        return _("Interrupted")
    return {
        PrintJobStatus.QUEUED: _("Waiting"),
        PrintJobStatus.RUNNING: _("Being made"),
        PrintJobStatus.DONE: _("Ready"),
        PrintJobStatus.FAILED: _("Failed"),
    }[job.status]


@bp.get("/badges/jobs/<int:job_id>")
def print_job(job_id: int):
    job = job_or_404(job_id)
    event = event_or_404()
    return render_template(
        "admin/print_job.html",
        event=event,
        job=job,
        state=job_state(job),
        contents=batch_contents(job, event),
        confirm_form=ConfirmForm(),
    )


@bp.get("/badges/jobs/<int:job_id>.json")
def print_job_json(job_id: int):
    return jsonify(job_state(job_or_404(job_id)))


@bp.post("/badges/jobs/<int:job_id>/run")
def print_job_run_now(job_id: int):
    """Render a job in this request, for when no background worker is running."""
    job = job_or_404(job_id)
    if ConfirmForm().validate_on_submit() and printing.can_run_again(job):
        printing.run_print_job(job.id)
    return redirect(url_for("admin.print_job", job_id=job_id))


@bp.get("/badges/jobs/<int:job_id>/badges.pdf")
def print_job_pdf(job_id: int):
    job = job_or_404(job_id)
    if job.status != PrintJobStatus.DONE or not job.content_size:
        abort(404)
    return document_response(
        printing.job_file_chunks(job.id, job.content_size),
        "application/pdf",
        f"badges-{job.sheet}-{job.id}.pdf",
        inline=False,
        private=True,
        size=job.content_size,
    )
