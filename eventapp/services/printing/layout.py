"""Where things go on a badge: its geometry (A6 trim, bleed, crop marks, the QR code's
place), the colour of each delegation type's band, and text fitting: advance widths
measured from the installed fonts, `fit_text` (names shrink to fit one or two lines, never
cut) and `_layout`, the sizes, line breaks and places badge.html prints."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ... import names
from ...models import OrganisationType
from ..pdf import CJK_FONT_FAMILY, LATIN_FONT_FAMILY
from .badge_data import AdmittedSession, BadgeData, _text_lang, upper_latin

MM = 72 / 25.4  # PDF points per millimetre
BADGE_WIDTH_MM, BADGE_HEIGHT_MM = 105.0, 148.0  # A6 trim
BLEED_MM = 3.0  # artwork past the trim; the page box is larger still, for the crop marks
CROP_MARKS_MM = (5.0, 10.0)  # from and to, outside the trim
# The QR code with its quiet zone: the code itself ends at the 7 mm margin.
QR_LEFT_MM, QR_TOP_MM, QR_SIZE_MM = 73.8, 94.0, 28.0


# Colour band per delegation type: (background, text). Every pair has a contrast of at
# least 4.5:1, and the hues stay apart so door staff tell them at a glance.
BADGE_COLOURS: dict[OrganisationType, tuple[str, str]] = {
    OrganisationType.GOVERNMENT: ("#a51c24", "#ffffff"),
    OrganisationType.CHAMBER: ("#5a2d82", "#ffffff"),
    OrganisationType.ASSOCIATION: ("#00696f", "#ffffff"),
    OrganisationType.ENTERPRISE: ("#1f5aa6", "#ffffff"),
    OrganisationType.PRESS: ("#f0b323", "#1c1503"),
    OrganisationType.EXHIBITOR: ("#2e7d32", "#ffffff"),
    OrganisationType.STAFF: ("#1d1d1f", "#ffffff"),
    OrganisationType.OTHER: ("#5e6a78", "#ffffff"),
}


# --- fitting text: names shrink to fit on one or two lines, never cut ----------------------


@dataclass(frozen=True)
class TextFit:
    lines: tuple[str, ...]
    size: float  # points


# Shaping (kerning, rounding) may differ a little from the advance widths added up here.
_WIDTH_MARGIN = 1.04
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_NO_LINE_START = set("，。、；：！？）》」』】〕,.;:!?)]}%·")
_NO_LINE_START_AFTER_SPACE = set("–—-&+/|")  # "A – B" and "A & B" break after the sign


@lru_cache(maxsize=1)
def _harfbuzz():
    """WeasyPrint's HarfBuzz bindings, with the few functions that read a font's metrics
    (WeasyPrint's bindings do not declare them): (ffi, harfbuzz)."""
    from weasyprint.text.ffi import ffi, harfbuzz

    ffi.cdef(
        """
        hb_blob_t * hb_blob_create_from_file (const char *file_name);
        hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);
        void hb_blob_destroy (hb_blob_t *blob);
        hb_font_t * hb_font_create (hb_face_t *face);
        void hb_font_destroy (hb_font_t *font);
        void hb_font_set_scale (hb_font_t *font, int x_scale, int y_scale);
        hb_bool_t hb_font_get_nominal_glyph (hb_font_t *font, hb_codepoint_t unicode, hb_codepoint_t *glyph);
        int32_t hb_font_get_glyph_h_advance (hb_font_t *font, hb_codepoint_t glyph);
        """,
        override=True,
    )
    return ffi, harfbuzz


def installed_font(family: str, bold: bool) -> tuple[str, int]:
    """The file and face index fontconfig gives for the family's regular or bold face."""
    located = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}", f"{family}:{'bold' if bold else 'regular'}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout.split("\n")
    return located[0], (int(located[1] or 0) if len(located) > 1 else 0)


