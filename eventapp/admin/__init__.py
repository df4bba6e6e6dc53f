"""The organisers' back office. Every page needs an organiser (or admin) to be signed in;
staff accounts and the audit log need an admin."""

from flask import Blueprint

from ..auth import refuse_unless
from ..models import StaffRole

bp = Blueprint("admin", __name__)


@bp.before_request
def organisers_only():
    return refuse_unless(StaffRole.ORGANISER)


from . import (  # noqa: E402,F401
    applications,
    badges,
    dashboard,
    delegates,
    delegations,
    exports,
    history,
    invitations,
    mail,
    questions,
    sessions,
    staff,
)
