"""Delegations for organisers: the list of groups with their contact and people, the contact
page's link mailed again, and handing any delegate's seat to a colleague, at any time (after
the substitution deadline too)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..auth import staff_actor
from ..extensions import db
from ..models import Delegation
from ..public.delegation_forms import seat_mode_labels
from ..public.delegations import substitution_page
from ..services import delegations as delegations_service
from ..web import ConfirmForm, event_or_404
from . import bp
from .delegates import delegate_or_404, registration_of


@bp.get("/delegations")
def delegations():
    event = event_or_404()
    listed = delegations_service.delegations_of(event)
    return render_template(
        "admin/delegations.html",
        event=event,
        delegations=[(d, delegations_service.member_rows(d)) for d in listed],
        seat_modes=seat_mode_labels(),
        confirm_form=ConfirmForm(),
    )


@bp.post("/delegations/<int:delegation_id>/mail")
def delegation_mail(delegation_id: int):
    """The contact lost their mail: the contact page's link goes to them again."""
    delegation = db.get_or_404(Delegation, delegation_id)
    if ConfirmForm().validate_on_submit():
        delegations_service.mail_contact_page(delegation, actor=staff_actor())
        flash(_("The link of the contact page will be mailed to %(email)s.", email=delegation.contact_email), "success")
    return redirect(url_for("admin.delegations", _anchor=f"delegation-{delegation_id}"))


@bp.route("/delegates/<int:delegate_id>/registrations/<int:registration_id>/substitute", methods=["GET", "POST"])
def delegate_substitute(delegate_id: int, registration_id: int):
    delegate = delegate_or_404(delegate_id)
    registration = registration_of(delegate, registration_id)
    return substitution_page(
        registration,
        actor=staff_actor(),
        by_staff=True,
        back_url=url_for("admin.delegate_page", delegate_id=delegate_id, _anchor="registrations"),
        done=lambda result: redirect(url_for("admin.delegate_page", delegate_id=result.delegate.id)),
        layout="staff_base.html",
    )