class _FontWidths:
    """Advance widths in em of one installed font's characters, read with HarfBuzz as they
    are asked for (2 µs a character; reading the widths of all 45,000 characters of Noto
    Sans CJK with fontTools took a worker 0.1-0.2 s per weight before its first badge)."""

    def __init__(self, family: str, bold: bool) -> None:
        ffi, harfbuzz = _harfbuzz()
        path, index = installed_font(family, bold)
        blob = harfbuzz.hb_blob_create_from_file(path.encode())
        face = ffi.gc(harfbuzz.hb_face_create(blob, index), harfbuzz.hb_face_destroy)
        harfbuzz.hb_blob_destroy(blob)  # the face holds it
        self.units = harfbuzz.hb_face_get_upem(face)
        self.font = ffi.gc(harfbuzz.hb_font_create(face), harfbuzz.hb_font_destroy)
        harfbuzz.hb_font_set_scale(self.font, self.units, self.units)  # advances in font units
        self.face, self.glyph = face, ffi.new("hb_codepoint_t *")

    def get(self, code: int) -> float | None:
        """The character's advance width in em (as its hmtx gives it), None if the font lacks it."""
        _ffi, harfbuzz = _harfbuzz()
        if not harfbuzz.hb_font_get_nominal_glyph(self.font, code, self.glyph):
            return None
        return harfbuzz.hb_font_get_glyph_h_advance(self.font, self.glyph[0]) / self.units


class _Widths(dict[int, float]):
    """Advance width in em by character: from the first of the fonts that has it, else
    `missing`; each character looked up once."""

    def __init__(self, fonts: Sequence[_FontWidths], missing: float) -> None:
        super().__init__()
        self.fonts, self.missing = fonts, missing

    def __missing__(self, code: int) -> float:
        width = next((w for w in (font.get(code) for font in self.fonts) if w is not None), self.missing)
        self[code] = width
        return width


@lru_cache(maxsize=2)
def _advance_widths(bold: bool) -> _Widths:
    """Advance width in em of every character as badge.css prints it: from Noto Sans where it
    has the character, else from Noto Sans CJK SC (the font stack, pdf.font_stack()); 1 em
    for a character neither has."""
    return _Widths([_FontWidths(LATIN_FONT_FAMILY, bold), _FontWidths(CJK_FONT_FAMILY, bold)], 1.0)


def text_width_em(text: str, bold: bool = False, letter_spacing: float = 0.0) -> float:
    """The width of one line of text in em (characters the font lacks count as 1 em)."""
    widths = _advance_widths(bold)
    return sum(widths[ord(c)] + letter_spacing for c in text)


def _two_line_splits(text: str) -> list[tuple[str, str]]:
    """Where a line may break: at a space, after a hyphen or middle dot, between CJK characters."""
    splits = []
    for i in range(1, len(text)):
        before, char = text[i - 1], text[i]
        if char == " ":
            if text[i + 1 : i + 2] not in _NO_LINE_START_AFTER_SPACE:
                splits.append((text[:i], text[i + 1 :]))
        elif (before in "-‐/·・" and char != " ") or (
            _CJK.match(before) and _CJK.match(char) and char not in _NO_LINE_START
        ):
            splits.append((text[:i], text[i:]))
    return [(a.strip(), b.strip()) for a, b in splits if a.strip() and b.strip()]


