"""Door pages: scan badges (USB scanner, camera, typed code) and find delegates by name.

The page posts each scan to the check-in API (POST /api/v1/checkins) from door.js; the
texts door.js shows come from here, so the page speaks the staff member's language.
"""
from __future__ import annotations

from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..extensions import db
from ..i18n import current_language
from ..models import ENTRANCE, CheckIn, Event, ScanStatus, Session
from ..public.routes import event_or_404
from ..services.checkin import UnknownDoor, admission, door_session
from ..services.search import DelegateQuery, search_delegates
from . import bp
from .presenting import door_name, search_entry

SEARCH_RESULTS = 10
MAX_QUERY_LENGTH = 100


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
    return render_template(
        "door/door.html",
        event=event,
        door=door,
        door_name=door_name(session),
        page_config=door_page_config(event, door),
    )


@bp.get("/<door>/search")
def search(door: str):
    """Delegates without a badge, found by name or organisation, with their standing here."""
    event = event_or_404()
    session = session_or_404(event, door)
    text = request.args.get("q", "")[:MAX_QUERY_LENGTH].strip()
    if not text:
        return jsonify(results=[], total=0)
    found = search_delegates(event, DelegateQuery(text=text, per_page=SEARCH_RESULTS))
    ids = [d.id for d in found.delegates]
    checked_in = set(
        db.session.execute(
            select(CheckIn.delegate_id).where(
                CheckIn.door == door, CheckIn.undone_at.is_(None), CheckIn.delegate_id.in_(ids)
            )
        ).scalars()
    )
    return jsonify(
        results=[
            search_entry(d, admission(d, session), d.id in checked_in) for d in found.delegates
        ],
        total=found.total,
    )


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
                "No connection: the scan is kept on this device and sent as soon as the "
                "connection returns."
            ),
            "offline_banner": plural_forms(
                "Offline — %(count)s scan waiting", "Offline — %(count)s scans waiting"
            ),
            "sending_banner": plural_forms(
                "Sending %(count)s waiting scan…", "Sending %(count)s waiting scans…"
            ),
            "signed_out": _(
                "You are signed out. Sign in again: waiting scans stay on this device."
            ),
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
            "reader_failed": _(
                "The QR reader could not be loaded. Use the scanner or type the code."
            ),
            "searching": _("Searching…"),
            "no_results": _("No delegate found."),
            "results": plural_forms("%(count)s delegate found", "%(count)s delegates found"),
            "more_results": _("More delegates match: type more of the name."),
            "search_failed": _("The search failed. Check the connection and try again."),
            "checked_in_here": _("checked in here"),
            "check_in": _("Check in"),
        },
    }
