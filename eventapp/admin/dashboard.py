"""The dashboard: fill levels, waiting lists, check-ins and registrations per day, live."""

from __future__ import annotations

from flask import jsonify, render_template

from ..i18n import localized
from ..models import MailStatus
from ..services.mail import outbox_counts
from ..services.registration import session_fill
from ..services.reports import dashboard_figures
from ..web import event_or_404
from . import bp


@bp.get("/")
def dashboard():
    event = event_or_404()
    return render_template(
        "admin/dashboard.html",
        event=event,
        figures=dashboard_figures(event),
        failed_mails=outbox_counts()[MailStatus.FAILED],
        pending_applications=sum(fill.pending for fill in session_fill(event)),
    )


@bp.get("/dashboard.json")
def dashboard_json():
    event = event_or_404()
    figures = dashboard_figures(event)
    return jsonify(
        sessions=[
            {
                "slug": row["session"].slug,
                "title": localized(row["session"].title),
                "capacity": row["session"].capacity,
                "confirmed": row["confirmed"],
                "waitlisted": row["waitlisted"],
                "checked_in": row["checked_in"],
            }
            for row in figures["sessions"]
        ],
        entrance_checked_in=figures["entrance_checked_in"],
        delegates=figures["delegates"],
        per_day=[{"day": day.isoformat(), "count": count} for day, count in figures["per_day"]],
    )
