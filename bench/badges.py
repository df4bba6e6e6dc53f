"""Badges for the print shop: 1000 delegates (about half with Chinese names) as one batch.

In one process, on a temporary SQLite database with the demo forum and `fake-delegates`:

1. Cold batch: no badge kept; printing.batch_pdf(all, "a6") renders every badge with
   WeasyPrint in chunks in worker processes (printing.RenderWorkers, started first, as the
   CLI does). Wall time and peak memory per process.
2. Baseline, in the same run: a minimal ReportLab renderer (the engine Indico and pretix
   use) drawing the same content per badge (the same BadgeData), with the same number of
   worker processes and chunks, merged into one PDF with pypdf. Ratio = cold / ReportLab,
   by wall time and by CPU time (all processes). By default it embeds Noto Sans CJK SC,
   converted to TrueType for it before the timing (ReportLab cannot load CFF fonts).
3. Warm batch: every badge kept; batch_pdf again, A6, the print-shop file and four to an
   A4 sheet. Then the kept badges merged into A6 by the hand-written assembler and by pypdf
   (the figures services/printing/sheets.py quotes).
4. The served programme: programme_pdf once, then GET /agenda.pdf?lang=de through the
   Flask test client; p50/p99.
5. Whole processes, against ../shared/baselines/badge-limit (ReportLab, segno, an embedded
   CJK TrueType font, one process): `flask --app eventapp badges --out FILE` on a database
   of its own with 1000 and with 100 fake delegates and no badge kept, against
   `python render.py N OUT.pdf`, each timed from the process's start to its exit (wall
   and CPU, the batch's workers included), taking turns; medians and the ratios
   eventapp / badge-limit, with their goals.

    .venv/bin/python bench/badges.py [--count 1000] [--chunk-size 50] [--requests 200]
                                     [--reportlab-font noto|cid] [--process-runs 3]
                                     [--only-processes]

Figures also go to bench/out/badges.json. Missing a goal does not make it exit 1; a batch
with the wrong number of pages or an agenda request that is not 200 does.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

from _server import OUT_DIR, PROJECT_ROOT, Latencies, installed_baseline, machine, ratio, run, step

GOAL_RATIO = 1.5
GOAL_PEAK_MIB = 400
GOAL_WARM_SECONDS = 2.5
GOAL_AGENDA_MS = 250
# Whole processes: badges -> the most eventapp / badge-limit may take, by wall time.
GOAL_PROCESS_RATIO = {1000: 1.5, 100: 2.0}

# --- the ReportLab baseline (runs in spawned workers: no Flask, no eventapp) ---------------

MM = 72 / 25.4
TRIM_W, TRIM_H, BLEED, SLUG = 105.0, 148.0, 3.0, 10.0  # mm; SLUG: room for the crop marks
DEJAVU = {
    "regular": ("DejaVuSans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "bold": ("DejaVuSans-Bold", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
}
CID_FONT = "STSong-Light"
BASELINE_FONTS = ("noto", "cid")
COLOURS = {
    "government": "#a51c24",
    "chamber": "#5a2d82",
    "association": "#00696f",
    "enterprise": "#1f5aa6",
    "press": "#f0b323",
    "exhibitor": "#2e7d32",
    "staff": "#1d1d1f",
    "other": "#5e6a78",
}
_fonts: dict[str, str] = {}  # "regular", "bold", "cjk-regular", "cjk-bold": ReportLab font names


def _register_fonts(truetype: dict[str, str] | None) -> None:
    """ReportLab embeds TrueType fonts only: its TTFont refuses Noto Sans CJK, a CFF-flavoured
    .ttc ("postscript outlines are not supported"). With `truetype` ({"regular": path,
    "bold": path} of Noto Sans CJK SC converted to TrueType, see noto_truetype) Chinese text
    is in it and Latin text in Noto Sans, both embedded as subsets, as the badges have them.
    Without, Chinese is in ReportLab's built-in CID font STSong-Light, not embedded (the
    viewer supplies it), and Latin in DejaVu Sans."""
    if _fonts:
        return
    import subprocess

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    if truetype:
        for weight, path in truetype.items():
            pdfmetrics.registerFont(TTFont(f"NotoSansSC-{weight}", path))
            _fonts[f"cjk-{weight}"] = f"NotoSansSC-{weight}"
            latin = subprocess.run(
                ["fc-match", "-f", "%{file}", f"Noto Sans:{weight}"], capture_output=True, text=True, check=True
            ).stdout
            pdfmetrics.registerFont(TTFont(f"NotoSans-{weight}", latin))
            _fonts[weight] = f"NotoSans-{weight}"
    else:
        for weight, (name, path) in DEJAVU.items():
            pdfmetrics.registerFont(TTFont(name, path))
            _fonts[weight], _fonts[f"cjk-{weight}"] = name, CID_FONT
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))


def _has_han(text: str) -> bool:
    return any("\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text)


def _font(text: str, bold: bool = False) -> str:
    weight = "bold" if bold else "regular"
    return _fonts[f"cjk-{weight}" if _has_han(text) else weight]


def noto_truetype(directory: Path, characters: set[int]) -> dict[str, str]:
    """Noto Sans CJK SC, regular and bold, with TrueType outlines (fontTools' cu2qu converts
    the cubic curves), holding the characters given: {"regular": path, "bold": path}."""
    import subprocess

    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    paths = {}
    for weight in ("regular", "bold"):
        located = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}", f"Noto Sans CJK SC:{weight}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
        font = TTFont(located[0], fontNumber=int(located[1] or 0))
        options = subset.Options(layout_features=[], name_IDs=["*"], notdef_outline=True, desubroutinize=True)
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=characters)
        subsetter.subset(font)
        order, outlines, glyphs = font.getGlyphOrder(), font.getGlyphSet(), {}
        for name in order:
            pen = TTGlyphPen(outlines)
            outlines[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
            glyphs[name] = pen.glyph()
        del font["CFF "]
        font["loca"] = newTable("loca")
        font["glyf"] = glyf = newTable("glyf")
        glyf.glyphOrder, glyf.glyphs = order, glyphs
        font["head"].glyphDataFormat = 0
        font["maxp"] = maxp = newTable("maxp")
        maxp.tableVersion = 0x00010000
        for field in (
            "maxZones",
            "maxTwilightPoints",
            "maxStorage",
            "maxFunctionDefs",
            "maxInstructionDefs",
            "maxStackElements",
            "maxSizeOfInstructions",
            "maxComponentElements",
            "maxPoints",
            "maxContours",
            "maxCompositePoints",
            "maxCompositeContours",
            "maxComponentDepth",
        ):
            setattr(maxp, field, 1 if field == "maxZones" else 0)
        font["post"].formatType = 3.0  # no glyph names
        font.sfntVersion = "\x00\x01\x00\x00"
        paths[weight] = str(directory / f"NotoSansSC-{weight}.ttf")
        font.save(paths[weight])
    return paths


def _fitted(canvas, text: str, x: float, y: float, width: float, size: float, bold=False) -> None:
    """One line, shrunk to fit the width (never cut)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = _font(text, bold)
    wide = stringWidth(text, font, size)
    if wide > width:
        size *= width / wide
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)


