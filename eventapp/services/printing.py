"""Badges as print-ready PDF: one A6 badge per page with bleed and crop marks, or four to an
A4 sheet, and print-shop batches made of badges kept per delegate.

A badge is made from a `BadgeData`: plain values, every label already translated, so the
same template renders in this process or in worker processes that have no Flask app and no
database. Each delegate's badge is kept (documents.keep) under the fingerprint of its
BadgeData and the template version; a batch merges the kept badges that are still current
and renders only the others, in chunks, in parallel processes.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import io
import logging
import multiprocessing
import os
import re
import resource
import subprocess
import time as clock
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pydyf
from babel.dates import format_date, format_interval, format_skeleton
from flask_babel import force_locale
from flask_babel import gettext as _
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import names
from ..extensions import db
from ..i18n import HTML_LANG, country_names, format_local_time, localized
from ..models import (
    LANGUAGES,
    Delegate,
    Event,
    OrganisationType,
    PrintJob,
    PrintJobStatus,
    Registration,
    RegistrationStatus,
    Session,
    SessionKind,
    utcnow,
)
from . import documents
from .events import current_event
from .pdf import (
    CJK_FONT_FAMILY,
    LATIN_FONT_FAMILY,
    OUTPUT_CONDITION,
    FontMissing,
    distinct_subset_tags,
    ensure_fonts,
    font_configuration,
    output_intent_objects,
    qr_pdf_path,
    srgb_profile,
    subset_tag,
    subset_tags_in,
    xmp_metadata,
)
from .registration import RegistrationRefused, sessions_by_slug
from .transactions import write_transaction

log = logging.getLogger(__name__)

# Bump when the layout code or the PDF's shape changes what a badge looks like: every kept
# badge is then stale and is rendered again (edits of the template files count by themselves).
TEMPLATE_VERSION = "badge-2026-4"
TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"

MM = 72 / 25.4  # PDF points per millimetre
BADGE_WIDTH_MM, BADGE_HEIGHT_MM = 105.0, 148.0  # A6 trim
BLEED_MM = 3.0  # artwork past the trim; the page box is larger still, for the crop marks
CROP_MARKS_MM = (5.0, 10.0)  # from and to, outside the trim
# The QR code with its quiet zone: the code itself ends at the 7 mm margin.
QR_LEFT_MM, QR_TOP_MM, QR_SIZE_MM = 73.8, 94.0, 28.0
FOUR_UP, PRINT_SHOP = "a4-4up", "print-shop"
# a6: one badge a page with bleed and crop marks; a4-4up: four to an A4 sheet for an office
# printer; print-shop: the A6 pages with an output intent and PDF/X-4 metadata.
SHEETS = ("a6", FOUR_UP, PRINT_SHOP)
A4_WIDTH_MM, A4_HEIGHT_MM = 210.0, 297.0
CHUNK_SIZE = 50  # badges per WeasyPrint document in a cold batch

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


def category_labels() -> dict[OrganisationType, str]:
    """The word printed in the colour band: shorter than the form's labels (public.forms),
    as it is read from across a room."""
    return {
        OrganisationType.GOVERNMENT: _("Government"),
        OrganisationType.CHAMBER: _("Chamber of Commerce"),
        OrganisationType.ASSOCIATION: _("Association"),
        OrganisationType.ENTERPRISE: _("Enterprise"),
        OrganisationType.PRESS: _("Press"),
        OrganisationType.EXHIBITOR: _("Exhibitor"),
        OrganisationType.STAFF: _("Staff"),
        OrganisationType.OTHER: _("Delegate"),
    }


# --- what is printed ---------------------------------------------------------------------


@dataclass(frozen=True)
class AdmittedSession:
    title: str
    title_lang: str
    time: str  # local start time, e.g. "10:30"
    symposium: bool


@dataclass(frozen=True)
class BadgeData:
    """Everything printed on one badge, as plain values (picklable, hashable into a
    fingerprint): names, affiliation, the delegation type, the forum, the sessions the badge
    admits and the check-in code. Labels are in the delegate's language."""

    delegate_id: int
    language: str
    html_lang: str
    name: str  # as it is read: 王小明, or Jürgen Müller-Lüdenscheidt
    name_lang: str
    name_latin: str  # the Latin form under a name in Chinese characters ("WANG Xiaoming")
    name_latin_lang: str
    given_name: str  # a Latin name breaks between given and family name when it needs two lines
    family_name: str
    organisation: str
    position: str
    country_name: str
    organisation_type: str
    organisation_type_label: str
    forum_name: str
    forum_name_lang: str
    forum_name_secondary: str
    forum_name_secondary_lang: str
    forum_dates: str
    sessions: tuple[AdmittedSession, ...]
    symposium: bool
    admits_label: str
    symposium_label: str
    checkin_code: str


def upper_latin(label: str) -> str:
    """Latin labels in capitals (they are letter-spaced on the badge); Chinese has no case."""
    return label if names.has_han(label) else label.upper()


def _text_lang(text: str, fallback: str) -> str:
    return "zh-CN" if names.has_han(text) else fallback


@dataclass
class _LanguageTexts:
    """What every badge in one language shares (computed once per batch and language)."""

    html_lang: str
    forum_name: str
    forum_name_secondary: str
    forum_name_secondary_lang: str
    forum_dates: str
    category_labels: dict[OrganisationType, str]
    admits_label: str
    symposium_label: str
    countries: dict[str, str]
    sessions: dict[int, AdmittedSession] = field(default_factory=dict)


def _language_texts(event: Event, language: str) -> _LanguageTexts:
    with force_locale(language):
        if event.starts_on == event.ends_on:
            dates = format_date(event.starts_on, "long", locale=language)
        else:
            dates = format_interval(event.starts_on, event.ends_on, "yMMMd", locale=language)
        secondary_language = "en" if language == "zh" else "zh"
        secondary = localized(event.name, secondary_language)
        primary = localized(event.name, language)
        labels = {kind: upper_latin(label) for kind, label in category_labels().items()}
        return _LanguageTexts(
            html_lang=HTML_LANG.get(language, language),
            forum_name=primary,
            forum_name_secondary="" if secondary == primary else secondary,
            forum_name_secondary_lang=HTML_LANG[secondary_language],
            forum_dates=dates,
            category_labels=labels,
            admits_label=upper_latin(_("Admits to")),
            symposium_label=upper_latin(_("Symposium")),
            countries=country_names(language),
        )


def _admitted_session(session: Session, language: str, texts: _LanguageTexts) -> AdmittedSession:
    if session.id not in texts.sessions:
        with force_locale(language):
            title = localized(session.title, language)
            moment = format_local_time(session.starts_at, session.event.timezone)
            event = session.event
            if event.starts_on != event.ends_on:
                local_day = session.starts_at.astimezone(ZoneInfo(event.timezone))
                moment = f"{format_skeleton('Md', local_day, locale=language)} {moment}"
        texts.sessions[session.id] = AdmittedSession(
            title=title,
            title_lang=_text_lang(title, texts.html_lang),
            time=moment,
            symposium=session.kind == SessionKind.SYMPOSIUM,
        )
    return texts.sessions[session.id]


