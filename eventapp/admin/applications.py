"""Applications for sessions by application: the organisers' list, approved or rejected one
by one or many at once (services.registration.decide_applications holds the rules)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import ngettext

from ..auth import staff_actor
from ..models import SessionAccess
from ..services import registration as registration_service
from ..web import event_or_404
from . import bp
from .forms import ApplicationDecisionForm


def decision_messages(outcome: registration_service.Decisions) -> list[tuple[str, str]]:
    """What the organiser is told after deciding, one line per outcome that happened."""
    counts = [
        (
            len(outcome.confirmed),
            "success",
            ngettext(
                "%(num)d application approved: seat confirmed.",
                "%(num)d applications approved: seats confirmed.",
                len(outcome.confirmed),
            ),
        ),
        (
            len(outcome.waitlisted),
            "success",
            ngettext(
                "%(num)d application approved, but the session is full: first on the waiting list.",
                "%(num)d applications approved, but the session is full: first on the waiting list.",
                len(outcome.waitlisted),
            ),
        ),
        (
            len(outcome.rejected),
            "success",
            ngettext("%(num)d application rejected.", "%(num)d applications rejected.", len(outcome.rejected)),
        ),
        (
            len(outcome.left_pending),
            "notice",
            ngettext(
                "%(num)d application not approved: the session is full. It stays open.",
                "%(num)d applications not approved: the session is full. They stay open.",
                len(outcome.left_pending),
            ),
        ),
        (
            len(outcome.not_pending),
            "notice",
            ngettext(
                "%(num)d application had already been decided or withdrawn.",
                "%(num)d applications had already been decided or withdrawn.",
                len(outcome.not_pending),
            ),
        ),
    ]
    return [(message, category) for count, category, message in counts if count]


@bp.route("/applications", methods=["GET", "POST"])
def applications():
    event = event_or_404()
    session_slug = request.args.get("session") or None
    pending = registration_service.pending_applications(event, session_slug)
    form = ApplicationDecisionForm()
    if form.validate_on_submit():
        outcome = registration_service.decide_applications(
            form.applications.data,
            approve=form.decision.data == "approve",
            actor=staff_actor(),
            reason=form.reason.data or "",
            when_full=registration_service.WhenFull(form.when_full.data or "waitlist_head"),
        )
        for message, category in decision_messages(outcome):
            flash(message, category)
        return redirect(url_for("admin.applications", session=session_slug))
    sessions = [s for s in event.sessions if s.access == SessionAccess.APPLICATION]
    return render_template(
        "admin/applications.html",
        event=event,
        form=form,
        pending=pending,
        sessions=sessions,
        session_slug=session_slug,
        fills={fill.session.id: fill for fill in registration_service.session_fill(event)},
    ), (422 if form.errors else 200)
