"""What a load balancer sees: /healthz when the process answers, /readyz when it can serve."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from eventapp.extensions import db


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_with_a_migrated_database(client, app):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "current", "redis": "not configured"},
    }


def test_readyz_names_a_schema_behind_the_code(client, app):
    with app.app_context():
        (version,) = db.session.execute(text("SELECT version_num FROM alembic_version")).one()
        db.session.execute(text("UPDATE alembic_version SET version_num = 'be8b1ab1e324'"))
        db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert response.json["status"] == "not ready"
        assert response.json["checks"]["database"] == "ok"
        assert "schema at be8b1ab1e324" in response.json["checks"]["migrations"]
        assert "db upgrade" in response.json["checks"]["migrations"]
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
            db.session.commit()


def test_readyz_says_when_redis_is_unreachable(client, app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"].startswith("unreachable")
    assert response.json["checks"]["database"] == "ok"


def test_readyz_says_when_the_database_is_unreachable(app):
    from eventapp import create_app

    broken = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none", "TESTING": True})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("unreachable")
    assert response.json["checks"]["migrations"] == "unknown"


def test_a_server_on_postgresql_without_a_shared_key_or_redis_refuses_to_start(monkeypatch):
    import pytest

    from eventapp import HalfConfigured, create_app

    url = "postgresql+psycopg://postgres@127.0.0.1:1/none"
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(HalfConfigured, match="SECRET_KEY and REDIS_URL are not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": url, "SINGLE_SERVER": False, "REDIS_URL": ""})
    monkeypatch.setenv("SECRET_KEY", "shared-by-all-servers")
    with pytest.raises(HalfConfigured, match=r"REDIS_URL is not set.*EVENTAPP_SINGLE_SERVER=1"):
        create_app({"SQLALCHEMY_DATABASE_URI": url, "SINGLE_SERVER": False, "REDIS_URL": ""})
    # Fully configured, or explicitly the only server, or on SQLite: it starts.
    assert create_app({"SQLALCHEMY_DATABASE_URI": url, "SINGLE_SERVER": False, "REDIS_URL": "redis://127.0.0.1:6379/0"})
    monkeypatch.delenv("SECRET_KEY")
    assert create_app({"SQLALCHEMY_DATABASE_URI": url, "SINGLE_SERVER": True, "REDIS_URL": ""})
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SINGLE_SERVER": False, "REDIS_URL": ""})


def test_the_connection_pool_is_set_from_the_environment(monkeypatch):
    from eventapp import engine_options

    monkeypatch.setenv("DB_POOL_SIZE", "3")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("DB_POOL_RECYCLE", "300")
    monkeypatch.setenv("DB_PGBOUNCER", "1")
    options = engine_options("postgresql+psycopg://postgres@127.0.0.1/test")
    assert (options["pool_size"], options["max_overflow"], options["pool_recycle"]) == (3, 0, 300)
    assert options["connect_args"] == {"prepare_threshold": None}
    assert engine_options("sqlite:///x.sqlite3") == {}


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _drop_connection(database_url: str, pid: int) -> None:
    other = create_engine(database_url, poolclass=NullPool)
    with other.begin() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


def test_a_connection_the_server_dropped_while_idle_is_replaced_before_use(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL server drops connections")
    from eventapp.connections import ping_idle_connections

    engine = create_engine(database_url, pool_size=1, max_overflow=1)
    ping_idle_connections(engine, after_seconds=0.05)
    try:
        pid = _backend_pid(engine)
        _drop_connection(database_url, pid)
        time.sleep(0.1)  # idle past after_seconds: asked before use, replaced
        assert _backend_pid(engine) != pid
        # Used a moment ago: not asked. The request fails, and the pool replaces it.
        pid = _backend_pid(engine)
        _drop_connection(database_url, pid)
        with pytest.raises(OperationalError):
            _backend_pid(engine)
        assert _backend_pid(engine) != pid
    finally:
        engine.dispose()


def test_pages_and_the_api_answer_503_with_retry_after_while_the_database_is_unreachable():
    from eventapp import create_app

    down = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none", "TESTING": True})
    client = down.test_client()
    page = client.get("/?lang=en")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    text = page.get_data(as_text=True)
    assert "Briefly unavailable" in text and "Nothing was saved; please try again in a few seconds." in text
    assert '<html lang="en">' in text
    api = client.post("/api/v1/registrations", json={"family_name": "Müller"})
    # Flask-Limiter states the later of its window's reset and ours.
    assert api.status_code == 503 and 5 <= int(api.headers["Retry-After"]) <= 60
    assert api.json["error"] == "Briefly unavailable"
    assert client.get("/healthz").status_code == 200  # the process itself is alive
