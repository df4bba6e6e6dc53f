"""Rendering badges with WeasyPrint: badge.html and badge.css, the design version kept badges
are fingerprinted with, the static part many badges share (rendered once per process and
drawn under each badge as a form), crop marks, the QR code and the BleedBox on each page,
and cold batches rendered in chunks in spawned worker processes (no Flask, no database:
only `BadgeData` goes in, PDF bytes come out)."""

from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import time as clock
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from functools import lru_cache, partial
from pathlib import Path

import pydyf
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import documents
from ..pdf import distinct_subset_tags, ensure_fonts, font_configuration, qr_pdf_path, rendering, subset_tags_in
from .badge_data import BadgeData
from .cjk_fonts import _embed_bare_cff, writing_badges
from .layout import (
    BADGE_HEIGHT_MM,
    BADGE_WIDTH_MM,
    BLEED_MM,
    CROP_MARKS_MM,
    MM,
    QR_LEFT_MM,
    QR_SIZE_MM,
    QR_TOP_MM,
    _advance_widths,
    _layout,
)
from .sheets import _add_form, _PdfParts, _split_pdf

# Bump when the layout code or the PDF's shape changes what a badge looks like: every kept
# badge is then stale and is rendered again (edits of the template files count by themselves).
TEMPLATE_VERSION = "badge-2026-4"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"  # eventapp/templates


CHUNK_SIZE = 50  # badges per WeasyPrint document in a cold batch


@lru_cache(maxsize=1)
def _design_version() -> str:
    """TEMPLATE_VERSION and the template files themselves: editing them makes kept badges stale."""
    files = [(TEMPLATES / "print" / name).read_bytes() for name in ("badge.html", "badge.css")]
    return documents.fingerprint(TEMPLATE_VERSION, *(f.decode() for f in files))


def badge_fingerprint(data: BadgeData) -> str:
    """What a kept badge must have been made from to be current."""
    return documents.fingerprint("badge", _design_version(), asdict(data))


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
    is then written on its own, with only the glyphs it uses. One call at a time in a process
    (pdf.rendering): the static parts and font subsets it keeps are the process's."""
    with rendering, writing_badges():
        statics = _static_parts_of(badges)
        document = _render(badges, "body" if statics else "all")
        static_of: Sequence[_PdfParts | None] = statics or [None] * len(badges)
        return [
            document.copy([page]).write_pdf(uncompressed_pdf=True, finisher=partial(_finish_badge_pdf, data, static))
            for data, static, page in zip(badges, static_of, document.pages)
        ]


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
    """Figures of one cold render (batch_pdf hands them to `on_render`: the bench's)."""

    rendered: int = 0
    seconds: float = 0.0
    worker_peak_kib: list[int] = field(default_factory=list)


def _render_in_chunks(
    badges: Sequence[BadgeData],
    on_chunk: Callable[[list[int], list[bytes]], None],
    chunk_size: int,
    workers: int,
) -> RenderStats:
    """Render chunks of badges, in parallel worker processes when there is more than one."""
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
    return stats
