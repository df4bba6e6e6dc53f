"""Door pages. (Built out in the door UI step.)"""
from __future__ import annotations

from flask import render_template

from ..models import ENTRANCE
from ..public.routes import event_or_404
from . import bp


@bp.get("/")
def choose_door():
    event = event_or_404()
    return render_template("door/choose.html", event=event, entrance=ENTRANCE)


@bp.get("/<door>")
def door_page(door: str):
    from flask import abort

    from ..services.checkin import UnknownDoor, door_session

    event = event_or_404()
    try:
        session = door_session(event, door)
    except UnknownDoor:
        abort(404)
    return render_template("door/door.html", event=event, door=door, session=session)
