"""The JSON API's contract as an OpenAPI 3.1 document: GET /api/v1/openapi.json.

It describes what README's "JSON API (v1)" section promises; tests/test_openapi.py checks
real answers against it and tests/test_schemathesis.py fuzzes the API with it.
"""

from __future__ import annotations

from typing import cast

from flask import jsonify

from ..guards import MAX_DATABASE_INT  # what the <int:…> converter matches
from ..i18n import LANGUAGE_NAMES
from ..models import (
    PUBLIC_ORGANISATION_TYPES,
    NameOrder,
    OrganisationType,
    RegistrationStatus,
    Salutation,
    ScanStatus,
    SeatMode,
    SessionAccess,
    SessionKind,
)
from ..public.delegation_forms import CONTACT_FIELDS, PERSON_FIELDS
from ..services.delegations import MAX_PEOPLE
from ..services.questions import DIETARY_NOTE_MAX, INTERPRETATION_LANGUAGES, NO_INTERPRETATION, DietaryNeed
from . import bp

LANGUAGES = list(LANGUAGE_NAMES)  # zh, de, en
SYMPOSIUM = "german-enterprise-symposium"


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _schema(name: str) -> dict:
    return _ref("schemas", name)


def _nullable(schema: dict) -> dict:
    """JSON Schema 2020-12 (OpenAPI 3.1) style: the value or null."""
    return {**schema, "type": [schema["type"], "null"]}


def _text(max_length: int, description: str, min_length: int | None = None) -> dict:
    schema = {"type": "string", "maxLength": max_length, "description": description}
    if min_length is not None:
        schema["minLength"] = min_length
    return schema


DATE_TIME = {"type": "string", "format": "date-time"}
# The WTForms validators of eventapp.public.forms.RegistrationForm, which the API uses.
REGISTRATION_REQUEST = {
    "type": "object",
    "description": "Every value except `sessions`, `passport` and the booleans `consent`, `visa_letter` and "
    "`passport_consent` must be a string. Unknown fields are ignored, and so are the answers to questions the "
    "event does not ask (`salutation` … `passport_consent`); the event may require some of them.",
    "required": ["family_name", "given_name", "email", "organisation", "country", "sessions", "consent"],
    "properties": {
        "family_name": _text(100, "Family name (the form asks for Latin letters).", 1),
        "given_name": _text(100, "Given name (the form asks for Latin letters).", 1),
        "email": {"type": "string", "format": "email", "maxLength": 254, "minLength": 3},
        "organisation": _text(200, "Organisation.", 1),
        "country": {
            "type": "string",
            "pattern": "^[A-Za-z]{2}$",
            "description": "ISO 3166 alpha-2 code, any letter case (CN, de).",
        },
        "sessions": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "maxLength": 80},
            "description": "Session slugs; unknown, invitation-only or closed ones answer 422 under `sessions`.",
        },
        "consent": {"type": "boolean", "const": True, "description": "Must be true to register."},
        "name_native": _text(100, "Name in native script, for example 王小明."),
        "native_name_order": {
            "type": "string",
            "enum": [order.value for order in NameOrder],
            "default": NameOrder.FAMILY_FIRST.value,
        },
        "position": _text(150, "Position."),
        "organisation_type": {
            "type": "string",
            "enum": [t.value for t in PUBLIC_ORGANISATION_TYPES],
            "default": OrganisationType.ENTERPRISE.value,
        },
        "phone": {
            "type": "string",
            "maxLength": 40,
            "pattern": r"^\+?[0-9 ()./-]{5,40}$",
            "description": "Digits, spaces and + ( ) . / -, for example +86 10 1234 5678.",
        },
        "language": {"type": "string", "enum": LANGUAGES, "default": "en"},
        # The answers to the event's questions (services.questions).
        "salutation": {
            "type": "string",
            "enum": [s.value for s in Salutation],
            "description": "mr, ms, or none: no gendered form (mails greet with the full name).",
        },
        "academic_title": _text(40, "Academic title for the greeting, for example Dr. or Prof. Dr."),
        "dietary": {"type": "string", "enum": [need.value for need in DietaryNeed]},
        "dietary_note": _text(
            DIETARY_NOTE_MAX, "Allergies or other needs; needed with dietary `other`, which it then names."
        ),
        "interpretation_language": {
            "type": "string",
            "enum": [*INTERPRETATION_LANGUAGES, NO_INTERPRETATION],
            "description": "The language listened to through the simultaneous interpretation; none: not needed.",
        },
        "arrival_date": {
            "type": "string",
            "format": "date",
            "description": "YYYY-MM-DD; not after the forum's last day (any day before is fine).",
        },
        "visa_letter": {
            "type": "boolean",
            "description": "true: a visa invitation letter is needed; then `passport` and `passport_consent` are "
            "required.",
        },
        "passport": {
            "type": "object",
            "description": "The passport data the letter needs, only with `visa_letter` true. Seen only by the "
            "visa team and admins, never exported, erased after the forum. Errors come under `passport`.",
            "properties": {
                "name": _text(200, "As the passport prints it, in Latin letters: family name first."),
                "nationality": {"type": "string", "pattern": "^[A-Za-z]{2}$", "description": "ISO 3166 alpha-2."},
                "number": _text(40, "5 to 20 letters and digits, as printed in the passport."),
                "expiry": {"type": "string", "format": "date", "description": "After the forum's last day."},
                "date_of_birth": {"type": "string", "format": "date"},
            },
            "additionalProperties": True,
        },
        "passport_consent": {
            "type": "boolean",
            "description": "Must be true with `visa_letter` true: the separate consent to processing the passport "
            "data (sensitive personal information under PIPL).",
        },
    },
    "additionalProperties": True,
}