def _badge_data(delegate: Delegate, shared: dict[tuple[int, str], _LanguageTexts]) -> BadgeData:
    language = delegate.language if delegate.language in LANGUAGES else "en"
    key = (delegate.event_id, language)
    if key not in shared:
        shared[key] = _language_texts(delegate.event, language)
    texts = shared[key]
    confirmed = sorted(
        (r.session for r in delegate.registrations if r.status == RegistrationStatus.CONFIRMED),
        key=lambda s: (s.starts_at, s.id),
    )
    sessions = tuple(_admitted_session(s, language, texts) for s in confirmed)
    chinese = names.is_chinese_name(delegate.name_native)
    latin = names.latin_name(delegate.family_name, delegate.given_name, delegate.name_native)
    name = delegate.name_native.strip() if chinese else latin
    kind = OrganisationType(delegate.organisation_type)
    return BadgeData(
        delegate_id=delegate.id,
        language=language,
        html_lang=texts.html_lang,
        name=name,
        name_lang=_text_lang(name, texts.html_lang),
        name_latin=latin if chinese else "",
        name_latin_lang="zh-Latn" if chinese else texts.html_lang,
        given_name="" if chinese else delegate.given_name.strip(),
        family_name="" if chinese else delegate.family_name.strip(),
        organisation=delegate.organisation.strip(),
        position=(delegate.position or "").strip(),
        country_name=texts.countries.get(delegate.country.upper(), delegate.country.upper()),
        organisation_type=kind.value,
        organisation_type_label=texts.category_labels[kind],
        forum_name=texts.forum_name,
        forum_name_lang=_text_lang(texts.forum_name, texts.html_lang),
        forum_name_secondary=texts.forum_name_secondary,
        forum_name_secondary_lang=texts.forum_name_secondary_lang,
        forum_dates=texts.forum_dates,
        sessions=sessions,
        symposium=any(s.symposium for s in sessions),
        admits_label=texts.admits_label,
        symposium_label=texts.symposium_label,
        checkin_code=delegate.checkin_code,
    )


def badge_data(delegate: Delegate) -> BadgeData:
    """What the delegate's badge shows, in the delegate's language; it admits to the sessions
    of their confirmed registrations only."""
    return _badge_data(delegate, {})


@lru_cache(maxsize=1)
def _design_version() -> str:
    """TEMPLATE_VERSION and the template files themselves: editing them makes kept badges stale."""
    files = [(TEMPLATES / "print" / name).read_bytes() for name in ("badge.html", "badge.css")]
    return documents.fingerprint(TEMPLATE_VERSION, *(f.decode() for f in files))


def badge_fingerprint(data: BadgeData) -> str:
    """What a kept badge must have been made from to be current."""
    return documents.fingerprint("badge", _design_version(), asdict(data))


def badge_key(delegate_id: int) -> str:
    return f"badge:{delegate_id}"


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


def _font_widths(family: str, bold: bool) -> dict[int, float]:
    """Advance width in em of every character of one installed font."""
    from fontTools.ttLib import TTFont

    pattern = f"{family}:{'bold' if bold else 'regular'}"
    located = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}", pattern],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout.split("\n")
    font = TTFont(located[0], fontNumber=int(located[1] or 0), lazy=True)
    units = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {code: metrics[glyph][0] / units for code, glyph in font.getBestCmap().items()}
    font.close()
    return widths


@lru_cache(maxsize=2)
def _advance_widths(bold: bool) -> tuple[dict[int, float], float]:
    """Advance width in em of every character as badge.css prints it: from Noto Sans where it
    has the character, else from Noto Sans CJK SC (the font stack, pdf.font_stack())."""
    widths = _font_widths(CJK_FONT_FAMILY, bold)
    widths.update(_font_widths(LATIN_FONT_FAMILY, bold))
    return widths, 1.0


def text_width_em(text: str, bold: bool = False, letter_spacing: float = 0.0) -> float:
    """The width of one line of text in em (characters the font lacks count as 1 em)."""
    widths, missing = _advance_widths(bold)
    return sum(widths.get(ord(c), missing) + letter_spacing for c in text)


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


# --- rendering (also in worker processes: no Flask, no database) ----------------------------


@lru_cache(maxsize=1)
def _template():
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=False,
    )
    return environment.get_template("print/badge.html")


def badge_html(badges: Sequence[BadgeData], part: str = "all") -> str:
    """One HTML document with a page per badge (without the crop marks and the QR code,
    which _finish_page draws): all of it, its "static" part or its "body" (see badge.html)."""
    return _template().render(badges=[_layout(data) for data in badges], part=part)


@lru_cache(maxsize=1)
def badge_stylesheet():
    """badge.css, parsed once per process."""
    from weasyprint import CSS

    return CSS(filename=str(TEMPLATES / "print" / "badge.css"), font_config=font_configuration())


@lru_cache(maxsize=1)
def _crop_marks() -> bytes:
    """PDF operators for the crop marks: 0.25 pt thick, on the trim lines, from 5 to 10 mm
    outside the trim (in WeasyPrint's page space: points, from the trim's top left, y down)."""
    near, far = (v * MM for v in CROP_MARKS_MM)
    width, height, thickness = BADGE_WIDTH_MM * MM, BADGE_HEIGHT_MM * MM, 0.25
    rectangles = []
    for x in (0.0, width):
        for y in (-far, height + near):
            rectangles.append((x - thickness / 2, y, thickness, far - near))
    for y in (0.0, height):
        for x in (-far, width + near):
            rectangles.append((x, y - thickness / 2, far - near, thickness))
    return (
        "q 0 0 0 rg\n" + "\n".join("{:.3f} {:.3f} {:.3f} {:.3f} re".format(*r) for r in rectangles) + "\nf Q"
    ).encode()


class _RawObject(pydyf.Object):
    """A PDF object given as bytes (copied from another PDF)."""

    def __init__(self) -> None:
        super().__init__()
        self.body = b""

    @property
    def data(self) -> bytes:
        return self.body


def _add_form(pdf, page: _PdfParts) -> bytes:
    """Copy a one-page PDF's page, with what it uses, into a pydyf PDF as a Form XObject
    (a page of the same size: its BBox is the MediaBox); returns the form's reference."""
    dictionary = page.objects[page.page][0]
    contents = _number(rb"/Contents (\d+) 0 R", dictionary)
    box = re.search(rb"/MediaBox \[([^\]]*)\]", dictionary)
    if contents is None or box is None:
        raise ValueError("the page has no single content stream or no MediaBox")
    skipped = (page.catalog, page.pages, page.page, page.info)
    copies = {old: _RawObject() for old in page.objects if old not in skipped}
    for copy in copies.values():
        pdf.add_object(copy)
    numbers = {old: copy.number for old, copy in copies.items()}
    for old, copy in copies.items():
        if old == contents:
            copy.body = _page_part(page, old, numbers, box.group(1))
        else:
            copy.body = _renumbered(page.objects[old], numbers)
    return copies[contents].reference


def _finish_page(pdf, data: BadgeData, static: _PdfParts | None) -> None:
    """Draw the static part (rendered once for all badges like this one, see _static_parts),
    the crop marks and the QR code on the badge's page, and give it a BleedBox: WeasyPrint's
    page box holds the bleed and the crop marks; the PDF's BleedBox says where the artwork
    ends (3 mm past the TrimBox), as print shops expect."""
    bleed = BLEED_MM * MM
    qr = qr_pdf_path(data.checkin_code, QR_LEFT_MM * MM, QR_TOP_MM * MM, QR_SIZE_MM * MM)
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page" and "TrimBox" in obj:
            left, top, right, bottom = (float(v) for v in obj["TrimBox"])
            obj["BleedBox"] = pydyf.Array([left - bleed, top - bleed, right + bleed, bottom + bleed])
            content = pdf.objects[int(obj["Contents"].split()[0])]
            # The page's content ends in the state it began with: the trim's top left, y down.
            content.stream += [_crop_marks(), qr]
            if static is not None:
                form = _add_form(pdf, static)
                pdf.objects[int(obj["Resources"].split()[0])]["XObject"]["BadgeStatic"] = form
                # First, in the page's own space, as the static part's page had it: under the rest.
                content.stream.insert(0, b"q /BadgeStatic Do Q")


