"""eventapp: registration, agenda, check-in and badges for international forums."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event as sa_event

from .config import Config, instance_folder, normalise_database_url
from .connections import PING_AFTER_IDLE, ping_idle_connections
from .extensions import babel, csrf, db, limiter, login_manager, migrate

# Templates, translations, static files and migrations are inside the package, so a wheel runs.
PACKAGE = Path(__file__).resolve().parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(instance_folder()),
        instance_relative_config=True,
    )
    app.config.from_object(Config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        os.environ.get("DATABASE_URL") or "sqlite:///" + str(Path(app.instance_path) / "eventapp.sqlite3")
    )
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or load_or_create_secret_key(
        Path(app.instance_path) / "secret_key"
    )
    if test_config:
        app.config.update(test_config)
    if not app.config["SQLALCHEMY_ENGINE_OPTIONS"]:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    refuse_half_configured(app, secret_from_environment="SECRET_KEY" in os.environ)

    register_extensions(app)
    register_observability(app)  # first: even a request the guards refuse gets an id
    register_input_guards(app)
    register_security(app)
    register_blueprints(app)
    register_error_pages(app)
    register_template_helpers(app)
    register_cli(app)
    register_tasks(app)
    return app


def engine_options(database_url: str) -> dict:
    """The connection pool, settable per deployment: a PostgreSQL server allows so many
    connections, shared by every worker of every server (size + overflow each)."""
    options: dict = {}  # no pool_pre_ping: connections.ping_idle_connections asks fewer times
    if not database_url.startswith("postgresql"):
        return options
    env = os.environ
    options.update(
        pool_size=int(env.get("DB_POOL_SIZE", "5")),
        max_overflow=int(env.get("DB_MAX_OVERFLOW", "10")),
        pool_recycle=int(env.get("DB_POOL_RECYCLE", "1800")),  # seconds; under a proxy's idle timeout
        pool_timeout=int(env.get("DB_POOL_TIMEOUT", "10")),
    )
    if env.get("DB_PGBOUNCER") == "1":
        # PgBouncer in transaction mode hands each transaction another server connection,
        # where psycopg's prepared statements do not exist: never prepare.
        options["connect_args"] = {"prepare_threshold": None}
    return options


class HalfConfigured(RuntimeError):
    """A server on a shared database without the shared secret key or Redis."""


def refuse_half_configured(app: Flask, secret_from_environment: bool) -> None:
    """On PostgreSQL, several servers may serve one forum. A server that made its own secret
    key (in its instance/) signs everyone else's users out, and one without Redis keeps its
    own queue, where print jobs wait for a consumer that never comes: refuse to start, unless
    EVENTAPP_SINGLE_SERVER=1 says this is the only server."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") or app.config.get("TESTING"):
        return
    if app.config["SINGLE_SERVER"]:
        return
    missing = [
        name
        for name, given in (("SECRET_KEY", secret_from_environment), ("REDIS_URL", bool(app.config["REDIS_URL"])))
        if not given
    ]
    if missing:
        raise HalfConfigured(
            f"DATABASE_URL is PostgreSQL but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set. "
            "Servers sharing a database must share SECRET_KEY (or they sign each other's users out) and "
            "REDIS_URL (the queue and rate limits). Set them, or set EVENTAPP_SINGLE_SERVER=1 if this is "
            "the only server (its key and queue then stay in its instance folder)."
        )


def load_or_create_secret_key(path: Path) -> str:
    """A random key kept in instance/, made once; safe when several workers start at once."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(os.urandom(32).hex())
    for _ in range(50):  # another worker may be writing it this very moment
        key = path.read_text().strip()
        if key:
            return key
        import time

        time.sleep(0.02)
    raise RuntimeError(f"{path} is empty; delete it to make a new secret key")


def register_extensions(app: Flask) -> None:
    from .i18n import remember_language_of_page, select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(remember_language_of_page)
    login_manager.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        # A connection the server dropped is replaced (asking only after an idle second).
        ping_idle_connections(db.engine, float(os.environ.get("DB_PING_AFTER_IDLE", PING_AFTER_IDLE)))
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)


def configure_sqlite(engine) -> None:
    """SQLite: foreign keys on, WAL, a long busy timeout, and BEGIN issued by us so that the
    seat lock can begin a transaction IMMEDIATE (see services.registration)."""

    @sa_event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # the driver must not begin on its own
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa_event.listens_for(engine, "begin")
    def on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def register_observability(app: Flask) -> None:
    from . import metrics, observability

    observability.register(app)
    metrics.register(app)


def register_input_guards(app: Flask) -> None:
    from . import guards

    guards.register(app)


def register_security(app: Flask) -> None:
    from . import security

    security.register(app)


def register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .door import bp as door_bp
    from .health import bp as health_bp
    from .metrics import bp as metrics_bp
    from .public import bp as public_bp
    from .visa import bp as visa_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/staff")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(door_bp, url_prefix="/door")
    app.register_blueprint(visa_bp, url_prefix="/visa")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(health_bp)
    app.register_blueprint(metrics_bp)
    # The API takes only application/json, which a cross-site form cannot send without a
    # CORS preflight (never granted): CSRF cannot ride on the door's session cookie.
    csrf.exempt(api_bp)


def register_error_pages(app: Flask) -> None:
    from .errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from . import templating

    templating.register(app)


def register_tasks(app: Flask) -> None:
    from . import tasks
    from .services import mail

    tasks.register(app)
    mail.register(app, queue_sender=tasks.queue_mail_sender)


def register_cli(app: Flask) -> None:
    from .cli import register

    register(app)
