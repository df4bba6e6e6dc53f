"""Test fixtures. Every test that takes `app` runs twice: on SQLite and on PostgreSQL.

PostgreSQL is the one at 127.0.0.1:5432 (user postgres, database test), or the server
named by EVENTAPP_TEST_POSTGRES. Each test run makes its own database there and drops it at
the end. When the server cannot be reached the PostgreSQL half is skipped, and the run says
so loudly at the end.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import date, timedelta

import pytest

os.environ.setdefault("EVENTAPP_INSTANCE", tempfile.mkdtemp(prefix="eventapp-test-instance-"))
os.environ.pop("DATABASE_URL", None)  # tests choose their databases themselves
# The servers tests start on PostgreSQL are each the only one: their key and queue may stay
# in their instance folder (tests/test_health.py checks the refusal without it).
os.environ["EVENTAPP_SINGLE_SERVER"] = "1"

from eventapp import create_app
from eventapp.extensions import db

POSTGRES_ADMIN_URL = os.environ.get("EVENTAPP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
_postgres_problem: list[str] = []


def _postgres_admin_connection():
    import psycopg

    return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated, empty database of each backend for the whole run."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "eventapp.sqlite3")
        _migrate(url)
        yield url
        return
    try:
        admin = _postgres_admin_connection()
    except Exception as error:  # noqa: BLE001 - any failure means "unreachable"
        _postgres_problem.append(f"{POSTGRES_ADMIN_URL}: {error}")
        pytest.skip(f"PostgreSQL unreachable ({error}); PostgreSQL tests NOT run")
    name = f"eventapp_test_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    try:
        _migrate(url)
        yield url
    finally:
        with _postgres_admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        db.session.execute(db.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PRERENDER_DOCUMENTS": False,  # badge tests turn it on where they need it
            "HUEY_IMMEDIATE": True,
            "MAIL_SEND_AFTER_COMMIT": False,  # tests send with mail.send_due() when they mean to
            "SERVER_NAME": "forum.test",
        }
    )
    # No app context stays pushed during a test: each request, and each `with
    # app.app_context()` in a test, gets a fresh database session, as in production.
    yield app
    with app.app_context():
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def backend(database_url) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def load_demo_forum(app) -> date:
    """The demo forum, 30 days from today (registration open); returns its date."""
    from eventapp.demo.forum import seed_demo_forum

    day = date.today() + timedelta(days=30)
    with app.app_context():
        seed_demo_forum(day)
    return day


@pytest.fixture
def forum(app):
    """The demo forum with its symposium open to all, first come first served: the seat,
    waiting-list and check-in rules are tested on its 27 seats. Returns the forum's date."""
    from eventapp.models import SessionAccess

    from .factories import set_session

    day = load_demo_forum(app)
    set_session(app, "german-enterprise-symposium", access=SessionAccess.OPEN)
    return day


@pytest.fixture
def curated_forum(app):
    """The demo forum as it is loaded: the symposium by application, the opening ceremony
    and the thematic forum by invitation, the exhibition open."""
    return load_demo_forum(app)


def pytest_report_header(config):
    return f"database backends: sqlite, postgresql ({POSTGRES_ADMIN_URL})"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _postgres_problem:
        line = "!" * 78
        terminalreporter.write_line(line, red=True, bold=True)
        terminalreporter.write_line(
            "POSTGRESQL IS UNREACHABLE: the PostgreSQL half of the database tests did NOT run.",
            red=True,
            bold=True,
        )
        for problem in _postgres_problem:
            terminalreporter.write_line(f"  {problem}", red=True)
        terminalreporter.write_line(
            "  Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
            red=True,
        )
        terminalreporter.write_line(line, red=True, bold=True)


# The SMTP inbox (tests/mailbox.py), for every test that reads what was sent.
from .mailbox import inbox, smtp_app  # noqa: E402,F401
