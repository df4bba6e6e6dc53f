"""Signing out, or being deactivated, ends the sign-in on the server: a copy of the session
cookie taken before opens nothing afterwards."""

from __future__ import annotations

from eventapp.extensions import db
from eventapp.models import StaffRole, StaffUser
from eventapp.services import staff as staff_service
from eventapp.services.audit import Actor

from .staff_helpers import PASSWORD, make_staff, sign_in


def copied_session(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session", domain="forum.test").value, domain="forum.test")
    return thief


def test_a_copied_cookie_of_a_signed_out_organiser_no_longer_opens_the_back_office(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    thief = copied_session(app, client)
    assert thief.get("/admin/").status_code == 200  # the copy works while the sign-in lasts
    assert client.post("/staff/logout").status_code == 302
    for browser in (client, thief):
        response = browser.get("/admin/")
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_signing_out_ends_only_that_browser(app, client, forum):
    sign_in(client, app, StaffRole.ORGANISER)
    laptop = sign_in(app.test_client(), app, StaffRole.ORGANISER)
    client.post("/staff/logout")
    assert laptop.get("/admin/").status_code == 200


def test_deactivation_ends_every_sign_in_for_good(app, client, forum):
    email = make_staff(app, StaffRole.ORGANISER)
    sign_in(client, app, StaffRole.ORGANISER)
    thief = copied_session(app, client)
    admin = sign_in(app.test_client(), app, StaffRole.ADMIN)
    with app.app_context():
        user_id = staff_service.find_user(email).id
    prefix = f"user{user_id}"
    admin.post(f"/admin/staff/{user_id}", data={f"{prefix}-role": "organiser"})  # active unticked
    assert client.get("/admin/").status_code == 302 and thief.get("/admin/").status_code == 302
    # Active again: the old cookies stay dead; a new sign-in works.
    admin.post(f"/admin/staff/{user_id}", data={f"{prefix}-role": "organiser", f"{prefix}-active": "y"})
    with app.app_context():
        assert db.session.get(StaffUser, user_id).active
    assert client.get("/admin/").status_code == 302 and thief.get("/admin/").status_code == 302
    assert client.post("/staff/login", data={"email": email, "password": PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_new_password_ends_other_sign_ins(app, client, forum):
    email = make_staff(app, StaffRole.ORGANISER)
    sign_in(client, app, StaffRole.ORGANISER)
    with app.app_context():
        staff_service.set_password(staff_service.find_user(email), "another long password", actor=Actor.SYSTEM)
    assert client.get("/admin/").status_code == 302


def test_a_sign_in_ends_by_itself_after_staff_session_hours(app, client, forum):
    from datetime import timedelta

    from eventapp.models import StaffSession, utcnow

    sign_in(client, app, StaffRole.ORGANISER)
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        for staff_session in db.session.execute(db.select(StaffSession)).scalars():
            staff_session.created_at = utcnow() - timedelta(hours=app.config["STAFF_SESSION_HOURS"], minutes=1)
        db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_signing_in_succeeds_while_another_process_writes_to_the_database(app, client, forum, backend, monkeypatch):
    """The background worker writes all the time (badges, mails). Signing in reads the
    account, hashes the password (slow), then writes the sign-in: on SQLite a read
    transaction kept open across the hash cannot become a write after another writer
    committed ("database is locked"), whatever the busy timeout."""
    import sqlite3

    from sqlalchemy import text

    make_staff(app, StaffRole.ORGANISER)
    real_check = staff_service.check_password_hash

    def check_while_the_worker_writes(stored, password):
        if backend == "sqlite":
            worker = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"), timeout=30)
            worker.execute("UPDATE sessions SET revision = revision + 1 WHERE id > 0")
            worker.commit()
            worker.close()
        else:
            with db.engine.connect() as worker:
                worker.execute(text("UPDATE sessions SET revision = revision + 1 WHERE id > 0"))
                worker.commit()
        return real_check(stored, password)

    monkeypatch.setattr(staff_service, "check_password_hash", check_while_the_worker_writes)
    response = client.post("/staff/login", data={"email": "organiser@forum.test", "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert client.get("/admin/").status_code == 200
