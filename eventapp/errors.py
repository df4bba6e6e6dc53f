"""Error pages in the site's style, and JSON errors under /api/."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .extensions import db
from .guards import BadInput
from .services.events import current_event


def wants_json() -> bool:
    """The API, and scripts that ask for JSON (the door page's name search), get JSON."""
    if request.path.startswith("/api/"):
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def error_text(code: int) -> tuple[str, str]:
    """A title and a sentence telling the user what happened and what to do."""
    texts = {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        401: (_("Sign-in needed"), _("Sign in first, or send an API token as “Authorization: Bearer <token>”.")),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        404: (
            _("Page not found"),
            _("This page does not exist. If you followed a private link, it may be incomplete or no longer valid."),
        ),
        405: (_("Method not allowed"), _("This address cannot be used that way.")),
        413: (_("Request too large"), _("What you sent is too large.")),
        415: (_("Unsupported media type"), _("Send the request as application/json.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        503: (
            _("Briefly unavailable"),
            _(
                "The forum's database cannot be reached at the moment. Nothing was saved; please try again in a few seconds."
            ),
        ),
    }
    return texts.get(
        code,
        (_("Something went wrong"), _("An unexpected error occurred. It has been logged; please try again later.")),
    )


def render_error(code: int, detail: str | None = None, field: str | None = None, headers: dict | None = None):
    """The error page (or JSON error); `detail` replaces the general sentence when the
    cause is known (bad input), and in the API goes under `errors` like a field error."""
    from flask import make_response

    title, message = error_text(code)
    headers = dict(headers or {})
    if wants_json():
        if code == 401:
            headers["WWW-Authenticate"] = "Bearer"
        body = (
            jsonify(errors={field: [detail]}) if detail and field else jsonify(error=title, message=detail or message)
        )
        return make_response(body, code, headers)
    event = None
    if code != ServiceUnavailable.code:  # the database is what failed: do not ask it again
        try:
            event = current_event()
        except Exception:  # noqa: BLE001 - the database itself may be what failed
            db.session.rollback()
    page = render_template("errors/error.html", code=code, title=title, message=detail or message, event=event)
    return make_response(page, code, headers)


def database_unavailable(error: Exception) -> bool:
    """The database server is down, restarting or refusing connections (the pool reconnects
    by itself once it is back: connections.ping_idle_connections), or SQLite is locked past
    its busy timeout."""
    return isinstance(error, OperationalError) or (isinstance(error, DBAPIError) and error.connection_invalidated)


RETRY_AFTER_SECONDS = 5


def unavailable(error: Exception):
    """503 with Retry-After: a styled page, or JSON in the API. The transaction failed, so
    nothing was committed, with one exception no server can rule out: a connection lost
    during COMMIT itself (PostgreSQL crashed after writing the commit, before answering).
    Trying again is safe either way: a registration that got in answers "already
    registered" and mails the private link again (bench/faults.py measures both)."""
    from flask import current_app

    current_app.logger.warning(
        "Database unavailable on %s: %s", request.method, type(getattr(error, "orig", error)).__name__
    )
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it next time
        db.session.remove()
    return render_error(ServiceUnavailable.code, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code >= 500:
            db.session.rollback()
        if isinstance(error, BadInput):
            return render_error(error.code, error.description, error.field)
        if isinstance(error, RateLimitExceeded) and error.limit.error_message:
            return render_error(error.code, error.description)
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        if database_unavailable(error):
            return unavailable(error)
        # The route, not the path: a private link's token must not reach the error log.
        route = request.url_rule.rule if request.url_rule else "(no route)"
        app.logger.exception("Unhandled error on %s %s", request.method, route)
        db.session.rollback()
        return render_error(InternalServerError.code)