def _draw_badge(canvas, d: dict) -> None:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.colors import HexColor, black, white

    ox, oy = SLUG * MM, SLUG * MM  # trim's lower left corner
    w, h, b = TRIM_W * MM, TRIM_H * MM, BLEED * MM
    canvas.setTrimBox((ox, oy, ox + w, oy + h))
    canvas.setBleedBox((ox - b, oy - b, ox + w + b, oy + h + b))
    colour = HexColor(COLOURS.get(d["organisation_type"], COLOURS["other"]))
    # header and colour band run into the bleed
    canvas.setFillColor(colour)
    canvas.rect(ox - b, oy + h - 22 * MM, w + 2 * b, 22 * MM + b, stroke=0, fill=1)
    canvas.rect(ox - b, oy - b, w + 2 * b, 16 * MM + b, stroke=0, fill=1)
    canvas.setFillColor(white)
    left, width = ox + 7 * MM, 91 * MM
    _fitted(canvas, d["forum_name"], left, oy + h - 9 * MM, 68 * MM, 9, bold=True)
    if d["forum_name_secondary"]:
        _fitted(canvas, d["forum_name_secondary"], left, oy + h - 13.5 * MM, 68 * MM, 6.4)
    _fitted(canvas, d["forum_dates"], left, oy + h - 18 * MM, 68 * MM, 7)
    _fitted(canvas, d["organisation_type_label"], left, oy + 6 * MM, 85 * MM, 16, bold=True)
    canvas.setFillColor(black)
    _fitted(canvas, d["name"], left, oy + 100 * MM, width, 40 if d["name_latin"] else 28, bold=True)
    if d["name_latin"]:
        _fitted(canvas, d["name_latin"], left, oy + 92 * MM, width, 13, bold=True)
    if d["position"]:
        _fitted(canvas, d["position"], left, oy + 80 * MM, width, 8.6)
    _fitted(canvas, d["organisation"], left, oy + 74 * MM, width, 10.5, bold=True)
    _fitted(canvas, d["country_name"], left, oy + 68 * MM, width, 8)
    y = oy + 58 * MM
    _fitted(canvas, d["admits_label"], left, y, 55 * MM, 7, bold=True)
    for session in d["sessions"]:
        y -= 4.5 * MM
        _fitted(canvas, f"{session['time']}  {session['title']}", left, y, 55 * MM, 8)
    qr = QrCodeWidget(d["checkin_code"], barBorder=4)
    x0, y0, x1, y1 = qr.getBounds()
    side = 30 * MM
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, canvas, ox + w - side - 5 * MM, oy + 20 * MM)
    # crop marks in the slug, off the bleed
    canvas.setStrokeColor(black)
    canvas.setLineWidth(0.25)
    for x in (ox, ox + w):
        canvas.line(x, 0, x, oy - b - 1 * MM)
        canvas.line(x, oy + h + b + 1 * MM, x, oy + h + SLUG * MM)
    for yy in (oy, oy + h):
        canvas.line(0, yy, ox - b - 1 * MM, yy)
        canvas.line(ox + w + b + 1 * MM, yy, ox + w + SLUG * MM, yy)


