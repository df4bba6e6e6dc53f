"""The WeasyPrint internals that eventapp patches or calls are still there, with the shape the
patches expect: services/printing/cjk_fonts.py replaces `Font.subset` and the module global
`get_hb_object_data` of weasyprint.pdf.fonts, services/pdf.py wraps `draw.draw_text` and
`layout.make_margin_boxes`.
pyproject.toml pins the WeasyPrint versions they are known to work with; when a new one
fails here, read what it changed before widening the pin."""

from __future__ import annotations

import inspect

import pytest

weasyprint = pytest.importorskip("weasyprint")
from weasyprint import draw  # noqa: E402
from weasyprint.pdf import fonts as pdf_fonts  # noqa: E402
from weasyprint.text import fonts as text_fonts  # noqa: E402
from weasyprint.text.ffi import harfbuzz  # noqa: E402


def parameters(function) -> list[tuple[str, object]]:
    """Each parameter's name and default (inspect.Parameter.empty for none) of WeasyPrint's own
    function, even when eventapp's wrapper is installed in its place (it says what it wraps)."""
    original = inspect.unwrap(function)
    return [(p.name, p.default) for p in inspect.signature(original, follow_wrapped=False).parameters.values()]


def assert_shape(where: str, function, expected: list[tuple[str, object]]) -> None:
    found = parameters(function)
    assert found == expected, (
        f"WeasyPrint {weasyprint.__version__} changed {where}: the patch expects the parameters "
        f"{expected}, found {found}"
    )


NO_DEFAULT = inspect.Parameter.empty


def test_font_subset_has_the_signature_the_compact_cjk_patch_replaces():
    assert hasattr(pdf_fonts, "Font"), f"WeasyPrint {weasyprint.__version__} has no weasyprint.pdf.fonts.Font"
    assert_shape(
        "weasyprint.pdf.fonts.Font.subset",
        pdf_fonts.Font.subset,
        [("self", NO_DEFAULT), ("to_unicode", NO_DEFAULT), ("hinting", NO_DEFAULT)],
    )


def test_the_font_attributes_the_patch_reads_and_sets_are_made_in_font_init():
    source = inspect.getsource(pdf_fonts.Font.__init__)
    missing = [
        name for name in ("family", "hash", "hb_face", "tables", "file_content") if f"self.{name} =" not in source
    ]
    assert not missing, (
        f"WeasyPrint {weasyprint.__version__}: Font.__init__ no longer sets {', '.join(missing)}, "
        "which the compact CJK subsetting reads or replaces"
    )


def test_get_hb_object_data_is_the_one_pdf_fonts_copies_font_files_with():
    assert hasattr(text_fonts, "get_hb_object_data"), (
        f"WeasyPrint {weasyprint.__version__} has no weasyprint.text.fonts.get_hb_object_data"
    )
    assert_shape(
        "weasyprint.text.fonts.get_hb_object_data",
        text_fonts.get_hb_object_data,
        [("hb_object", NO_DEFAULT), ("ot_color", None), ("glyph", None)],
    )
    # The patch replaces the module global that weasyprint.pdf.fonts calls.
    assert inspect.unwrap(getattr(pdf_fonts, "get_hb_object_data", None)) is text_fonts.get_hb_object_data, (
        f"WeasyPrint {weasyprint.__version__}: weasyprint.pdf.fonts no longer imports get_hb_object_data"
    )
    assert "get_hb_object_data(" in inspect.getsource(pdf_fonts), (
        f"WeasyPrint {weasyprint.__version__}: weasyprint.pdf.fonts no longer calls get_hb_object_data"
    )


