"""Request helpers shared by every blueprint."""
from __future__ import annotations

import re

from flask import request

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
