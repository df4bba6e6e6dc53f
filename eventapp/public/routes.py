"""Pages for delegates: the programme, registration, and the private manage link."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded

from .. import limits, tasks
from ..errors import render_error
from ..extensions import db
from ..i18n import localized, use_preferred_language
from ..labels import exhibitor_theme_labels, status_sentence
from ..models import Invitation, Registration, RegistrationStatus
from ..services import invitations, private_links, standing
from ..services import registration as registration_service
from ..services.audit import Actor
from ..services.registration import DelegateDetails, EmailHasDelegate, RegistrationRefused
from ..web import ConfirmForm, event_or_404, manage_url, safe_next
from . import bp
from .forms import (
    AddSessionForm,
    DelegateDetailsForm,
    LostLinkForm,
    RegistrationForm,
    organisation_type_labels,
)


def delegate_or_404(token: str):
    delegate = private_links.find_delegate_by_token(token)
    if delegate is None:
        abort(404)
    use_preferred_language(delegate.language)
    return delegate


def registration_form(event, **kwargs) -> RegistrationForm:
    return RegistrationForm(session_choices=[(s.slug, localized(s.title)) for s in event.sessions], **kwargs)


@bp.after_request
def keep_private_links_private(response):
    # The private link's token is in the path: never leak it in a Referer or a shared cache.
    if request.view_args and "token" in request.view_args:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def programme():
    event = event_or_404()
    fills = registration_service.session_fill(event)
    return render_template("public/programme.html", event=event, fills=fills, theme_labels=exhibitor_theme_labels())


@bp.get("/sessions/<slug>")
def session_page(slug: str):
    event = event_or_404()
    fill = next((f for f in registration_service.session_fill(event) if f.session.slug == slug), None)
    if fill is None:
        abort(404)
    return render_template("public/session.html", event=event, fill=fill, theme_labels=exhibitor_theme_labels())


@bp.route("/register", methods=["GET", "POST"])
@limits.registration
def register():
    event = event_or_404()
    form = registration_form(event)
    if request.method == "GET":
        preselected = request.args.getlist("session")
        if preselected:
            form.sessions.data = preselected
        form.language.data = request.args.get("lang") or session.get("language") or form.language.data
    return submitted_registration(event, form) or registration_page(event, form, 422 if form.errors else 200)


def submitted_registration(event, form: RegistrationForm, invitation: Invitation | None = None, **page):
    """A sent registration form: the confirmation page's redirect, the form again with the
    refusal, or None when nothing was sent (or the form has errors to show)."""
    if not form.validate_on_submit():
        return None
    details = DelegateDetails.from_mapping(form.data)
    try:
        result = registration_service.register(
            event, details, form.sessions.data, actor=Actor.on_registration_form(), invitation=invitation
        )
    except EmailHasDelegate as refusal:  # one person, one link: mail it, do not make another
        tasks.mail_private_links_soon(event.id, details.email)
        form.email.errors.append(refusal.message)
        return registration_page(event, form, 422, already_registered=True, invitation=invitation, **page)
    except RegistrationRefused as refusal:
        form.sessions.errors.append(refusal.message)
        return None
    return redirect(url_for("public.confirmation", token=result.manage_token))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limits.registration
def invitation(token: str):
    """An invitee's personal link: the registration form filled in with what the organisers
    know, where the sessions of the invitation take them (even by invitation only)."""
    found = invitations.find_invitation_by_token(token)
    if found is None:
        abort(404)
    event = found.event
    use_preferred_language(found.language)
    if found.answered:
        return render_template("public/invitation_answered.html", event=event, invitation=found)
    form = registration_form(event, data=invitations.form_entries(found) if request.method == "GET" else None)
    page: dict[str, Any] = dict(invited_to=frozenset(s.id for s in found.sessions), decline_form=ConfirmForm())
    return submitted_registration(event, form, found, **page) or registration_page(
        event, form, 422 if form.errors else 200, invitation=found, **page
    )


@bp.post("/invitation/<token>/decline")
def decline_invitation(token: str):
    found = invitations.find_invitation_by_token(token)
    if found is None:
        abort(404)
    use_preferred_language(found.language)
    if ConfirmForm().validate_on_submit():
        invitations.decline(found, Actor.invitee(found.id))
    return redirect(url_for("public.invitation", token=token))


def registration_page(
    event,
    form: RegistrationForm,
    status: int,
    already_registered: bool = False,
    invited_to: frozenset[int] = frozenset(),
    **context,
):
    """The registration form: the sessions offered publicly, and those an invitation opens."""
    public_sessions = [s for s in event.sessions if s.public_registration or s.id in invited_to]
    return render_template(
        "public/register.html",
        event=event,
        form=form,
        public_sessions=public_sessions,
        already_registered=already_registered,
        invited_to=invited_to,
        **context,
    ), status


@bp.errorhandler(RateLimitExceeded)
def too_many_requests(error: RateLimitExceeded):
    """The registration form again with the entries and the reason; other pages: the error page."""
    if request.endpoint != "public.register":
        return render_error(429, error.description)
    event = event_or_404()
    form = registration_form(event)
    form.validate()
    form.sessions.errors = [*form.sessions.errors, error.description]
    return registration_page(event, form, 429)


@bp.get("/r/<token>/confirmation")
def confirmation(token: str):
    delegate = delegate_or_404(token)
    return render_template(
        "public/confirmation.html",
        event=delegate.event,
        delegate=delegate,
        rows=[row for row in standing.registration_rows(delegate) if row[0].status != RegistrationStatus.CANCELLED],
        private_link=manage_url(token),
        token=token,
    )


@bp.get("/r/<token>")
def manage(token: str):
    delegate = delegate_or_404(token)
    event = delegate.event
    held = {r.session_id for r in delegate.live_registrations}
    add_form = AddSessionForm()
    add_form.session.choices = [
        (s.slug, localized(s.title)) for s in event.sessions if s.public_registration and s.id not in held
    ]
    return render_template(
        "public/manage.html",
        event=event,
        delegate=delegate,
        rows=standing.registration_rows(delegate),
        add_form=add_form,
        token=token,
        private_link=manage_url(token),
        organisation_types=organisation_type_labels(),
    )


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
def edit_details(token: str):
    delegate = delegate_or_404(token)
    event = delegate.event
    form = DelegateDetailsForm(obj=delegate if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            registration_service.update_details(
                delegate, DelegateDetails.from_mapping(form.data), actor=Actor.delegate(delegate.id)
            )
        except RegistrationRefused as refusal:
            form.email.errors.append(refusal.message)
        else:
            flash(_("Your details have been saved."), "success")
            return redirect(url_for("public.manage", token=token))
    return render_template("public/edit.html", event=event, delegate=delegate, form=form, token=token), (
        422 if form.errors else 200
    )


@bp.post("/r/<token>/sessions")
def add_session(token: str):
    delegate = delegate_or_404(token)
    form = AddSessionForm()
    event = delegate.event
    form.session.choices = [(s.slug, localized(s.title)) for s in event.sessions]
    if not form.validate_on_submit():
        flash(_("Please choose a session and try again."), "error")
        return redirect(url_for("public.manage", token=token))
    try:
        (added,) = registration_service.add_sessions(delegate, [form.session.data], actor=Actor.delegate(delegate.id))
    except RegistrationRefused as refusal:
        flash(refusal.message, "error")
    else:
        flash(status_sentence(added), "success")
    return redirect(url_for("public.manage", token=token))


@bp.route("/r/<token>/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
def cancel_one(token: str, registration_id: int):
    """Asks first (a scarce seat is gone with one click otherwise), then cancels one session."""
    delegate = delegate_or_404(token)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.delegate_id != delegate.id:
        abort(404)
    if registration.status == RegistrationStatus.CANCELLED:
        return redirect(url_for("public.manage", token=token))
    form = ConfirmForm()
    if request.method == "GET":
        return cancel_page(delegate, token, form, [registration], all_sessions=False)
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(url_for("public.manage", token=token))
    registration_service.cancel_registration(registration, actor=Actor.delegate(delegate.id))
    flash(
        _("Your registration for %(session)s has been cancelled.", session=localized(registration.session.title)),
        "success",
    )
    return redirect(url_for("public.manage", token=token))


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
def cancel_all(token: str):
    delegate = delegate_or_404(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        registration_service.cancel_delegate(delegate, actor=Actor.delegate(delegate.id))
        flash(_("All your registrations have been cancelled."), "success")
        return redirect(url_for("public.manage", token=token))
    return cancel_page(delegate, token, form, delegate.live_registrations, all_sessions=True)


def cancel_page(delegate, token: str, form: ConfirmForm, registrations, *, all_sessions: bool):
    """The question before a cancellation: which seats, and what happens to them."""
    return render_template(
        "public/cancel.html",
        event=delegate.event,
        delegate=delegate,
        form=form,
        token=token,
        registrations=registrations,
        all_sessions=all_sessions,
        action=request.path,
    )


@bp.route("/r/lost", methods=["GET", "POST"])
@limits.lost_link
def lost_link():
    """Mail the private link again to the address given. The answer is the same whether the
    address is registered or not, so the page tells no one who is."""
    event = event_or_404()
    form = LostLinkForm()
    if form.validate_on_submit():
        tasks.mail_private_links_soon(event.id, form.email.data)
        return render_template("public/lost_link.html", event=event, form=form, sent=True)
    return render_template("public/lost_link.html", event=event, form=form, sent=False), (422 if form.errors else 200)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every site, whatever the page links to."""
    return current_app.send_static_file("img/favicon.ico")


@bp.get("/language/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["language"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("public.programme"))
