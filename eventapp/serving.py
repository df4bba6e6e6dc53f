"""Serving with gunicorn: an access log without the private links' tokens.

A delegate's private link `/r/<token>` opens their registration, so the token must not land
in log files (kept long, read by many). `make run` passes
`--logger-class eventapp.serving.RedactingAccessLogger`.
"""

from __future__ import annotations

import json
import os
import re
import traceback

from gunicorn.glogging import Logger

# /r/<token> in a path, also percent-encoded in a query (the language switch's ?next=/r/...).
# /r/lost is a page of its own, not a token.
PRIVATE_LINK = re.compile(r"((?:/|%2F)r(?:/|%2F))(?!lost(?![\w-]))[\w-]+", re.IGNORECASE)
REDACTED = r"\1<token>"


def redact(text: str) -> str:
    return PRIVATE_LINK.sub(REDACTED, text)


class RedactingAccessLogger(Logger):
    """gunicorn's logger with the token cut out of every access-log atom: the request line
    (%(r)s), path (%(U)s), query (%(q)s), Referer (%(f)s), and the header and environ
    atoms ({referer}i, {location}o, {raw_uri}e, ...) a custom log format may use."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}

    def access(self, resp, req, environ, request_time):
        """With LOG_FORMAT=json, one JSON object a request (the request id included, as the
        app's own log lines have it); else gunicorn's format, redacted."""
        if os.environ.get("LOG_FORMAT") != "json":
            return super().access(resp, req, environ, request_time)
        if not self.access_log_enabled:
            return None
        atoms = self.atoms(resp, req, environ, request_time)
        line = {
            "time": self.now(),
            "level": "info",
            "logger": "access",
            "remote": atoms.get("h"),
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "query": atoms.get("q") or None,
            "status": int(atoms["s"]) if str(atoms.get("s", "")).isdigit() else atoms.get("s"),
            "bytes": atoms.get("B"),
            "duration_ms": round(int(atoms.get("D", 0)) / 1000, 1),
            "referer": None if atoms.get("f") in ("-", "") else atoms.get("f"),
            "user_agent": atoms.get("a"),
            "request_id": atoms.get("{x-request-id}o"),
        }
        try:
            self.access_log.info(json.dumps({k: v for k, v in line.items() if v is not None}, ensure_ascii=False))
        except Exception:  # noqa: BLE001 - as gunicorn's own access(): a log line never breaks a request
            self.error(traceback.format_exc())
        return None
