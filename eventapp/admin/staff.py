"""(being written)"""
from flask import render_template

from . import bp


@bp.get("/staff")
def staff():
    return render_template("admin/placeholder.html")


@bp.get("/audit")
def audit_log():
    return render_template("admin/placeholder.html")
