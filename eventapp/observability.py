"""A request id on every request and log line, and logs as JSON lines when LOG_FORMAT=json.

The id comes from the proxy's X-Request-ID when it sends a sane one (so a request can be
followed from the proxy's log into ours), else it is made here; it is sent back in the
answer's X-Request-ID. Log lines name it, whatever logged them during the request.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

from .serving import redact

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestContextFilter(logging.Filter):
    """Puts the request's id, method and (redacted) path on each record logged in a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = request_id()
            record.method = request.method
            record.path = redact(request.path)
        return True


class JsonLineFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the request's
    id/method/path when there is one, and the exception when one is logged."""

    FIELDS = ("request_id", "method", "path")

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        line.update({name: getattr(record, name) for name in self.FIELDS if getattr(record, name, None)})
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestContextFilter())
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonLineFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # The app's logger is the package's ("eventapp"): services log under eventapp.* into it.
    app.logger.handlers = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.logger.propagate = False


def register(app: Flask) -> None:
    if not app.config.get("TESTING"):
        configure_logging(app)

    @app.before_request
    def take_request_id():
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex

    @app.after_request
    def send_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response
