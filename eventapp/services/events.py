"""The event this installation serves."""

from __future__ import annotations

from email.utils import parseaddr
from functools import lru_cache

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload

from ..extensions import db
from ..i18n import localized
from ..models import Event, Session

# The event this installation serves is the one that starts last.
_LAST_FIRST = (Event.starts_on.desc(), Event.id.desc())
# Built once: every page and API call asks it.
_CURRENT_EVENT = select(Event).order_by(*_LAST_FIRST).limit(1)
# Its id, for a statement that reads the event along with what it is about (a door scan).
CURRENT_EVENT_ID = select(Event.id).order_by(*_LAST_FIRST).limit(1).scalar_subquery()
# What a page or API call about the event's people reads of the event itself: not its
# texts (three languages each, decoded from JSON on every load).
EVENT_TEXTS = (Event.description, Event.name, Event.venue, Event.theme)
# A registration reads the sessions' titles, windows and seats, not their descriptions
# (three languages of text each), nor the event's texts, which the join would repeat in
# each session's row (the driver decodes every JSON value of every row).
_CURRENT_EVENT_WITH_SESSIONS = _CURRENT_EVENT.options(
    *(defer(text) for text in EVENT_TEXTS),
    joinedload(Event.sessions).defer(Session.description),
)


def current_event(*, with_sessions: bool = False) -> Event | None:
    """The event this installation serves: the one that starts last. `with_sessions`: its
    sessions loaded in the same statement, for a caller that goes through them all (a
    registration: one round trip fewer on the busiest path)."""
    if with_sessions:
        return db.session.execute(_CURRENT_EVENT_WITH_SESSIONS).unique().scalar_one_or_none()
    return db.session.execute(_CURRENT_EVENT).scalar_one_or_none()


def sender_address() -> tuple[str, str]:
    """MAIL_DEFAULT_SENDER's address (it may be given as "Name <address>") and its name."""
    name, address = _parsed_address(current_app.config["MAIL_DEFAULT_SENDER"])
    return address, name


@lru_cache(maxsize=8)
def _parsed_address(value: str) -> tuple[str, str]:
    return parseaddr(value)  # each outbox row's Message-ID asks, under the seat lock


def sender_for(event: Event, language: str) -> tuple[str, str]:
    """Who mails about `event` come from, in `language`: MAIL_DEFAULT_SENDER's address and
    its name, else the forum's name. Calendar files name the same as their ORGANIZER."""
    address, name = sender_address()
    return address, name or localized(event.name, language)
