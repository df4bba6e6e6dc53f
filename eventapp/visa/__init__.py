"""Visa invitation letters for the visa team: the delegates who asked for one, their passport
data, review, the letters (one, or the reviewed ones together) and the letterhead and seal.
Only the visa role and admins come in: passport data is shown nowhere else, and organisers
and door staff get 403."""

from flask import Blueprint

from ..auth import refuse_unless
from ..models import StaffRole

bp = Blueprint("visa", __name__)


@bp.before_request
def visa_team_only():
    return refuse_unless(StaffRole.VISA)


@bp.after_request
def keep_passport_data_private(response):
    # Passport data: kept by no cache, shared or the browser's own (back button included).
    response.headers["Cache-Control"] = "private, no-store"
    return response


from . import routes  # noqa: E402,F401
