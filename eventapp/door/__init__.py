"""Check-in at the door: pages for door staff (camera, USB scanner, name search)."""

from flask import Blueprint

from ..auth import refuse_unless
from ..models import StaffRole

bp = Blueprint("door", __name__)


@bp.before_request
def door_staff_only():
    return refuse_unless(StaffRole.DOOR)


from . import routes  # noqa: E402,F401
