"""Door pages: scan badges (USB scanner, camera, typed code) and find delegates by name.

The page posts each scan to the check-in API (POST /api/v1/checkins) from door.js; the
texts door.js shows come from here, so the page speaks the staff member's language.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..errors import wants_json
from ..i18n import current_language
from ..models import ENTRANCE, Event, ScanStatus, Session
from ..services.checkin import DoorSearch, UnknownDoor, door_session, find_at_door, scan
from ..web import event_or_404
from . import bp
from .presenting import door_name, scan_message, search_entry

SEARCH_RESULTS = 10
MAX_QUERY_LENGTH = 100
# A scan's answer as a message box: green, amber, and red for every refusal.
FLASH_CATEGORY = {ScanStatus.OK: "success", ScanStatus.ALREADY_CHECKED_IN: "notice"}


@bp.after_request
def keep_door_pages_private(response):
    # Door pages and search answers carry delegates' names: no shared or back-button cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def session_or_404(event: Event, door: str) -> Session | None:
    try:
        return door_session(event, door)
    except UnknownDoor:
        abort(404)


@bp.get("/")
def choose_door():
    event = event_or_404()
    return render_template("door/choose.html", event=event, entrance=ENTRANCE)


@bp.get("/<door>")
def door_page(door: str):
    event = event_or_404()
    session = session_or_404(event, door)
    return render_door_page(event, door, session)


def render_door_page(event: Event, door: str, session: Session | None, **search):
    return render_template(
        "door/door.html",
        event=event,
        door=door,
        door_name=door_name(session),
        page_config=door_page_config(event, door),
        **search,
    )


@bp.get("/<door>/search")
def search(door: str):
    """Delegates without a badge, found by name or organisation, with their standing here:
    JSON for door.js, the door page with the results without JavaScript."""
    event = event_or_404()
    session = session_or_404(event, door)
    text = request.args.get("q", "")[:MAX_QUERY_LENGTH].strip()
    found = find_at_door(event, door, text, SEARCH_RESULTS) if text else DoorSearch([], 0)
    results = [search_entry(match, event) for match in found.matches]
    if wants_json():
        return jsonify(results=results, total=found.total)
    return render_door_page(event, door, session, search_text=text, search_results=results, search_total=found.total)


@bp.post("/<door>/checkins")
def check_in_found(door: str):
    """The check-in button of a name search result without JavaScript: the same scan as the
    API's, so the door refuses whoever has no seat here."""
    event = event_or_404()
    session_or_404(event, door)
    code = request.form.get("code", "")
    result = scan(event, code, door, str(uuid.uuid4()), current_user._get_current_object())
    message = scan_message(result, event)
    if result.delegate is not None:
        message = _("%(label)s: %(value)s", label=result.delegate.display_name, value=message)
    flash(message, FLASH_CATEGORY.get(result.status, "error"))
    return redirect(url_for("door.door_page", door=door))


def plural_forms(singular: str, plural: str) -> dict[str, str]:
    """A counted text for door.js as its "one" and "other" forms with {n} for the number
    (enough for the page's languages: Chinese has one form, German and English two)."""
    return {
        "one": ngettext(singular, plural, 1, count="{n}"),
        "other": ngettext(singular, plural, 2, count="{n}"),
    }


def door_page_config(event: Event, door: str) -> dict:
    """What door.js needs: where to send scans, and every text it may show."""
    return {
        "door": door,
        "language": current_language(),
        "timezone": event.timezone,
        "urls": {
            "checkins": url_for("api.create_checkin"),
            "undo": url_for("api.undo_checkin", checkin_id=0).replace("/0/", "/{id}/"),
            "search": url_for("door.search", door=door),
            "reader": url_for("static", filename="vendor/barcode-detector/ponyfill.js"),
            "reader_wasm": url_for("static", filename="vendor/zxing-wasm/zxing_reader.wasm"),
        },
        "texts": {
            "status": {
                ScanStatus.OK.value: _("Checked in"),
                ScanStatus.ALREADY_CHECKED_IN.value: _("Already checked in"),
                ScanStatus.NOT_REGISTERED.value: _("Not registered"),
                ScanStatus.WAITLISTED.value: _("Waiting list"),
                ScanStatus.CANCELLED.value: _("Cancelled"),
                ScanStatus.INVALID.value: _("Unknown code"),
                "pending": _("Saved offline"),
                "sending": _("Sending…"),
                "undone": _("Undone"),
                "error": _("Not sent"),
            },
            "ready": _("Ready: scan a badge."),
            "saved_offline": _(
                "No connection: the scan is kept on this device and sent as soon as the connection returns."
            ),
            "offline_banner": plural_forms("Offline — %(count)s scan waiting", "Offline — %(count)s scans waiting"),
            "sending_banner": plural_forms("Sending %(count)s waiting scan…", "Sending %(count)s waiting scans…"),
            "signed_out": _("You are signed out. Sign in again: waiting scans stay on this device."),
            "refused": _("The server refused this scan:"),
            "server_error": _("The server had a problem; the scan will be sent again."),
            "undo": _("Undo this check-in"),
            "undone": _("Check-in undone."),
            "undo_failed": _("The check-in could not be undone. Check the connection and try again."),
            "pending_item": _("waiting to be sent"),
            "replayed": _("sent later"),
            "camera_start": _("Scan with camera"),
            "camera_stop": _("Stop camera"),
            "camera_on": _("Camera on: hold the QR code on the badge in front of it."),
            "camera_missing": _(
                "No camera can be used on this device or connection (the camera needs "
                "HTTPS). Use the scanner or type the code."
            ),
            "camera_refused": _(
                "Camera access was refused. Allow the camera in the browser's settings, or "
                "use the scanner or type the code."
            ),
            "camera_not_found": _("No camera found. Use the scanner or type the code."),
            "camera_failed": _("The camera could not be started. Use the scanner or type the code."),
            "reader_failed": _("The QR reader could not be loaded. Use the scanner or type the code."),
            "searching": _("Searching…"),
            "no_results": _("No delegate found."),
            "results": plural_forms("%(count)s delegate found", "%(count)s delegates found"),
            "more_results": _("More delegates match: type more of the name."),
            "search_failed": _("The search failed. Check the connection and try again."),
            "others": _("Found, but without a seat at this door:"),
            "check_in": _("Check in"),
        },
    }
