"""Signing staff in during tests."""
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
