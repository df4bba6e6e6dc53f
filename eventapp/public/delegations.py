"""Pages for delegations: the contact's group form, the contact page (its people and their
sessions, adding and cancelling people, handing seats over), and handing one's own seat to
a colleague from the private page. The rules are in services.delegations and
services.registration; these views only turn forms into their calls and answers into pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import limits
from ..extensions import db
from ..i18n import localized, use_preferred_language
from ..models import ENDED_STATUSES, Delegate, Delegation, Event, Registration, SeatMode
from ..services import delegations as delegations_service
from ..services import registration as registration_service
from ..services.audit import Actor
from ..services.delegations import ContactDetails
from ..services.registration import (
    EmailHasDelegate,
    RegistrationRefused,
    RegistrationResult,
    SubstitutionClosed,
    substitution_open,
)
from ..web import ConfirmForm, event_or_404
from . import bp
from .delegation_forms import AddPersonForm, DelegationForm, PersonForm, seat_mode_labels
from .routes import delegate_or_404

bp.add_app_template_global(substitution_open, "substitution_open")


def session_choices(event: Event) -> list[tuple[str, str]]:
    return [(s.slug, localized(s.title)) for s in event.sessions]


def public_sessions(event: Event):
    return [s for s in event.sessions if s.public_registration]


def delegation_or_404(token: str) -> Delegation:
    delegation = delegations_service.find_delegation_by_token(token)
    if delegation is None:
        abort(404)
    use_preferred_language(delegation.contact_language)
    return delegation


def show_refusal(refusal: RegistrationRefused, sessions_field, person_form: Callable[[int], Any]) -> None:
    """A refusal under the field it is about: a person's email, else the sessions."""
    if refusal.person is not None and refusal.field == "email":
        person_form(refusal.person).email.errors.append(refusal.message)
    else:
        sessions_field.errors.append(refusal.message)


# --- the group form ---------------------------------------------------------------------------


@bp.route("/delegation/new", methods=["GET", "POST"])
@limits.registration
def delegation_new():
    """The contact's form: who they are, their organisation, the people (three rows to begin
    with, one more per "Add a person"), the sessions for all of them, and the seat mode."""
    event = event_or_404()
    form = DelegationForm(session_choices=session_choices(event))
    if request.method == "GET":
        language = request.args.get("lang") or session.get("language") or "en"
        form.contact.form.language.data = language
        for row in form.people:
            row.form.language.data = language
        form.sessions.data = request.args.getlist("session")
    elif form.validate_on_submit():
        rows = form.filled_rows()
        shared = {name: form.contact.form[name].data for name in ("organisation", "organisation_type", "country")}
        people = [registration_service.DelegateDetails.from_mapping({**shared, **row.person_data()}) for row in rows]
        try:
            result = delegations_service.register_delegation(
                event,
                ContactDetails.from_mapping(form.contact.form.data),
                people,
                form.sessions.data,
                SeatMode(form.seat_mode.data),
                actor=Actor.on_registration_form(),
            )
        except RegistrationRefused as refusal:
            show_refusal(refusal, form.sessions, lambda index: rows[index])
        else:
            flash(
                _(
                    "Your delegation is registered. Each person gets a mail with their own private link; you get one with the link of this page."
                ),
                "success",
            )
            return redirect(url_for("public.delegation_page", token=result.token))
    return delegation_form_page(event, form, 422 if form.error_links() or form.pinyin_suggested else 200)


@bp.post("/delegation/new/rows")
def delegation_more_rows():
    """ "Add a person": the form again with what was entered and one more row. Nothing is
    saved or checked, so it is not counted against the registrations' rate limit."""
    event = event_or_404()
    form = DelegationForm(session_choices=session_choices(event))
    if len(form.people) < form.people.max_entries:
        form.people.append_entry()
    return delegation_form_page(event, form, 200)


def delegation_form_page(event: Event, form: DelegationForm, status: int):
    return render_template(
        "public/delegation_new.html", event=event, form=form, public_sessions=public_sessions(event)
    ), status


# --- the contact page -------------------------------------------------------------------------


def add_person_form(delegation: Delegation, **kwargs) -> AddPersonForm:
    form = AddPersonForm(session_choices=session_choices(delegation.event), **kwargs)
    if request.method == "GET":
        form.seat_mode.data = delegation.seat_mode.value
        form.language.data = delegation.contact_language
    return form


@bp.get("/g/<token>")
def delegation_page(token: str):
    delegation = delegation_or_404(token)
    return contact_page(delegation, token, add_person_form(delegation), 200)


def contact_page(delegation: Delegation, token: str, add_form: AddPersonForm, status: int):
    return render_template(
        "public/delegation.html",
        event=delegation.event,
        delegation=delegation,
        people=delegations_service.member_rows(delegation),
        add_form=add_form,
        public_sessions=public_sessions(delegation.event),
        seat_modes=seat_mode_labels(),
        token=token,
        contact_link=url_for("public.delegation_page", token=token, _external=True),
    ), status


