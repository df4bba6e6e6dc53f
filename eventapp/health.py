"""What a load balancer asks: /healthz (the process answers) and /readyz (it can serve:
the database and Redis answer, and the database schema is the one this code expects).

Both answer JSON, are never cached and never touch a delegate's data. /readyz answers 503
with the failing check named, so an orchestrator keeps traffic away until it is fixed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from .extensions import db, limiter

bp = Blueprint("health", __name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"  # eventapp/migrations (-> ../migrations)


@lru_cache(maxsize=1)
def code_heads() -> frozenset[str]:
    """The migration heads this code ships (read once: the code does not change while running)."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def check_database() -> tuple[str, bool]:
    """ "ok" or what is wrong (unreachable, or the schema behind the code); and whether the
    database is reachable with the schema this code expects."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        cause = error.orig if isinstance(error, DBAPIError) and error.orig else error  # the driver's error
        return f"unreachable: {type(cause).__name__}", False
    heads = code_heads()
    if current != heads:
        return (
            f"schema at {', '.join(sorted(current)) or 'nothing'}, code expects {', '.join(sorted(heads))}: "
            "run `flask --app eventapp db upgrade`"
        ), False
    return "ok", True


def check_redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as error:
        return f"unreachable: {type(error).__name__}"
    return "ok"


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
@limiter.exempt
def readyz():
    database, schema_current = check_database()
    reachable = not database.startswith("unreachable")
    checks = {
        "database": "ok" if reachable else database,
        "migrations": "current" if schema_current else (database if reachable else "unknown"),
        "redis": check_redis(),
    }
    ready = schema_current and checks["redis"] in ("ok", "not configured")
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = "5"
    return _no_store(response)
