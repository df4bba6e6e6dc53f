"""Rows written at commit (audit entries, outbox mails): with the commit, or not at all.

On PostgreSQL they go with the COMMIT in one round trip (psycopg's pipeline mode), so a
row the database refuses surfaces only at the commit: it must still be SQLAlchemy's
IntegrityError, roll back the whole transaction, and leave the connection usable."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool

from eventapp.extensions import db
from eventapp.models import AuditEntry, Session, utcnow
from eventapp.services.transactions import insert_object, insert_rows_at_commit, write_transaction

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


# --- insert_object: a new object written without the unit of work ------------------------


def _new_delegate(event, email: str):
    from eventapp.models import Delegate
    from eventapp.services.registration import new_checkin_code

    return Delegate(
        event_id=event.id,
        family_name="Weiß",
        given_name="Jürgen",
        organisation="Müller & Söhne",
        country="DE",
        email=email,
        email_normalized=email,
        consent_at=utcnow(),
        manage_token_hash=email.ljust(64, "0"),
        checkin_code=new_checkin_code(),
    )


def test_an_object_inserted_is_persistent_with_its_defaults_and_reads_without_a_query(app, forum):
    from eventapp.models import Delegate
    from eventapp.services.events import current_event

    statements: list[str] = []
    with app.app_context():
        with write_transaction():
            delegate = _new_delegate(current_event(), "weiss@example.de")

            def note(_connection, _cursor, statement, *args):
                statements.append(statement)

            sa_event.listen(db.engine, "before_cursor_execute", note)
            insert_object(delegate)
            assert len(statements) == 1 and statements[0].startswith("INSERT INTO delegates")
            assert sa_inspect(delegate).persistent and delegate.id is not None
            assert delegate not in db.session.dirty and not db.session.new
            # Python defaults filled in; nothing expired, so reading them asks nothing.
            assert (delegate.position, delegate.phone, delegate.language) == ("", "", "en")
            assert delegate.created_at is not None and delegate.delegation_id is None
            assert len(statements) == 1
            db.session.flush()  # nothing left for the unit of work to write
            assert len(statements) == 1
            delegate_id, created_at = delegate.id, delegate.created_at
            sa_event.remove(db.engine, "before_cursor_execute", note)
        db.session.expunge_all()
        kept = db.session.get_one(Delegate, delegate_id)
        assert (kept.family_name, kept.organisation, kept.position) == ("Weiß", "Müller & Söhne", "")
        assert kept.created_at == created_at


def test_a_rollback_takes_an_inserted_object_out_of_the_session_as_it_does_a_flushed_one(app, forum):
    from eventapp.models import Delegate
    from eventapp.services.events import current_event

    with app.app_context():
        event = current_event()
        with pytest.raises(RuntimeError), write_transaction():
            rolled_back = _new_delegate(event, "first@example.de")
            insert_object(rolled_back)
            raise RuntimeError("the change fails")
        assert sa_inspect(rolled_back).transient and rolled_back.family_name == "Weiß"
        # SQLite gives the next row the same id again: no clash with the one rolled back.
        with write_transaction():
            kept = _new_delegate(event, "second@example.de")
            insert_object(kept)
            with pytest.raises(RuntimeError), db.session.begin_nested():  # a savepoint of its own
                inner = _new_delegate(event, "inner@example.de")
                insert_object(inner)
                raise RuntimeError("the savepoint fails")
            assert sa_inspect(inner).transient and sa_inspect(kept).persistent
        emails = db.session.scalars(select(Delegate.email).where(Delegate.email.like("%@example.de"))).all()
        assert emails == ["second@example.de"]