def reportlab_chunk(index: int, badges: list[dict]) -> tuple[int, bytes, int]:
    """One PDF for a chunk of badges (one page each), and the worker's ru_maxrss in KiB."""
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    page = ((TRIM_W + 2 * SLUG) * MM, (TRIM_H + 2 * SLUG) * MM)
    canvas = Canvas(out, pagesize=page, pageCompression=1)
    canvas.setTitle("Badges")
    for d in badges:
        _draw_badge(canvas, d)
        canvas.showPage()
    canvas.save()
    return index, out.getvalue(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reportlab_batch(
    badges: list[dict], chunk_size: int, workers: int, truetype: dict[str, str] | None
) -> tuple[bytes, list[int]]:
    from pypdf import PdfWriter

    chunks = [badges[i : i + chunk_size] for i in range(0, len(badges), chunk_size)]
    parts: dict[int, bytes] = {}
    peaks: list[int] = []
    with ProcessPoolExecutor(
        max_workers=min(workers, len(chunks)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_register_fonts,
        initargs=(truetype,),
    ) as pool:
        for future in as_completed([pool.submit(reportlab_chunk, i, c) for i, c in enumerate(chunks)]):
            index, pdf, peak = future.result()
            parts[index] = pdf
            peaks.append(peak)
    writer = PdfWriter()
    for index in range(len(chunks)):
        writer.append(io.BytesIO(parts[index]))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), peaks


# --- whole processes: `flask --app eventapp badges` against badge-limit -------------------


FLASK = Path(sys.executable).with_name("flask")


def process_environment(workdir: Path, count: int) -> tuple[dict[str, str], Path, Path]:
    """(environment, database, its pristine copy): a SQLite database of its own with the
    demo forum and COUNT fake delegates, made by eventapp's own commands; each timed run
    starts from the copy, so no badge is kept."""
    database = workdir / f"processes-{count}.sqlite3"
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "EVENTAPP_INSTANCE": str(workdir / f"processes-{count}-instance"),
        "PRERENDER_DOCUMENTS": "0",
    }
    environment.pop("REDIS_URL", None)
    for command in (["db", "upgrade"], ["seed-demo"], ["fake-delegates", str(count), "--seed", "1"]):
        subprocess.run(
            [str(FLASK), "--app", "eventapp", *command],
            env=environment,
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=True,
        )
    pristine = database.with_suffix(".pristine")
    shutil.copyfile(database, pristine)
    return environment, database, pristine