REGISTRATION_EXAMPLE = {
    "family_name": "Wang",
    "given_name": "Xiaoming",
    "name_native": "王小明",
    "email": "wang.xiaoming@example.cn",
    "organisation": "Example Co.",
    "country": "CN",
    "language": "zh",
    "sessions": [SYMPOSIUM, "exhibition"],
    "consent": True,
}

# What a registration got in each session: one entry per session.
SEAT_ANSWERS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["session", "status", "waitlist_position"],
        "properties": {
            "session": {"type": "string"},
            "status": {
                "type": "string",
                "enum": [
                    RegistrationStatus.CONFIRMED.value,
                    RegistrationStatus.WAITLISTED.value,
                    RegistrationStatus.PENDING.value,
                ],
                "description": "pending: an application for a session by application, which the "
                "organisers approve (confirmed, or waitlisted when full) or reject (rejected).",
            },
            "waitlist_position": {
                "type": ["integer", "null"],
                "minimum": 1,
                "description": "1 for the first person waiting; null otherwise.",
            },
        },
    },
}

_REGISTRATION_FIELDS = cast(dict[str, dict], REGISTRATION_REQUEST["properties"])
DELEGATION_REQUEST = {
    "type": "object",
    "description": "A contact person registers several people of one organisation for the same sessions. "
    "Every value except `sessions`, `people`, `contact` and `consent` must be a string. Unknown fields are ignored.",
    "required": ["contact", "people", "sessions", "consent"],
    "properties": {
        "contact": {
            "type": "object",
            "description": "The contact person, and the organisation (its type and country) every person belongs to.",
            "required": ["family_name", "given_name", "email", "organisation", "country"],
            "properties": {name: _REGISTRATION_FIELDS[name] for name in CONTACT_FIELDS},
            "additionalProperties": True,
        },
        "people": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_PEOPLE,
            "description": "Each becomes a delegate with their own private link, badge and mails. "
            "Errors are keyed by position: `people.1.email`.",
            "items": {
                "type": "object",
                "required": ["family_name", "given_name", "email"],
                "properties": {name: _REGISTRATION_FIELDS[name] for name in PERSON_FIELDS},
                "additionalProperties": True,
            },
        },
        "sessions": _REGISTRATION_FIELDS["sessions"],
        "seat_mode": {
            "type": "string",
            "enum": [mode.value for mode in SeatMode],
            "default": SeatMode.ALL_OR_NOTHING.value,
            "description": "all_or_nothing: nobody is registered (422 under `sessions`) unless each session "
            "has a free seat for every person; one_by_one: seats while they last, then the waiting list.",
        },
        "consent": {
            "type": "boolean",
            "const": True,
            "description": "Must be true: every person has agreed to be registered and their data processed.",
        },
    },
    "additionalProperties": True,
}

