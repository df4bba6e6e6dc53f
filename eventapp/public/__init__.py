from flask import Blueprint

bp = Blueprint("public", __name__)

from . import documents, routes  # noqa: E402,F401  (routes attach themselves to bp)
