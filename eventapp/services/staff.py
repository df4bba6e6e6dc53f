"""Staff accounts, passwords and API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import ApiToken, StaffRole, StaffSession, StaffUser, utcnow
from .audit import Actor, AuditAction, record_audit
from .private_links import hash_token
from .transactions import write_transaction

PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10


@cache
def _dummy_hash() -> str:
    """A hash to check a password against when nobody has the email given, so a failed
    login takes as long as a wrong password does. Made on first use: scrypt takes 0.1 s,
    which every process that logs nobody in would pay at its start."""
    return generate_password_hash("not a real password", method=PASSWORD_METHOD)


class StaffError(Exception):
    pass


def find_user(email: str) -> StaffUser | None:
    return db.session.execute(select(StaffUser).where(StaffUser.email == email.strip().lower())).scalar_one_or_none()


def create_user(
    email: str, role: StaffRole, password: str, name: str = "", *, actor: Actor = Actor.SYSTEM
) -> StaffUser:
    """A new staff account; the email must be new and the password long enough. The
    account and its audit entry are one transaction (the password is hashed before it)."""
    email = email.strip().lower()
    if "@" not in email:
        raise StaffError(_("Give an email address."))
    check_password_length(password)
    password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    taken = StaffError(_("There is already an account for %(email)s.", email=email))
    try:
        with write_transaction() as dbs:
            if find_user(email) is not None:
                raise taken
            user = StaffUser(email=email, name=name, role=StaffRole(role), password_hash=password_hash)
            dbs.add(user)
            dbs.flush()
            record_audit(AuditAction.STAFF_CREATED, actor, email=user.email, role=user.role.value)
    except IntegrityError:  # created by someone else between the check and the insert
        raise taken from None
    return user


def check_password_length(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(_("The password needs at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))


def set_password(user: StaffUser, password: str, *, actor: Actor) -> None:
    """A new password (the CLI's set-password): every sign-in of the account ends."""
    check_password_length(password)
    password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    with write_transaction() as dbs:
        dbs.refresh(user)
        user.password_hash = password_hash
        end_all_sessions(user)
        record_audit(AuditAction.STAFF_CHANGED, actor, email=user.email, password="changed")


def change_account(user: StaffUser, role: StaffRole, active: bool, *, by: StaffUser, actor: Actor) -> None:
    """An admin changes an account's role or deactivates it (all its sign-ins end then);
    no admin takes away their own admin rights, so there is always one left."""
    if user.id == by.id and (role != StaffRole.ADMIN or not active):
        raise StaffError(_("You cannot take away your own admin rights."))
    with write_transaction() as dbs:
        dbs.refresh(user)
        before = {"role": user.role.value, "active": user.active}
        user.role, user.active = role, active
        if not active:
            end_all_sessions(user)
        record_audit(
            AuditAction.STAFF_CHANGED,
            actor,
            email=user.email,
            before=before,
            after={"role": role.value, "active": active},
        )


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active account with this email and password, else None (never says which failed)."""
    user = find_user(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def start_session(user: StaffUser) -> str:
    """A new sign-in for `user`: the key for the session cookie (only its hash is kept).
    A write transaction of its own: the read that found the account ended before the
    password was hashed, so a writer meanwhile (the background worker) cannot lock it out."""
    key = secrets.token_urlsafe(32)
    with write_transaction() as dbs:
        user = dbs.get_one(StaffUser, user.id, populate_existing=True)
        user.last_login_at = utcnow()
        dbs.add(StaffSession(user=user, key_hash=hash_token(key)))
    return key


def user_for_session(user_id: int, key: str | None) -> StaffUser | None:
    """The active user whose sign-in `key` names, if that sign-in has not ended and is not
    older than STAFF_SESSION_HOURS (a forgotten browser does not stay signed in for weeks)."""
    if not key or len(key) > 200:
        return None
    return db.session.execute(
        select(StaffUser)
        .join(StaffSession, StaffSession.user_id == StaffUser.id)
        .where(
            StaffUser.id == user_id,
            StaffUser.active.is_(True),
            StaffSession.key_hash == hash_token(key),
            StaffSession.ended_at.is_(None),
            StaffSession.created_at > utcnow() - timedelta(hours=current_app.config["STAFF_SESSION_HOURS"]),
        )
    ).scalar_one_or_none()


def end_session(key: str | None) -> None:
    """Signing out: this browser's sign-in ends, whoever holds a copy of its cookie."""
    if key:
        with write_transaction() as dbs:  # the request has read (the signed-in user): write afresh
            dbs.execute(
                db.update(StaffSession)
                .where(StaffSession.key_hash == hash_token(key), StaffSession.ended_at.is_(None))
                .values(ended_at=utcnow())
            )


def end_all_sessions(user: StaffUser) -> None:
    """Every sign-in of `user` ends (deactivation, new password); the caller commits."""
    db.session.execute(
        db.update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def create_api_token(user: StaffUser) -> str:
    """A new bearer token for the user; shown once, only its hash is kept."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(token)))
    db.session.commit()
    return token


def user_for_api_token(token: str) -> StaffUser | None:
    if not token or len(token) > 200:
        return None
    user = db.session.execute(_user_by_token_statement(), {"token_hash": hash_token(token)}).scalar_one_or_none()
    if user is None or not user.active:
        return None
    return user


@cache
def _user_by_token_statement() -> Select[StaffUser]:
    """One statement, built once: a door app sends its token with every scan."""
    return select(StaffUser).join(StaffUser.api_tokens).where(ApiToken.token_hash == bindparam("token_hash"))


DEMO_ACCOUNTS = (
    ("admin@forum.example", StaffRole.ADMIN, "demo-admin-2026"),
    ("organiser@forum.example", StaffRole.ORGANISER, "demo-organiser-2026"),
    ("door@forum.example", StaffRole.DOOR, "demo-door-2026"),
)


def ensure_demo_accounts() -> list[tuple[str, str, str]]:
    """The demo admin, organiser and door accounts (created once); their logins."""
    for email, role, password in DEMO_ACCOUNTS:
        if find_user(email) is None:
            create_user(email, role, password, name=f"Demo {role.value}")
    return [(email, role.value, password) for email, role, password in DEMO_ACCOUNTS]
