from flask import Blueprint

bp = Blueprint("public", __name__)

from . import answers, delegations, documents, privacy, routes  # noqa: E402,F401  (routes attach themselves to bp)
