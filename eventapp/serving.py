"""Serving with gunicorn: an access log without the private links' tokens.

A delegate's private link `/r/<token>` opens their registration, so the token must not land
in log files (kept long, read by many). `make run` passes
`--logger-class eventapp.serving.RedactingAccessLogger`.
"""
from __future__ import annotations

import re

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