def timed_process(command: list[str], cwd: Path, environment: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds from start to exit, CPU seconds of the process and the children it
    waited for, what it printed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stdout}{completed.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, completed.stdout


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def compare_processes(workdir: Path, runs: int, failures: list[str]) -> dict:
    """For 1000 and 100 badges: badge-limit's render.py and eventapp's CLI, `runs` times each,
    taking turns (a change in the machine's load hits both); medians and ratios."""
    limit = installed_baseline("badge-limit")
    figures: dict = {"runs": runs}
    for count in GOAL_PROCESS_RATIO:
        step(f"whole processes, {count} badges: making the database")
        environment, database, pristine = process_environment(workdir, count)
        timed: dict[str, dict[str, list[float]]] = {
            "badge_limit": {"wall": [], "cpu": [], "own": []},
            "eventapp": {"wall": [], "cpu": []},
        }
        for attempt in range(1, runs + 1):
            step(f"whole processes, {count} badges, run {attempt} of {runs}")
            out = workdir / f"badge-limit-{count}.pdf"
            command = [str(limit / ".venv" / "bin" / "python"), "render.py", str(count), str(out)]
            wall, cpu, printed = timed_process(command, limit)
            for key, value in (("wall", wall), ("cpu", cpu), ("own", float(printed.split()[-1]))):
                timed["badge_limit"][key].append(value)
            shutil.copyfile(pristine, database)
            ours = workdir / f"eventapp-{count}.pdf"
            command = [str(FLASK), "--app", "eventapp", "badges", "--out", str(ours)]
            wall, cpu, _printed = timed_process(command, PROJECT_ROOT, environment)
            timed["eventapp"]["wall"].append(wall)
            timed["eventapp"]["cpu"].append(cpu)
            for name, pdf in (("badge-limit", out), ("eventapp", ours)):
                if page_count(pdf.read_bytes()) != count:
                    failures.append(f"{name} wrote {page_count(pdf.read_bytes())} pages for {count} badges")
        result = {
            who: {f"{key}_seconds": round(median(values), 2) for key, values in found.items()}
            for who, found in timed.items()
        }
        for who, found in timed.items():
            result[who]["wall_runs"] = [round(v, 2) for v in found["wall"]]
        result["ratio"] = round(ratio(result["eventapp"]["wall_seconds"], result["badge_limit"]["wall_seconds"]), 2)
        result["cpu_ratio"] = round(ratio(result["eventapp"]["cpu_seconds"], result["badge_limit"]["cpu_seconds"]), 2)
        result["goal"] = GOAL_PROCESS_RATIO[count]
        figures[str(count)] = result
    return figures


def report_processes(f: dict) -> None:
    print(f"\nWhole processes, {f['runs']} runs each, medians (wall from start to exit; CPU with the workers)")
    header = ("Badges", "badge-limit wall / CPU / own", "eventapp wall / CPU", "Ratio wall", "CPU", "Goal", "")
    rows = [header]
    for count in GOAL_PROCESS_RATIO:
        r = f[str(count)]
        limit, ours = r["badge_limit"], r["eventapp"]
        rows.append(
            (
                str(count),
                f"{limit['wall_seconds']:.2f} / {limit['cpu_seconds']:.2f} / {limit['own_seconds']:.2f} s",
                f"{ours['wall_seconds']:.2f} / {ours['cpu_seconds']:.2f} s",
                f"{r['ratio']:.2f}×",
                f"{r['cpu_ratio']:.2f}×",
                f"≤ {r['goal']}",
                "met" if r["ratio"] <= r["goal"] else "NOT MET",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


# --- the run ----------------------------------------------------------------------------


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


class ChildMemory:
    """Peak resident memory (VmHWM, KiB) of each child process, sampled from /proc while a
    batch runs. A worker's own ru_maxrss is no use: Linux carries the parent's high-water
    mark over the fork (and the exec of a spawned one), so it reads at least the parent's.
    VmHWM starts from what the process maps after the fork or exec: for a worker forked
    from the fork server (batch_pdf's way here, as this script runs a thread), the server's
    pages it shares count in it too."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> ChildMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _children(self) -> set[int]:
        pids: set[int] = set()
        for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
            with contextlib.suppress(OSError):  # the thread ended meanwhile
                pids.update(int(pid) for pid in children.read_text().split())
        return pids

    def _watch(self) -> None:
        while not self._stop.is_set():
            for pid in self._children():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        # the latest, not the largest: until a vforked child has exec'd,
                        # /proc shows the parent's memory
                        self.peaks[pid] = int(line.split()[1])
            self._stop.wait(self.interval)

    @property
    def peak(self) -> int:
        return max(self.peaks.values(), default=0)


def mib(kib: float) -> float:
    return round(kib / 1024, 1)


def parent_peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (a batch's workers, once
    its pool is shut down). Unlike wall time, it hardly changes with other load on the
    machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="fake delegates (default 1000)")
    parser.add_argument("--chunk-size", type=int, default=None, help="badges per chunk (default: printing.CHUNK_SIZE)")
    parser.add_argument("--requests", type=int, default=200, help="GET /agenda.pdf requests (default 200)")
    parser.add_argument(
        "--reportlab-font",
        choices=BASELINE_FONTS,
        default="noto",
        help="noto (default): the baseline embeds Noto Sans CJK SC converted to TrueType; "
        "cid: Chinese in ReportLab's STSong-Light, not embedded, Latin in DejaVu Sans",
    )
    parser.add_argument(
        "--process-runs",
        type=int,
        default=3,
        help="runs of each whole process against badge-limit, 1000 and 100 badges (default 3; 0 skips them)",
    )
    parser.add_argument(
        "--only-processes", action="store_true", help="only the whole processes against badge-limit (step 5)"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="eventapp-bench-badges-"))
    try:
        return measure(args, workdir)
    finally:
        for path in sorted(workdir.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        workdir.rmdir()


def measure(args, workdir: Path) -> int:
    if args.only_processes:
        failures: list[str] = []
        figures = {"machine": machine(), "processes": compare_processes(workdir, max(args.process_runs, 1), failures)}
        figures["failures"] = failures
        report_processes(figures["processes"])
        return finish(figures, failures)
    os.environ["DATABASE_URL"] = "sqlite:///" + str(workdir / "bench.sqlite3")
    os.environ["EVENTAPP_INSTANCE"] = str(workdir / "instance")
    os.environ["PRERENDER_DOCUMENTS"] = "0"
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import flask_migrate
    from sqlalchemy import delete, func, select

    from eventapp import create_app, names
    from eventapp.demo import forum as demo
    from eventapp.extensions import db
    from eventapp.models import Event, RenderedDocument
    from eventapp.services import agendas, printing
    from eventapp.services.printing import cjk_fonts, sheets
    from eventapp.services.printing.badge_data import _badge_data

    before = machine()
    app = create_app()
    app.config["PRERENDER_DOCUMENTS"] = False
    workers = printing.worker_count()
    chunk_size = args.chunk_size or printing.CHUNK_SIZE
    failures: list[str] = []
    figures: dict = {"machine": before, "count": args.count, "workers": workers, "chunk_size": chunk_size}
    cjk_font = {
        "noto": "Noto Sans CJK SC as TrueType, embedded",
        "cid": "STSong-Light (ReportLab CID font, not embedded)",
    }[args.reportlab_font]

    with app.app_context():
        step("migrating and loading the demo forum")
        flask_migrate.upgrade()
        event, _created = demo.seed_demo_forum(date.today() + timedelta(days=30))
        step(f"adding {args.count} fake delegates")
        demo.add_fake_delegates(event, args.count, seed=1)
        event_id = event.id

    with app.test_request_context():
        db.session.execute(delete(RenderedDocument).where(RenderedDocument.key.like("badge:%")))
        db.session.commit()
        event = db.session.get(Event, event_id)
        delegates = printing.select_badge_delegates(event)
        shared: dict = {}
        chinese = sum(1 for d in delegates if names.is_chinese_name(d.name_native))
        figures["delegates"] = len(delegates)
        figures["chinese_names"] = chinese
        step(
            f"{len(delegates)} delegates with a seat ({chinese} with Chinese names); "
            f"{workers} workers, chunks of {chunk_size}"
        )
        truetype = None
        if args.reportlab_font == "noto":
            step("converting Noto Sans CJK SC to TrueType for ReportLab (not timed)")
            texts = json.dumps([asdict(_badge_data(d, {})) for d in delegates], ensure_ascii=False)
            characters = set(cjk_fonts._common_characters()) | {ord(c) for c in texts}
            # in a process of its own: fontTools reads the whole font, which would count as
            # this process's peak memory
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                truetype = pool.submit(noto_truetype, workdir, characters).result()

        # 1. Cold batch
        step("cold batch (WeasyPrint), A6")
        started, cpu_before = time.perf_counter(), cpu_seconds()
        renders: list[printing.RenderStats] = []
        # Started ahead, as the CLI starts them, before ChildMemory's thread: forked from this
        # process (a process with threads uses a fork server, whose workers are not its
        # children: their CPU time and memory would escape RUSAGE_CHILDREN and /proc).
        with printing.RenderWorkers(workers) as started_workers, ChildMemory() as children:
            cold = printing.batch_pdf(
                delegates, "a6", chunk_size=chunk_size, workers=started_workers, on_render=renders.append
            )
        cold_seconds, cold_cpu = time.perf_counter() - started, cpu_seconds() - cpu_before
        (stats,) = renders
        cold_parent = parent_peak_kib()
        cold_worker = children.peak
        if page_count(cold) != len(delegates):
            failures.append(f"cold batch has {page_count(cold)} pages for {len(delegates)} badges")
        figures["cold"] = {
            "seconds": round(cold_seconds, 2),
            "cpu_seconds": round(cold_cpu, 2),
            "rendered": stats.rendered,
            "render_seconds": round(stats.seconds, 2),
            "bytes": len(cold),
            "parent_peak_mib": mib(cold_parent),
            "worker_peak_mib": mib(cold_worker),
            "worker_processes": len(children.peaks),
            # what the render's figures say (ru_maxrss in the worker: includes the parent's)
            "last_render_worker_peak_mib": mib(max(stats.worker_peak_kib or [0])),
        }
        step(f"cold: {cold_seconds:.1f} s, {len(cold) / 1e6:.1f} MB")

        # 2. ReportLab baseline: the same BadgeData, made the same way batch_pdf makes it
        step("baseline (ReportLab), A6")
        started, cpu_before = time.perf_counter(), cpu_seconds()
        data = [_badge_data(d, shared) for d in delegates]
        plain = [asdict(b) for b in data]
        with ChildMemory() as rl_children:
            baseline, _ = reportlab_batch(plain, chunk_size, workers, truetype)
        rl_seconds, rl_cpu = time.perf_counter() - started, cpu_seconds() - cpu_before
        if page_count(baseline) != len(delegates):
            failures.append(f"ReportLab batch has {page_count(baseline)} pages")
        figures["reportlab"] = {
            "seconds": round(rl_seconds, 2),
            "cpu_seconds": round(rl_cpu, 2),
            "bytes": len(baseline),
            "worker_peak_mib": mib(rl_children.peak),
            "parent_peak_mib": mib(parent_peak_kib()),
            "cjk_font": cjk_font,
        }
        figures["ratio_cold_to_reportlab"] = round(ratio(cold_seconds, rl_seconds), 2)
        figures["cpu_ratio_cold_to_reportlab"] = round(ratio(cold_cpu, rl_cpu), 2)
        step(f"ReportLab: {rl_seconds:.1f} s, {len(baseline) / 1e6:.1f} MB")

        # 3. Warm batches
        kept = db.session.execute(
            select(func.count()).select_from(RenderedDocument).where(RenderedDocument.key.like("badge:%"))
        ).scalar_one()
        warm: dict = {"kept": kept}
        for sheet in printing.SHEETS:
            step(f"warm batch, {sheet}")
            started = time.perf_counter()
            pdf = printing.batch_pdf(delegates, sheet, chunk_size=chunk_size, workers=workers)
            seconds = time.perf_counter() - started
            expected = -(-len(delegates) // 4) if sheet == printing.FOUR_UP else len(delegates)
            if page_count(pdf) != expected:
                failures.append(f"warm {sheet} has {page_count(pdf)} pages, not {expected}")
            warm[sheet] = {"seconds": round(seconds, 2), "bytes": len(pdf)}
        figures["warm"] = warm
        # The same kept badges merged by the hand-written assembler and by pypdf (the
        # figures quoted in services/printing/sheets.py), A6, without the database.
        singles = [printing.badge_pdf(d) for d in delegates]
        merge: dict = {}
        for way, merged_by in (("assembler", printing.merge_badges), ("pypdf", sheets._merge_with_pypdf)):
            step(f"merging {len(singles)} kept badges, {way}")
            started = time.perf_counter()
            merged_by(singles, "a6")
            merge[way] = round(time.perf_counter() - started, 2)
        figures["merge_a6_seconds"] = merge

        # 4. The served programme
        step("agenda: programme_pdf once, then GET /agenda.pdf?lang=de")
        started = time.perf_counter()
        agendas.programme_pdf(event, "de")
        first = time.perf_counter() - started
    client = app.test_client()
    latencies = Latencies()
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get("/agenda.pdf?lang=de")
        body = response.get_data()
        latencies.seconds.append(time.perf_counter() - started)
        if response.status_code != 200 or not body.startswith(b"%PDF"):
            failures.append(f"GET /agenda.pdf?lang=de answered {response.status_code}")
            break
    figures["agenda"] = {"first_render_seconds": round(first, 2), **latencies.summary()}
    figures["parent_peak_mib"] = mib(parent_peak_kib())

    # 5. Whole processes against badge-limit
    if args.process_runs > 0:
        figures["processes"] = compare_processes(workdir, args.process_runs, failures)
    figures["failures"] = failures

    report(figures)
    if "processes" in figures:
        report_processes(figures["processes"])
    return finish(figures, failures)


def finish(figures: dict, failures: list[str]) -> int:
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "badges.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print("\nFigures saved to bench/out/badges.json")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


def report(f: dict) -> None:
    def met(ok: bool) -> str:
        return "met" if ok else "NOT MET"

    n = f["delegates"]
    cold, rl, warm, agenda = f["cold"], f["reportlab"], f["warm"], f["agenda"]
    peak = max(cold["parent_peak_mib"], cold["worker_peak_mib"])
    scale = 1000 / n if n else 1
    rows = [
        ("Cold batch, A6 (WeasyPrint)", f"{cold['seconds']:.1f} s", "", ""),
        ("ReportLab, same content", f"{rl['seconds']:.1f} s", "", ""),
        (
            "Ratio cold / ReportLab",
            f"{f['ratio_cold_to_reportlab']:.2f}×",
            f"≤ {GOAL_RATIO}",
            met(f["ratio_cold_to_reportlab"] <= GOAL_RATIO),
        ),
        ("CPU, cold / ReportLab (all processes)", f"{cold['cpu_seconds']:.1f} / {rl['cpu_seconds']:.1f} s", "", ""),
        ("CPU ratio cold / ReportLab", f"{f['cpu_ratio_cold_to_reportlab']:.2f}×", "", ""),
        (
            "Peak memory, parent (cold)",
            f"{cold['parent_peak_mib']:.0f} MiB",
            f"≤ {GOAL_PEAK_MIB}",
            met(cold["parent_peak_mib"] <= GOAL_PEAK_MIB),
        ),
        (
            "Peak memory, worker (cold)",
            f"{cold['worker_peak_mib']:.0f} MiB",
            f"≤ {GOAL_PEAK_MIB}",
            met(cold["worker_peak_mib"] <= GOAL_PEAK_MIB),
        ),
        ("Peak memory, ReportLab worker", f"{rl['worker_peak_mib']:.0f} MiB", "", ""),
        (
            "Warm batch, A6",
            f"{warm['a6']['seconds']:.2f} s",
            f"≤ {GOAL_WARM_SECONDS} s per 1000",
            met(warm["a6"]["seconds"] * scale <= GOAL_WARM_SECONDS),
        ),
        (
            "Warm batch, A4 4-up",
            f"{warm['a4-4up']['seconds']:.2f} s",
            f"≤ {GOAL_WARM_SECONDS} s per 1000",
            met(warm["a4-4up"]["seconds"] * scale <= GOAL_WARM_SECONDS),
        ),
        (
            "Warm batch, print shop",
            f"{warm['print-shop']['seconds']:.2f} s",
            f"≤ {GOAL_WARM_SECONDS} s per 1000",
            met(warm["print-shop"]["seconds"] * scale <= GOAL_WARM_SECONDS),
        ),
        ("Merge kept badges, A6, assembler", f"{f['merge_a6_seconds']['assembler']:.2f} s", "", ""),
        ("Merge kept badges, A6, pypdf", f"{f['merge_a6_seconds']['pypdf']:.2f} s", "", ""),
        ("GET /agenda.pdf p50", f"{agenda['p50_ms']:.1f} ms", "", ""),
        (
            "GET /agenda.pdf p99",
            f"{agenda['p99_ms']:.1f} ms",
            f"≤ {GOAL_AGENDA_MS} ms",
            met(agenda["p99_ms"] <= GOAL_AGENDA_MS),
        ),
    ]
    print(
        f"\n{n} badges ({f['chinese_names']} Chinese names), {f['workers']} worker processes, "
        f"chunks of {f['chunk_size']}; {f['machine']}"
    )
    print(
        f"Cold: {cold['rendered']} rendered in {cold['render_seconds']:.1f} s, "
        f"file {cold['bytes'] / 1e6:.1f} MB; ReportLab file {rl['bytes'] / 1e6:.1f} MB "
        f"(Chinese in {rl['cjk_font']}); warm: {warm['kept']} badges kept; "
        f"agenda first render {agenda['first_render_seconds']:.2f} s, {agenda['n']} GETs"
    )
    print(
        f"Peak per process: {peak:.0f} MiB (parent {cold['parent_peak_mib']:.0f}, "
        f"worker {cold['worker_peak_mib']:.0f}, VmHWM sampled from /proc); parent at the end "
        f"{f['parent_peak_mib']:.0f} MiB; the render's own figure says "
        f"{cold['last_render_worker_peak_mib']:.0f} MiB per worker (ru_maxrss, which a worker "
        f"inherits from its parent)\n"
    )
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    header = ("Figure", "Measured", "Goal", "")
    widths = [max(w, len(h)) for w, h in zip(widths, header)]
    for row in (header, *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


if __name__ == "__main__":
    run(main)