DELEGATION_EXAMPLE = {
    "contact": {
        "family_name": "Schneider",
        "given_name": "Petra",
        "email": "petra.schneider@example.de",
        "organisation": "Example Chamber of Commerce",
        "organisation_type": "chamber",
        "country": "DE",
        "language": "de",
    },
    "people": [
        {"family_name": "Wang", "given_name": "Xiaoming", "name_native": "王小明", "email": "wang@example.cn"},
        {"family_name": "Müller", "given_name": "Jürgen", "email": "mueller@example.de", "language": "de"},
    ],
    "sessions": [SYMPOSIUM, "exhibition"],
    "seat_mode": "one_by_one",
    "consent": True,
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "A plain HTTP error. Messages are for people and may be translated.",
        "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    },
    "FieldErrors": {
        "type": "object",
        "description": "Messages per field (`body` for the body as a whole); check field names, not message text.",
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {"type": "array", "minItems": 1, "items": {"type": "string"}},
            }
        },
    },
    "Session": {
        "type": "object",
        "required": [
            "slug",
            "kind",
            "title",
            "titles",
            "room",
            "starts_at",
            "ends_at",
            "capacity",
            "confirmed",
            "waitlisted",
            "seats_left",
            "public_registration",
            "access",
            "pending",
            "registration_opens_at",
            "registration_closes_at",
        ],
        "properties": {
            "slug": {"type": "string"},
            "kind": {"type": "string", "enum": [kind.value for kind in SessionKind]},
            "title": {"type": "string", "description": "In the request's language."},
            "titles": {
                "type": "object",
                "description": "The title in zh, de and en.",
                "additionalProperties": {"type": "string"},
            },
            "room": {"type": "string", "description": "In the request's language."},
            "starts_at": {**DATE_TIME, "description": "UTC."},
            "ends_at": {**DATE_TIME, "description": "UTC."},
            "capacity": {"type": ["integer", "null"], "minimum": 0, "description": "null: no limit."},
            "confirmed": {"type": "integer", "minimum": 0},
            "waitlisted": {"type": "integer", "minimum": 0},
            "seats_left": {"type": ["integer", "null"], "minimum": 0, "description": "null: no limit."},
            "public_registration": {
                "type": "boolean",
                "description": "Offered on the public form: true for open sessions and those by application.",
            },
            "access": {
                "type": "string",
                "enum": [access.value for access in SessionAccess],
                "description": "open: first come, first served; application: registrations are applications "
                "(status pending) that organisers approve or reject; invitation: only an invitation link gives a seat.",
            },
            "pending": {"type": "integer", "minimum": 0, "description": "Applications waiting for a decision."},
            "registration_opens_at": {**_nullable(DATE_TIME), "description": "null: open now."},
            "registration_closes_at": {**DATE_TIME, "description": "Defaults to the session's start."},
        },
    },
    "RegistrationRequest": REGISTRATION_REQUEST,
    "RegistrationCreated": {
        "type": "object",
        "required": ["registrations", "manage_url"],
        "properties": {
            "registrations": SEAT_ANSWERS,
            "manage_url": {
                "type": "string",
                "format": "uri",
                "description": "The delegate's private link (also in the confirmation mail).",
            },
        },
    },
    "DelegationRequest": DELEGATION_REQUEST,
    "CheckinRequest": {
        "type": "object",
        "required": ["code", "session"],
        "properties": {
            "code": {
                "type": "string",
                "minLength": 1,
                "pattern": r"\S",
                "description": "The code read from the badge; case and spaces do not matter.",
            },
            "session": {
                "type": "string",
                "minLength": 1,
                "description": 'The door: a session slug, or "entrance" for the venue.',
                "examples": ["entrance", SYMPOSIUM],
            },
            "scan_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "The client's id for this scan (a UUID); a repeat gets the first answer again. Made by the server if left out.",
            },
            "scanned_at": {
                **DATE_TIME,
                "description": "ISO 8601 time of the scan on the device (kept for offline scans); "
                "without an offset it is UTC. Years 2000 to 8999.",
            },
        },
        "additionalProperties": True,
    },
    "Delegate": {
        "type": "object",
        "required": [
            "id",
            "family_name",
            "given_name",
            "name_native",
            "display_name",
            "latin_name",
            "organisation",
            "organisation_type",
            "organisation_type_label",
            "country",
        ],
        "properties": {
            "id": {"type": "integer"},
            "family_name": {"type": "string"},
            "given_name": {"type": "string"},
            "name_native": {"type": "string"},
            "display_name": {"type": "string"},
            "latin_name": {"type": "string"},
            "organisation": {"type": "string"},
            "organisation_type": {"type": "string", "enum": [t.value for t in OrganisationType]},
            "organisation_type_label": {"type": "string"},
            "country": {"type": "string"},
        },
    },
    "CheckinResult": {
        "type": "object",
        "required": [
            "status",
            "delegate",
            "checked_in_at",
            "checkin_id",
            "door",
            "checked_in_door",
            "replayed",
            "message",
        ],
        "properties": {
            "status": {"type": "string", "enum": [status.value for status in ScanStatus]},
            "delegate": {
                "oneOf": [_schema("Delegate"), {"type": "null"}],
                "description": "null for an unknown code (status invalid).",
            },
            "checked_in_at": {
                **_nullable(DATE_TIME),
                "description": "The standing check-in; for already_checked_in, the first one.",
            },
            "checkin_id": {"type": ["integer", "null"], "minimum": 1},
            "door": {"type": "string"},
            "checked_in_door": {"type": ["string", "null"]},
            "replayed": {"type": "boolean", "description": "true when the scan_id was seen before."},
            "message": {"type": "string", "description": "One sentence for the person at the door."},
        },
    },
    "UndoResult": {
        "type": "object",
        "required": ["id", "undone_at"],
        "properties": {"id": {"type": "integer"}, "undone_at": DATE_TIME},
    },
}

