"""Check-in API for door apps: POST /api/v1/checkins (contract; see README)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import role_required
from ..extensions import db
from ..models import CheckIn, StaffRole
from ..services import checkin as checkin_service
from ..services.registration import current_event
from . import bp
from .routes import field_errors
from ..door.presenting import scan_answer


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@bp.post("/checkins")
@role_required(StaffRole.DOOR)
def create_checkin():
    """Scan a badge code at a door: {"code", "session": slug or "entrance", "scan_id"}."""
    if not request.is_json:
        abort(415)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return field_errors(400, {"body": [_("Send a JSON object.")]})
    errors: dict[str, list[str]] = {}
    code, door, scan_id = payload.get("code"), payload.get("session"), payload.get("scan_id")
    if not isinstance(code, str) or not code.strip():
        errors["code"] = [_("Give the code read from the badge.")]
    if not isinstance(door, str) or not door:
        errors["session"] = [_('Give the door: a session slug or "entrance".')]
    if scan_id is None:
        scan_id = str(uuid.uuid4())
    elif not isinstance(scan_id, str) or not 1 <= len(scan_id) <= 64:
        errors["scan_id"] = [_("Give a scan id of 1 to 64 characters.")]
    if errors:
        return field_errors(422, errors)
    event = current_event()
    if event is None:
        abort(404)
    try:
        result = checkin_service.scan(
            event, code, door, scan_id, current_user._get_current_object(),
            scanned_at=_parse_time(payload.get("scanned_at")),
        )
    except checkin_service.UnknownDoor:
        return field_errors(422, {"session": [_("Unknown door: %(door)s", door=door)]})
    return jsonify(scan_answer(result, event))


@bp.post("/checkins/<int:checkin_id>/undo")
@role_required(StaffRole.DOOR)
def undo_checkin(checkin_id: int):
    checkin = db.get_or_404(CheckIn, checkin_id)
    checkin = checkin_service.undo_checkin(checkin, current_user._get_current_object())
    return jsonify({"id": checkin.id, "undone_at": checkin.undone_at.isoformat()})
