"""What every printed document shares: the CJK font, one FontConfiguration per process,
HTML to PDF with WeasyPrint, and QR codes as images."""
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


def qr_png_data_uri(data: str, scale: int = 10, border: int = 4) -> str:
    """A QR code as a PNG data URI (WeasyPrint renders PNG faster than SVG); the border is
    the quiet zone in modules (4 is the standard's minimum)."""
    import segno

    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=scale, border=border)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
