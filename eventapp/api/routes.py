"""JSON API, version 1. The field names are a contract: see README."""

from __future__ import annotations

from functools import wraps

from flask import abort, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import limits, tasks
from ..i18n import localized
from ..models import SeatMode
from ..public.delegation_forms import CONTACT_FIELDS, PERSON_FIELDS, DelegationForm
from ..public.forms import RegistrationForm
from ..services import delegations as delegations_service
from ..services import events
from ..services import registration as registration_service
from ..services.audit import Actor
from ..services.delegations import MAX_PEOPLE, ContactDetails
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
    # The answers to the event's questions (taken only when the event asks them).
    "salutation",
    "academic_title",
    "dietary",
    "dietary_note",
    "interpretation_language",
    "arrival_date",
)
# The booleans of the body, and the form's value for true and for false.
BOOLEAN_FIELDS = {"consent": ("y", None), "visa_letter": ("yes", "no"), "passport_consent": ("y", None)}
# The passport object's members, and the form's fields (PassportEntries) they fill.
PASSPORT_ENTRIES = {
    "name": "passport_name",
    "nationality": "nationality",
    "number": "passport_number",
    "expiry": "passport_expiry",
    "date_of_birth": "date_of_birth",
}


def isoformat(moment):
    return moment.isoformat() if moment else None


def current_event_or_404(*, with_sessions: bool = False):
    event = events.current_event(with_sessions=with_sessions)
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
    for name, (true, false) in BOOLEAN_FIELDS.items():
        value = payload.get(name)
        if value is True:
            data.add(name, true)
        elif value is False and false is not None:
            data.add(name, false)
        elif not (value is None or value is False):
            errors[name] = [_("Must be true or false.")]
    passport = payload.get("passport")
    if isinstance(passport, dict):
        for entry, field_name in PASSPORT_ENTRIES.items():
            value = passport.get(entry)
            if isinstance(value, str):
                data.add(f"passport-{field_name}", value)
            elif value is not None:
                errors.setdefault("passport", []).append(_("%(field)s: Must be a string.", field=entry))
    elif passport is not None:
        errors["passport"] = [
            _("Must be an object with the passport's name, nationality, number, expiry and date_of_birth.")
        ]
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
    event = current_event_or_404(with_sessions=True)
    data, type_errors = form_data_from_json(payload)
    form = RegistrationForm(
        formdata=data,
        meta={"csrf": False},
        event=event,
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


def delegation_form_data(payload: dict) -> tuple[MultiDict, dict[str, list[str]]]:
    """The JSON body of a delegation as form data for DelegationForm (contact-email,
    people-0-email, …), and errors for values of a wrong type, keyed as the answer keys them."""
    data, errors = form_data_from_json({k: v for k, v in payload.items() if k in ("sessions", "consent")})
    contact = payload.get("contact")
    if isinstance(contact, dict):
        for name in CONTACT_FIELDS:
            _add_text(data, errors, f"contact-{name}", f"contact.{name}", contact.get(name))
    elif contact is not None:
        errors["contact"] = [_("Must be an object.")]
    people = payload.get("people")
    if isinstance(people, list) and all(isinstance(person, dict) for person in people):
        if len(people) > MAX_PEOPLE:
            errors["people"] = [delegations_service.too_many_people()]
        for index, person in enumerate(people[:MAX_PEOPLE]):
            if not isinstance(person.get("family_name"), str):  # keeps the index of a person given as {}
                data.add(f"people-{index}-family_name", "")
            for name in PERSON_FIELDS:
                _add_text(data, errors, f"people-{index}-{name}", f"people.{index}.{name}", person.get(name))
    elif people is not None:
        errors["people"] = [_("Must be a list of objects.")]
    _add_text(data, errors, "seat_mode", "seat_mode", payload.get("seat_mode"))
    return data, errors


def _add_text(data: MultiDict, errors: dict[str, list[str]], name: str, key: str, value) -> None:
    if isinstance(value, str):
        data.add(name, value)
    elif value is not None:
        errors[key] = [_("Must be a string.")]


def flat_errors(errors: dict, prefix: str = "") -> dict[str, list[str]]:
    """WTForms' nested errors ({"people": [{}, {"email": [...]}]}) keyed people.1.email."""
    flat: dict[str, list[str]] = {}
    for name, value in errors.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(flat_errors(value, f"{key}."))
        elif value and all(isinstance(item, dict) for item in value):
            for index, entry in enumerate(value):
                flat.update(flat_errors(entry, f"{key}.{index}."))
        elif value:
            flat[key] = [str(message) for message in value]
    return flat


@bp.post("/delegations")
@limits.registration
@json_object_body
def create_delegation(payload: dict):
    """A contact registers a group: the same form, rules and answers as /delegation/new."""
    event = current_event_or_404(with_sessions=True)
    data, type_errors = delegation_form_data(payload)
    people = payload.get("people")
    form = DelegationForm(
        formdata=data,
        meta={"csrf": False},
        session_choices=[(s.slug, s.slug) for s in event.sessions],
        people_given=min(len(people), MAX_PEOPLE) if isinstance(people, list) else 0,
    )
    if not form.validate() or type_errors:
        return field_errors(422, {**flat_errors(form.errors), **type_errors})
    contact = form.contact.form
    shared = {name: contact[name].data for name in ("organisation", "organisation_type", "country")}
    try:
        result = delegations_service.register_delegation(
            event,
            ContactDetails.from_mapping(contact.data),
            [DelegateDetails.from_mapping({**shared, **row.person_data()}) for row in form.filled_rows()],
            form.sessions.data,
            SeatMode(form.seat_mode.data),
            actor=Actor.through_api(),
        )
    except RegistrationRefused as refusal:
        key = f"people.{refusal.person}.{refusal.field}" if refusal.person is not None else refusal.field
        return field_errors(409 if isinstance(refusal, EmailHasDelegate) else 422, {key: [refusal.message]})
    body = {
        "people": [
            {
                "email": person.delegate.email,
                "registrations": [
                    {"session": a.session_slug, "status": a.status.value, "waitlist_position": a.waitlist_position}
                    for a in person.answers
                ],
                "manage_url": url_for("public.manage", token=person.manage_token, _external=True),
            }
            for person in result.people
        ],
        "delegation_url": url_for("public.delegation_page", token=result.token, _external=True),
    }
    return jsonify(body), 201
