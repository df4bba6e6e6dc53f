"""Check-in API for door apps: POST /api/v1/checkins (contract; see README)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import abort, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import role_required
from ..door.presenting import scan_answer
from ..extensions import db, limiter
from ..models import CheckIn, StaffRole
from ..services import checkin as checkin_service
from ..services.events import current_event
from . import bp
from .routes import field_errors, isoformat, json_object_body

# A door app's clock may be off, but not by centuries; this also keeps the conversion to
# UTC away from the edges of datetime's range (0001-01-01T00:00+14:00 has no UTC time).
EARLIEST_SCAN, LATEST_SCAN = datetime(2000, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)


def parse_scan_time(value: str) -> datetime | None:
    """An ISO 8601 time (without offset: UTC) between EARLIEST_SCAN and LATEST_SCAN, or None."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment if EARLIEST_SCAN <= moment < LATEST_SCAN else None


@bp.post("/checkins")
@limiter.exempt  # door devices scan back to back from one address; no limit is meant for them
@role_required(StaffRole.DOOR)
@json_object_body
def create_checkin(payload: dict):
    """Scan a badge code at a door: {"code", "session": slug or "entrance", "scan_id"}."""
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
    scanned_at = payload.get("scanned_at")
    if scanned_at is not None:
        scanned_at = parse_scan_time(scanned_at) if isinstance(scanned_at, str) else None
        if scanned_at is None:
            errors["scanned_at"] = [_("Give the time of the scan in ISO 8601, e.g. 2026-12-26T09:15:00+08:00.")]
    if errors or not isinstance(code, str) or not isinstance(door, str):  # str: checked above, for mypy
        return field_errors(422, errors)
    try:  # the current event is read with the scan's context
        result = checkin_service.scan(None, code, door, scan_id, current_user._get_current_object(), scanned_at)
    except checkin_service.NoEvent:
        abort(404)
    except checkin_service.UnknownDoor:
        return field_errors(422, {"session": [_("Unknown door: %(door)s", door=door)]})
    event = result.event or current_event()  # a replayed answer was not read with its event
    if event is None:
        abort(404)
    return jsonify(scan_answer(result, event))


@bp.post("/checkins/<int:checkin_id>/undo")
@role_required(StaffRole.DOOR)
@json_object_body
def undo_checkin(checkin_id: int, payload: dict):
    checkin = db.get_or_404(CheckIn, checkin_id)
    checkin = checkin_service.undo_checkin(checkin, current_user._get_current_object())
    return jsonify({"id": checkin.id, "undone_at": isoformat(checkin.undone_at)})
