"""Signing staff in during tests, and every staff URL to try."""

from __future__ import annotations

from eventapp.models import StaffRole
from eventapp.services import staff as staff_service

PASSWORD = "correct horse battery"


def make_staff(app, role: StaffRole, email: str | None = None) -> str:
    email = email or f"{role.value}@forum.test"
    with app.app_context():
        if staff_service.find_user(email) is None:
            staff_service.create_user(email, role, PASSWORD)
    return email


def sign_in(client, app, role: StaffRole, email: str | None = None):
    email = make_staff(app, role, email)
    response = client.post("/staff/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def staff_urls(app):
    """Every URL of the admin and door blueprints, with sample values for their parts."""
    from werkzeug.routing import AnyConverter, IntegerConverter

    adapter = app.url_map.bind("forum.test")
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("admin.", "door.")):
            continue
        values = {}
        for name in rule.arguments:
            converter = rule._converters[name]
            if isinstance(converter, IntegerConverter):
                values[name] = 1
            elif isinstance(converter, AnyConverter):
                values[name] = "csv" if "csv" in converter.items else min(converter.items)
            else:
                values[name] = "exhibition"
        path = adapter.build(rule.endpoint, values, method=next(iter(rule.methods - {"HEAD", "OPTIONS"})))
        method = "GET" if "GET" in rule.methods else "POST"
        urls.append((rule.endpoint, method, path))
    assert len(urls) > 10
    return urls
