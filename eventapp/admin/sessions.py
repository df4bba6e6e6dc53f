"""(being written)"""
from flask import render_template

from . import bp


@bp.get("/sessions")
def sessions():
    return render_template("admin/placeholder.html")
