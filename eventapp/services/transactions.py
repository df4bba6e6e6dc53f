"""Write transactions that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, cast

import psycopg
from sqlalchemy import Column, Connection, Insert, Table, insert
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapper
from sqlalchemy.orm import Session as OrmSession

from ..extensions import db


@contextmanager
def write_transaction(keep_loaded: bool = False) -> Iterator[OrmSession]:
    """Run the block in one transaction that commits at the end and rolls back on error.

    On SQLite the transaction begins IMMEDIATE, taking the database's write lock before the
    first read: a transaction that has read and then writes can fail under WAL when another
    writer came between (SQLITE_BUSY_SNAPSHOT), which no busy timeout cures.

    keep_loaded: leave the objects loaded after the commit instead of expiring them, for a
    caller that reads them right after (saves reloading them on a hot path like a scan).
    """
    dbs = db.session()  # the Session itself: scoped_session hides in_transaction()
    if dbs.get_bind().dialect.name == "sqlite":
        if dbs.in_transaction():
            dbs.commit()
        dbs.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    expire_on_commit = dbs.expire_on_commit
    dbs.expire_on_commit = not keep_loaded and expire_on_commit
    try:
        yield dbs
        dbs.commit()
    except BaseException:
        dbs.rollback()
        raise
    finally:
        dbs.expire_on_commit = expire_on_commit


def insert_rows(model: Any, rows: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> None:
    """Write rows of `model`'s table with a plain INSERT in the transaction under way (the
    columns' defaults apply), without the ORM's unit of work: for rows nothing reads back
    as objects in the same transaction (audit entries, outbox mails, scans), whose
    bookkeeping cost a registration or a scan a tenth of its CPU."""
    db.session.execute(_plain_insert(model), rows)


_ROWS_AT_COMMIT = "eventapp_rows_at_commit"


def insert_rows_at_commit(model: Any, row: Mapping[str, Any]) -> None:
    """insert_rows, just before the transaction under way commits, together with the other
    rows of `model`'s table noted in it: one INSERT for all of them (a registration's audit
    entries: the new delegate's and the seat's). Rows whose ids are not needed, that
    nothing in the same transaction reads; a rolled-back transaction writes none."""
    db.session().info.setdefault(_ROWS_AT_COMMIT, {}).setdefault(model, []).append(row)


_ROW_MAKERS: list[Callable[[OrmSession], None]] = []


def make_rows_at_commit(maker: Callable[[OrmSession], None]) -> None:
    """Call `maker(session)` as each transaction commits, before the rows noted with
    insert_rows_at_commit are written, so it can note some too (the outbox's mails)."""
    if maker not in _ROW_MAKERS:
        _ROW_MAKERS.append(maker)


def _write_rows_noted(session: OrmSession) -> None:
    """The rows noted in the transaction, written as it commits. On PostgreSQL they go in
    one round trip (psycopg's pipeline mode): a registration's audit entries and its mail
    are among the last steps under the seat lock, and each round trip more there is a
    wait every other registration of the session waits too. The COMMIT itself is not
    sent with them: in a pipeline the server could end the connection (a fast shutdown)
    after the commit and before the pipeline's sync is answered, and a registration that
    was kept would be answered 503."""
    for maker in _ROW_MAKERS:
        maker(session)
    noted = session.info.pop(_ROWS_AT_COMMIT, None)
    if not noted:
        return
    statements = [(_plain_insert(model), rows) for model, rows in noted.items()]
    connection = session.connection()
    if connection.dialect.name != "postgresql" or session.in_nested_transaction():
        for statement, rows in statements:
            session.execute(statement, rows)
        return
    session.flush()  # the ORM's own changes first, outside the pipeline: UPDATEs read row counts
    with one_round_trip(connection):
        for statement, rows in statements:
            session.execute(statement, rows)


@contextmanager
def one_round_trip(connection: Connection) -> Iterator[psycopg.Connection]:
    """PostgreSQL: what the block sends on `connection` goes to the server together and is
    answered together (psycopg's pipeline mode), for the steps under the seat lock, where
    each round trip is a wait for everyone queued behind it. Statements that return no
    rows may go through SQLAlchemy; rows are read from the driver's cursors (SQLAlchemy
    would look for them before they arrive). An error arrives at the pipeline's sync,
    outside SQLAlchemy's execute, so it is raised here as SQLAlchemy's own."""
    driver = cast(psycopg.Connection, connection.connection.driver_connection)
    try:
        with driver.pipeline():
            yield driver
    except psycopg.Error as error:
        raise DBAPIError.instance(None, None, error, psycopg.Error, dialect=connection.dialect) from error


def insert_object(obj: Any) -> None:
    """Write a new object with one INSERT that asks back only its primary key (and any
    column filled by the database alone), and make it persistent as a flush would: no
    unit of work, which cost a registration's new delegate 1 ms of CPU, two thirds of
    making it. Its columns' Python defaults are filled in first, so every attribute is
    there to read without a query, and a rollback takes it out of the session again, as
    it does a flushed one. For an object with no pending children, whose parents are
    given by their ids (and, if it is to know them, set with set_committed_value): a new
    delegate, a new registration, a scan's check-in. A flush's listeners do not see it;
    on_object_inserted's do."""
    session = db.session()
    state = sa_inspect(obj)
    if not state.transient:
        raise ValueError("insert_object writes new objects only")
    plan = _insert_plan(state.mapper)
    values = {}
    for key, column_key, default in plan.columns:
        if key in state.dict:
            values[column_key] = state.dict[key]
        elif default is not None:
            values[column_key] = state.dict[key] = default()
    returned = session.connection().execute(plan.statement, values).one()
    for key, value in zip(plan.returned, returned):
        state.dict[key] = value
    session.add(obj)  # pending, and nothing flushes before the next line
    # What a flush does with the objects it inserted: into the identity map, history reset,
    # and noted as new in the transaction, so a rollback expunges it (private, but the one
    # place SQLAlchemy does it; tests/test_transactions.py checks all of this).
    session._register_persistent({state})
    for listener in _INSERT_LISTENERS:
        listener(session, obj)


_INSERT_LISTENERS: list[Callable[[OrmSession, Any], None]] = []


def on_object_inserted(listener: Callable[[OrmSession, Any], None]) -> None:
    """Call `listener(session, obj)` for each object insert_object writes: what a flush's
    listeners would have seen of it (the renders a new confirmed seat makes stale)."""
    if listener not in _INSERT_LISTENERS:
        _INSERT_LISTENERS.append(listener)


@dataclass(frozen=True)
class _InsertPlan:
    statement: Insert
    # (attribute, column, its value when not set; None: the database's, asked back)
    columns: list[tuple[str, str, Callable[[], Any] | None]]
    returned: list[str]  # the attributes asked back: the primary key, server defaults


@cache
def _insert_plan(mapper: Mapper) -> _InsertPlan:
    table = cast(Table, mapper.local_table)
    columns: list[tuple[str, str, Callable[[], Any] | None]] = []
    returned: list[tuple[str, Column]] = []
    for prop in mapper.column_attrs:
        column = cast(Column, prop.columns[0])
        if column.table is not table:
            continue
        default = cast(Any, column.default)
        if column.primary_key:
            returned.append((prop.key, column))
        if default is not None and default.is_scalar:
            columns.append((prop.key, column.key, partial(_same, default.arg)))
        elif default is not None and default.is_callable:
            columns.append((prop.key, column.key, partial(default.arg, None)))  # its context: none
        elif column.server_default is not None or column.primary_key:
            columns.append((prop.key, column.key, None))
            if not column.primary_key:
                returned.append((prop.key, column))
        else:
            columns.append((prop.key, column.key, partial(_same, None)))
    statement = insert(table).returning(*(column for _key, column in returned))
    return _InsertPlan(statement, columns, [key for key, _column in returned])


def _same(value: Any) -> Any:
    return value


@cache
def _plain_insert(model: Any) -> Insert:
    """An INSERT that asks nothing back (no RETURNING of the new ids): in a pipeline, no
    result is there to read before the sync."""
    return insert(cast(Table, model.__table__)).inline()


def _forget_rows_noted(session: OrmSession, previous_transaction) -> None:
    session.info.pop(_ROWS_AT_COMMIT, None)


sa_event.listen(db.session, "before_commit", _write_rows_noted)
sa_event.listen(db.session, "after_soft_rollback", _forget_rows_noted)
