from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from .. import limits
from ..i18n import lazy_gettext as _l
from ..models import StaffRole
from ..services import staff as staff_service
from ..web import safe_next
from . import SESSION_KEY, bp


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), [InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), [InputRequired(), Length(max=200)])


def home_for(user) -> str:
    if user.can(StaffRole.ORGANISER):
        return url_for("admin.dashboard")
    return url_for("visa.visa_requests") if user.can(StaffRole.VISA) else url_for("door.choose_door")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            limits.take_sign_in_attempt(form.email.data)
        except limits.SignInRefused as refusal:  # the form again, with the entries and why
            form.password.errors.append(refusal.message)
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(refusal.retry_after)}
        user = staff_service.authenticate(form.email.data, form.password.data)
        if user is not None:
            limits.give_back_sign_in_attempt(form.email.data)
            session[SESSION_KEY] = staff_service.start_session(user)
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or home_for(user))
        # The same words whether the email is unknown or the password wrong.
        form.password.errors.append(_("Email or password is not right."))
    return render_template("auth/login.html", form=form), (401 if form.errors else 200)


@bp.post("/logout")
def logout():
    if FlaskForm().validate_on_submit():
        staff_service.end_session(session.pop(SESSION_KEY, None))
        logout_user()
        flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))
