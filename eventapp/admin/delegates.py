"""(being written)"""
from flask import render_template

from . import bp


@bp.get("/delegates")
def delegates():
    return render_template("admin/placeholder.html")
