"""Rendering badges with WeasyPrint: badge.html and badge.css, the design version kept badges
are fingerprinted with, the part many badges share (the header and band: rendered
once per process and drawn under each badge as a form), crop marks, the QR
code and the BleedBox on each page, and cold batches rendered in chunks in worker
processes (forked; no database: only `BadgeData` goes in, PDF bytes come out)."""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
import resource
import threading
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
from .sheets import _add_form, _PdfParts, _split_pdf, single_pages

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
    which _finish_pages draws): all of it, its "static" part or its "body" (see
    badge.html)."""
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


_FONT_IN_USE = re.compile(rb"/(\S+) [-\d.]+ Tf")


def _finish_pages(pdf, badges: Sequence[BadgeData], forms: Sequence[_Forms]) -> None:
    """Draw the shared parts (each rendered once for all badges like this one, see
    _forms_of), the crop marks and the QR code on each badge's page, and give it a
    BleedBox: WeasyPrint's page box holds the bleed and the crop marks; the PDF's BleedBox
    says where the artwork ends (3 mm past the TrimBox), as print shops expect. WeasyPrint
    gives all pages one resources dictionary; each page gets its own, naming only the fonts
    it uses, so that a page taken out alone (render_badges) brings only those."""
    pages = [o for o in pdf.objects if isinstance(o, pydyf.Dictionary) and o.get("Type") == "/Page" and "TrimBox" in o]
    if len(pages) != len(badges):
        raise RuntimeError(f"{len(badges)} badges written on {len(pages)} pages")
    added: dict[int, bytes] = {}  # id(shared part) -> its form, once per file
    bleed = BLEED_MM * MM
    for page, data, shared_parts in zip(pages, badges, forms):
        left, top, right, bottom = (float(v) for v in page["TrimBox"])
        page["BleedBox"] = pydyf.Array([left - bleed, top - bleed, right + bleed, bottom + bleed])
        content = pdf.objects[int(page["Contents"].split()[0])]
        shared = pdf.objects[int(page["Resources"].split()[0])]
        fonts = pdf.objects[int(shared["Font"].split()[0])]
        operators = b"\n".join(part for part in content.stream if isinstance(part, bytes))  # Tf is bytes
        used = {name.decode() for name in _FONT_IN_USE.findall(operators)}
        own_fonts = pydyf.Dictionary({name: fonts[name] for name in used if name in fonts})
        pdf.add_object(own_fonts)
        resources = pydyf.Dictionary(
            {**shared, "Font": own_fonts.reference, "XObject": pydyf.Dictionary(shared["XObject"])}
        )
        qr = qr_pdf_path(data.checkin_code, QR_LEFT_MM * MM, QR_TOP_MM * MM, QR_SIZE_MM * MM)
        # The page's content ends in the state it began with: the trim's top left, y down.
        content.stream += [_crop_marks(), qr]
        for name, part in shared_parts:
            if id(part) not in added:
                added[id(part)] = _add_form(pdf, part)
            resources["XObject"][name] = added[id(part)]
        # First, in the page's own space, as the parts' pages had it: under the rest.
        content.stream[:0] = [b"q /%s Do Q" % name.encode() for name, _part in shared_parts]
        pdf.add_object(resources)
        page["Resources"] = resources.reference


def _compress_streams(pdf) -> None:
    """Badges are written without object streams (see _split_pdf); compress each stream."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and not obj.compress and "Filter" not in obj.extra:
            obj.compress = True


def _finish_static_pdf(document, pdf) -> None:
    _embed_bare_cff(document, pdf)
    distinct_subset_tags(pdf)
    _compress_streams(pdf)


def _finish_badges_pdf(badges: Sequence[BadgeData], forms: Sequence[_Forms], document, pdf) -> None:
    _embed_bare_cff(document, pdf)
    # The shared parts' fonts come along with them (_finish_pages), with tags of their own.
    distinct = {id(part): part for shared_parts in forms for _name, part in shared_parts}.values()
    shared_tags = subset_tags_in(b"".join(body for part in distinct for body, _stream in part.objects.values()))
    distinct_subset_tags(pdf, shared_tags)
    _finish_pages(pdf, badges, forms)
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


