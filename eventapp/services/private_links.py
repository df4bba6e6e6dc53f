"""A delegate's private link: a 256-bit token derived from a random nonce and the secret
key. The database keeps the nonce and the token's hash only, so the mail sender can write the
link again while a copy of the database alone opens no one's registration."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Delegate, Delegation, Invitation


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_token(purpose: str, nonce: str) -> str:
    """A 256-bit link token: an HMAC of a random nonce with the secret key, for one purpose
    (a delegate's private link, an invitation, a delegation's contact page: one never opens
    another). The database keeps the nonce and the token's hash, so the mail sender can
    write the link again, while a copy of the database alone opens nothing."""
    secret = current_app.secret_key
    if secret is None:
        raise RuntimeError("private links need the app's SECRET_KEY")
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"{purpose}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def private_link_token(nonce: str) -> str:
    """The delegate's private link's token (see link_token)."""
    return link_token("private-link", nonce)


def new_manage_token() -> tuple[str, str, str]:
    """A fresh private link: its token, the hash that is stored, and the nonce it comes from."""
    nonce = secrets.token_hex(16)
    token = private_link_token(nonce)
    return token, hash_token(token), nonce


def invitation_token(invitation: Invitation) -> str:
    """The token of an invitee's personal link to the registration form (see link_token)."""
    return link_token("invitation", invitation.link_nonce)


def contact_page_token(delegation: Delegation) -> str:
    """The token of a delegation's contact page (see link_token)."""
    return link_token("delegation", delegation.manage_link_nonce)


def current_private_link_token(delegate: Delegate) -> str | None:
    """The token of the delegate's link now (None for a link made before nonces existed)."""
    return private_link_token(delegate.manage_link_nonce) if delegate.manage_link_nonce else None


def find_delegate_by_token(token: str) -> Delegate | None:
    if not token or len(token) > 100:
        return None
    return db.session.execute(
        select(Delegate).where(Delegate.manage_token_hash == hash_token(token))
    ).scalar_one_or_none()
