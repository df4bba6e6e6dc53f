"""Staff sign-in (Flask-Login), roles, and bearer tokens for the API."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, request, session
from flask_login import current_user

from ..extensions import login_manager
from ..models import StaffRole, StaffUser
from ..services.audit import Actor
from ..services.staff import user_for_api_token, user_for_session

bp = Blueprint("auth", __name__)


# The key of this browser's sign-in (services.staff.start_session) in the session cookie.
SESSION_KEY = "staff_session"


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    """The signed-in user, only while their sign-in has not ended on the server."""
    if not user_id.isdigit() or len(user_id) > 10:
        return None
    return user_for_session(int(user_id), session.get(SESSION_KEY))


@login_manager.request_loader
def load_user_from_bearer_token(req) -> StaffUser | None:
    """`Authorization: Bearer <token>` for door apps and scripts (API only)."""
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return user_for_api_token(header[len("Bearer ") :].strip())


def refuse_unless(role: StaffRole):
    """Anonymous users go to the sign-in page (401 in the API); a lesser role gets 403."""
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)
        return login_manager.unauthorized()
    if not current_user.can(role):
        abort(403)
    return None


def role_required(role: StaffRole):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            refusal = refuse_unless(role)
            if refusal is not None:
                return refusal
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_actor() -> Actor:
    """The signed-in staff member, as the audit log names who acted."""
    return Actor.staff(current_user.email)


from . import routes  # noqa: E402,F401
