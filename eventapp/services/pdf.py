"""What every printed document shares: the CJK font, one FontConfiguration per process,
HTML to PDF with WeasyPrint, and QR codes as images or PDF paths."""
from __future__ import annotations

import base64
import io
import subprocess
from functools import lru_cache

from flask_babel import gettext as _

CJK_FONT_FAMILY = "Noto Sans CJK SC"
CJK_FONT_PACKAGE = "fonts-noto-cjk"


class FontMissing(RuntimeError):
    """The CJK font is not installed: Chinese names would print as empty boxes."""


@lru_cache(maxsize=1)
def _cjk_font_installed() -> bool:
    try:
        listed = subprocess.run(
            ["fc-list", f":family={CJK_FONT_FAMILY}", "family"],
            capture_output=True, text=True, timeout=30, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return CJK_FONT_FAMILY in listed


def ensure_cjk_font() -> None:
    """FontMissing, naming the Debian package, unless fontconfig knows the CJK font."""
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


@lru_cache(maxsize=1)
def font_configuration():
    """One FontConfiguration per process: reusing it cut WeasyPrint's memory by two thirds."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def html_to_pdf(html: str, base_url: str | None = None, stylesheets: list | None = None) -> bytes:
    """Render HTML to PDF bytes with the shared font configuration (FontMissing first)."""
    from weasyprint import HTML

    ensure_cjk_font()
    fonts = font_configuration()
    return HTML(string=html, base_url=base_url).write_pdf(
        stylesheets=stylesheets, font_config=fonts
    )


def _qr(data: str):
    import segno

    return segno.make(data, error="m", micro=False)


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