# --- compact CJK fonts ----------------------------------------------------------------------
#
# WeasyPrint keeps glyph ids when it subsets a font, so a subset of Noto Sans CJK still holds
# an empty slot for every glyph below the highest one used: some 40,000 slots, 140 KB per font
# and badge, and 100 ms to make. Noto Sans CJK is a CID-keyed CFF font: its charset keeps
# each glyph's CID when glyphs are dropped, and the PDF's text refers to CIDs. So while
# badges are written, the font is subset without keeping ids and embedded as a bare CFF
# program (CIDFontType0C, which every PDF reader maps through the charset); the rest of the
# PDF stays as WeasyPrint wrote it. Anything unexpected falls back to WeasyPrint's way.
#
# Subsetting the whole font takes HarfBuzz 3.5 ms (it reads all 65,000 glyphs' subroutines),
# so each process first makes, once, a subset with the glyphs most badges print, and takes
# each badge's glyphs from that in 0.1 ms; a badge with a glyph outside it (a rare character
# in a name) is subset from the whole font. And WeasyPrint copies the whole font file (20 MB)
# into every font of every PDF it writes, 10 ms each time; while badges are written, each
# file is copied once.

# {face address: (a reference that keeps the face, its whole file)} while badges are
# written, else None.
_badge_font_files = contextvars.ContextVar("badge_font_files", default=None)
# {WeasyPrint's font hash (its Pango description): (subset face, {glyph id: its id in it}) or None}
_common_glyph_faces: dict[str, tuple | None] = {}


def _subset_request(glyph_ids: Sequence[int], dropped_tables: Iterable[str], characters=(), features=()):
    """HarfBuzz's subset input, desubroutinized and unhinted: the glyphs given, those of the
    characters given and what the layout features given make of them; without the tables
    named."""
    from weasyprint.pdf.fonts import harfbuzz_subset
    from weasyprint.text.ffi import ffi, harfbuzz

    request = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy)
    tags = [harfbuzz.hb_tag_from_string(tag.encode(), -1) for tag in dropped_tables]
    for values, target in (
        (glyph_ids, harfbuzz_subset.hb_subset_input_glyph_set(request)),
        (characters, harfbuzz_subset.hb_subset_input_set(request, harfbuzz_subset.HB_SUBSET_SETS_UNICODE)),
        (
            [harfbuzz.hb_tag_from_string(f.encode(), -1) for f in features],
            harfbuzz_subset.hb_subset_input_set(request, harfbuzz_subset.HB_SUBSET_SETS_LAYOUT_FEATURE_TAG),
        ),
        (tags, harfbuzz_subset.hb_subset_input_set(request, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG)),
    ):
        if values:
            ordered = sorted(values)
            harfbuzz.hb_set_add_sorted_array(target, ffi.new("hb_codepoint_t[]", ordered), len(ordered))
    harfbuzz_subset.hb_subset_input_set_flags(
        request, harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE | harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    )
    return request


def _subset_face(face, glyph_ids: Sequence[int], dropped_tables: Iterable[str]):
    """A HarfBuzz subset of a face with the glyphs given, without the tables named; or None."""
    from weasyprint.pdf.fonts import harfbuzz_subset
    from weasyprint.text.ffi import ffi, harfbuzz

    subset = harfbuzz_subset.hb_subset_or_fail(face, _subset_request(glyph_ids, dropped_tables))
    return None if subset == ffi.NULL else ffi.gc(subset, harfbuzz.hb_face_destroy)


def _cff_table(face) -> bytes:
    """A HarfBuzz face's CFF table (b"" if it has none)."""
    from weasyprint.text.ffi import ffi, harfbuzz

    blob = ffi.gc(
        harfbuzz.hb_face_reference_table(face, harfbuzz.hb_tag_from_string(b"CFF ", -1)),
        harfbuzz.hb_blob_destroy,
    )
    length = ffi.new("unsigned int *")
    data = harfbuzz.hb_blob_get_data(blob, length)
    return bytes(ffi.buffer(data, length[0])) if length[0] else b""


def _cids(program: bytes) -> list[int] | None:
    """The CID of each glyph of a CFF program, or None if it is not CID-keyed."""
    from fontTools.cffLib import CFFFontSet

    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(program), None)
    top = fonts.topDictIndex[0]
    if not hasattr(top, "ROS"):
        return None
    return [0 if name == ".notdef" else int(name[3:]) for name in top.charset]


@lru_cache(maxsize=1)
def _common_characters() -> tuple[int, ...]:
    """What Noto Sans CJK draws on badges: GB 2312 (the Chinese characters of nearly every
    name) and CJK punctuation; Latin text is set in Noto Sans."""
    blocks = ((0x2000, 0x2070), (0x3000, 0x3040), (0xFF00, 0xFFF0))
    characters = {c for start, end in blocks for c in range(start, end)}
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # a cell GB 2312 leaves empty
                characters.add(ord(bytes((row, cell)).decode("gb2312")))
    return tuple(characters)


@lru_cache(maxsize=1)
def _subset_plans() -> bool:
    """Declare HarfBuzz's subset plans (WeasyPrint's bindings do not); whether this HarfBuzz
    has them."""
    from weasyprint.pdf.fonts import harfbuzz_subset
    from weasyprint.text.ffi import ffi

    ffi.cdef(
        """
        typedef ... hb_subset_plan_t;
        typedef ... hb_map_t;
        hb_subset_plan_t * hb_subset_plan_create_or_fail (hb_face_t *face, const hb_subset_input_t *input);
        void hb_subset_plan_destroy (hb_subset_plan_t *plan);
        hb_face_t * hb_subset_plan_execute_or_fail (hb_subset_plan_t *plan);
        const hb_map_t * hb_subset_plan_new_to_old_glyph_mapping (const hb_subset_plan_t *plan);
        hb_codepoint_t hb_map_get (const hb_map_t *map, hb_codepoint_t key);
        """,
        override=True,
    )
    try:
        harfbuzz_subset.hb_subset_plan_create_or_fail  # noqa: B018 - looks the symbol up
    except AttributeError:
        return False
    return True


def _common_glyph_face(font) -> tuple | None:
    """The font's glyphs for _common_characters(), made once per process: (subset face,
    {glyph id: its id there}), or None."""
    from weasyprint.pdf.fonts import harfbuzz_subset
    from weasyprint.text.ffi import ffi, harfbuzz

    if font.hash not in _common_glyph_faces:
        _common_glyph_faces[font.hash] = None
        request = _subset_request(
            [0], [t for t in font.tables if t not in ("CFF ", "maxp", "GSUB")], _common_characters()
        )
        plan = _subset_plans() and harfbuzz_subset.hb_subset_plan_create_or_fail(font.hb_face, request)
        if plan and plan != ffi.NULL:
            plan = ffi.gc(plan, harfbuzz_subset.hb_subset_plan_destroy)
            face = harfbuzz_subset.hb_subset_plan_execute_or_fail(plan)
            if face != ffi.NULL:
                face = ffi.gc(face, harfbuzz.hb_face_destroy)
                old = harfbuzz_subset.hb_subset_plan_new_to_old_glyph_mapping(plan)
                count = harfbuzz.hb_face_get_glyph_count(face)
                glyphs = {harfbuzz.hb_map_get(old, new): new for new in range(count)}
                _common_glyph_faces[font.hash] = (face, glyphs)
    return _common_glyph_faces[font.hash]


