"""Rate limits (Flask-Limiter; Redis when REDIS_URL is set, memory otherwise), one place for
each kind, so that the HTML form and the JSON API of one action share one budget."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _

from .extensions import limiter


def _config(name: str):
    return lambda: current_app.config[name]


def failed_sign_in(response) -> bool:
    return response.status_code == 401


def signing_in_account() -> str:
    """The account a sign-in is for (known or not, so a lockout tells nobody which exist)."""
    return "account:" + request.form.get("email", "").strip().lower()[:254]


# Registering: the form and the API together, per client address.
registration = limiter.shared_limit(
    _config("REGISTRATION_RATE_LIMIT"), scope="registration", methods=["POST"],
    error_message=lambda: _("Too many registrations from your network. Please wait a few minutes and try again."),
)
lost_link = limiter.limit(
    _config("LOST_LINK_RATE_LIMIT"), methods=["POST"],
    error_message=lambda: _("Too many requests for private links from your network. Please wait a few minutes and try again."),
)
# Only failures count: an organiser who signs in many times a day is never slowed down.
sign_in_by_address = limiter.limit(
    _config("LOGIN_RATE_LIMIT"), methods=["POST"], deduct_when=failed_sign_in,
    error_message=lambda: _("Too many failed sign-ins from your network. Please wait a few minutes and try again."),
)
sign_in_by_account = limiter.limit(
    _config("LOGIN_ACCOUNT_LOCKOUT"), methods=["POST"], deduct_when=failed_sign_in, key_func=signing_in_account,
    error_message=lambda: _("Too many failed sign-ins for this account: it is locked for a while. Please try again later, or ask an administrator."),
)
