"""Rendered files kept for reuse, keyed by name and checked by fingerprint."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import RenderedDocument
from .transactions import insert_rows, write_transaction


def fingerprint(*parts: object) -> str:
    """A stable hash of everything a document is made from."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def cached(key: str, current_fingerprint: str) -> bytes | None:
    """The kept document if it was made from exactly this; else None."""
    document = db.session.get(RenderedDocument, key)
    if document is None or document.fingerprint != current_fingerprint:
        return None
    return document.content


def cached_many(wanted: dict[str, str]) -> dict[str, bytes]:
    """For {key: fingerprint}, the kept documents that are still current."""
    found: dict[str, bytes] = {}
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        rows = db.session.execute(
            select(RenderedDocument.key, RenderedDocument.fingerprint, RenderedDocument.content).where(
                RenderedDocument.key.in_(keys[start : start + 500])
            )
        )
        for key, stored_fingerprint, content in rows:
            if wanted[key] == stored_fingerprint:
                found[key] = content
    return found


def keep(documents: Iterable[tuple[str, str, bytes]]) -> None:
    """Store (key, fingerprint, content) triples, replacing older versions (of a key given
    twice, the last). Two renders may keep the same key at once (a background task and an
    on-demand request): the loser of that race writes again over the winner's row instead
    of failing."""
    rows = {
        key: {"key": key, "fingerprint": fingerprint, "content": content} for key, fingerprint, content in documents
    }
    if not rows:
        return
    try:
        _store(list(rows.values()))
    except IntegrityError:
        _store(list(rows.values()))


def _store(rows: list[dict]) -> None:
    # One DELETE and one INSERT of many rows, not an object a document: a cold batch keeps
    # a thousand badges, which the ORM loaded and wrote one by one (0.6 s of the parent's CPU).
    with write_transaction():
        for start in range(0, len(rows), 500):
            part = rows[start : start + 500]
            db.session.execute(delete(RenderedDocument).where(RenderedDocument.key.in_([r["key"] for r in part])))
            insert_rows(RenderedDocument, part)