def test_the_harfbuzz_subset_functions_the_patch_calls_are_bound():
    assert hasattr(pdf_fonts, "harfbuzz_subset"), (
        f"WeasyPrint {weasyprint.__version__} has no weasyprint.pdf.fonts.harfbuzz_subset"
    )
    names = {
        pdf_fonts.harfbuzz_subset: [
            "hb_subset_input_create_or_fail",
            "hb_subset_input_destroy",
            "hb_subset_input_glyph_set",
            "hb_subset_input_set",
            "hb_subset_input_set_flags",
            "hb_subset_or_fail",
            "HB_SUBSET_SETS_UNICODE",
            "HB_SUBSET_SETS_LAYOUT_FEATURE_TAG",
            "HB_SUBSET_SETS_DROP_TABLE_TAG",
            "HB_SUBSET_FLAGS_DESUBROUTINIZE",
            "HB_SUBSET_FLAGS_NO_HINTING",
        ],
        harfbuzz: [
            "hb_tag_from_string",
            "hb_set_add_sorted_array",
            "hb_face_destroy",
            "hb_face_reference",
            "hb_face_reference_table",
            "hb_face_get_glyph_count",
            "hb_blob_destroy",
            "hb_blob_get_data",
        ],
    }
    missing = [name for library, wanted in names.items() for name in wanted if not hasattr(library, name)]
    assert not missing, f"WeasyPrint {weasyprint.__version__}'s HarfBuzz bindings lack {', '.join(missing)}"


def test_draw_text_has_the_signature_the_actual_text_wrapper_expects():
    assert_shape(
        "weasyprint.draw.draw_text",
        draw.draw_text,
        [
            ("stream", NO_DEFAULT),
            ("textbox", NO_DEFAULT),
            ("offset_x", NO_DEFAULT),
            ("text_overflow", NO_DEFAULT),
            ("block_ellipsis", NO_DEFAULT),
        ],
    )


def test_the_patches_wrap_the_originals_and_are_installed_once():
    from eventapp.services import pdf
    from eventapp.services.printing import cjk_fonts

    cjk_fonts._install_compact_subsetting()
    cjk_fonts._install_compact_subsetting()
    pdf._patch_weasyprint()
    pdf._patch_weasyprint()
    # Installed once: each wrapper wraps WeasyPrint's own function, not another wrapper.
    for patched in (pdf_fonts.Font.subset, pdf_fonts.get_hb_object_data, draw.draw_text):
        assert hasattr(patched, "__wrapped__") and not hasattr(patched.__wrapped__, "__wrapped__")
    assert inspect.unwrap(pdf_fonts.get_hb_object_data) is text_fonts.get_hb_object_data
    assert getattr(pdf_fonts.Font.subset, "compacts_cjk", False)
    assert getattr(draw.draw_text, "marks_actual_text", False)


def test_make_margin_boxes_has_the_shape_the_skipping_wrapper_expects():
    """services/pdf.py wraps the module global `make_margin_boxes` that layout_document calls,
    and reads `context.style_for(page_type, "@top-left")` and a style's "content" as
    make_margin_boxes does to decide whether a margin box is generated."""
    from weasyprint import layout
    from weasyprint.layout import page as layout_page

    assert_shape(
        "weasyprint.layout.make_margin_boxes",
        layout.make_margin_boxes,
        [("context", NO_DEFAULT), ("page", NO_DEFAULT), ("state", NO_DEFAULT)],
    )
    assert inspect.unwrap(layout.make_margin_boxes) is layout_page.make_margin_boxes
    assert "make_margin_boxes(context, page, state)" in inspect.getsource(layout.layout_document)
    source = inspect.getsource(layout_page.make_margin_boxes)
    assert "context.style_for(page.page_type, at_keyword)" in source
    assert "'normal', 'inhibit', 'none'" in source  # the contents that generate no box


def test_pages_without_margin_content_skip_the_margin_boxes_and_others_keep_them():
    from weasyprint import HTML

    from eventapp.services import pdf

    pdf._patch_weasyprint()
    pdf._patch_weasyprint()
    from weasyprint import layout

    assert getattr(layout.make_margin_boxes, "skips_absent", False)
    assert not hasattr(layout.make_margin_boxes.__wrapped__, "__wrapped__")
    plain = HTML(string="<p>Seite</p>").render(font_config=pdf.font_configuration())
    assert not [box for box in plain.pages[0]._page_box.children if type(box).__name__ == "MarginBox"]
    numbered = HTML(string="<style>@page { @bottom-right { content: counter(page) } }</style><p>Seite</p>").render(
        font_config=pdf.font_configuration()
    )
    margins = [box for box in numbered.pages[0]._page_box.children if type(box).__name__ == "MarginBox"]
    assert [box.at_keyword for box in margins] == ["@bottom-right"]
