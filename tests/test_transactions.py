"""Rows written at commit (audit entries, outbox mails): with the commit, or not at all.

On PostgreSQL they go with the COMMIT in one round trip (psycopg's pipeline mode), so a
row the database refuses surfaces only at the commit: it must still be SQLAlchemy's
IntegrityError, roll back the whole transaction, and leave the connection usable."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool

from eventapp.extensions import db
from eventapp.models import AuditEntry, Session
from eventapp.services.transactions import insert_rows_at_commit, write_transaction

SYMPOSIUM = "german-enterprise-symposium"


def _audit_row(**values) -> dict:
    return {"actor": "test", "action": "test", **values}


def _capacity() -> int | None:
    return db.session.scalar(select(Session.capacity).where(Session.slug == SYMPOSIUM))


def _entries() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.actor == "test"))


def test_rows_noted_are_written_with_the_commit_and_not_after_a_rollback(app, forum):
    with app.app_context():
        with write_transaction():
            insert_rows_at_commit(AuditEntry, _audit_row(details={"n": 1}))
            insert_rows_at_commit(AuditEntry, _audit_row(details={"n": 2}))
        assert _entries() == 2
        with pytest.raises(RuntimeError), write_transaction():
            insert_rows_at_commit(AuditEntry, _audit_row())
            raise RuntimeError("the change fails")
        assert _entries() == 2
        with write_transaction():  # nothing left over from the rolled-back one
            pass
        assert _entries() == 2


def test_a_row_refused_at_the_commit_rolls_back_the_whole_transaction(app, forum):
    with app.app_context():
        before = _capacity()
        with pytest.raises(IntegrityError), write_transaction():
            db.session.execute(select(Session).where(Session.slug == SYMPOSIUM)).scalar_one().capacity = 99
            insert_rows_at_commit(AuditEntry, _audit_row(delegate_id=987654))  # no such delegate
        db.session.rollback()
        assert _capacity() == before  # the change made beside the row is not kept either
        assert _entries() == 0
        with write_transaction():  # the connection serves the next transaction
            insert_rows_at_commit(AuditEntry, _audit_row())
        assert _entries() == 1


def test_a_connection_lost_before_the_commit_fails_it_as_unavailable_and_is_replaced(app, forum, backend):
    if backend != "postgresql":
        pytest.skip("a PostgreSQL server drops connections")
    from eventapp.errors import database_unavailable

    with app.app_context():
        with pytest.raises(DBAPIError) as failed, write_transaction():
            insert_rows_at_commit(AuditEntry, _audit_row())
            pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with create_engine(db.engine.url, poolclass=NullPool).begin() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert database_unavailable(failed.value)  # answered 503, "try again"
        db.session.rollback()
        with write_transaction():  # the pool gives a working connection again
            insert_rows_at_commit(AuditEntry, _audit_row())
        assert _entries() == 1
