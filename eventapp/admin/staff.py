"""Staff accounts and the audit log: admins only."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from .. import limits
from ..auth import role_required, staff_actor
from ..extensions import db
from ..models import AuditEntry, StaffRole, StaffUser
from ..services import staff as staff_service
from ..web import event_or_404, page_number
from . import bp
from .forms import StaffAccountChangeForm, StaffAccountForm

AUDIT_PER_PAGE = 100


def staff_page(form: StaffAccountForm):
    users = db.session.execute(select(StaffUser).order_by(StaffUser.role, StaffUser.email)).scalars().all()
    change_forms = {
        user.id: StaffAccountChangeForm(prefix=f"user{user.id}", data={"role": user.role.value, "active": user.active})
        for user in users
    }
    return render_template("admin/staff.html", users=users, form=form, change_forms=change_forms)


@bp.route("/staff", methods=["GET", "POST"])
@role_required(StaffRole.ADMIN)
def staff():
    form = StaffAccountForm()
    if form.validate_on_submit():
        try:
            user = staff_service.create_user(
                form.email.data,
                StaffRole(form.role.data),
                form.password.data,
                name=form.name.data or "",
                actor=staff_actor(),
            )
        except staff_service.StaffError as error:
            form.email.errors.append(str(error))
        else:
            flash(_("Account created for %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.staff"))
    return staff_page(form), (422 if form.errors else 200)


@bp.post("/staff/<int:user_id>")
@role_required(StaffRole.ADMIN)
def staff_change(user_id: int):
    user = db.get_or_404(StaffUser, user_id)
    form = StaffAccountChangeForm(prefix=f"user{user.id}")
    if form.validate_on_submit():
        try:
            staff_service.change_account(
                user, StaffRole(form.role.data), form.active.data, by=current_user, actor=staff_actor()
            )
        except staff_service.StaffError as refusal:
            flash(str(refusal), "error")
            return redirect(url_for("admin.staff"))
        limits.clear_account_lockout(user.email)  # saving an account also unlocks its sign-in
        flash(_("Account %(email)s saved.", email=user.email), "success")
    return redirect(url_for("admin.staff"))


@bp.get("/audit")
@role_required(StaffRole.ADMIN)
def audit_log():
    event = event_or_404()
    page = page_number()
    actor = request.args.get("actor", "")[:200]
    statement = select(AuditEntry)
    if actor:
        statement = statement.where(AuditEntry.actor.contains(actor, autoescape=True))
    total = db.session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    entries = (
        db.session.execute(
            statement.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(AUDIT_PER_PAGE)
            .offset((page - 1) * AUDIT_PER_PAGE)
        )
        .scalars()
        .all()
    )
    pages = max(1, -(-total // AUDIT_PER_PAGE))
    return render_template(
        "admin/audit.html",
        event=event,
        entries=entries,
        page=page,
        pages=pages,
        total=total,
        actor=actor,
    )