# The parts that many badges show alike, each rendered once per process and drawn on each of
# those badges as a form of that name, in this order, under the rest: {part: (form, key)}.
# Not the sessions: in a form of their own, they take their glyphs out of the body's font
# subsets, and text extraction then reads the letter-spaced badge code differently.
SHARED_PARTS = {"static": ("BadgeStatic", _static_key)}
_Forms = list[tuple[str, _PdfParts]]  # the shared parts of one badge: (form name, part)

# {(part, its key): the part alone, as a one-page PDF taken apart}: made once per process.
_shared_parts: dict[tuple, _PdfParts] = {}


def _shared_parts_of(badges: Sequence[BadgeData], part: str) -> list[_PdfParts] | None:
    """Each badge's part, rendered the first time this process needs it. None if one's PDF
    cannot be taken apart."""
    key_of = SHARED_PARTS[part][1]
    missing = {(part, key_of(data)): data for data in badges if (part, key_of(data)) not in _shared_parts}
    if missing:
        document = _render(list(missing.values()), part)
        for key, page in zip(missing, document.pages):
            parts = _split_pdf(document.copy([page]).write_pdf(uncompressed_pdf=True, finisher=_finish_static_pdf))
            if parts is None:
                return None
            _shared_parts[key] = parts
    return [_shared_parts[part, key_of(data)] for data in badges]


def _forms_of(badges: Sequence[BadgeData]) -> list[_Forms] | None:
    """For each badge, its shared parts as forms: the header and band; a third
    of a badge's layout, done once instead of on each badge. None if a part's PDF cannot be
    taken apart (each badge then renders all of itself)."""
    columns = []
    for part, (name, _key) in SHARED_PARTS.items():
        parts = _shared_parts_of(badges, part)
        if parts is None:
            return None
        columns.append([(name, found) for found in parts])
    return [list(row) for row in zip(*columns)]


# Badges written to one PDF, which is then taken apart into a PDF per badge: writing costs
# WeasyPrint about 3 ms a file, and each font subset is made once per file (1.9 ms a badge
# instead of 3.9). A badge then holds the glyphs of its group's text in its fonts: 32 KB
# against 23 KB written alone; the batch file, which holds each subset once, is a fifth
# smaller.
WRITE_GROUP = 10


def render_badges(badges: Sequence[BadgeData]) -> list[bytes]:
    """A PDF per badge (see _rendered_badges)."""
    return [content for content, _parts in _rendered_badges(badges)]


def _rendered_badges(badges: Sequence[BadgeData]) -> list[tuple[bytes, _PdfParts]]:
    """A PDF per badge, with its parts (what a batch merges). The badges are laid out as one
    document (much faster than one each), without the parts they share with others (see
    _forms_of), written in groups of WRITE_GROUP pages and taken apart again, each page with
    the objects it uses. One call at a time in a process (pdf.rendering): the shared parts
    and font subsets it keeps are the process's."""
    with rendering, writing_badges():
        forms = _forms_of(badges)
        document = _render(badges, "body" if forms else "all")
        forms_of: Sequence[_Forms] = forms or [[] for _ in badges]
        rendered: list[tuple[bytes, _PdfParts]] = []
        for start in range(0, len(badges), WRITE_GROUP):
            group = slice(start, start + WRITE_GROUP)
            finish = partial(_finish_badges_pdf, badges[group], forms_of[group])
            written = document.copy(document.pages[group]).write_pdf(uncompressed_pdf=True, finisher=finish)
            pages = single_pages(written)
            if pages is None:
                raise RuntimeError("WeasyPrint wrote a PDF of another shape than badges are kept in")
            rendered += pages
        return rendered


def render_badge(data: BadgeData) -> bytes:
    """One badge: an A6 page (105 x 148 mm trim) with 3 mm bleed and crop marks."""
    ensure_fonts()
    (content,) = render_badges([data])
    return content


def _start_worker() -> None:
    """Load WeasyPrint, the fonts, their metrics, badge.css and the template once per worker
    process, before the first chunk arrives."""
    font_configuration()
    badge_stylesheet()
    _template()
    _advance_widths(True)
    _advance_widths(False)
    # What is left by now lives as long as the worker: the garbage collector need not walk it
    # on every full collection (a tenth of the rendering time).
    gc.collect()
    gc.freeze()


