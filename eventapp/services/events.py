"""The event this installation serves."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Event


def current_event() -> Event | None:
    """The event this installation serves: the one that starts last."""
    return db.session.execute(
        select(Event).order_by(Event.starts_on.desc(), Event.id.desc()).limit(1)
    ).scalar_one_or_none()
