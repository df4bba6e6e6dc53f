"""Staff sign-in (Flask-Login), roles, and bearer tokens for the API."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, request
from flask_login import current_user

from ..extensions import db, login_manager
from ..models import StaffRole, StaffUser

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    user = db.session.get(StaffUser, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


@login_manager.request_loader
def load_user_from_bearer_token(req) -> StaffUser | None:
    """`Authorization: Bearer <token>` for door apps and scripts (API only)."""
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    from ..services.staff import user_for_api_token

    return user_for_api_token(header[len("Bearer "):].strip())


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


def staff_actor() -> str:
    """How a staff member appears in the audit log."""
    return f"staff:{current_user.email}"


from . import routes  # noqa: E402,F401
