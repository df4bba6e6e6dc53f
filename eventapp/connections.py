"""Pooled database connections: a dropped one is replaced before a request uses it.

SQLAlchemy's pool_pre_ping asks the server before every checkout: a round trip per
request, which a registration burst pays hundreds of times a second on connections used a
few milliseconds before. Here only a connection idle for longer than PING_AFTER_IDLE is
asked. One used more recently that the server dropped meanwhile (a restart within that
second) fails its request (503, services say "try again"), and SQLAlchemy then replaces
every connection of the pool made before the failure.
"""

from __future__ import annotations

import time

from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

PING_AFTER_IDLE = 1.0  # seconds (DB_PING_AFTER_IDLE)
_CHECKED_IN_AT = "eventapp_checked_in_at"


def ping_idle_connections(engine: Engine, after_seconds: float = PING_AFTER_IDLE) -> None:
    @sa_event.listens_for(engine, "checkin")
    def note_checkin(dbapi_connection, connection_record) -> None:
        connection_record.info[_CHECKED_IN_AT] = time.monotonic()

    @sa_event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, connection_record, connection_proxy) -> None:
        checked_in_at = connection_record.info.pop(_CHECKED_IN_AT, None)
        if checked_in_at is None or time.monotonic() - checked_in_at <= after_seconds:
            return  # new, or used a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if not engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise DisconnectionError("the server dropped this pooled connection")  # the pool takes another