def _compact_cff(font, glyph_ids: Iterable[int]) -> tuple[bytes, bytes] | None:
    """(OpenType subset, its bare CFF program) of a CID-keyed CFF font, or None."""
    from weasyprint.text.fonts import get_hb_object_data

    used = sorted({0, *glyph_ids})
    face, glyphs = font.hb_face, used
    common = _common_glyph_face(font)  # the same glyphs, kept apart from the rest
    if common and all(glyph in common[1] for glyph in used):
        face, glyphs = common[0], [common[1][glyph] for glyph in used]
    # Only the CFF table is embedded. Dropping the layout tables also spares their glyph
    # closure (vertical and alternate forms the text does not use).
    subset = _subset_face(face, glyphs, [t for t in font.tables if t != "CFF "])
    program = _cff_table(subset) if subset is not None else b""
    # Only if every glyph kept its CID: a CID-keyed font whose charset names each one used.
    cids = _cids(program) if program else None
    if cids is None or not set(used) <= set(cids):
        return None
    return get_hb_object_data(subset), program


def _install_compact_subsetting() -> None:
    """Wrap WeasyPrint's Font.subset (compact for Noto Sans CJK) and its copying of whole
    font files (once per file), while badges are written."""
    from weasyprint.pdf import fonts as weasyprint_fonts
    from weasyprint.text.ffi import ffi, harfbuzz

    original = weasyprint_fonts.Font.subset
    if getattr(original, "compacts_cjk", False):
        return

    def subset(self, to_unicode, hinting):
        writing_badges = _badge_font_files.get() is not None
        if writing_badges and to_unicode and str(getattr(self, "family", "")).startswith("Noto Sans CJK"):
            try:
                compact = _compact_cff(self, to_unicode)
            except Exception:
                log.warning("could not compact the font %s", self.family, exc_info=True)
                compact = None
            if compact is not None:
                self.file_content, self.bare_cff = compact
                return None
        return original(self, to_unicode, hinting)

    copy_data = weasyprint_fonts.get_hb_object_data

    def whole_file_once(hb_object, ot_color=None, glyph=None):
        files = _badge_font_files.get()
        if files is None or ot_color is not None:
            return copy_data(hb_object, ot_color, glyph)
        address = int(ffi.cast("uintptr_t", hb_object))
        if address not in files:
            face = ffi.gc(harfbuzz.hb_face_reference(hb_object), harfbuzz.hb_face_destroy)
            files[address] = (face, copy_data(hb_object))
        return files[address][1]

    subset.compacts_cjk = True
    weasyprint_fonts.Font.subset = subset
    weasyprint_fonts.get_hb_object_data = whole_file_once


def _embed_bare_cff(document, pdf) -> None:
    """Put the bare CFF program of each compacted font where WeasyPrint put the OpenType one."""
    compacted = {id(f.file_content): f.bare_cff for f in document.fonts.values() if getattr(f, "bare_cff", None)}
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.stream and id(obj.stream[0]) in compacted:
            obj.stream = [compacted[id(obj.stream[0])]]
            obj.extra["Subtype"] = "/CIDFontType0C"


def _compress_streams(pdf) -> None:
    """Badges are written without object streams (see _split_pdf); compress each stream."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and not obj.compress and "Filter" not in obj.extra:
            obj.compress = True


def _finish_static_pdf(document, pdf) -> None:
    _embed_bare_cff(document, pdf)
    distinct_subset_tags(pdf)
    _compress_streams(pdf)


def _finish_badge_pdf(data: BadgeData, static: _PdfParts | None, document, pdf) -> None:
    _embed_bare_cff(document, pdf)
    # The static part's fonts come along with it (_finish_page), with tags of their own.
    static_tags = subset_tags_in(b"".join(body for body, _stream in static.objects.values())) if static else ()
    distinct_subset_tags(pdf, static_tags)
    _finish_page(pdf, data, static)
    _compress_streams(pdf)


def _render(badges: Sequence[BadgeData], part: str):
    """WeasyPrint's document of the badges' part, a page each."""
    from weasyprint import HTML

    document = HTML(string=badge_html(badges, part)).render(
        stylesheets=[badge_stylesheet()], font_config=font_configuration()
    )
    if len(document.pages) != len(badges):
        raise RuntimeError(f"{len(badges)} badges laid out on {len(document.pages)} pages")
    return document


def _static_key(data: BadgeData) -> tuple:
    """What the static part of a badge shows: badges that agree on it share one."""
    return (
        data.html_lang,
        data.forum_name,
        data.forum_name_lang,
        data.forum_name_secondary,
        data.forum_name_secondary_lang,
        data.forum_dates,
        data.admits_label,
        data.organisation_type,
        data.organisation_type_label,
    )


# {_static_key: the static part alone, as a one-page PDF taken apart}: made once per process.
_static_parts: dict[tuple, _PdfParts] = {}


def _static_parts_of(badges: Sequence[BadgeData]) -> list[_PdfParts] | None:
    """Each badge's static part, rendered the first time this process needs it: a third of
    a badge's time, spent once instead of on each badge. None if one's PDF cannot be taken
    apart (each badge then renders its own)."""
    missing = {_static_key(data): data for data in badges if _static_key(data) not in _static_parts}
    if missing:
        document = _render(list(missing.values()), "static")
        for key, page in zip(missing, document.pages):
            parts = _split_pdf(document.copy([page]).write_pdf(uncompressed_pdf=True, finisher=_finish_static_pdf))
            if parts is None:
                return None
            _static_parts[key] = parts
    return [_static_parts[_static_key(data)] for data in badges]


def render_badges(badges: Sequence[BadgeData]) -> list[bytes]:
    """A PDF per badge. The badges are laid out as one document (much faster than one each),
    without the static part they share with others (see _static_parts_of), and each page
    is then written on its own, with only the glyphs it uses."""
    _install_compact_subsetting()
    token = _badge_font_files.set({})
    try:
        statics = _static_parts_of(badges)
        document = _render(badges, "body" if statics else "all")
        return [
            document.copy([page]).write_pdf(uncompressed_pdf=True, finisher=partial(_finish_badge_pdf, data, static))
            for data, static, page in zip(badges, statics or [None] * len(badges), document.pages)
        ]
    finally:
        _badge_font_files.reset(token)


def render_badge(data: BadgeData) -> bytes:
    """One badge: an A6 page (105 x 148 mm trim) with 3 mm bleed and crop marks."""
    ensure_fonts()
    (content,) = render_badges([data])
    return content


def _start_worker() -> None:
    """Load fonts and metrics once per worker process, before the first chunk arrives."""
    font_configuration()
    _advance_widths(True)
    _advance_widths(False)
    # What is left by now lives as long as the worker: the garbage collector need not walk it
    # on every full collection (a tenth of the rendering time).
    gc.collect()
    gc.freeze()


def _render_chunk(badges: list[BadgeData]) -> tuple[list[int], list[bytes], int]:
    """In a worker: the chunk's PDFs, and the worker's peak memory in KiB (for the bench)."""
    pdfs = render_badges(badges)
    return [b.delegate_id for b in badges], pdfs, _own_peak_kib()


def _own_peak_kib() -> int:
    """This process's own peak memory. ru_maxrss of a spawned worker starts from its parent's
    peak (carried over the exec), so read the kernel's VmHWM where there is one."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def worker_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class RenderStats:
    """Figures from the last cold render in this process (for the bench and the CLI)."""

    rendered: int = 0
    seconds: float = 0.0
    worker_peak_kib: list[int] = field(default_factory=list)


