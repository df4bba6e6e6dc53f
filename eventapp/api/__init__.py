from flask import Blueprint

bp = Blueprint("api", __name__)

from . import checkins, routes  # noqa: E402,F401