@bp.post("/g/<token>/people")
def delegation_add_person(token: str):
    delegation = delegation_or_404(token)
    form = add_person_form(delegation)
    like = (delegations_service.members(delegation) or delegation.delegates)[0]
    if form.validate_on_submit():
        try:
            (added,) = delegations_service.add_to_delegation(
                delegation,
                [delegations_service.colleague_of(like, form.person_data())],
                form.sessions.data,
                actor=delegations_service.contact_actor(delegation),
                seat_mode=SeatMode(form.seat_mode.data),
            )
        except RegistrationRefused as refusal:
            show_refusal(refusal, form.sessions, lambda _index: form)
        else:
            flash(
                _(
                    "%(name)s is registered and gets a mail with their own private link.",
                    name=added.delegate.display_name,
                ),
                "success",
            )
            return redirect(url_for("public.delegation_page", token=token, _anchor=f"person-{added.delegate.id}"))
    return contact_page(delegation, token, form, 422)


def member_or_404(delegation: Delegation, delegate_id: int) -> Delegate:
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None or delegate.delegation_id != delegation.id:
        abort(404)
    return delegate


@bp.route("/g/<token>/people/<int:delegate_id>/cancel", methods=["GET", "POST"])
def delegation_cancel_person(token: str, delegate_id: int):
    """Asks first, then cancels every registration of one person of the delegation."""
    delegation = delegation_or_404(token)
    delegate = member_or_404(delegation, delegate_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        delegations_service.cancel_in_delegation(
            delegation, delegate, actor=delegations_service.contact_actor(delegation)
        )
        flash(_("The registration of %(name)s has been cancelled.", name=delegate.display_name), "success")
        return redirect(url_for("public.delegation_page", token=token))
    if request.method == "POST":
        flash(_("The form had expired. Please try again."), "error")
    return render_template(
        "public/delegation_cancel.html",
        event=delegation.event,
        delegation=delegation,
        delegate=delegate,
        form=form,
        token=token,
    )


# --- handing a seat to a colleague ------------------------------------------------------------


def closed_message(registration: Registration, by_staff: bool) -> str | None:
    try:
        registration_service.check_substitution_open(registration.session, by_staff=by_staff)
    except SubstitutionClosed as refusal:
        return refusal.message
    return None


def substitution_page(
    registration: Registration,
    *,
    actor: Actor,
    by_staff: bool,
    back_url: str,
    done: Callable[[RegistrationResult], Response],
    layout: str = "base.html",
):
    """The form with the colleague's details (GET), and the substitution (POST): `done` answers
    a success. The colleague works where the one they replace works (organisation, country)."""
    if registration.status in ENDED_STATUSES:
        abort(404)
    form = PersonForm()
    closed = closed_message(registration, by_staff)  # the page says why, and offers no form
    if closed is None and request.method == "GET":
        form.language.data = registration.delegate.language
    elif closed is None and form.validate_on_submit():
        details = delegations_service.colleague_of(registration.delegate, form.person_data())
        try:
            result = registration_service.substitute(registration, details, actor=actor, by_staff=by_staff)
        except EmailHasDelegate as refusal:
            form.email.errors.append(refusal.message)
        except RegistrationRefused as refusal:
            flash(refusal.message, "error")
            return redirect(back_url)
        else:
            flash(
                _(
                    "%(name)s now holds the place in %(session)s and gets a mail with their own private link and badge.",
                    name=result.delegate.display_name,
                    session=localized(registration.session.title),
                ),
                "success",
            )
            return done(result)
    return render_template(
        "public/substitute.html",
        layout=layout,
        event=registration.session.event,
        registration=registration,
        delegate=registration.delegate,
        form=form,
        back_url=back_url,
        closed=closed,
        open_to_all=substitution_open(registration.session),
    ), (422 if form.errors or form.pinyin_suggested else 200)


@bp.route("/g/<token>/registrations/<int:registration_id>/substitute", methods=["GET", "POST"])
def delegation_substitute(token: str, registration_id: int):
    delegation = delegation_or_404(token)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.delegate.delegation_id != delegation.id:
        abort(404)
    page = url_for("public.delegation_page", token=token)
    return substitution_page(
        registration,
        actor=delegations_service.contact_actor(delegation),
        by_staff=False,
        back_url=page,
        done=lambda result: redirect(f"{page}#person-{result.delegate.id}"),
    )


@bp.route("/r/<token>/registrations/<int:registration_id>/substitute", methods=["GET", "POST"])
def substitute_own(token: str, registration_id: int):
    delegate = delegate_or_404(token)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.delegate_id != delegate.id:
        abort(404)
    page = url_for("public.manage", token=token)
    return substitution_page(
        registration,
        actor=Actor.delegate(delegate.id),
        by_staff=False,
        back_url=page,
        done=lambda _result: redirect(page),
    )
