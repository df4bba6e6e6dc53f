"""Rendered files kept for reuse, keyed by name and checked by fingerprint."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import RenderedDocument, utcnow
from .transactions import write_transaction


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
    """Store (key, fingerprint, content) triples, replacing older versions. Two renders may
    keep the same key at once (a background task and an on-demand request): the loser of
    that race writes again over the winner's row instead of failing."""
    documents = list(documents)
    try:
        _store(documents)
    except IntegrityError:
        _store(documents)


def _store(documents: list[tuple[str, str, bytes]]) -> None:
    with write_transaction():
        for key, new_fingerprint, content in documents:
            document = db.session.get(RenderedDocument, key)
            if document is None:
                db.session.add(RenderedDocument(key=key, fingerprint=new_fingerprint, content=content))
            else:
                document.fingerprint, document.content, document.rendered_at = new_fingerprint, content, utcnow()