last_render = RenderStats()


def _render_in_chunks(
    badges: Sequence[BadgeData],
    on_chunk: Callable[[list[int], list[bytes]], None],
    chunk_size: int,
    workers: int,
) -> None:
    """Render chunks of badges, in parallel worker processes when there is more than one."""
    global last_render
    started = clock.perf_counter()
    stats = RenderStats(rendered=len(badges))
    chunks = [list(badges[i : i + chunk_size]) for i in range(0, len(badges), chunk_size)]
    # A daemonic process (a huey consumer run with process workers) may not start children.
    if len(chunks) <= 1 or workers <= 1 or multiprocessing.current_process().daemon:
        for chunk in chunks:
            on_chunk([b.delegate_id for b in chunk], render_badges(chunk))
    else:
        # "spawn": workers start clean (no copied database connections or locks), which works
        # from the web server, the huey consumer and the CLI alike.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=min(workers, len(chunks)), mp_context=context, initializer=_start_worker
        ) as pool:
            futures = [pool.submit(_render_chunk, chunk) for chunk in chunks]
            for future in as_completed(futures):
                ids, pdfs, peak = future.result()
                stats.worker_peak_kib.append(peak)
                on_chunk(ids, pdfs)
    stats.seconds = clock.perf_counter() - started
    last_render = stats


# --- merging kept badges into a print file -----------------------------------------------------
#
# A kept badge is written with a plain cross-reference table and no object streams (each
# stream still compressed), so that a batch is a concatenation: every object of every badge
# is copied as it is, only its number and references renumbered. That makes 1000 badges in
# well under a second, where pypdf, parsing and cloning every object, takes about ten. Files
# of any other shape (kept by an older version, say) go through pypdf instead.

_OBJECT_HEADER = re.compile(rb"(\d+) 0 obj\n")
_REFERENCE = re.compile(rb"(?<![\d.])(\d+) 0 R\b")
_STREAM_START = b"\nstream\n"


@dataclass
class _PdfParts:
    """One single-page PDF taken apart: {number: (dictionary part, stream part)}."""

    objects: dict[int, tuple[bytes, bytes]]
    catalog: int
    pages: int
    page: int
    info: int | None


def _number(pattern: bytes, text: bytes) -> int | None:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else None


def _split_pdf(content: bytes) -> _PdfParts | None:
    """The objects of a single-page PDF with a classic xref table, or None if it is not one."""
    try:
        start = int(content[content.rindex(b"startxref") + 9 :].split()[0])
        trailer_at = content.index(b"trailer", start)
    except ValueError:
        return None
    lines = content[start:trailer_at].split(b"\n")
    if lines[0].strip() != b"xref" or len(lines) < 3:
        return None
    first, count = (int(v) for v in lines[1].split())
    entries = lines[2 : 2 + count]
    if first != 0 or len(entries) != count:
        return None
    offsets = sorted((int(entry[:10]), number) for number, entry in enumerate(entries) if entry[17:18] == b"n")
    objects: dict[int, tuple[bytes, bytes]] = {}
    for index, (offset, number) in enumerate(offsets):
        end = offsets[index + 1][0] if index + 1 < len(offsets) else start
        chunk = content[offset:end]
        header = _OBJECT_HEADER.match(chunk)
        if header is None or int(header.group(1)) != number:
            return None
        body = chunk[header.end() : chunk.rindex(b"endobj")].rstrip(b"\n")
        cut = body.find(_STREAM_START)
        objects[number] = (body, b"") if cut < 0 else (body[:cut], body[cut:])
    trailer = content[trailer_at:]
    catalog = _number(rb"/Root (\d+) 0 R", trailer)
    pages = catalog and _number(rb"/Pages (\d+) 0 R", objects.get(catalog, (b"",))[0])
    kids = pages and re.findall(rb"(\d+) 0 R", objects.get(pages, (b"",))[0].partition(b"/Kids")[2].partition(b"]")[0])
    if not catalog or not pages or not kids or len(kids) != 1:
        return None
    return _PdfParts(objects, catalog, pages, int(kids[0]), _number(rb"/Info (\d+) 0 R", trailer))


class _PdfAssembler:
    """Writes a PDF from objects given as bytes, numbering them as they come."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
        self.position = len(self.chunks[0])
        self.offsets: list[int] = []
        self.leaves: dict[tuple[bytes, bytes], int] = {}  # numbers of the objects without references
        # Each font subset's tag, with the number of its font program: one program, one tag.
        self.subset_tags: dict[bytes, int] = {}
        self.retagged: dict[tuple[bytes, int], bytes] = {}  # (tag, program) -> the new tag

    def reserve(self) -> int:
        self.offsets.append(-1)
        return len(self.offsets)

    def put(self, number: int, body: bytes) -> None:
        self.offsets[number - 1] = self.position
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        self.chunks.append(chunk)
        self.position += len(chunk)

    def add(self, body: bytes) -> int:
        number = self.reserve()
        self.put(number, body)
        return number

    def copy(self, parts: _PdfParts, skip: set[int], renumbered: dict[int, int]) -> dict[int, int]:
        """Copy the objects of a badge except `skip` and those `renumbered` to objects
        written already; returns old -> new numbers. An object without references that the
        file holds already (a font of the static part that many badges share) is written
        once."""
        numbers = dict(renumbered)
        copied = []
        for old, (dictionary, stream) in parts.objects.items():
            if old in skip or old in numbers:
                continue
            if _REFERENCE.search(dictionary) is None:
                if (dictionary, stream) in self.leaves:
                    numbers[old] = self.leaves[dictionary, stream]
                    continue
                numbers[old] = self.leaves[dictionary, stream] = self.reserve()
            else:
                numbers[old] = self.reserve()
            copied.append(old)
        retag = self._claim_subset_tags(parts, numbers)
        for old in copied:
            body = _renumbered(parts.objects[old], numbers)
            if old in retag:
                tag = retag[old]
                body = _SUBSET_NAME.sub(lambda found, tag=tag: found.group(1) + tag + b"+", body)
            self.put(numbers[old], body)
        return numbers

    def _claim_subset_tags(self, parts: _PdfParts, numbers: dict[int, int]) -> dict[int, bytes]:
        """Claim the subset tag of each font the badge brings for its font program (a
        subset that an earlier badge brought too is written once, and keeps its tag); a tag
        that the file gives another subset already is replaced. Returns {number in the
        badge: new tag} for the font descriptors, CID fonts and Type 0 fonts to rename."""
        renamed: dict[int, bytes] = {}
        for old, (dictionary, _stream) in parts.objects.items():
            program = _number(rb"/FontFile[23]? (\d+) 0 R", dictionary)
            name = re.search(rb"/FontName ?/([A-Z]{6})\+", dictionary)
            if program is None or name is None or program not in numbers:
                continue
            tag, number = name.group(1), numbers[program]
            if self.subset_tags.setdefault(tag, number) == number:
                continue
            if (tag, number) not in self.retagged:
                taken = {t.decode() for t in self.subset_tags}
                new = subset_tag(parts.objects[program][1], taken).encode()
                self.subset_tags[new] = number
                self.retagged[tag, number] = new
            renamed[old] = self.retagged[tag, number]
        # The fonts above a renamed descriptor: its CID font, and the Type 0 font above that.
        for pattern in (rb"/FontDescriptor (\d+) 0 R", rb"/DescendantFonts ?\[ ?(\d+) 0 R"):
            for old, (dictionary, _stream) in parts.objects.items():
                below = _number(pattern, dictionary) if renamed else None
                if below in renamed:
                    renamed[old] = renamed[below]
        return renamed

    def finish(self, catalog: int, info: int, trailer: bytes = b"") -> bytes:
        xref_at = self.position
        entries = [b"0000000000 65535 f \n"] + [b"%010d 00000 n \n" % offset for offset in self.offsets]
        self.chunks += [b"xref\n0 %d\n" % len(entries), *entries]
        self.chunks.append(
            b"trailer\n<</Size %d/Root %d 0 R/Info %d 0 R%s>>\nstartxref\n%d\n%%%%EOF\n"
            % (len(entries), catalog, info, trailer, xref_at)
        )
        return b"".join(self.chunks)


_SUBSET_NAME = re.compile(rb"(/(?:FontName|BaseFont) ?/)[A-Z]{6}\+")


def _floats(text: bytes) -> list[float]:
    return [float(v) for v in text.split()]


def _renumbered(obj: tuple[bytes, bytes], numbers: dict[int, int]) -> bytes:
    """An object's bytes with its references renumbered."""
    dictionary, stream = obj
    return _REFERENCE.sub(lambda found: b"%d 0 R" % numbers[int(found.group(1))], dictionary) + stream


