"""What every printed document shares: one font family (Noto Sans, with Noto Sans CJK SC for
Chinese), one FontConfiguration per process, HTML to PDF with WeasyPrint (subset tags of
their own and letter-spaced text that extracts as words), an output intent for print shops,
and QR codes as images or PDF paths."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import subprocess
import threading
from collections.abc import Iterable
from functools import lru_cache, wraps
from importlib import resources

from flask_babel import gettext as _

LATIN_FONT_FAMILY = "Noto Sans"
LATIN_FONT_PACKAGE = "fonts-noto-core"
CJK_FONT_FAMILY = "Noto Sans CJK SC"
CJK_FONT_PACKAGE = "fonts-noto-cjk"
# Every PDF sets Latin (and Greek, Cyrillic) in Noto Sans and what it lacks (Chinese,
# full-width punctuation) in Noto Sans CJK SC, whose Latin letters are set wider.
FONT_FAMILIES = (LATIN_FONT_FAMILY, CJK_FONT_FAMILY)


def font_stack() -> str:
    """The CSS font-family value of every printed document."""
    return ", ".join(f'"{family}"' for family in (LATIN_FONT_FAMILY, CJK_FONT_FAMILY))


class FontMissing(RuntimeError):
    """A font of the print family is not installed: text would print in another font, or
    Chinese names as empty boxes."""


def font_file(family: str) -> str | None:
    """The file fontconfig uses for `family`, or None when the family is not installed
    (fontconfig would substitute another one)."""
    try:
        found = subprocess.run(  # a fixed command, no shell
            ["fc-match", "--format=%{family}\n%{file}", family],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families, _, path = found.partition("\n")
    return path if family in families.split(",") and path else None


def _family_listed(family: str) -> bool:
    return font_file(family) is not None


@lru_cache(maxsize=1)
def _cjk_font_installed() -> bool:
    return _family_listed(CJK_FONT_FAMILY)


@lru_cache(maxsize=1)
def _latin_font_installed() -> bool:
    return _family_listed(LATIN_FONT_FAMILY)


def ensure_fonts() -> None:
    """FontMissing, naming the Debian package, unless fontconfig knows both fonts."""
    if not _cjk_font_installed():
        _cjk_font_installed.cache_clear()  # look again next time: it may be installed by then
        raise FontMissing(
            _(
                "The font %(font)s is not installed, so Chinese names cannot be printed. "
                "Install the Debian package %(package)s (apt-get install %(package)s) and try again.",
                font=CJK_FONT_FAMILY,
                package=CJK_FONT_PACKAGE,
            )
        )
    if not _latin_font_installed():
        _latin_font_installed.cache_clear()
        raise FontMissing(
            _(
                "The font %(font)s is not installed, so badges and programmes cannot be printed "
                "in their own font. Install the Debian package %(package)s (apt-get install "
                "%(package)s) and try again.",
                font=LATIN_FONT_FAMILY,
                package=LATIN_FONT_PACKAGE,
            )
        )


@lru_cache(maxsize=1)
def font_configuration():
    """One FontConfiguration per process: reusing it cut WeasyPrint's memory by two thirds.
    WeasyPrint is patched (once) before its first use, see _patch_weasyprint."""
    from weasyprint.text.fonts import FontConfiguration

    _patch_weasyprint()
    return FontConfiguration()


# One rendering at a time in a process: WeasyPrint (with Pango, fontconfig and HarfBuzz under
# it) is not thread-safe, and the FontConfiguration, the patches and the caches of printing/
# are the process's. gunicorn's threads (eventapp/gunicorn_conf.py) serve pages meanwhile.
rendering = threading.RLock()


def html_to_pdf(html: str, base_url: str | None = None, stylesheets: list | None = None) -> bytes:
    """Render HTML to PDF bytes with the shared font configuration (FontMissing first)."""
    from weasyprint import HTML

    ensure_fonts()
    with rendering:
        return HTML(string=html, base_url=base_url).write_pdf(
            stylesheets=stylesheets,
            font_config=font_configuration(),
            finisher=lambda document, pdf: distinct_subset_tags(pdf),
        )


# --- subset tags -------------------------------------------------------------------------
#
# A subset font's name starts with a tag of six capitals ("ABCDEF+Noto-Sans-Bold"), and
# ISO 32000-1 §9.6.4 wants a different tag for each different subset in a file: preflight
# and imposition software take two fonts of one name and tag for the same font and may
# keep only one. WeasyPrint makes the tag from the font's name, so every subset of a font
# gets the same one. Here it is made from the subset itself: different subsets get
# different tags (a clash of two hashes is resolved by taking the next tag).

_SUBSET_TAG = re.compile(rb"/(?:FontName|BaseFont) ?/([A-Z]{6})\+")


def subset_tag(font_program: bytes, taken: Iterable[str] = ()) -> str:
    """Six capital letters made from the embedded font program, none of those `taken`."""
    taken = set(taken)
    for attempt in range(1000):
        digest = hashlib.sha256(font_program + attempt.to_bytes(2, "big") if attempt else font_program).digest()
        tag = "".join(chr(65 + byte % 26) for byte in digest[:6])
        if tag not in taken:
            return tag
    raise RuntimeError("no free subset tag")  # 26**6 tags: unreachable in practice


def subset_tags_in(data: bytes) -> set[str]:
    """The subset tags named in PDF objects given as bytes."""
    return {found.decode() for found in _SUBSET_TAG.findall(data)}


def retagged(name: bytes, tag: str) -> bytes:
    """b"/OLDTAG+Noto-Sans" with the new tag."""
    return b"/" + tag.encode() + name[7:] if re.match(rb"/[A-Z]{6}\+", name) else name


def distinct_subset_tags(pdf, taken: Iterable[str] = ()) -> None:
    """A WeasyPrint finisher step: give each embedded font subset of this pydyf PDF a tag made
    from its own program, none of those `taken` (by fonts copied in from elsewhere)."""
    import pydyf

    taken = set(taken)
    renamed: dict[bytes, bytes] = {}
    tags: dict[bytes, str] = {}  # program's digest -> its tag: fonts sharing a file share it
    for obj in pdf.objects:
        if not (isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/FontDescriptor"):
            continue
        reference = next((obj[key] for key in ("FontFile", "FontFile2", "FontFile3") if key in obj), None)
        name = obj.get("FontName")
        if reference is None or not isinstance(name, bytes):
            continue
        font_file = pdf.objects[int(bytes(reference).split()[0])]
        program = b"".join(part if isinstance(part, bytes) else bytes(part) for part in font_file.stream)
        digest = hashlib.sha256(program).digest()
        tag = tags.get(digest) or subset_tag(program, taken)
        tags[digest] = tag
        taken.add(tag)
        renamed[name] = obj["FontName"] = retagged(name, tag)
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("BaseFont") in renamed:
            obj["BaseFont"] = renamed[obj["BaseFont"]]


# --- letter-spaced text ------------------------------------------------------------------
#
# Letter spacing puts a gap after each glyph, and text extraction (pdftotext, search, copy
# and paste, screen readers) takes gaps wider than about a tenth of an em for spaces between
# words: "D E U TS C H". Each letter-spaced line is drawn inside a marked-content span whose
# ActualText (ISO 32000-1 §14.9.4) is the line's text, which readers take instead.


def _patch_weasyprint() -> None:
    """Wrap WeasyPrint's drawing of text boxes (once per process): letter-spaced lines get
    an ActualText span; and its making of page-margin boxes (see _skip_absent_margin_boxes)."""
    from weasyprint import draw

    _skip_absent_margin_boxes()
    original = draw.draw_text
    if getattr(original, "marks_actual_text", False):
        return

    @wraps(original)  # __wrapped__: inspect (and tests/test_weasyprint_patch.py) see the original
    def draw_text(stream, textbox, *args, **kwargs):
        spacing = textbox.style["letter_spacing"]
        text = textbox.text.strip()
        if spacing in ("normal", 0) or not text or textbox.style["visibility"] != "visible":
            return original(stream, textbox, *args, **kwargs)
        actual = b"<feff" + text.encode("utf-16-be").hex().encode() + b">"
        stream.begin_marked_content("Span", b"<</ActualText " + actual + b">>")
        try:
            return original(stream, textbox, *args, **kwargs)
        finally:
            stream.end_marked_content()

    draw_text.marks_actual_text = True  # type: ignore[attr-defined]  # a mark on the wrapper: it is installed once
    draw.draw_text = draw_text


# The sixteen page-margin boxes of CSS Paged Media (@top-left, ..., @right-bottom).
MARGIN_BOXES = tuple(
    f"@{side}-{place}"
    for side, places in (
        ("top", ("left-corner", "left", "center", "right", "right-corner")),
        ("bottom", ("left-corner", "left", "center", "right", "right-corner")),
        ("left", ("top", "middle", "bottom")),
        ("right", ("top", "middle", "bottom")),
    )
    for place in places
)


def _skip_absent_margin_boxes() -> None:
    """WeasyPrint makes the sixteen margin boxes of every page, styles and percentages
    resolved, and then drops those without content: half the time of an empty page, 0.7 ms
    a badge. Where no margin box of the page has content (as WeasyPrint decides it), there
    is none to make; pages with some (the programme's page numbers) are made as before."""
    from weasyprint import layout

    original = layout.make_margin_boxes
    if getattr(original, "skips_absent", False):
        return

    @wraps(original)  # __wrapped__: tests/test_weasyprint_patch.py checks the original's shape
    def make_margin_boxes(context, page, state):
        styles = (context.style_for(page.page_type, box) for box in MARGIN_BOXES)
        if all(style is None or style["content"] in ("normal", "inhibit", "none") for style in styles):
            return ()
        return original(context, page, state)

    make_margin_boxes.skips_absent = True  # type: ignore[attr-defined]  # a mark on the wrapper: it is installed once
    layout.make_margin_boxes = make_margin_boxes


# --- print shops ---------------------------------------------------------------------------

OUTPUT_CONDITION = "sRGB IEC61966-2.1"


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """The sRGB ICC profile that WeasyPrint ships (it declares it for PDF/A too)."""
    return (resources.files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()


def output_intent_objects(profile_number: int) -> tuple[bytes, bytes]:
    """(the OutputIntent dictionary pointing at object `profile_number`, that ICC stream's
    body): a PDF/X-4 style output intent declaring the colours as sRGB."""
    import zlib

    profile = zlib.compress(srgb_profile())
    intent = (
        b"<</Type /OutputIntent/S /GTS_PDFX/OutputConditionIdentifier (%s)/OutputCondition (%s)"
        b"/RegistryName (http://www.color.org)/Info (%s)/DestOutputProfile %d 0 R>>"
        % (OUTPUT_CONDITION.encode(), OUTPUT_CONDITION.encode(), OUTPUT_CONDITION.encode(), profile_number)
    )
    stream = b"<</N 3/Length %d/Filter /FlateDecode>>\nstream\n%s\nendstream" % (len(profile), profile)
    return intent, stream


def xmp_metadata(title: str, created: str, document_id: str) -> bytes:
    """An XMP packet naming the file PDF/X-4 (ISO 15930-7), for print-shop preflight."""
    from xml.sax.saxutils import escape

    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
   <xmp:CreateDate>{created}</xmp:CreateDate>
   <xmp:ModifyDate>{created}</xmp:ModifyDate>
   <xmp:CreatorTool>eventapp</xmp:CreatorTool>
   <xmpMM:DocumentID>uuid:{document_id}</xmpMM:DocumentID>
   <xmpMM:InstanceID>uuid:{document_id}</xmpMM:InstanceID>
   <pdf:Producer>eventapp</pdf:Producer>
   <pdf:Trapped>False</pdf:Trapped>
   <pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


# --- QR codes ------------------------------------------------------------------------------


def _qr(data: str):
    import segno

    _mask_rows_at_once()
    return segno.make(data, error="m", micro=False)


def _mask_rows_at_once() -> None:
    """Wrap segno's application of a data mask (once per process): it XORs each module of
    the encoding region with the mask's bit, calling two functions per module, for each of
    the eight masks it tries (40 % of a badge's QR code). The wrapper XORs a row at once,
    as one integer, with the same bits, made once per mask and symbol size."""
    from segno import encoder

    original = encoder.apply_mask
    if getattr(original, "rows_at_once", False):
        return
    rows: dict[tuple, tuple[int, ...]] = {}  # (mask's code, width, height) -> each row's bits

    @wraps(original)
    def apply_mask(matrix, mask_pattern, width, height, is_encoding_region):
        # The region depends only on the symbol's size, the mask on its function's code (segno
        # makes the functions anew for each symbol).
        key = (mask_pattern.__code__, width, height)
        if key not in rows:
            rows[key] = tuple(
                int.from_bytes(bytes(bool(is_encoding_region(i, j) and mask_pattern(i, j)) for j in range(width)))
                for i in range(height)
            )
        for row, bits in zip(matrix, rows[key]):
            if bits:
                row[:] = (int.from_bytes(row) ^ bits).to_bytes(width)

    apply_mask.rows_at_once = True  # type: ignore[attr-defined]  # a mark on the wrapper: it is installed once
    encoder.apply_mask = apply_mask


def qr_png_data_uri(data: str, scale: int = 10, border: int = 4) -> str:
    """A QR code as a PNG data URI (WeasyPrint renders PNG faster than SVG); the border is
    the quiet zone in modules (4 is the standard's minimum)."""
    buffer = io.BytesIO()
    _qr(data).save(buffer, kind="png", scale=scale, border=border)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def qr_pdf_path(data: str, left: float, top: float, size: float, border: int = 4) -> bytes:
    """A QR code as PDF operators that fill its dark modules in black, a rectangle per run
    of them in a row: `size` points wide with its quiet zone of `border` modules, its top
    left corner at (left, top) in a space whose y axis points down (WeasyPrint's page)."""
    matrix = _qr(data).matrix
    module = size / (len(matrix) + 2 * border)
    runs = []
    for row, modules in enumerate(matrix):
        column = 0
        while column < len(modules):
            end = column
            while end < len(modules) and modules[end]:
                end += 1
            if end > column:
                runs.append(f"{column + border} {row + border} {end - column} 1 re")
            column = end + 1
    # The rectangles are in modules, from the quiet zone's top left corner.
    scale = f"q {module:.4f} 0 0 {module:.4f} {left:.3f} {top:.3f} cm 0 0 0 rg"
    return "\n".join([scale, *runs, "f Q"]).encode()