def _render_chunk(badges: list[BadgeData]) -> tuple[list[int], list[tuple[bytes, _PdfParts]], int]:
    """In a worker: the chunk's PDFs with their parts, and the worker's peak memory in KiB
    (for the bench)."""
    return [b.delegate_id for b in badges], _rendered_badges(badges), _own_peak_kib()


def _own_peak_kib() -> int:
    """This process's own peak memory. ru_maxrss of a worker starts from its parent's peak
    (carried over the fork), so read the kernel's VmHWM where there is one."""
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


def _worker_context():
    """fork when this process runs a single thread (the CLI): a worker then starts in
    milliseconds with what its parent has imported (eventapp, Flask, SQLAlchemy: 0.8 s a
    worker when spawned), and touches neither the database nor its parent's connections.
    Where other threads run (a web server's, a consumer's, which may hold locks that a
    forked child would inherit held) workers come from a fork server: one clean process,
    this module imported once, forked for each worker."""
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class RenderWorkers:
    """Worker processes for a cold batch, started ahead: `start()` forks them at once, so
    they load WeasyPrint and the fonts (0.4 s of CPU) while the caller is still choosing
    its delegates; batch_pdf(workers=...) renders with them, or lets them go at once when
    every badge is kept (`release`). Leaving the `with` block stops them. A daemonic
    process (a huey consumer run with process workers) may not start children: there,
    nothing starts and the chunks are rendered in this process."""

    def __init__(self, count: int | None = None) -> None:
        self.count = count or worker_count()
        self.pool: ProcessPoolExecutor | None = None
        self.forked: list[multiprocessing.process.BaseProcess] = []  # its processes, if children of this one
        self.used = False

    def start(self) -> RenderWorkers:
        if self.pool is None and self.count > 1 and not multiprocessing.current_process().daemon:
            self.pool = ProcessPoolExecutor(self.count, mp_context=_worker_context(), initializer=_start_worker)
            # A first task makes the pool start its processes now, not with the first chunk.
            # Frozen meanwhile, what a forked worker inherits is not walked by its garbage
            # collector (0.1 s at its start, and every page of it copied).
            before = set(multiprocessing.active_children())
            gc.freeze()
            try:
                self.pool.submit(int)
            finally:
                gc.unfreeze()
            self.forked = [child for child in multiprocessing.active_children() if child not in before]
        return self

    def release(self) -> None:
        """Stop workers that have rendered nothing without waiting for them to finish
        loading: they are terminated (a warm batch then costs no more than without them)."""
        if self.pool is not None and not self.used:
            for process in self.forked:
                process.terminate()
        self.stop()

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def __enter__(self) -> RenderWorkers:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _render_in_chunks(
    badges: Sequence[BadgeData],
    on_chunk: Callable[[list[int], list[tuple[bytes, _PdfParts]]], None],
    chunk_size: int,
    workers: int | RenderWorkers,
) -> RenderStats:
    """Render chunks of badges, in parallel worker processes when there is more than one
    chunk or the workers are running already."""
    started = clock.perf_counter()
    stats = RenderStats(rendered=len(badges))
    # Badges alike in their shared parts go to the same chunks, so each worker renders
    # only some of those parts (a language and delegation type's header and band each,
    # 30-40 ms), not nearly all of them. The batch's order is the merge's, not this one.
    badges = sorted(badges, key=_static_key)
    chunks = [list(badges[i : i + chunk_size]) for i in range(0, len(badges), chunk_size)]
    # Workers started ahead are the caller's to stop; those started here stop here.
    own: RenderWorkers | None = None
    if isinstance(workers, RenderWorkers):
        pool, workers.used = workers.pool, True
    else:
        own = RenderWorkers(min(workers, len(chunks)))
        pool = own.start().pool if len(chunks) > 1 else None
    try:
        if pool is None:
            for chunk in chunks:
                on_chunk([b.delegate_id for b in chunk], _rendered_badges(chunk))
        else:
            for future in as_completed([pool.submit(_render_chunk, chunk) for chunk in chunks]):
                ids, pdfs, peak = future.result()
                stats.worker_peak_kib.append(peak)
                on_chunk(ids, pdfs)
    finally:
        if own is not None:
            own.stop()
    stats.seconds = clock.perf_counter() - started
    return stats
