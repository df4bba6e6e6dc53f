"""The OpenAPI document at /api/v1/openapi.json: a valid OpenAPI 3.1 document that agrees with
README's contract, the forms' limits and the API's routes, and that real answers match.

Every answer below goes through `documented()`: its status must be documented for the
operation, and its JSON body must match that response's schema (JSON Schema 2020-12, with
`$ref`s resolved in the document's components).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import select
from wtforms.validators import Length

from eventapp import create_app
from eventapp.extensions import db, limiter
from eventapp.models import QUESTIONS, Delegate, QuestionUse, StaffRole
from eventapp.public.forms import RegistrationForm
from eventapp.services import staff as staff_service

from .factories import CHINESE, person, register_by_api, set_session

SYMPOSIUM = "german-enterprise-symposium"
README = Path(__file__).resolve().parent.parent / "README.md"
FORMATS = Draft202012Validator.FORMAT_CHECKER  # date-time (rfc3339-validator) and email


# ---- helpers ----


@pytest.fixture
def spec(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


@pytest.fixture
def bearer(app) -> dict:
    """Headers with a real API token of a door account."""
    with app.app_context():
        user = staff_service.create_user("scanner@forum.test", StaffRole.DOOR, "long-password-123")
        token = staff_service.create_api_token(user)
    return {"Authorization": f"Bearer {token}"}


def resolve(spec: dict, item: dict) -> dict:
    while "$ref" in item:
        node = spec
        for part in item["$ref"].removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        item = node
    return item


def schema_errors(spec: dict, schema: dict, instance) -> list[str]:
    """Validate against a schema taken from the document; its `$ref`s resolve in the document."""
    root = {**spec, "x-checked": schema, "$ref": "#/x-checked"}
    validator = Draft202012Validator(root, format_checker=FORMATS)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def documented(spec: dict, method: str, path: str, response) -> dict | list:
    """The status is documented for the operation and the body matches its schema."""
    operation = spec["paths"][path][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], (
        f"{method} {path} answered {status} ({response.get_data(as_text=True)[:200]}); "
        f"documented: {sorted(operation['responses'])}"
    )
    answer = resolve(spec, operation["responses"][status])
    assert response.mimetype in answer["content"], f"{method} {path} {status}: {response.content_type}"
    body = response.json
    errors = schema_errors(spec, answer["content"][response.mimetype]["schema"], body)
    assert not errors, f"{method} {path} {status}: {errors} in {body}"
    return body


def checkin_code(app, email: str) -> str:
    with app.app_context():
        return db.session.execute(
            select(Delegate.checkin_code).where(Delegate.email_normalized == email.lower())
        ).scalar_one()


def registered_code(client, app, sessions=(SYMPOSIUM,), **overrides) -> str:
    payload = person(**overrides)
    response = client.post("/api/v1/registrations", json={**payload, "sessions": list(sessions)})
    assert response.status_code == 201, response.json
    return checkin_code(app, payload["email"])


def readme_section(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(heading)
    end = re.compile(r"^#{2,3} ", re.M).search(text, start + len(heading))
    return text[start : end.start() if end else len(text)]


def json_blocks(section: str) -> list:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", section, re.S)]


def table_fields(section: str) -> dict[str, str]:
    """`field` -> the second column of README's field tables."""
    fields = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`"):
            for name in re.findall(r"`(\w+)`", cells[0]):
                fields[name] = cells[1]
    return fields


# ---- the document itself ----


def test_document_is_valid_openapi_3_1_and_its_schemas_are_valid_json_schema(spec):
    assert spec["openapi"].startswith("3.1")
    validate_openapi(spec)
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                Draft202012Validator.check_schema(media["schema"])
                if "example" in media:
                    assert not schema_errors(spec, media["schema"], media["example"]), (method, path)


def test_every_api_route_is_documented_and_nothing_else(app, spec):
    assert spec["servers"] == [{"url": "/api/v1"}]
    documented_operations = {
        (method.upper(), "/api/v1" + path) for path, item in spec["paths"].items() for method in item
    }
    routes = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == documented_operations


def test_check_in_operations_need_a_bearer_token_or_a_staff_session(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        **spec["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
    }
    for path in ("/checkins", "/checkins/{checkin_id}/undo"):
        operation = spec["paths"][path]["post"]
        assert {"bearerAuth": []} in operation["security"]
        assert "401" in operation["responses"]
    for path in ("/sessions", "/registrations"):
        assert "security" not in next(iter(spec["paths"][path].values()))
    undo = spec["paths"]["/checkins/{checkin_id}/undo"]["post"]
    assert undo["requestBody"]["required"] is True and list(undo["requestBody"]["content"]) == ["application/json"]
    (checkin_id,) = undo["parameters"]
    assert checkin_id["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def test_registration_fields_have_the_forms_limits_and_choices(app, spec):
    properties = spec["components"]["schemas"]["RegistrationRequest"]["properties"]
    with app.test_request_context():
        # Every question asked, so the form has a field for every property of the request.
        form = RegistrationForm(meta={"csrf": False}, uses=dict.fromkeys(QUESTIONS, QuestionUse.OPTIONAL))
        for name, prop in properties.items():
            field = form[name]
            lengths = [v.max for v in field.validators if isinstance(v, Length)]
            if lengths:
                assert prop.get("maxLength") == lengths[0], name
            if name in ("native_name_order", "organisation_type", "language"):
                assert prop["enum"] == [value for value, _label in field.choices], name
                assert prop["default"] == field.default, name
        assert set(properties) == {name for name in form._fields if name != "csrf_token"}


def test_registration_fields_and_required_ones_are_readmes(spec):
    section = readme_section("### `POST /api/v1/registrations`")
    fields = table_fields(section.split("Responses:")[0])
    request = spec["components"]["schemas"]["RegistrationRequest"]
    assert set(request["properties"]) == set(fields)
    assert set(request["required"]) == {name for name, required in fields.items() if required == "yes"}


def test_readme_examples_match_the_document(spec):
    (sessions,) = json_blocks(readme_section("### `GET /api/v1/sessions`"))
    assert not schema_errors(spec, {"type": "array", "items": {"$ref": "#/components/schemas/Session"}}, sessions)
    assert set(sessions[0]) == set(spec["components"]["schemas"]["Session"]["properties"])
    created, unprocessable = json_blocks(readme_section("### `POST /api/v1/registrations`"))
    assert not schema_errors(spec, {"$ref": "#/components/schemas/RegistrationCreated"}, created)
    assert not schema_errors(spec, {"$ref": "#/components/schemas/FieldErrors"}, unprocessable)
    section = readme_section("### `POST /api/v1/checkins`")
    (scanned,) = json_blocks(section)
    result = spec["components"]["schemas"]["CheckinResult"]
    assert not schema_errors(spec, {"$ref": "#/components/schemas/CheckinResult"}, scanned)
    assert set(scanned) == set(result["properties"]) == set(result["required"])
    assert set(scanned["delegate"]) == set(spec["components"]["schemas"]["Delegate"]["properties"])
    assert set(table_fields(section)) == set(spec["components"]["schemas"]["CheckinRequest"]["properties"])
    statuses = re.sub(r"\([^)]*\)", "", re.search(r"`status` is one of (.*?)\.", section).group(1))
    assert set(re.findall(r"`(\w+)`", statuses)) == set(result["properties"]["status"]["enum"])


# ---- GET /sessions ----


def test_sessions_answers_match_the_document(app, spec, forum):
    client = app.test_client()
    register_by_api(client, [SYMPOSIUM])
    for language in ("en", "de", "zh"):
        sessions = documented(spec, "GET", "/sessions", client.get(f"/api/v1/sessions?lang={language}"))
        assert len(sessions) == 4
    listed = {s["slug"]: s for s in sessions}
    assert listed[SYMPOSIUM]["confirmed"] == 1 and listed["exhibition"]["capacity"] is None
    unstorable = client.get("/api/v1/sessions?lang=%00")
    assert unstorable.status_code == 400
    documented(spec, "GET", "/sessions", unstorable)


def test_sessions_without_an_event_is_a_documented_404(app, spec):
    response = app.test_client().get("/api/v1/sessions")
    assert response.status_code == 404
    assert documented(spec, "GET", "/sessions", response)["error"]


# ---- POST /registrations ----


def test_registration_answers_match_the_document(app, spec, forum):
    client = app.test_client()
    set_session(app, SYMPOSIUM, capacity=1)

    def post(**kwargs):
        return client.post("/api/v1/registrations", **kwargs)

    first = post(json={**person(), "sessions": [SYMPOSIUM]})
    assert first.status_code == 201
    created = documented(spec, "POST", "/registrations", first)
    assert created["registrations"] == [{"session": SYMPOSIUM, "status": "confirmed", "waitlist_position": None}]
    assert urlsplit(created["manage_url"]).scheme == "http" and urlsplit(created["manage_url"]).netloc == "forum.test"

    waitlisted = post(json={**person(CHINESE), "sessions": [SYMPOSIUM, "exhibition"]})
    assert waitlisted.status_code == 201
    assert [
        r["waitlist_position"] for r in documented(spec, "POST", "/registrations", waitlisted)["registrations"]
    ] == [1, None]

    again = person()
    assert post(json={**again, "sessions": ["exhibition"]}).status_code == 201
    conflict = post(json={**again, "email": again["email"].upper(), "sessions": ["exhibition"]})
    assert conflict.status_code == 409
    assert set(documented(spec, "POST", "/registrations", conflict)["errors"]) == {"email"}

    cases = {
        "wrong types": ({"family_name": 7, "sessions": "exhibition", "consent": "yes"}, 422),
        "missing fields": ({}, 422),
        "too long": ({**person(), "organisation": "x" * 201, "sessions": ["exhibition"]}, 422),
        "unknown session": ({**person(), "sessions": ["gala-dinner"]}, 422),
        "invitation only": ({**person(), "sessions": ["opening-ceremony"]}, 422),
        "no consent": ({**person(), "consent": False, "sessions": ["exhibition"]}, 422),
        "a list": ([1, 2], 400),
        "a string": ("exhibition", 400),
        "NUL in a name": ({**person(), "family_name": "Mü\x00ller", "sessions": ["exhibition"]}, 400),
        "a lone surrogate": ({**person(), "organisation": "\ud800", "sessions": ["exhibition"]}, 400),
        "nested too deeply": ({**person(), "sessions": ["exhibition"], "x": json.loads("[" * 50 + "]" * 50)}, 400),
    }
    for name, (body, status) in cases.items():
        response = post(data=json.dumps(body), content_type="application/json")
        assert response.status_code == status, (name, response.get_data(as_text=True)[:300])
        documented(spec, "POST", "/registrations", response)

    broken = post(data="{not json", content_type="application/json")
    assert broken.status_code == 400
    assert documented(spec, "POST", "/registrations", broken)["errors"]["body"]
    form = post(data={"family_name": "x"})
    assert form.status_code == 415
    assert "application/json" in documented(spec, "POST", "/registrations", form)["message"]
    huge = post(json={**person(), "sessions": ["exhibition"], "padding": "x" * (1024 * 1024)})
    assert huge.status_code == 413
    documented(spec, "POST", "/registrations", huge)


def test_registration_without_an_event_is_a_documented_404(app, spec):
    response = register_by_api(app.test_client(), ["exhibition"])
    assert response.status_code == 404
    documented(spec, "POST", "/registrations", response)


def test_too_many_registrations_is_a_documented_429(app, spec, forum):
    limited = create_app(
        {
            **app.config,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "REGISTRATION_RATE_LIMIT": "1 per minute",
        }
    )
    with limited.app_context():
        limiter.reset()
    try:
        client = limited.test_client()
        assert register_by_api(client, ["exhibition"]).status_code == 201
        refused = register_by_api(client, ["exhibition"])
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert documented(spec, "POST", "/registrations", refused)["message"]
    finally:
        with limited.app_context():
            limiter.reset()
            db.engine.dispose()


# ---- POST /checkins ----


def test_checkin_answers_match_the_document(app, spec, forum, bearer):
    client = app.test_client()

    def scan(body, headers=bearer, **kwargs):
        if body is not None:
            kwargs["json"] = body
        response = client.post("/api/v1/checkins", headers=headers, **kwargs)
        return response, documented(spec, "POST", "/checkins", response)

    code = registered_code(client, app, family_name="Schmidt")
    first, answer = scan({"code": code.lower(), "session": SYMPOSIUM, "scan_id": str(uuid.uuid4())})
    assert first.status_code == 200
    assert answer["status"] == "ok" and answer["delegate"]["family_name"] == "Schmidt" and answer["checkin_id"]
    scanned_at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    _, already = scan({"code": code, "session": SYMPOSIUM, "scanned_at": scanned_at})
    assert already["status"] == "already_checked_in" and already["checked_in_at"] == answer["checked_in_at"]
    scan_id = str(uuid.uuid4())
    _, entrance = scan({"code": code, "session": "entrance", "scan_id": scan_id})
    _, replayed = scan({"code": code, "session": "entrance", "scan_id": scan_id})
    assert (entrance["status"], entrance["replayed"], replayed["replayed"]) == ("ok", False, True)
    _, invalid = scan({"code": "NOSUCHCODE", "session": "entrance"})
    assert invalid["status"] == "invalid" and invalid["delegate"] is None and invalid["checkin_id"] is None

    set_session(app, SYMPOSIUM, capacity=1)
    waiting = registered_code(client, app)
    _, waitlisted = scan({"code": waiting, "session": SYMPOSIUM})
    assert waitlisted["status"] == "waitlisted" and waitlisted["checked_in_door"] is None
    _, not_here = scan({"code": registered_code(client, app, sessions=["exhibition"]), "session": SYMPOSIUM})
    assert not_here["status"] == "not_registered"

    for body, fields in (
        ({"session": SYMPOSIUM}, {"code"}),
        ({"code": "  ", "session": ""}, {"code", "session"}),
        ({"code": code, "session": "gala-dinner"}, {"session"}),
        ({"code": code, "session": SYMPOSIUM, "scan_id": "x" * 65}, {"scan_id"}),
        ({"code": 7, "session": ["entrance"], "scan_id": 7}, {"code", "session", "scan_id"}),
        ({"code": code, "session": SYMPOSIUM, "scanned_at": "0001-01-01T00:00:00+14:00"}, {"scanned_at"}),
        ({"code": code, "session": SYMPOSIUM, "scanned_at": "yesterday"}, {"scanned_at"}),
    ):
        response, errors = scan(body)
        assert response.status_code == 422 and set(errors["errors"]) == fields, body

    for kwargs in (
        {"data": "[1]", "content_type": "application/json"},
        {"data": "{not json", "content_type": "application/json"},
        {"json": {"code": "A\x00B", "session": "entrance"}},
    ):
        response, _ = scan(None, **kwargs)
        assert response.status_code == 400, kwargs
    response, _ = scan(None, data={"code": code, "session": SYMPOSIUM})
    assert response.status_code == 415
    response, _ = scan({"code": code, "session": "entrance", "padding": "x" * (1024 * 1024)})
    assert response.status_code == 413

    for headers in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": bearer["Authorization"].replace("Bearer", "Basic")},
    ):
        response, _ = scan({"code": code, "session": SYMPOSIUM}, headers=headers)
        assert response.status_code == 401, headers


def test_checkin_without_an_event_is_a_documented_404(app, spec, bearer):
    response = app.test_client().post("/api/v1/checkins", json={"code": "X", "session": "entrance"}, headers=bearer)
    assert response.status_code == 404
    documented(spec, "POST", "/checkins", response)


# ---- POST /checkins/{checkin_id}/undo ----

UNDO = "/checkins/{checkin_id}/undo"


def test_undo_answers_match_the_document(app, spec, forum, bearer):
    client = app.test_client()
    code = registered_code(client, app)
    checkin_id = client.post("/api/v1/checkins", json={"code": code, "session": SYMPOSIUM}, headers=bearer).json[
        "checkin_id"
    ]

    def undo(checkin_id, headers=bearer, **kwargs):
        response = client.post(f"/api/v1/checkins/{checkin_id}/undo", headers=headers, **kwargs)
        return response, documented(spec, "POST", UNDO, response)

    response, undone = undo(checkin_id, json={})
    assert response.status_code == 200 and undone["id"] == checkin_id
    response, again = undo(checkin_id, json={})
    assert response.status_code == 200 and again == undone  # the first undone_at stays

    for missing in (checkin_id + 1000, 2**31 - 1, 2**31, 10**30, 0):
        response, _ = undo(missing, json={})
        assert response.status_code == 404, missing
    response, _ = undo(checkin_id, headers={}, json={})
    assert response.status_code == 401
    response, _ = undo(checkin_id, headers={"Authorization": "Bearer not-a-token"}, json={})
    assert response.status_code == 401


def test_undo_takes_only_json(app, spec, forum, bearer):
    client = app.test_client()
    code = registered_code(client, app)
    checkin_id = client.post("/api/v1/checkins", json={"code": code, "session": SYMPOSIUM}, headers=bearer).json[
        "checkin_id"
    ]
    for kwargs in ({}, {"data": "{}", "content_type": "text/plain"}, {"data": {"x": "1"}}):
        response = client.post(f"/api/v1/checkins/{checkin_id}/undo", headers=bearer, **kwargs)
        assert response.status_code == 415, kwargs
        documented(spec, "POST", UNDO, response)
    still = client.post("/api/v1/checkins", json={"code": code, "session": SYMPOSIUM}, headers=bearer).json
    assert still["status"] == "already_checked_in"  # none of them undid it