def _page_part(parts: _PdfParts, contents: int, numbers: dict[int, int], box: bytes) -> bytes:
    """The page's content stream as a Form XObject clipped to `box`, its resources
    renumbered: the page drawn elsewhere."""
    resources = _number(rb"/Resources (\d+) 0 R", parts.objects[parts.page][0])
    dictionary, stream = parts.objects[contents]
    if resources is None or not dictionary.startswith(b"<<") or not stream:
        raise ValueError("the page has no resources or no content stream")
    return b"<</Type /XObject/Subtype /Form/BBox [%s]/Resources %d 0 R%s%s" % (
        box,
        numbers[resources],
        dictionary[2:],
        stream,
    )


# --- four badges on an A4 sheet ----------------------------------------------------------
#
# Office printers leave the outer 4-5 mm of the paper blank, and A6 is a quarter of A4: four
# badges at full size would run to the edges and lose their borders. So on a sheet they are
# scaled to keep SHEET_MARGIN_MM clear (95 x 134 mm, still right for A6 badge holders), and
# the cut marks stand in that margin, outside the badges, where every printer prints them.

SHEET_MARGIN_MM = 10.0
SHEET_MARKS_MM = (2.0, 5.0)  # from and to, outside the badges' outline (5-8 mm from the edge)


def _four_up_scale() -> float:
    return min(
        (A4_WIDTH_MM - 2 * SHEET_MARGIN_MM) / (2 * BADGE_WIDTH_MM),
        (A4_HEIGHT_MM - 2 * SHEET_MARGIN_MM) / (2 * BADGE_HEIGHT_MM),
    )


def _four_up_trim() -> tuple[float, float, float, float]:
    """The outline of the four badges, centred on the sheet (its TrimBox, in points)."""
    scale = _four_up_scale()
    width, height = 2 * BADGE_WIDTH_MM * scale * MM, 2 * BADGE_HEIGHT_MM * scale * MM
    left, bottom = (A4_WIDTH_MM * MM - width) / 2, (A4_HEIGHT_MM * MM - height) / 2
    return left, bottom, left + width, bottom + height


def _four_up_placement(slot: int, trim_left: float, trim_bottom: float) -> str:
    """PDF operators that draw /Badge<slot> (a badge as a form, clipped to its TrimBox, whose
    lower left corner is given) in its place: top left, top right, bottom left, bottom right
    (the reading order)."""
    scale = _four_up_scale()
    left, bottom, right, top = _four_up_trim()
    x = left if slot % 2 == 0 else (left + right) / 2
    y = (bottom + top) / 2 if slot < 2 else bottom
    return (
        f"q {scale:.5f} 0 0 {scale:.5f} {x - trim_left * scale:.3f} {y - trim_bottom * scale:.3f} cm /Badge{slot} Do Q"
    )


def _four_up_boxes() -> dict[str, list[float]]:
    """The sheet's page boxes: the paper, and the badges' outline as TrimBox and BleedBox
    (neighbours touch, so there is no bleed to give)."""
    trim = [round(v, 3) for v in _four_up_trim()]
    return {
        "MediaBox": [0, 0, round(A4_WIDTH_MM * MM, 4), round(A4_HEIGHT_MM * MM, 4)],
        "TrimBox": trim,
        "BleedBox": trim,
    }


def _cut_marks() -> list[str]:
    """Cut marks on the sheet: on each cut line, 2-5 mm outside the badges' outline, 0.25 pt
    black as the A6 crop marks."""
    left, bottom, right, top = _four_up_trim()
    near, far = (v * MM for v in SHEET_MARKS_MM)
    columns, rows = (left, (left + right) / 2, right), (bottom, (bottom + top) / 2, top)
    segments = [(x, top + near, x, top + far) for x in columns]
    segments += [(x, bottom - far, x, bottom - near) for x in columns]
    segments += [(left - far, y, left - near, y) for y in rows]
    segments += [(right + near, y, right + far, y) for y in rows]
    return ["0 0 0 RG 0.25 w 0 J", *(f"{x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S" for x1, y1, x2, y2 in segments)]


def _boxes_pdf(boxes: dict[str, list[float]]) -> bytes:
    return b"".join(
        b"/%s [%s]" % (name.encode(), " ".join(f"{v:.4f}" for v in box).encode()) for name, box in boxes.items()
    )


# --- the print shop's file: PDF/X-4 style ---------------------------------------------------


@dataclass(frozen=True)
class _PrintShopMetadata:
    """What a print-shop file declares beside its pages: when it was made, its id, PDF/X-4."""

    pdf_date: str  # D:20261226093000+08'00'
    xmp_date: str  # 2026-12-26T09:30:00+08:00
    document_id: str

    @classmethod
    def now(cls) -> _PrintShopMetadata:
        import uuid

        moment = datetime.now(UTC).astimezone()
        offset = moment.strftime("%z")
        return cls(
            pdf_date=f"D:{moment:%Y%m%d%H%M%S}{offset[:3]}'{offset[3:]}'",
            xmp_date=moment.isoformat(timespec="seconds"),
            document_id=str(uuid.uuid4()),
        )

    def info(self) -> dict[str, str]:
        return {
            "Title": "Badges",
            "Creator": "eventapp",
            "Producer": "eventapp",
            "CreationDate": self.pdf_date,
            "ModDate": self.pdf_date,
            "GTS_PDFXVersion": "PDF/X-4",
        }

    def xmp(self) -> bytes:
        return xmp_metadata("Badges", self.xmp_date, self.document_id)


