from flask import Blueprint

bp = Blueprint("api", __name__)

from . import checkins, openapi, routes  # noqa: E402,F401
