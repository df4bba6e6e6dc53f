"""The shortcuts a cold batch of badges takes give what the long way gave: segno's symbols
with the masks applied a row at once, the advance widths read with HarfBuzz, the parts a
rendered badge comes with, the kept badges written in bulk, and WeasyPrint's arrays of
glyph ids."""

from __future__ import annotations

import random
import string

import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Delegate, RenderedDocument
from eventapp.services import documents, printing
from eventapp.services import pdf as pdf_service
from eventapp.services.printing import layout, render

from .factories import CHINESE, GERMAN
from .test_badges import add_delegate


def test_qr_codes_with_the_masks_applied_by_rows_are_segnos_own():
    """The same mask chosen and the same modules as segno's own apply_mask gives, for codes
    of every length a badge (or a longer text) may hold."""
    import segno
    from segno import encoder

    rng = random.Random(15)
    texts = ["".join(rng.choices(string.ascii_uppercase + string.digits, k=n)) for n in (6, 10, 12, 16, 30, 60) * 40]
    ours = [pdf_service._qr(text) for text in texts]
    wrapper = encoder.apply_mask
    assert getattr(wrapper, "rows_at_once", False)
    try:
        encoder.apply_mask = wrapper.__wrapped__
        theirs = [segno.make(text, error="m", micro=False) for text in texts]
    finally:
        encoder.apply_mask = wrapper
    assert len({symbol.version for symbol in theirs}) >= 3
    for text, mine, reference in zip(texts, ours, theirs):
        assert (mine.mask, mine.version, mine.matrix) == (reference.mask, reference.version, reference.matrix), text


def _fonttools_widths(family: str, bold: bool) -> dict[int, float]:
    from fontTools.ttLib import TTFont

    path, index = layout.installed_font(family, bold)
    font = TTFont(path, fontNumber=index, lazy=True)
    metrics, units = font["hmtx"].metrics, font["head"].unitsPerEm
    return {code: metrics[glyph][0] / units for code, glyph in font.getBestCmap().items()}


@pytest.mark.parametrize("bold", [False, True])
def test_advance_widths_read_with_harfbuzz_are_the_fonts_own(bold):
    """Every character of both fonts measures what the fonts' hmtx says, Noto Sans first,
    and one neither has measures 1 em."""
    expected = _fonttools_widths(pdf_service.CJK_FONT_FAMILY, bold)
    expected.update(_fonttools_widths(pdf_service.LATIN_FONT_FAMILY, bold))
    widths = layout._advance_widths(bold)
    wrong = [code for code in [*expected, *range(0x20, 0x3000)] if widths[code] != expected.get(code, 1.0)]
    assert not wrong, [chr(code) for code in wrong[:20]]
    assert widths[0x10FFFD] == 1.0  # a private-use character: in neither font


def test_a_rendered_badge_comes_with_the_parts_its_pdf_is_read_into(app, forum):
    """What a worker hands the batch (PDF and parts) is what reading the PDF gives, so the
    merge, which uses the parts, makes the file it would make from the kept PDFs."""
    ids = [add_delegate(app, base=GERMAN), add_delegate(app, base=CHINESE)]
    with app.app_context():
        data = [printing.badge_data(db.session.get(Delegate, i)) for i in ids]
    rendered = render._rendered_badges(data)
    assert len(rendered) == 2
    for content, parts in rendered:
        assert printing._split_pdf(content) == parts
    pdfs = [content for content, _parts in rendered]
    for sheet in printing.SHEETS:
        given = printing.merge_badges(pdfs, sheet, [parts for _content, parts in rendered])
        read = printing.merge_badges(pdfs, sheet)
        if sheet == printing.PRINT_SHOP:  # its document id and date are made anew each time
            assert len(given) == len(read)
        else:
            assert given == read


def test_keeping_documents_replaces_older_versions_and_the_last_of_a_key_wins(app):
    with app.app_context():
        documents.keep([("test:a", "1", b"first"), ("test:b", "1", b"b")])
        assert documents.cached("test:a", "1") == b"first"
        documents.keep([("test:a", "2", b"second"), ("test:a", "3", b"third"), ("test:c", "1", b"c")])
        rows = db.session.execute(
            select(RenderedDocument.key, RenderedDocument.fingerprint, RenderedDocument.content)
            .where(RenderedDocument.key.like("test:%"))
            .order_by(RenderedDocument.key)
        ).all()
        assert [tuple(row) for row in rows] == [("test:a", "3", b"third"), ("test:b", "1", b"b"), ("test:c", "1", b"c")]
        assert documents.cached("test:a", "2") is None and documents.cached("test:a", "3") == b"third"
        assert all(d.rendered_at is not None for d in db.session.execute(select(RenderedDocument)).scalars())
        documents.keep([])


def test_weasyprint_arrays_of_a_given_length_are_made_as_before():
    """The ffi wrapper in weasyprint.pdf.fonts makes `T[n]` arrays with n values as `T[]`
    (parsed once); arrays without values, and every other call, are the ffi's own."""
    from weasyprint.pdf import fonts as weasyprint_fonts
    from weasyprint.text.ffi import ffi

    from eventapp.services.printing import cjk_fonts

    cjk_fonts._install_compact_subsetting()
    wrapped = weasyprint_fonts.ffi
    assert isinstance(wrapped, cjk_fonts._ArrayTypesParsedOnce)
    made = wrapped.new("hb_codepoint_t[3]", [5, 7, 9])
    assert ffi.typeof(made) is ffi.typeof("hb_codepoint_t[]") and list(made) == [5, 7, 9]
    empty = wrapped.new("hb_tag_t[100]")
    assert ffi.typeof(empty) is ffi.typeof("hb_tag_t[100]") and len(empty) == 100
    assert wrapped.NULL is ffi.NULL