# Each person's seats are answered as a single registration's are.
SCHEMAS["DelegationCreated"] = {
    "type": "object",
    "required": ["people", "delegation_url"],
    "properties": {
        "people": {
            "type": "array",
            "description": "In the order given.",
            "items": {
                "type": "object",
                "required": ["email", "registrations", "manage_url"],
                "properties": {
                    "email": {"type": "string"},
                    "registrations": SEAT_ANSWERS,
                    "manage_url": {
                        "type": "string",
                        "format": "uri",
                        "description": "The person's private link (also in their own mail).",
                    },
                },
            },
        },
        "delegation_url": {
            "type": "string",
            "format": "uri",
            "description": "The contact page: every person and their sessions; add, cancel, hand a seat over "
            "(also in the contact's mail).",
        },
    },
}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


RESPONSES = {
    "BadRequest": _json(
        "The body is not a JSON object (or not valid JSON), is nested too deeply, or a value contains "
        "a character that cannot be stored (NUL, a lone surrogate).",
        {"anyOf": [_schema("FieldErrors"), _schema("Error")]},
    ),
    "Unauthorized": _json("No signed-in staff session and no valid bearer token.", _schema("Error")),
    "NoEvent": _json("No event is loaded.", _schema("Error")),
    "TooLarge": _json("The body is over 1 MiB.", _schema("Error")),
    "NotJson": _json("The body was not sent as `Content-Type: application/json`.", _schema("Error")),
    "TooMany": {
        **_json(
            "Too many registrations from this address (the HTML form and the API share the budget).",
            _schema("Error"),
        ),
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 0}}},
    },
}

STAFF_SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"sessionCookie": []}]

OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "eventapp JSON API",
        "version": "1",
        "description": "Registration and check-in for the forum. The field names are a contract (see README). "
        "Every request body must be sent as `application/json`.",
    },
    "servers": [{"url": "/api/v1"}],
    "paths": {
        "/sessions": {
            "get": {
                "operationId": "listSessions",
                "summary": "The sessions of the current event, in programme order",
                "parameters": [
                    {
                        "name": "lang",
                        "in": "query",
                        "required": False,
                        "description": "Language of `title` and `room` (else Accept-Language, then English).",
                        "schema": {"type": "string", "enum": LANGUAGES},
                    }
                ],
                "responses": {
                    "200": _json("The sessions.", {"type": "array", "items": _schema("Session")}),
                    "400": _ref("responses", "BadRequest"),
                    "404": _ref("responses", "NoEvent"),
                },
            }
        },
        "/registrations": {
            "post": {
                "operationId": "createRegistration",
                "summary": "Register a delegate for one or more sessions",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _schema("RegistrationRequest"),
                            "example": REGISTRATION_EXAMPLE,
                        }
                    },
                },
                "responses": {
                    "201": _json("Registered: one entry per session.", _schema("RegistrationCreated")),
                    "400": _ref("responses", "BadRequest"),
                    "404": _ref("responses", "NoEvent"),
                    "409": _json(
                        "The email already belongs to a delegate of the event (under `email`); their private link is mailed again.",
                        _schema("FieldErrors"),
                    ),
                    "413": _ref("responses", "TooLarge"),
                    "415": _ref("responses", "NotJson"),
                    "422": _json(
                        "Invalid or missing fields; an unknown slug, an invitation-only session or a closed "
                        "registration window under `sessions`.",
                        _schema("FieldErrors"),
                    ),
                    "429": _ref("responses", "TooMany"),
                },
            }
        },
        "/delegations": {
            "post": {
                "operationId": "createDelegation",
                "summary": "Register a delegation: a contact person and several people of one organisation",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": _schema("DelegationRequest"), "example": DELEGATION_EXAMPLE}
                    },
                },
                "responses": {
                    "201": _json("Registered: each person's sessions and private link.", _schema("DelegationCreated")),
                    "400": _ref("responses", "BadRequest"),
                    "404": _ref("responses", "NoEvent"),
                    "409": _json(
                        "A person's email already belongs to a delegate of the event (under `people.N.email`).",
                        _schema("FieldErrors"),
                    ),
                    "413": _ref("responses", "TooLarge"),
                    "415": _ref("responses", "NotJson"),
                    "422": _json(
                        "Invalid or missing fields (`contact.email`, `people.1.family_name`, `sessions`, …), two "
                        "people with one email, or, all or nothing, a session without a seat for everyone "
                        "(under `sessions`).",
                        _schema("FieldErrors"),
                    ),
                    "429": _ref("responses", "TooMany"),
                },
            }
        },
        "/checkins": {
            "post": {
                "operationId": "createCheckin",
                "summary": "Scan a badge code at a door",
                "description": "For door apps and scanners: any staff account (door, organiser, admin).",
                "security": STAFF_SECURITY,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _schema("CheckinRequest"),
                            "example": {
                                "code": "K7QXM2RD4PTA",
                                "session": SYMPOSIUM,
                                "scan_id": "5f0c8f5e-9a51-4c1e-b2a6-0d5f1b1f3c11",
                            },
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        "The scan's answer (also for unknown codes: status invalid).", _schema("CheckinResult")
                    ),
                    "400": _ref("responses", "BadRequest"),
                    "401": _ref("responses", "Unauthorized"),
                    "404": _ref("responses", "NoEvent"),
                    "413": _ref("responses", "TooLarge"),
                    "415": _ref("responses", "NotJson"),
                    "422": _json(
                        "A missing code, a bad scan_id or scanned_at, or an unknown door.", _schema("FieldErrors")
                    ),
                },
            }
        },
        "/checkins/{checkin_id}/undo": {
            "post": {
                "operationId": "undoCheckin",
                "summary": "Take a mistaken check-in back",
                "description": "Send `Content-Type: application/json`; the body may be `{}`. "
                "Undoing twice keeps the first `undone_at`.",
                "security": STAFF_SECURITY,
                "parameters": [
                    {
                        "name": "checkin_id",
                        "in": "path",
                        "required": True,
                        "description": "`checkin_id` from a check-in's answer.",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_DATABASE_INT},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}, "example": {}}},
                },
                "responses": {
                    "200": _json("Undone.", _schema("UndoResult")),
                    "400": _ref("responses", "BadRequest"),
                    "401": _ref("responses", "Unauthorized"),
                    "404": _json("No check-in with this id.", _schema("Error")),
                    "413": _ref("responses", "TooLarge"),
                    "415": _ref("responses", "NotJson"),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": _json("OpenAPI 3.1.", {"type": "object"})},
            }
        },
    },
    "components": {
        "schemas": SCHEMAS,
        "responses": RESPONSES,
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `flask --app eventapp create-api-token EMAIL`.",
            },
            "sessionCookie": {
                "type": "apiKey",
                "in": "cookie",
                "name": "session",
                "description": "The session cookie of a signed-in staff browser.",
            },
        },
    },
}


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(OPENAPI)
