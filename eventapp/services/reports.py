"""Figures for organisers: fill levels, check-ins, registrations per day."""

from __future__ import annotations

from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..extensions import db
from ..models import ENTRANCE, Delegate, Event, Registration, Session
from .checkin import checked_in_counts
from .registration import session_fill


def registrations_per_day(event: Event) -> list[tuple[date, int]]:
    """New registrations per day in the event's time zone, oldest first."""
    zone = ZoneInfo(event.timezone)
    created = db.session.execute(
        select(Registration.created_at).join(Session).where(Session.event_id == event.id)
    ).scalars()
    counts = Counter(moment.astimezone(zone).date() for moment in created)
    return sorted(counts.items())


def dashboard_figures(event: Event) -> dict:
    checked_in = checked_in_counts(event)
    return {
        "sessions": [
            {
                "session": fill.session,
                "confirmed": fill.confirmed,
                "waitlisted": fill.waitlisted,
                "checked_in": checked_in.get(fill.session.slug, 0),
            }
            for fill in session_fill(event)
        ],
        "entrance_checked_in": checked_in.get(ENTRANCE, 0),
        "delegates": db.session.execute(
            select(func.count(Delegate.id)).where(Delegate.event_id == event.id)
        ).scalar_one(),
        "per_day": registrations_per_day(event),
    }
