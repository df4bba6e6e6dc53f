"""Configuration defaults. Environment variables override them; see README."""

import os
from pathlib import Path
from typing import ClassVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_folder() -> Path:
    """Where the local database, secret key and queue live (EVENTAPP_INSTANCE, else instance/)."""
    return Path(os.environ.get("EVENTAPP_INSTANCE", str(PROJECT_ROOT / "instance")))


def normalise_database_url(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// URLs and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    SQLALCHEMY_DATABASE_URI: str | None = None  # set by create_app: DATABASE_URL or instance/
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {}  # set by create_app: engine_options (DB_POOL_* settings)
    MAX_CONTENT_LENGTH = 1 * 1024 * 1024  # a registration is small; refuse huge bodies early
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("zh", "de", "en")
    # Every POST view validates a FlaskForm, which checks the token; a failed check then
    # re-renders the form with the user's entries instead of a bare 400.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None  # a delegate may take long over the form; the token is per session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REDIS_URL = os.environ.get("REDIS_URL", "")
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")  # json: one JSON object a line, with the request id
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    METRICS_TOKEN = os.environ.get(
        "METRICS_TOKEN", ""
    )  # /metrics wants "Authorization: Bearer <it>"; unset: no /metrics
    # One server on PostgreSQL may keep its secret key and queue in instance/ (see create_app).
    SINGLE_SERVER = os.environ.get("EVENTAPP_SINGLE_SERVER", "0") == "1"
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") != "0"  # 0: load tests from one address
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_STRATEGY = "fixed-window"  # limits.give_back_sign_in_attempt decrements a window
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Per client address (see TRUSTED_PROXIES behind a proxy). A rush of 300 delegates in a
    # minute comes from 300 addresses; one address cannot queue more than 40 mails an hour.
    REGISTRATION_RATE_LIMIT = os.environ.get("REGISTRATION_RATE_LIMIT", "10 per minute;40 per hour")
    LOST_LINK_RATE_LIMIT = os.environ.get("LOST_LINK_RATE_LIMIT", "5 per minute;20 per hour")  # each may send a mail
    # Failed sign-ins only: per client address, and per account (whatever the address).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    STAFF_SESSION_HOURS = int(os.environ.get("STAFF_SESSION_HOURS", "16"))  # a door day, then sign in again
    LOGIN_ACCOUNT_LOCKOUT = os.environ.get("LOGIN_ACCOUNT_LOCKOUT", "10 per 15 minutes")
    # Render badges and agendas in the background as soon as what is on them changes.
    PRERENDER_DOCUMENTS = os.environ.get("PRERENDER_DOCUMENTS", "1") != "0"
    HUEY_IMMEDIATE = False  # tests: run background tasks inline
    # Print batches: a running batch whose worker has not shown progress for the lease lost
    # its worker (deploy, crash, OOM); it is shown interrupted and the consumer runs it again,
    # at most PRINT_JOB_AUTO_ATTEMPTS times in all (then an organiser decides).
    PRINT_JOB_LEASE_SECONDS = int(os.environ.get("PRINT_JOB_LEASE_SECONDS", "120"))
    PRINT_JOB_AUTO_ATTEMPTS = int(os.environ.get("PRINT_JOB_AUTO_ATTEMPTS", "2"))
    # Retention (`flask --app eventapp prune`, and the consumer every night): finished print
    # batches and their files, and kept badges and agendas not rendered again for this long.
    PRINT_JOB_RETENTION_DAYS = int(os.environ.get("PRINT_JOB_RETENTION_DAYS", "30"))
    DOCUMENT_RETENTION_DAYS = int(os.environ.get("DOCUMENT_RETENTION_DAYS", "60"))
    # Public base URL for links that leave the request (CLI, mails); empty = from the request.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")

    # Mail (see services/mail.py). Without MAIL_SERVER, mails are written to instance/mail/.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"  # STARTTLS
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "0") == "1"  # TLS from the start (port 465)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "forum@eventapp.localhost")
    MAIL_TIMEOUT = 30  # seconds for one SMTP conversation
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
    MAIL_RETRY_BASE = 60  # seconds before the second attempt; doubled each time
    MAIL_RETRY_MAX = 3600
    MAIL_SENDING_LEASE = 600  # a mail SENDING longer than this was interrupted
    # Queue the sender right after a commit that wrote mails (the periodic task catches up).
    MAIL_SEND_AFTER_COMMIT = os.environ.get("MAIL_SEND_AFTER_COMMIT", "1") != "0"
