"""Hostile input stopped where it enters the application, not route by route.

- Text that no database column can store (NUL, lone UTF-16 surrogates from JSON escapes)
  in the path, the query string, a form or a JSON body: 400 with a message saying which
  field, before any view runs.
- JSON bodies nested deeper than any request of ours (a 100,000-deep `[[[…` would exhaust
  the parser's recursion): 400.
- Files sent to forms, none of which takes one: 400.
- Integers in URLs beyond the database's integer range: the `int` converter does not match
  them, so the answer is 404 instead of an overflow in the query.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, Request, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

# The largest value of PostgreSQL's `integer`, which every id column is.
MAX_DATABASE_INT = 2**31 - 1
# Our payloads are flat objects with lists of strings; anything deeper is not ours.
MAX_JSON_DEPTH = 8
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BadInput(BadRequest):
    """A 400 whose message tells the user what was wrong; `field` names the entry, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(description=message)
        self.field = field


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` matches 0 … 2**31-1 only (a larger number is 404, not a database error)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_DATABASE_INT, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def has_unstorable_text(value: str) -> bool:
    return _UNSTORABLE.search(value) is not None


def unstorable_text_message(field: str | None) -> str:
    if field:
        return _(
            "“%(field)s” contains a character that cannot be stored (a NUL byte or a broken character). Please remove it and try again.",
            field=field[:40],
        )
    return _("The request contains a character that cannot be stored (a NUL byte or a broken character).")


def check_text(field: str | None, *values: str) -> None:
    for value in values:
        if has_unstorable_text(value):
            raise BadInput(unstorable_text_message(field), field)


def check_json_value(value: Any) -> None:
    """Walks a parsed JSON body without recursion: depth, and strings that cannot be stored."""
    stack: list[tuple[Any, int, str | None]] = [(value, 0, None)]
    while stack:
        item, depth, field = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadInput(_("The JSON body is nested too deeply."), "body")
        if isinstance(item, str):
            check_text(field or "body", item)
        elif isinstance(item, dict):
            for key, child in item.items():
                check_text(field or key, key)
                stack.append((child, depth + 1, field or key))
        elif isinstance(item, list):
            stack.extend((child, depth + 1, field) for child in item)


class GuardedJSONProvider(DefaultJSONProvider):
    """JSON parsing that fails as bad input (ValueError → 400) on a body nested so deeply
    that the parser runs out of stack, instead of a RecursionError (500)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


class GuardedRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise BadInput(_("The body is not valid JSON."), "body")


FILE_UPLOADS = "eventapp_takes_files"


def takes_files(view):
    """Marks a view whose form takes an uploaded file (its form checks the file's content);
    every other view refuses files, since WTForms would read one in a text field."""
    setattr(view, FILE_UPLOADS, True)
    return view


def reject_unstorable_input() -> None:
    """Before every view: the path, query string, form fields and JSON body."""
    check_text(None, request.path)
    for key, values in request.args.lists():
        check_text(key, key, *values)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        for key, values in request.form.lists():
            check_text(key, key, *values)
        view = current_app.view_functions.get(request.endpoint or "")
        if not getattr(view, FILE_UPLOADS, False):
            for key in request.files:
                raise BadInput(_("“%(field)s” takes text, not a file.", field=key[:40]), key)
        if request.is_json and request.get_data(cache=True):
            check_json_value(request.get_json())


def register(app: Flask) -> None:
    """Must run before the blueprints are registered (their rules use the converter)."""
    app.url_map.converters["int"] = DatabaseIntConverter
    app.request_class = GuardedRequest
    app.json_provider_class = GuardedJSONProvider
    app.json = GuardedJSONProvider(app)
    app.before_request(reject_unstorable_input)
