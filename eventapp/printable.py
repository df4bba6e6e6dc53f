"""Which characters a badge can print: those the badge fonts (Noto Sans for Latin, Greek
and Cyrillic, Noto Sans CJK SC for Chinese) have. Anything else, such as an emoji, would
print as an empty box, so the forms refuse it with a message instead."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from fontTools.ttLib import TTFont

from .services.pdf import FONT_FAMILIES as BADGE_FONT_FAMILIES  # what the badges are set in
from .services.pdf import font_file


@lru_cache(maxsize=1)
def badge_code_points() -> frozenset[int]:
    """Every code point one of the badge fonts has a glyph for (empty if none is installed)."""
    points: set[int] = set()
    for family in BADGE_FONT_FAMILIES:
        path = font_file(family)
        if path is None:
            continue
        font = TTFont(path, fontNumber=0, lazy=True)
        points.update(font.getBestCmap() or {})
        font.close()
    return frozenset(points)


def _needs_no_glyph(character: str) -> bool:
    # Spaces, invisible format characters (joiners, marks of direction) and variation
    # selectors print as nothing.
    point = ord(character)
    if 0xFE00 <= point <= 0xFE0F or 0xE0100 <= point <= 0xE01EF:
        return True
    return unicodedata.category(character) in {"Zs", "Cf", "Cc"}


def unprintable_characters(text: str) -> list[str]:
    """The characters of `text` no badge font can print, each once, in order of appearance.
    Nothing is refused when the fonts are not installed: the badge renderer says so then."""
    printable = badge_code_points()
    if not printable or not text:
        return []
    found = (c for c in text if ord(c) not in printable and not _needs_no_glyph(c))
    return list(dict.fromkeys(found))
