"""Delegates for organisers: search, filter, sort, page; a delegate's page; new delegates."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth import staff_actor
from ..extensions import db
from ..i18n import current_language, localized
from ..labels import organisation_type_labels, status_sentence
from ..models import CheckIn, Delegate, Registration, RegistrationStatus
from ..public.forms import country_choices
from ..services import audit, private_links, standing
from ..services import checkin as checkin_service
from ..services import mail as mail_service
from ..services import registration as registration_service
from ..services.registration import DelegateDetails, EmailHasDelegate, RegistrationRefused
from ..services.search import SORTS, DelegateQuery, search_delegates
from ..web import ConfirmForm, event_or_404, manage_url, page_number
from . import bp
from .forms import AddRegistrationForm, NewDelegateForm, StaffDelegateForm
from .mail import delegate_mails, mail_rows_context

PER_PAGE = 50


def delegate_or_404(delegate_id: int) -> Delegate:
    delegate = db.get_or_404(Delegate, delegate_id)
    return delegate


def query_from_request() -> DelegateQuery:
    args = request.args
    return DelegateQuery(
        text=args.get("q", "")[:200],
        session_slug=args.get("session", ""),
        status=args.get("status", ""),
        organisation_type=args.get("type", ""),
        country=args.get("country", ""),
        sort=args.get("sort", "name") if args.get("sort", "name") in SORTS else "name",
        page=page_number(),
        per_page=PER_PAGE,
    )


@bp.get("/delegates")
def delegates():
    event = event_or_404()
    query = query_from_request()
    page = search_delegates(event, query)
    # One query for all registrations on the page, not one per delegate.
    ids = [d.id for d in page.delegates]
    registrations: dict[int, list[Registration]] = {i: [] for i in ids}
    if ids:
        for registration in db.session.execute(
            select(Registration)
            .where(Registration.delegate_id.in_(ids), Registration.status != RegistrationStatus.CANCELLED)
            .options(selectinload(Registration.session))
        ).scalars():
            registrations[registration.delegate_id].append(registration)
    return render_template(
        "admin/delegates.html",
        event=event,
        page=page,
        query=query,
        registrations=registrations,
        organisation_types=organisation_type_labels(),
        countries=country_choices(current_language()),
        sorts=sort_labels(),
    )


def sort_labels() -> dict[str, str]:
    return {
        "name": _("Name, A–Z"),
        "-name": _("Name, Z–A"),
        "organisation": _("Organisation"),
        "country": _("Country"),
        "-registered": _("Newest first"),
        "registered": _("Oldest first"),
    }


@bp.route("/delegates/new", methods=["GET", "POST"])
def delegate_new():
    event = event_or_404()
    form = NewDelegateForm(session_choices=[(s.slug, localized(s.title)) for s in event.sessions])
    if form.validate_on_submit():
        try:
            result = registration_service.register(
                event,
                DelegateDetails.from_mapping(form.data),
                form.sessions.data,
                actor=staff_actor(),
                by_staff=True,
            )
        except EmailHasDelegate as refusal:
            form.email.errors.append(
                _(
                    "%(name)s is already registered with this email address: add the sessions on their page.",
                    name=refusal.delegate.display_name,
                )
            )
        except RegistrationRefused as refusal:
            form.sessions.errors.append(refusal.message)
        else:
            flash(_("Registered %(name)s.", name=result.delegate.display_name), "success")
            return redirect(url_for("admin.delegate_page", delegate_id=result.delegate.id))
    return render_template("admin/delegate_new.html", event=event, form=form), (422 if form.errors else 200)


def delegate_page_context(delegate: Delegate, details_form: StaffDelegateForm | None = None) -> dict:
    event = delegate.event
    held = {r.session_id for r in delegate.live_registrations}
    add_form = AddRegistrationForm()
    add_form.session.choices = [(s.slug, localized(s.title)) for s in event.sessions if s.id not in held]
    checkins = (
        db.session.execute(select(CheckIn).where(CheckIn.delegate_id == delegate.id).order_by(CheckIn.checked_in_at))
        .scalars()
        .all()
    )
    return {
        "event": event,
        "delegate": delegate,
        "form": details_form or StaffDelegateForm(obj=delegate),
        "add_form": add_form,
        "confirm_form": ConfirmForm(),
        "rows": standing.registration_rows(delegate),
        "history": audit.delegate_history(delegate),
        "checkins": checkins,
        "organisation_types": organisation_type_labels(),
        "mails": delegate_mails(delegate),
        "link_can_be_mailed": private_links.current_private_link_token(delegate) is not None,
        **mail_rows_context(),
    }


@bp.get("/delegates/<int:delegate_id>")
def delegate_page(delegate_id: int):
    delegate = delegate_or_404(delegate_id)
    return render_template("admin/delegate.html", **delegate_page_context(delegate))


@bp.post("/delegates/<int:delegate_id>")
def delegate_update(delegate_id: int):
    delegate = delegate_or_404(delegate_id)
    form = StaffDelegateForm()
    if form.validate_on_submit():
        try:
            registration_service.update_details(delegate, DelegateDetails.from_mapping(form.data), actor=staff_actor())
        except RegistrationRefused as refusal:
            form.email.errors.append(refusal.message)
        else:
            flash(_("Details saved."), "success")
            return redirect(url_for("admin.delegate_page", delegate_id=delegate_id))
    context = delegate_page_context(delegate, details_form=form)
    return render_template("admin/delegate.html", **context), 422


def registration_of(delegate: Delegate, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.delegate_id != delegate.id:
        abort(404)
    return registration


def back_to(delegate_id: int):
    return redirect(url_for("admin.delegate_page", delegate_id=delegate_id) + "#registrations")


@bp.post("/delegates/<int:delegate_id>/registrations")
def delegate_register(delegate_id: int):
    delegate = delegate_or_404(delegate_id)
    form = AddRegistrationForm()
    form.session.choices = [(s.slug, localized(s.title)) for s in delegate.event.sessions]
    if form.validate_on_submit():
        try:
            (added,) = registration_service.add_sessions(
                delegate, [form.session.data], actor=staff_actor(), by_staff=True
            )
        except RegistrationRefused as refusal:
            flash(refusal.message, "error")
        else:
            flash(status_sentence(added), "success")
    return back_to(delegate_id)


@bp.post("/delegates/<int:delegate_id>/registrations/<int:registration_id>/cancel")
def delegate_cancel(delegate_id: int, registration_id: int):
    delegate = delegate_or_404(delegate_id)
    registration = registration_of(delegate, registration_id)
    if ConfirmForm().validate_on_submit():
        promoted = registration_service.cancel_registration(registration, actor=staff_actor())
        flash(_("Registration cancelled."), "success")
        for other in promoted:
            flash(_("%(name)s was promoted from the waiting list.", name=other.delegate.display_name), "success")
    return back_to(delegate_id)


@bp.post("/delegates/<int:delegate_id>/registrations/<int:registration_id>/promote")
def delegate_promote(delegate_id: int, registration_id: int):
    delegate = delegate_or_404(delegate_id)
    registration = registration_of(delegate, registration_id)
    if ConfirmForm().validate_on_submit():
        try:
            registration_service.promote(registration, actor=staff_actor())
        except RegistrationRefused as refusal:
            flash(refusal.message, "error")
        else:
            flash(_("Promoted from the waiting list: the seat is confirmed."), "success")
    return back_to(delegate_id)


@bp.post("/delegates/<int:delegate_id>/private-link")
def delegate_private_link(delegate_id: int):
    delegate = delegate_or_404(delegate_id)
    if not ConfirmForm().validate_on_submit():
        return back_to(delegate_id)
    token = registration_service.renew_private_link(delegate, actor=staff_actor())
    context = delegate_page_context(delegate)
    return render_template("admin/delegate.html", new_private_link=manage_url(token), **context)


@bp.post("/delegates/<int:delegate_id>/private-link/mail")
def delegate_private_link_mail(delegate_id: int):
    delegate = delegate_or_404(delegate_id)
    if ConfirmForm().validate_on_submit():
        if private_links.current_private_link_token(delegate) is None:
            flash(
                _(
                    "This delegate's link was made before links could be mailed. "
                    "Make a new private link: it is mailed to the delegate."
                ),
                "error",
            )
        else:
            mail_service.send_private_link(delegate, actor=staff_actor())
            flash(_("The private link will be mailed to %(email)s.", email=delegate.email), "success")
    return redirect(url_for("admin.delegate_page", delegate_id=delegate_id) + "#mails")


@bp.post("/checkins/<int:checkin_id>/undo")
def checkin_undo(checkin_id: int):
    from flask_login import current_user

    checkin = db.get_or_404(CheckIn, checkin_id)
    if ConfirmForm().validate_on_submit():
        checkin_service.undo_checkin(checkin, current_user._get_current_object())
        flash(_("Check-in undone."), "success")
    return redirect(url_for("admin.delegate_page", delegate_id=checkin.delegate_id) + "#checkins")
