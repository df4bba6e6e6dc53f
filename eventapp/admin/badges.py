"""Badges for organisers: one delegate's badge, and print-shop batches made in the background."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..i18n import localized
from ..models import PrintJob, PrintJobStatus, utcnow
from ..public.forms import ConfirmForm
from ..public.routes import event_or_404
from ..services.pdf import FontMissing
from ..services.transactions import write_transaction
from ..tasks import enqueue, run_print_job
from . import bp
from .delegates import delegate_or_404
from .forms import BadgeBatchForm

# A queued job that no worker has started after this long probably has no worker.
STALLED_AFTER_SECONDS = 15


def pdf_response(content: bytes, filename: str, inline: bool = False):
    from flask import Response

    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/delegates/<int:delegate_id>/badge.pdf")
def delegate_badge(delegate_id: int):
    from ..services import printing

    delegate = delegate_or_404(delegate_id)
    try:
        content = printing.badge_pdf(delegate)
    except FontMissing as missing:
        flash(str(missing), "error")
        return redirect(url_for("admin.delegate_page", delegate_id=delegate_id))
    return pdf_response(content, f"badge-{delegate.id}.pdf", inline=True)


def batch_form(event) -> BadgeBatchForm:
    return BadgeBatchForm(session_choices=[(s.slug, localized(s.title)) for s in event.sessions])


@bp.route("/badges", methods=["GET", "POST"])
def badges():
    from ..services import printing

    event = event_or_404()
    form = batch_form(event)
    if form.validate_on_submit():
        filters = form.filters()
        count = len(printing.select_badge_delegates(event, **_selection(filters)))
        if count == 0:
            form.session.errors.append(_("No delegate with a confirmed seat matches these choices."))
        else:
            with write_transaction():
                job = PrintJob(sheet=form.sheet.data, filters=filters, total=count, created_by_id=current_user.id)
                db.session.add(job)
            job_id = job.id
            enqueue(run_print_job, job_id)
            return redirect(url_for("admin.print_job", job_id=job_id))
    jobs = db.session.execute(select(PrintJob).order_by(PrintJob.id.desc()).limit(10)).scalars().all()
    return render_template("admin/badges.html", event=event, form=form, jobs=jobs), (422 if form.errors else 200)


def _selection(filters: dict) -> dict:
    """A job's stored filters as arguments of printing.select_badge_delegates."""
    return {
        "session_slug": filters.get("session"),
        "organisation_type": filters.get("organisation_type"),
        "registered_from": date.fromisoformat(filters["registered_from"]) if filters.get("registered_from") else None,
        "registered_until": date.fromisoformat(filters["registered_until"]) if filters.get("registered_until") else None,
    }


def job_or_404(job_id: int) -> PrintJob:
    job = db.get_or_404(PrintJob, job_id)
    return job


def job_state(job: PrintJob) -> dict:
    waited = (utcnow() - job.created_at).total_seconds()
    return {
        "id": job.id,
        "status": job.status.value,
        "total": job.total,
        "done": job.done,
        "error": job.error,
        "stalled": job.status == PrintJobStatus.QUEUED and waited > STALLED_AFTER_SECONDS,
        "download_url": url_for("admin.print_job_pdf", job_id=job.id) if job.status == PrintJobStatus.DONE else None,
    }


@bp.get("/badges/jobs/<int:job_id>")
def print_job(job_id: int):
    job = job_or_404(job_id)
    return render_template(
        "admin/print_job.html", event=event_or_404(), job=job, state=job_state(job), confirm_form=ConfirmForm()
    )


@bp.get("/badges/jobs/<int:job_id>.json")
def print_job_json(job_id: int):
    return jsonify(job_state(job_or_404(job_id)))


@bp.post("/badges/jobs/<int:job_id>/run")
def print_job_run_now(job_id: int):
    """Render a job in this request, for when no background worker is running."""
    from ..services import printing

    job = job_or_404(job_id)
    if ConfirmForm().validate_on_submit() and job.status in (PrintJobStatus.QUEUED, PrintJobStatus.FAILED):
        printing.run_print_job(job.id)
    return redirect(url_for("admin.print_job", job_id=job_id))


@bp.get("/badges/jobs/<int:job_id>/badges.pdf")
def print_job_pdf(job_id: int):
    job = job_or_404(job_id)
    if job.status != PrintJobStatus.DONE or job.content is None:
        abort(404)
    return pdf_response(job.content, f"badges-{job.sheet}-{job.id}.pdf")
