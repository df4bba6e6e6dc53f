"""Small builders of test data: registration payloads and ways to read the outcome."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Registration, RegistrationStatus, Session

_numbers = itertools.count(1)

GERMAN = {
    "family_name": "Müller-Lüdenscheidt",
    "given_name": "Jürgen",
    "organisation": "Weiß & Söhne Präzisionstechnik GmbH",
    "position": "Geschäftsführer",
    "organisation_type": "enterprise",
    "country": "DE",
    "language": "de",
}
CHINESE = {
    "family_name": "Wang",
    "given_name": "Xiaoming",
    "name_native": "王小明",
    "native_name_order": "family_first",
    "organisation": "北京精工智能装备有限公司",
    "position": "总经理",
    "organisation_type": "enterprise",
    "country": "CN",
    "language": "zh",
}


def person(base: dict | None = None, **overrides) -> dict:
    """A registration payload with a fresh email (as the API takes it)."""
    payload = dict(base or GERMAN)
    payload["email"] = f"delegate{next(_numbers)}@example.de"
    payload["consent"] = True
    payload.update(overrides)
    return payload


def register_by_api(client, sessions, base=None, **overrides):
    return client.post("/api/v1/registrations", json={**person(base, **overrides), "sessions": sessions})


def form_data(payload: dict, sessions) -> dict:
    """The same person as the HTML form posts it."""
    data = {k: v for k, v in payload.items() if k != "consent"}
    if payload.get("consent"):
        data["consent"] = "y"
    data["sessions"] = list(sessions)
    return data


def seats(app, slug: str) -> dict:
    """What the database holds for one session."""
    with app.app_context():
        session = db.session.execute(select(Session).where(Session.slug == slug)).scalar_one()
        registrations = (
            db.session.execute(select(Registration).where(Registration.session_id == session.id)).scalars().all()
        )
        by_status = {status: [r for r in registrations if r.status == status] for status in RegistrationStatus}
        return {
            "capacity": session.capacity,
            "confirmed_count": session.confirmed_count,
            "confirmed": len(by_status[RegistrationStatus.CONFIRMED]),
            "waitlisted": len(by_status[RegistrationStatus.WAITLISTED]),
            "cancelled": len(by_status[RegistrationStatus.CANCELLED]),
            "ranks": sorted(r.waitlist_rank for r in by_status[RegistrationStatus.WAITLISTED]),
        }


def set_session(app, slug: str, **values) -> None:
    with app.app_context():
        session = db.session.execute(select(Session).where(Session.slug == slug)).scalar_one()
        for name, value in values.items():
            setattr(session, name, value)
        db.session.commit()