def _concatenate(parts: Sequence[_PdfParts], sheet: str) -> bytes | None:
    """The print file made by copying objects, or None when a badge has another shape."""
    out = _PdfAssembler()
    pages_number = out.reserve()
    kids: list[int] = []
    if sheet != FOUR_UP:
        for badge in parts:
            numbers = out.copy(badge, {badge.catalog, badge.pages, badge.info}, {badge.pages: pages_number})
            kids.append(numbers[badge.page])
    else:
        marks = "\n".join(_cut_marks()).encode()
        boxes = _boxes_pdf(_four_up_boxes())
        for start in range(0, len(parts), 4):
            forms, ops = [], []
            for slot, badge in enumerate(parts[start : start + 4]):
                page = badge.objects[badge.page][0]
                contents = _number(rb"/Contents (\d+) 0 R", page)
                trim = re.search(rb"/TrimBox \[([^\]]*)\]", page)
                if contents is None or trim is None or b"/Annots" in page:
                    return None
                numbers = out.copy(badge, {badge.catalog, badge.pages, badge.info, badge.page, contents}, {})
                form = out.add(_page_part(badge, contents, numbers, trim.group(1)))
                left, bottom = _floats(trim.group(1))[:2]
                forms.append(b"/Badge%d %d 0 R" % (slot, form))
                ops.append(_four_up_placement(slot, left, bottom).encode())
            content = b"\n".join(ops) + b"\n" + marks
            stream_number = out.add(b"<</Length %d>>\nstream\n%s\nendstream" % (len(content), content))
            kids.append(
                out.add(
                    b"<</Type /Page/Parent %d 0 R%s/Resources <</XObject <<%s>>>>/Contents %d 0 R>>"
                    % (pages_number, boxes, b" ".join(forms), stream_number)
                )
            )
    out.put(pages_number, b"<</Type /Pages/Kids [%s]/Count %d>>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
    if sheet != PRINT_SHOP:
        catalog = out.add(b"<</Type /Catalog/Pages %d 0 R>>" % pages_number)
        info = out.add(b"<</Title (Badges)/Creator (eventapp)>>")
        return out.finish(catalog, info)
    metadata = _PrintShopMetadata.now()
    profile = out.reserve()
    intent, profile_stream = output_intent_objects(profile)
    out.put(profile, profile_stream)
    xmp = metadata.xmp()
    packet = out.add(b"<</Type /Metadata/Subtype /XML/Length %d>>\nstream\n%s\nendstream" % (len(xmp), xmp))
    catalog = out.add(
        b"<</Type /Catalog/Pages %d 0 R/OutputIntents [%s]/Metadata %d 0 R>>" % (pages_number, intent, packet)
    )
    fields = b"".join(b"/%s (%s)" % (key.encode(), value.encode()) for key, value in metadata.info().items())
    info = out.add(b"<<%s/Trapped /False>>" % fields)
    document_id = metadata.document_id.replace("-", "").encode()
    return out.finish(catalog, info, b"/ID [<%s> <%s>]" % (document_id, document_id))


def _page_box(page, name: str) -> list[float]:
    box = page.get(name) or page["/MediaBox"]
    return [float(v) for v in box]


def _page_as_form(writer, page):
    """pypdf: the badge page as a Form XObject clipped to its TrimBox (no bleed, no marks)."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, FloatObject, NameObject

    contents = page["/Contents"].get_object()
    if isinstance(contents, ArrayObject):
        form = DecodedStreamObject()
        form.set_data(b"\n".join(part.get_object().get_data() for part in contents))
    else:
        form = contents.clone(writer, force_duplicate=True)
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in _page_box(page, "/TrimBox"))
    form[NameObject("/Resources")] = page["/Resources"].clone(writer)
    return writer._add_object(form)


def _distinct_subset_tags_pypdf(writer) -> None:
    """pypdf: one tag for each distinct font program (files of other shapes may come with
    WeasyPrint's own tags, one per font whatever its subset)."""
    from pypdf.generic import DictionaryObject, IndirectObject, NameObject

    programs: dict[str, bytes] = {}
    renamed: dict[int, str] = {}  # descriptor's object number -> new tag
    descriptors = []
    for number, obj in enumerate(writer._objects, start=1):
        if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/FontDescriptor":
            descriptors.append((number, obj))
    for number, descriptor in descriptors:
        program = next((descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor), None)
        name = str(descriptor.get("/FontName", ""))
        if program is None or not re.match(r"/[A-Z]{6}\+", name):
            continue
        data = program.get_object().get_data()
        tag = name[1:7]
        if programs.setdefault(tag, data) != data:
            tag = subset_tag(data, programs)
            programs[tag] = data
            renamed[number] = tag
            descriptor[NameObject("/FontName")] = NameObject("/" + tag + name[7:])
    if not renamed:
        return
    # The CID fonts of the renamed descriptors, and the Type 0 fonts above them.
    cid_fonts: dict[int, str] = {}
    for number, obj in enumerate(writer._objects, start=1):
        descriptor = obj.get("/FontDescriptor") if isinstance(obj, DictionaryObject) else None
        if isinstance(descriptor, IndirectObject) and descriptor.idnum in renamed:
            cid_fonts[number] = renamed[descriptor.idnum]
            obj[NameObject("/BaseFont")] = NameObject("/" + renamed[descriptor.idnum] + str(obj["/BaseFont"])[7:])
    for obj in writer._objects:
        descendants = obj.get("/DescendantFonts") if isinstance(obj, DictionaryObject) else None
        if descendants:
            first = descendants.get_object()[0]
            if isinstance(first, IndirectObject) and first.idnum in cid_fonts:
                obj[NameObject("/BaseFont")] = NameObject("/" + cid_fonts[first.idnum] + str(obj["/BaseFont"])[7:])


def _declare_print_shop_pypdf(writer) -> None:
    """pypdf: the output intent, the XMP packet and the info of a print-shop file."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    metadata = _PrintShopMetadata.now()
    profile = DecodedStreamObject()
    profile.set_data(srgb_profile())
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFX"),
            NameObject("/OutputConditionIdentifier"): TextStringObject(OUTPUT_CONDITION),
            NameObject("/OutputCondition"): TextStringObject(OUTPUT_CONDITION),
            NameObject("/RegistryName"): TextStringObject("http://www.color.org"),
            NameObject("/Info"): TextStringObject(OUTPUT_CONDITION),
            NameObject("/DestOutputProfile"): writer._add_object(profile),
        }
    )
    packet = DecodedStreamObject()
    packet.set_data(metadata.xmp())
    packet[NameObject("/Type")] = NameObject("/Metadata")
    packet[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    writer._root_object[NameObject("/Metadata")] = writer._add_object(packet)
    writer.add_metadata({f"/{key}": value for key, value in metadata.info().items()})
    writer._info.get_object()[NameObject("/Trapped")] = NameObject("/False")
    writer.generate_file_identifiers()


def _merge_with_pypdf(pdfs: Sequence[bytes], sheet: str) -> bytes:
    """The same print file through pypdf: slower, but takes any PDF."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject

    writer = PdfWriter()
    pages = [PdfReader(io.BytesIO(content)).pages[0] for content in pdfs]
    if sheet != FOUR_UP:
        for page in pages:
            writer.add_page(page)
    else:
        boxes = _four_up_boxes()
        for start in range(0, len(pages), 4):
            sheet_page = writer.add_blank_page(A4_WIDTH_MM * MM, A4_HEIGHT_MM * MM)
            forms, ops = DictionaryObject(), []
            for slot, page in enumerate(pages[start : start + 4]):
                forms[NameObject(f"/Badge{slot}")] = _page_as_form(writer, page)
                ops.append(_four_up_placement(slot, *_page_box(page, "/TrimBox")[:2]))
            content = DecodedStreamObject()
            content.set_data("\n".join(ops + _cut_marks()).encode())
            sheet_page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): forms})
            sheet_page[NameObject("/Contents")] = writer._add_object(content)
            for name in ("TrimBox", "BleedBox"):
                sheet_page[NameObject(f"/{name}")] = ArrayObject(FloatObject(v) for v in boxes[name])
    _distinct_subset_tags_pypdf(writer)
    if sheet == PRINT_SHOP:
        _declare_print_shop_pypdf(writer)
    else:
        writer.add_metadata({"/Title": "Badges", "/Creator": "eventapp"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def merge_badges(pdfs: Sequence[bytes], sheet: str = "a6") -> bytes:
    """One print file from single-badge PDFs, in order: A6 pages as they are (for the print
    shop with an sRGB output intent and PDF/X-4 metadata), or imposed four to an A4 sheet
    (trimmed to the TrimBox, inside a margin office printers print, cut marks in it).
    Content streams and fonts are copied, never re-compressed; each distinct font subset
    keeps a tag of its own."""
    if sheet not in SHEETS:
        raise ValueError(f"unknown sheet {sheet!r}; use one of {', '.join(SHEETS)}")
    parts = [_split_pdf(content) for content in pdfs]
    if all(parts):
        try:
            merged = _concatenate(parts, sheet)
        except (KeyError, ValueError):  # a reference the concatenation does not expect
            merged = None
        if merged is not None:
            return merged
    return _merge_with_pypdf(pdfs, sheet)


# --- kept badges ---------------------------------------------------------------------------


def badge_pdf(delegate: Delegate) -> bytes:
    """The delegate's badge: the kept one if it is current, else rendered now and kept."""
    data = badge_data(delegate)
    key, current = badge_key(delegate.id), badge_fingerprint(data)
    content = documents.cached(key, current)
    if content is None:
        content = render_badge(data)
        documents.keep([(key, current, content)])
    return content


def refresh_badge(delegate_id: int) -> bool:
    """For the background task: render and keep the badge of a delegate with a confirmed
    seat when the kept one is missing or stale. Returns whether it rendered."""
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None or not any(r.status == RegistrationStatus.CONFIRMED for r in delegate.registrations):
        return False
    data = badge_data(delegate)
    key, current = badge_key(delegate.id), badge_fingerprint(data)
    if documents.cached(key, current) is not None:
        return False
    documents.keep([(key, current, render_badge(data))])
    return True


# --- batches for the print shop ------------------------------------------------------------


def _day_start_utc(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(zone)).astimezone(UTC)


def select_badge_delegates(
    event: Event,
    session_slug: str | None = None,
    organisation_type: str | None = None,
    registered_from: date | None = None,
    registered_until: date | None = None,
) -> list[Delegate]:
    """Delegates with a confirmed registration (in that session, if one is named; confirmed
    between those days, in the event's time zone, if given) of that delegation type, in
    print order: family name, Chinese names by pinyin (Delegate.sort_name), then id.
    An unknown session slug raises registration.UnknownSession."""
    confirmed = (
        select(Registration.delegate_id)
        .join(Registration.session)
        .where(Session.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
    )
    if session_slug:
        (session,) = sessions_by_slug(event, [session_slug])
        confirmed = confirmed.where(Registration.session_id == session.id)
    if registered_from:
        confirmed = confirmed.where(Registration.confirmed_at >= _day_start_utc(registered_from, event.timezone))
    if registered_until:
        end = _day_start_utc(registered_until + timedelta(days=1), event.timezone)
        confirmed = confirmed.where(Registration.confirmed_at < end)
    statement = (
        select(Delegate)
        .where(Delegate.event_id == event.id, Delegate.id.in_(confirmed))
        .order_by(Delegate.sort_name, Delegate.id)
        .options(selectinload(Delegate.registrations).selectinload(Registration.session))
    )
    if organisation_type:
        statement = statement.where(Delegate.organisation_type == OrganisationType(organisation_type))
    return list(db.session.execute(statement).scalars())


def batch_pdf(
    delegates: Sequence[Delegate],
    sheet: str = "a6",
    progress: Callable[[int], None] | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    workers: int | None = None,
) -> bytes:
    """One print file with exactly one badge per delegate, in the order given: kept badges
    that are current are reused; the others are rendered in chunks in parallel processes and
    kept. `progress` is called with the number of badges just made ready."""
    if sheet not in SHEETS:
        raise ValueError(f"unknown sheet {sheet!r}; use one of {', '.join(SHEETS)}")
    if not delegates:
        raise ValueError("no delegates: a print file needs at least one badge")
    ensure_fonts()
    shared: dict[tuple[int, str], _LanguageTexts] = {}
    badges = [_badge_data(delegate, shared) for delegate in delegates]
    wanted = {badge_key(b.delegate_id): badge_fingerprint(b) for b in badges}
    ready = documents.cached_many(wanted)
    if progress and ready:
        progress(sum(1 for b in badges if badge_key(b.delegate_id) in ready))
    missing = list({b.delegate_id: b for b in badges if badge_key(b.delegate_id) not in ready}.values())

    def keep_chunk(ids: list[int], pdfs: list[bytes]) -> None:
        triples = [(badge_key(i), wanted[badge_key(i)], pdf) for i, pdf in zip(ids, pdfs)]
        documents.keep(triples)
        ready.update((key, pdf) for key, _, pdf in triples)
        if progress:
            made = set(ids)
            progress(sum(1 for b in badges if b.delegate_id in made))

    if missing:
        _render_in_chunks(missing, keep_chunk, chunk_size, workers or worker_count())
    return merge_badges([ready[badge_key(b.delegate_id)] for b in badges], sheet)


def job_selection(filters: dict) -> dict:
    """PrintJob.filters (JSON: ISO dates) as select_badge_delegates' arguments."""

    def day(value):
        return date.fromisoformat(value) if value else None

    return {
        "session_slug": filters.get("session") or None,
        "organisation_type": filters.get("organisation_type") or None,
        "registered_from": day(filters.get("registered_from")),
        "registered_until": day(filters.get("registered_until")),
    }


def run_print_job(job_id: int) -> None:
    """Make a print job's file: select its delegates, render what is not kept, merge. The
    job's `done` moves in steps of about 5 % so a page can show the progress."""
    job = db.session.get(PrintJob, job_id)
    if job is None or job.status == PrintJobStatus.DONE:
        return

    def update(**values) -> None:
        with write_transaction():
            current = db.session.get(PrintJob, job_id, populate_existing=True)
            for name, value in values.items():
                setattr(current, name, value)

    update(status=PrintJobStatus.RUNNING, done=0, error="", content=None, finished_at=None)
    try:
        event = current_event()
        if event is None:
            raise RegistrationRefused(_("There is no event to print badges for."))
        delegates = select_badge_delegates(event, **job_selection(job.filters or {}))
        if not delegates:
            raise RegistrationRefused(_("No delegate with a confirmed seat matches these choices."))
        total = len(delegates)
        update(total=total)
        step = max(1, total // 20)
        counted = {"done": 0, "reported": 0}

        def advance(count: int) -> None:
            counted["done"] += count
            if counted["done"] - counted["reported"] >= step:
                counted["reported"] = counted["done"]
                update(done=min(counted["done"], total))

        content = batch_pdf(delegates, job.sheet, advance)
        update(status=PrintJobStatus.DONE, done=total, content=content, finished_at=utcnow())
    except (FontMissing, RegistrationRefused) as error:
        db.session.rollback()
        update(status=PrintJobStatus.FAILED, error=str(error), finished_at=utcnow())
    except Exception as error:
        log.exception("print job %s failed", job_id)
        db.session.rollback()
        update(
            status=PrintJobStatus.FAILED,
            error=_("Printing failed: %(error)s", error=f"{type(error).__name__}: {error}"),
            finished_at=utcnow(),
        )
