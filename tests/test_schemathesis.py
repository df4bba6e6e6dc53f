"""schemathesis over /api/v1/openapi.json: generated requests (valid and invalid ones) to every
operation never get a server error, and every answer conforms to the document: a documented
status code, its content type, and its response schema.

Each operation gets schemathesis' example and coverage cases and MAX_EXAMPLES fuzzed ones,
on both backends (about 40 s in all): PostgreSQL refuses what SQLite stores (NUL bytes,
integers beyond 2**31-1), so each finds its own server errors. Derandomized, without a
Hypothesis database, so a run is repeatable (schemathesis also draws string constants from
the application's source, so a code change may change the cases).
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from eventapp import create_app
from eventapp.extensions import db
from eventapp.models import Delegate, StaffRole
from eventapp.services import checkin as checkin_service
from eventapp.services import staff as staff_service
from eventapp.services.events import current_event

from .factories import register_by_api

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 200  # fuzzed cases per operation, besides schemathesis' example and coverage cases
SYMPOSIUM = "german-enterprise-symposium"
# Badge codes of the delegates `door_token` registers, for the check-in bodies (see below).
SEEDED_CODES: list[str] = []
EMAIL_NUMBERS = itertools.count(1)


@pytest.fixture
def door_token(app, forum) -> str:
    """A real API token of a door account; three delegates, two of them checked in (the first
    check-in ids, which the generated undo requests hit now and then)."""
    client = app.test_client()
    for _ in range(3):
        assert register_by_api(client, ["exhibition"]).status_code == 201
    with app.app_context():
        user = staff_service.create_user("scanner@forum.test", StaffRole.DOOR, "long-password-123")
        token = staff_service.create_api_token(user)
        SEEDED_CODES[:] = db.session.execute(select(Delegate.checkin_code).order_by(Delegate.id)).scalars()
        event = current_event()
        for number, code in enumerate(SEEDED_CODES[:2]):
            checkin_service.scan(event, code, "exhibition", f"seed-{number}", user)
    return token


# The document is loaded once, from an app that serves it without touching a database;
# each operation's test then sends its cases to the test's own `app` (a fresh database).
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": False, "HUEY_IMMEDIATE": True}
    ),
)


@schema.hook
def flatmap_body(context, body):
    """Random slugs, countries and badge codes are almost never real ones, so every fuzzed
    request would stop at the first check. Half of the fuzzed bodies get real ones (the rest
    of the body as generated), so they also reach the database, the seat rules and the mails."""
    path = context.operation.path if context.operation is not None else None
    if not isinstance(body, dict) or path not in ("/registrations", "/checkins"):
        return st.just(body)
    if path == "/registrations":
        real = {
            "sessions": st.sampled_from([["exhibition"], [SYMPOSIUM], [SYMPOSIUM, "exhibition"]]),
            "country": st.sampled_from(["CN", "DE", "de"]),
            "email": st.builds(lambda: f"fuzz{next(EMAIL_NUMBERS)}@example.de"),
        }
    else:
        real = {
            "code": st.sampled_from(SEEDED_CODES or ["NOSUCHCODE"]),
            "session": st.sampled_from(["entrance", "exhibition", SYMPOSIUM]),
        }
    return st.booleans().flatmap(
        lambda keep: st.just(body) if keep else st.fixed_dictionaries(real).map(lambda values: {**body, **values})
    )


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(case, app, door_token):
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {door_token}"}, checks=CHECKS)
