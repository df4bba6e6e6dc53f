"""Request helpers shared by every blueprint: the event served or 404, safe redirects,
page numbers, a confirm-only form, private links and file answers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask import Response, abort, request, stream_with_context, url_for
from flask_wtf import FlaskForm

from .models import Event
from .services import events

# A local path: one slash, then no slash or backslash (browsers read `/\host` as `//host`),
# and no control character or space (a line break would split the Location header).
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\x00-\x20\x7f\\]*")
MAX_PAGE = 100_000


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirect, no header split)."""
    if target and len(target) <= 2000 and _LOCAL_PATH.fullmatch(target):
        return target
    return None


def page_number(name: str = "page") -> int:
    """The ?page= of a list: 1 unless it is a plain positive number, at most MAX_PAGE."""
    value = request.args.get(name, "")
    if not re.fullmatch(r"[0-9]{1,7}", value):
        return 1
    return min(max(int(value), 1), MAX_PAGE)


def event_or_404() -> Event:
    event = events.current_event()
    if event is None:
        abort(404)
    return event


class ConfirmForm(FlaskForm):
    """A button that changes something: only a CSRF token to check."""


def manage_url(token: str, **kwargs) -> str:
    """A delegate's private page, as a full URL (for mails and the API's manage_url)."""
    return url_for("public.manage", token=token, _external=True, **kwargs)


def document_response(
    content: bytes | Iterator[bytes],
    mimetype: str,
    filename: str,
    *,
    inline: bool = True,
    private: bool = False,
    size: int | None = None,
) -> Response:
    """A file to open (inline) or download; `private` for personal data: never kept by a cache.
    `content` may be the file's parts, read while the response is sent (give their `size`)."""
    if isinstance(content, bytes):
        response = Response(content, mimetype=mimetype)
    else:
        response = Response(stream_with_context(content), mimetype=mimetype)
        if size is not None:
            response.content_length = size
    response.headers.set("Content-Disposition", "inline" if inline else "attachment", filename=filename)
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response