def fit_text(
    text: str,
    width_mm: float,
    max_size: float,
    *,
    max_lines: int = 2,
    bold: bool = False,
    letter_spacing: float = 0.0,
    preferred: tuple[str, str] | None = None,
) -> TextFit:
    """The largest font size (up to max_size) at which `text` fits the width on one line or,
    broken at a good place, on two; one line wins when it is as large. Text is never cut: a
    very long text just gets smaller. `preferred` is a two-line split to take when it is
    nearly as large as the best (e.g. given name above family name)."""
    text = " ".join(text.split())
    if not text:
        return TextFit((), max_size)
    width_pt = width_mm * MM

    def size_of(lines: Sequence[str]) -> float:
        widest = max(text_width_em(line, bold, letter_spacing) for line in lines)
        return min(max_size, width_pt / (widest * _WIDTH_MARGIN)) if widest else max_size

    best = TextFit((text,), size_of([text]))
    if max_lines < 2 or best.size >= max_size:
        return best
    two = [TextFit(split, size_of(split)) for split in _two_line_splits(text)]
    if not two:
        return best
    # The largest; among equally large (capped) ones, a break after a dash or comma, then
    # the most even pair of lines.
    widest_two = max(
        two,
        key=lambda fit: (
            round(fit.size, 2),
            fit.lines[0][-1] in "–—,;:|",
            -max(text_width_em(line, bold) for line in fit.lines),
        ),
    )
    if preferred and all(preferred):
        chosen = TextFit(preferred, size_of(preferred))
        if chosen.size >= widest_two.size * 0.85:
            widest_two = chosen
    # Two lines only when they make the text clearly larger.
    return widest_two if widest_two.size > best.size * 1.08 else best


@dataclass(frozen=True)
class _SessionLine:
    time: str
    title_lang: str
    symposium: bool
    fit: TextFit
    size: float


def _session_lines(sessions: Sequence[AdmittedSession]) -> list[_SessionLine]:
    """Session titles at one common size, as large as lets them all fit the admits box."""
    box_height_mm, per_session_gap_mm, label_mm = 27.0, 0.9, 4.6
    size = 7.2
    while True:
        fits = [fit_text(s.title, 49.0, size, bold=s.symposium) for s in sessions]
        common = min([size, *[f.size for f in fits]])
        height = label_mm + sum(len(f.lines) * common * 1.2 / MM + per_session_gap_mm for f in fits)
        if height <= box_height_mm or size <= 3.5:
            break
        size -= 0.3
    return [
        _SessionLine(s.time, s.title_lang, s.symposium, TextFit(f.lines, common), common)
        for s, f in zip(sessions, fits)
    ]


NAME_BOX_TOP_MM, NAME_BOX_HEIGHT_MM = 31.0, 34.0


def _layout(data: BadgeData) -> dict:
    """Sizes, line breaks and places for one badge, and its colours."""
    colour, ink = BADGE_COLOURS.get(OrganisationType(data.organisation_type), BADGE_COLOURS[OrganisationType.OTHER])
    chinese_name = bool(data.name_latin)
    name = fit_text(
        data.name,
        91.0,
        40.0 if chinese_name else 28.0,
        bold=True,
        preferred=None if chinese_name else (data.given_name, data.family_name),
    )
    latin = fit_text(data.name_latin, 91.0, 13.0, max_lines=1, bold=True, letter_spacing=0.02)
    # Line heights as in badge.css (1.12 and 1.25), margin 1.6 mm.
    name_height = len(name.lines) * name.size * 1.12 / MM
    if latin.lines:
        name_height += 1.6 + latin.size * 1.25 / MM
    band_spacing = 0.3 if names.has_han(data.organisation_type_label) else 0.14
    return {
        "data": data,
        "colour": colour,
        "ink": ink,
        "forum": fit_text(data.forum_name, 68.0, 9.0 if names.has_han(data.forum_name) else 8.2, bold=True),
        "forum_secondary": fit_text(data.forum_name_secondary, 68.0, 6.4),
        "name": name,
        "name_secondary": latin,
        "name_top": round(NAME_BOX_TOP_MM + max(0.0, NAME_BOX_HEIGHT_MM - name_height) / 2, 2),
        "position": fit_text(data.position, 91.0, 8.6),
        "position_lang": _text_lang(data.position, data.html_lang),
        "organisation": fit_text(data.organisation, 91.0, 10.5, bold=True),
        "organisation_lang": _text_lang(data.organisation, data.html_lang),
        "country": upper_latin(data.country_name),
        "sessions": _session_lines(data.sessions),
        "band": fit_text(data.organisation_type_label, 85.0, 16.0, max_lines=1, bold=True, letter_spacing=band_spacing),
        "band_spacing": band_spacing,
    }
