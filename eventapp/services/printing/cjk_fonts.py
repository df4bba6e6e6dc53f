"""Compact CJK fonts: the patch of WeasyPrint's font subsetting (`Font.subset`) and of its
copying of font files (`get_hb_object_data`), active only while badges are written
(`writing_badges()`); tests/test_weasyprint_patch.py checks the names and signatures it
replaces, and pyproject.toml pins the WeasyPrint versions it is known to work with.

WeasyPrint keeps glyph ids when it subsets a font, so a subset of Noto Sans CJK still holds
an empty slot for every glyph below the highest one used: some 40,000 slots, 140 KB per font
and badge, and 100 ms to make. Noto Sans CJK is a CID-keyed CFF font: its charset keeps
each glyph's CID when glyphs are dropped, and the PDF's text refers to CIDs. So while
badges are written, the font is subset without keeping ids and embedded as a bare CFF
program (CIDFontType0C, which every PDF reader maps through the charset); the rest of the
PDF stays as WeasyPrint wrote it. Anything unexpected falls back to WeasyPrint's way.

Subsetting the whole font takes HarfBuzz 3.5 ms (it reads all 65,000 glyphs' subroutines),
so each process first makes, once, a subset with the glyphs most badges print, and takes
each badge's glyphs from that in 0.1 ms; a badge with a glyph outside it (a rare character
in a name) is subset from the whole font. And WeasyPrint copies the whole font file (20 MB)
into every font of every PDF it writes, 10 ms each time; while badges are written, each
file is copied once.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import logging
import re
from collections.abc import Iterable, Iterator, Sequence, Sized
from functools import lru_cache, wraps
from typing import Any

import pydyf

log = logging.getLogger(__name__)

# {face address: (a reference that keeps the face, its whole file)} while badges are
# written, else None.
_badge_font_files: contextvars.ContextVar[dict[int, tuple[Any, bytes]] | None] = contextvars.ContextVar(
    "badge_font_files", default=None
)
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

    @wraps(original)  # __wrapped__: inspect (and tests/test_weasyprint_patch.py) see the original
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

    @wraps(copy_data)
    def whole_file_once(hb_object, ot_color=None, glyph=None):
        files = _badge_font_files.get()
        if files is None or ot_color is not None:
            return copy_data(hb_object, ot_color, glyph)
        address = int(ffi.cast("uintptr_t", hb_object))
        if address not in files:
            face = ffi.gc(harfbuzz.hb_face_reference(hb_object), harfbuzz.hb_face_destroy)
            files[address] = (face, copy_data(hb_object))
        return files[address][1]

    subset.compacts_cjk = True  # type: ignore[attr-defined]  # a mark on the wrapper: it is installed once
    weasyprint_fonts.Font.subset = subset
    weasyprint_fonts.get_hb_object_data = whole_file_once
    weasyprint_fonts.ffi = _ArrayTypesParsedOnce(weasyprint_fonts.ffi)


_FIXED_ARRAY = re.compile(r"(\w+)\[(\d+)\]")


class _ArrayTypesParsedOnce:
    """The ffi of weasyprint.pdf.fonts, where `new("hb_codepoint_t[57]", values)` with 57
    values is made as `new("hb_codepoint_t[]", values)`: the same array, but cffi parses each
    type string it has not seen yet with pycparser (8 ms), and WeasyPrint's subsetting of
    each font of each file asks for arrays of new lengths (0.2 s a worker's first chunk, and
    3 % of a badge after that). Everything else is the ffi's own."""

    def __init__(self, ffi) -> None:
        self._ffi = ffi

    def __getattr__(self, name: str):
        return getattr(self._ffi, name)

    def new(self, cdecl, init=None):
        found = _FIXED_ARRAY.fullmatch(cdecl) if isinstance(cdecl, str) and isinstance(init, Sized) else None
        if found and len(init) == int(found.group(2)):
            cdecl = found.group(1) + "[]"
        return self._ffi.new(cdecl, init)


def _embed_bare_cff(document, pdf) -> None:
    """Put the bare CFF program of each compacted font where WeasyPrint put the OpenType one."""
    compacted = {id(f.file_content): f.bare_cff for f in document.fonts.values() if getattr(f, "bare_cff", None)}
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.stream and id(obj.stream[0]) in compacted:
            obj.stream = [compacted[id(obj.stream[0])]]
            obj.extra["Subtype"] = "/CIDFontType0C"


@contextlib.contextmanager
def writing_badges() -> Iterator[None]:
    """While badges are written in this context: Noto Sans CJK compacted, each whole font
    file copied once (see above). Outside it WeasyPrint works as it always does."""
    _install_compact_subsetting()
    token = _badge_font_files.set({})
    try:
        yield
    finally:
        _badge_font_files.reset(token)
