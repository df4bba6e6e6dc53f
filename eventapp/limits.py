"""Rate limits (Flask-Limiter; Redis when REDIS_URL is set, memory otherwise), one place for
each kind, so that the HTML form and the JSON API of one action share one budget."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import current_app, request
from flask_babel import gettext as _
from limits import RateLimitItem, parse_many

from .extensions import limiter


def _config(name: str):
    return lambda: current_app.config[name]


log = logging.getLogger(__name__)


# Registering: the form and the API together, per client address.
registration = limiter.shared_limit(
    _config("REGISTRATION_RATE_LIMIT"),
    scope="registration",
    methods=["POST"],
    error_message=lambda: _("Too many registrations from your network. Please wait a few minutes and try again."),
)
lost_link = limiter.limit(
    _config("LOST_LINK_RATE_LIMIT"),
    methods=["POST"],
    error_message=lambda: _(
        "Too many requests for private links from your network. Please wait a few minutes and try again."
    ),
)


class SignInRefused(Exception):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message, self.retry_after = message, retry_after


def _sign_in_budgets(email: str) -> list[tuple[RateLimitItem, tuple[str, ...], Callable[[], str]]]:
    config = current_app.config
    address = request.remote_addr or ""
    account = email.strip().lower()[:254]  # known or not, so a lockout tells nobody which exist
    return [
        *((item, ("sign-in-address", address), _address_message) for item in parse_many(config["LOGIN_RATE_LIMIT"])),
        *(
            (item, ("sign-in-account", account), _account_message)
            for item in parse_many(config["LOGIN_ACCOUNT_LOCKOUT"])
        ),
    ]


def _address_message() -> str:
    return _("Too many failed sign-ins from your network. Please wait a few minutes and try again.")


def _account_message() -> str:
    return _(
        "Too many failed sign-ins for this account: it is locked for a while. Please try again later, or ask an administrator."
    )


def take_sign_in_attempt(email: str) -> None:
    """Counts a sign-in attempt, per client address and per account, before the password is
    checked: one atomic increment each, so attempts sent in parallel cannot all pass a check
    before any is counted. Raises SignInRefused when a budget is spent. A successful sign-in
    gives its attempt back (give_back_sign_in_attempt): only failures count."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    strategy = limiter.limiter
    try:
        for item, identifiers, message in _sign_in_budgets(email):
            if not strategy.hit(item, *identifiers):
                reset = strategy.get_window_stats(item, *identifiers).reset_time
                raise SignInRefused(message(), max(1, int(reset - time.time())))
    except SignInRefused:
        raise
    except Exception:
        log.warning("sign-in limits not available", exc_info=True)


def give_back_sign_in_attempt(email: str) -> None:
    if current_app.config["RATELIMIT_ENABLED"]:
        _for_each_budget(email, lambda item, ids: limiter.limiter.hit(item, *ids, cost=-1))  # fixed windows


def clear_account_lockout(email: str) -> None:
    """An administrator lets the account sign in again at once (see admin.staff)."""

    def clear(item: RateLimitItem, identifiers: tuple[str, ...]) -> None:
        if identifiers[0] == "sign-in-account":
            limiter.limiter.clear(item, *identifiers)

    _for_each_budget(email, clear)


def _for_each_budget(email: str, action: Callable[[RateLimitItem, tuple[str, ...]], object]) -> None:
    try:
        for item, identifiers, _message in _sign_in_budgets(email):
            action(item, identifiers)
    except Exception:
        log.warning("sign-in limits not available", exc_info=True)
