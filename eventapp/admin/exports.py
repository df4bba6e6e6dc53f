"""(being written)"""
from flask import render_template

from . import bp


@bp.get("/exports")
def exports():
    return render_template("admin/placeholder.html")
