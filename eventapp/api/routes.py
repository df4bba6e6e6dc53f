"""JSON API, version 1. The field names are a contract: see README."""

from __future__ import annotations

from functools import wraps

from flask import abort, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import limits, tasks
from ..i18n import localized
from ..public.forms import RegistrationForm
from ..services import events
from ..services import registration as registration_service
from ..services.audit import Actor
from ..services.registration import AlreadyRegistered, DelegateDetails, EmailHasDelegate, RegistrationRefused
from . import bp

TEXT_FIELDS = (
    "family_name",
    "given_name",
    "name_native",
    "native_name_order",
    "email",
    "organisation",
    "position",
    "organisation_type",
    "country",
    "phone",
    "language",
)


def isoformat(moment):
    return moment.isoformat() if moment else None


def current_event_or_404():
    event = events.current_event()
    if event is None:
        abort(404)
    return event


@bp.get("/sessions")
def list_sessions():
    event = current_event_or_404()
    return jsonify(
        [
            {
                "slug": fill.session.slug,
                "kind": fill.session.kind.value,
                "title": localized(fill.session.title),
                "titles": fill.session.title,
                "room": localized(fill.session.room),
                "starts_at": isoformat(fill.session.starts_at),
                "ends_at": isoformat(fill.session.ends_at),
                "capacity": fill.session.capacity,
                "confirmed": fill.confirmed,
                "waitlisted": fill.waitlisted,
                "seats_left": fill.seats_left,
                "public_registration": fill.session.public_registration,
                "access": fill.session.access.value,
                "pending": fill.pending,
                "registration_opens_at": isoformat(fill.session.registration_opens_at),
                "registration_closes_at": isoformat(fill.session.registration_closes_at or fill.session.starts_at),
            }
            for fill in registration_service.session_fill(event)
        ]
    )


def form_data_from_json(payload: dict) -> tuple[MultiDict, dict[str, list[str]]]:
    """The JSON body as form data for RegistrationForm, and errors for values of a wrong type."""
    data: MultiDict[str, str] = MultiDict()
    errors: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        value = payload.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            data.add(name, value)
        else:
            errors[name] = [_("Must be a string.")]
    sessions = payload.get("sessions")
    if sessions is not None:
        if isinstance(sessions, list) and all(isinstance(s, str) for s in sessions):
            for slug in sessions:
                data.add("sessions", slug)
        else:
            errors["sessions"] = [_("Must be a list of session slugs.")]
    consent = payload.get("consent")
    if consent is True:
        data.add("consent", "y")
    elif consent not in (None, False):
        errors["consent"] = [_("Must be true or false.")]
    return data, errors


def field_errors(status: int, errors: dict[str, list[str]]):
    return jsonify(errors={k: [str(m) for m in v] for k, v in errors.items()}), status


def json_object_body(view):
    """Every state-changing endpoint: only `application/json` (a cross-site form cannot send
    it without a preflight, so CSRF cannot ride on a door's session cookie), and the body,
    if any, is one JSON object, handed to the view as `payload` (empty body: {})."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not request.is_json:
            abort(415)
        payload = request.get_json() if request.get_data(cache=True) else {}
        if not isinstance(payload, dict):
            return field_errors(400, {"body": [_("Send a JSON object.")]})
        return view(*args, payload=payload, **kwargs)

    return wrapped


@bp.post("/registrations")
@limits.registration
@json_object_body
def create_registration(payload: dict):
    event = current_event_or_404()
    data, type_errors = form_data_from_json(payload)
    form = RegistrationForm(
        formdata=data,
        meta={"csrf": False},
        session_choices=[(s.slug, s.slug) for s in event.sessions],
    )
    form.confirm_pinyin_suggestion = False
    if not form.validate() or type_errors:
        return field_errors(422, {**form.errors, **type_errors})
    try:
        result = registration_service.register(
            event, DelegateDetails.from_mapping(form.data), form.sessions.data, actor=Actor.through_api()
        )
    except AlreadyRegistered as refusal:
        if isinstance(refusal, EmailHasDelegate):
            tasks.mail_private_links_soon(event.id, form.email.data)
        return field_errors(409, {"email": [refusal.message]})
    except RegistrationRefused as refusal:
        return field_errors(422, {refusal.field: [refusal.message]})
    body = {
        "registrations": [
            {"session": a.session_slug, "status": a.status.value, "waitlist_position": a.waitlist_position}
            for a in result.answers
        ],
        "manage_url": url_for("public.manage", token=result.manage_token, _external=True),
    }
    return jsonify(body), 201
