"""Print-ready badges: names in their own script, page boxes a print shop expects, a QR code
the door scanner reads, batches in print order, and kept badges reused until they change."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from eventapp import tasks
from eventapp.cli.badges import badges_command
from eventapp.extensions import db
from eventapp.models import (
    Delegate,
    OrganisationType,
    PrintJob,
    PrintJobStatus,
    RenderedDocument,
    utcnow,
)
from eventapp.services import pdf as pdf_service
from eventapp.services import printing
from eventapp.services.audit import Actor
from eventapp.services.events import current_event
from eventapp.services.registration import (
    DelegateDetails,
    cancel_delegate,
    register,
    set_capacity,
    update_details,
)

from .factories import CHINESE, GERMAN, person, set_session
from .pdf_fonts import assert_distinct_tags, page_font_programs, subsets

SYMPOSIUM = "german-enterprise-symposium"
MM = 72 / 25.4
A6 = (105 * MM, 148 * MM)


def add_delegate(app, sessions=("exhibition",), base=None, **overrides) -> int:
    """Register a delegate as an organiser would; returns the delegate's id."""
    with app.app_context():
        details = DelegateDetails.from_mapping(person(base or GERMAN, **overrides))
        result = register(current_event(), details, list(sessions), actor=Actor.SYSTEM, by_staff=True)
        return result.delegate.id


def badge_of(app, delegate_id: int) -> bytes:
    with app.app_context():
        return printing.badge_pdf(db.session.get(Delegate, delegate_id))


def batch_of(app, sheet="a6", **filters) -> bytes:
    with app.app_context():
        delegates = printing.select_badge_delegates(current_event(), **filters)
        return printing.batch_pdf(delegates, sheet)


def page_texts(content: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def poppler(tool: str, content: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "file.pdf"
    path.write_bytes(content)
    command = [tool, *args, str(path)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def boxes(content: bytes, page: int = 0) -> dict[str, list[float]]:
    found = PdfReader(io.BytesIO(content)).pages[page]
    return {
        name: [round(float(v), 2) for v in found[name]]
        for name in ("/MediaBox", "/TrimBox", "/BleedBox")
        if name in found
    }


def test_chinese_badge_shows_characters_family_name_first_with_pinyin_below(app, forum, tmp_path):
    delegate_id = add_delegate(app, [SYMPOSIUM, "exhibition"], base=CHINESE)
    content = badge_of(app, delegate_id)

    text = poppler("pdftotext", content, tmp_path, "-layout")
    assert "王小明" in text
    assert "WANG Xiaoming" in text
    assert "北京精工智能装备有限公司" in text and "总经理" in text
    assert "中国" in text  # the country in the delegate's language
    assert text.index("王小明") < text.index("WANG Xiaoming")
    fonts = poppler("pdffonts", content, tmp_path)
    cjk = [line for line in fonts.splitlines() if "Noto-Sans-CJK-SC" in line]
    assert cjk and all(re.search(r"\+Noto-Sans-CJK-SC\S*\s.*\syes\s+yes\s+yes", line) for line in cjk)
    # Only the glyphs used are embedded: a badge stays small.
    assert len(content) < 60_000


def test_german_badge_keeps_umlauts_and_sharp_s(app, forum, tmp_path):
    content = badge_of(app, add_delegate(app, base=GERMAN))
    text = " ".join(poppler("pdftotext", content, tmp_path).split())
    assert "Jürgen" in text and "Müller-Lüdenscheidt" in text
    assert "Weiß & Söhne Präzisionstechnik GmbH" in text
    assert "Geschäftsführer" in text
    assert "DEUTSCHLAND" in text.replace(" ", "")  # letter-spaced capitals


def test_badge_page_is_a6_with_3mm_bleed_and_room_for_crop_marks(app, forum):
    found = boxes(badge_of(app, add_delegate(app)))
    left, bottom, right, top = found["/TrimBox"]
    assert (round(right - left, 1), round(top - bottom, 1)) == (round(A6[0], 1), round(A6[1], 1))
    bleed = [round(a - b, 2) for a, b in zip(found["/TrimBox"], found["/BleedBox"])]
    assert bleed == pytest.approx([3 * MM, 3 * MM, -3 * MM, -3 * MM], abs=0.02)
    media_left, media_bottom, media_right, media_top = found["/MediaBox"]
    # The crop marks stand 5-10 mm outside the trim, beyond the bleed.
    assert media_right - media_left == pytest.approx(A6[0] + 20 * MM, abs=0.05)
    assert media_top - media_bottom == pytest.approx(A6[1] + 20 * MM, abs=0.05)


def test_crop_marks_stand_on_the_trim_lines_outside_the_bleed(app, forum, tmp_path):
    path = tmp_path / "badge.pdf"
    path.write_bytes(badge_of(app, add_delegate(app)))
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-singlefile", str(path), str(tmp_path / "badge")], check=True)
    image = Image.open(tmp_path / "badge.pgm")

    def darkest(x_mm: float, y_mm: float) -> int:
        """The darkest pixel around a point of the page (the trim starts 10 mm in)."""
        x, y = round(x_mm * 300 / 25.4), round(y_mm * 300 / 25.4)
        return min(image.getpixel((x + dx, y + dy)) for dx in (-1, 0, 1) for dy in (-1, 0, 1))

    left, right, top, bottom = 10, 115, 10, 158
    marks = [
        (2.5, top),
        (122.5, top),
        (2.5, bottom),
        (122.5, bottom),  # on the horizontal trim lines
        (left, 2.5),
        (right, 2.5),
        (left, 165.5),
        (right, 165.5),
    ]  # on the vertical ones
    assert all(darkest(x, y) < 128 for x, y in marks)
    # 5 to 10 mm out: nothing between a mark and the bleed (3 mm out), nor beside a mark
    assert darkest(6, top) == darkest(left, 6) == darkest(2.5, top + 2) == 255


def test_a_name_outside_gb2312_is_printed_from_the_whole_font(app, forum, tmp_path):
    """Badges take their glyphs from a subset of the common characters, made once; a rarer
    character in a name comes from the whole font."""
    content = badge_of(app, add_delegate(app, base=CHINESE, name_native="王喆堃", given_name="Zhekun"))
    text = poppler("pdftotext", content, tmp_path, "-layout")
    assert "王喆堃" in text and "WANG Zhekun" in text and "北京中德产业合作发展论坛" in text
    fonts = poppler("pdffonts", content, tmp_path)
    assert all(re.search(r"\syes\s+yes\s+yes", line) for line in fonts.splitlines()[2:])


def test_badges_alike_share_their_static_part_which_a_batch_holds_once(app, forum, tmp_path):
    """The header, band and labels are the same on every badge of one language and
    delegation type: rendered once, and their fonts are in the print file once."""
    adler = add_delegate(app, family_name="Adler")
    add_delegate(app, family_name="Bauer")
    add_delegate(app, base=CHINESE)
    content = batch_of(app)
    german, _, chinese = page_texts(content)
    with app.app_context():
        band = printing.badge_data(db.session.get(Delegate, adler)).organisation_type_label
    assert "Beijinger Forum für chinesisch-deutsche" in german and band in german.replace(" ", "")
    assert "Beijing China-Germany Forum" in chinese and "Beijinger" not in chinese
    # The two German badges draw their static part with the very same font programs; the
    # Chinese badge's static part has its own.
    first, second, third = page_font_programs(content, "/BadgeStatic")
    assert first and first == second and not first & third
    assert len(subsets(content)) == len(set().union(*page_font_programs(content)))


def test_qr_code_at_300_dpi_decodes_to_the_check_in_code_only(app, forum, tmp_path):
    import zxingcpp

    delegate_id = add_delegate(app, base=CHINESE)
    content = badge_of(app, delegate_id)
    path = tmp_path / "badge.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(path), str(tmp_path / "badge")], check=True)
    image = Image.open(tmp_path / "badge.png")
    (code,) = zxingcpp.read_barcodes(image)
    with app.app_context():
        assert code.text == db.session.get(Delegate, delegate_id).checkin_code
    assert code.format == zxingcpp.BarcodeFormat.QRCode
    # At least 20 mm wide (the symbol itself; its quiet zone comes on top).
    width_mm = (code.position.top_right.x - code.position.top_left.x) / 300 * 25.4
    assert width_mm >= 20


def test_long_names_shrink_to_fit_on_two_lines_and_stay_inside_the_badge(app, forum, tmp_path):
    long_ids = [
        add_delegate(app, family_name="von Hohenzollern-Sigmaringen", given_name="Maximiliane-Friederike"),
        add_delegate(app, family_name="Müller-Lüdenscheidt", given_name="Prof. Dr.-Ing. Karl-Theodor"),
    ]
    short_id = add_delegate(app, family_name="Roth", given_name="Eva")
    with app.app_context():
        layouts = {i: printing._layout(printing.badge_data(db.session.get(Delegate, i))) for i in [*long_ids, short_id]}
    assert layouts[short_id]["name"].lines == ("Eva Roth",)
    for delegate_id in long_ids:
        name = layouts[delegate_id]["name"]
        assert len(name.lines) == 2 and name.size < layouts[short_id]["name"].size
        assert " ".join(name.lines) in {
            "Maximiliane-Friederike von Hohenzollern-Sigmaringen",
            "Prof. Dr.-Ing. Karl-Theodor Müller-Lüdenscheidt",
        }
        # Every word of the name is printed, within the 7 mm margins of the trim.
        words = poppler("pdftotext", badge_of(app, delegate_id), tmp_path, "-bbox")
        margin_left, margin_right = 10 * MM + 7 * MM - 1, 10 * MM + 98 * MM + 1  # page box from the marks
        for line in name.lines:
            for word in line.split():
                found = re.search(
                    rf'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">{re.escape(word)}<', words
                )
                assert found, word
                assert margin_left <= float(found.group(1)) and float(found.group(2)) <= margin_right, word


def test_badge_admits_to_confirmed_sessions_and_marks_the_symposium(app, forum, tmp_path):
    set_session(app, SYMPOSIUM, capacity=1)
    seated = add_delegate(app, [SYMPOSIUM, "exhibition"], base=GERMAN)
    waiting = add_delegate(app, [SYMPOSIUM, "exhibition"], base=GERMAN, family_name="Wartend")
    seated_text = " ".join(poppler("pdftotext", badge_of(app, seated), tmp_path).split())
    waiting_text = " ".join(poppler("pdftotext", badge_of(app, waiting), tmp_path).split())
    assert "Symposium mit deutschen Unternehmen" in seated_text
    corner = ["-r", "72", "-x", str(int(88 * MM)), "-y", "0", "-W", str(int(30 * MM)), "-H", str(int(40 * MM))]
    ribbon = poppler("pdftotext", badge_of(app, seated), tmp_path, *corner)
    assert re.sub(r"\s", "", ribbon) == "SYMPOSIUM"  # the ribbon across the top right corner
    assert re.sub(r"\s", "", poppler("pdftotext", badge_of(app, waiting), tmp_path, *corner)) == ""
    assert "Sonderausstellung" in waiting_text
    assert "Symposium" not in waiting_text and "SYMPOSIUM" not in waiting_text


def test_batch_has_one_badge_per_confirmed_delegate_in_family_name_order(app, forum):
    set_session(app, SYMPOSIUM, capacity=3)
    add_delegate(app, [SYMPOSIUM], base=CHINESE, family_name="Zhang", given_name="Wei", name_native="张伟")
    add_delegate(app, [SYMPOSIUM], base=GERMAN, family_name="Becker", given_name="Jonas", organisation_type="press")
    add_delegate(app, [SYMPOSIUM, "exhibition"], base=CHINESE, family_name="Li", given_name="Qiang", name_native="李强")
    waiting = add_delegate(app, [SYMPOSIUM], base=GERMAN, family_name="Achtung", given_name="Anna")
    add_delegate(app, ["exhibition"], base=GERMAN)  # Müller-Lüdenscheidt
    add_delegate(app, ["exhibition"], base=CHINESE)  # 王小明
    cancelled = add_delegate(app, ["exhibition"], base=GERMAN, family_name="Abel", given_name="Abbe")
    with app.app_context():
        cancel_delegate(db.session.get(Delegate, cancelled), actor=Actor.SYSTEM)

    everyone = page_texts(batch_of(app))
    first_names = [text.split(" ")[0] for text in everyone]
    assert len(everyone) == 5  # Achtung waits, Abel cancelled
    # Sorted by family name, Chinese names by pinyin: Becker, Li, Müller, Wang, Zhang.
    order = ["Becker", "李强", "Müller-Lüdenscheidt", "王小明", "张伟"]
    positions = [next(i for i, text in enumerate(everyone) if name in text) for name in order]
    assert positions == sorted(positions) == list(range(5)), first_names
    assert not any("Achtung" in text or "Abel" in text for text in everyone)

    symposium = page_texts(batch_of(app, session_slug=SYMPOSIUM))
    assert [next(n for n in ("Becker", "李强", "张伟") if n in text) for text in symposium] == [
        "Becker",
        "李强",
        "张伟",
    ]
    press = page_texts(batch_of(app, organisation_type="press"))
    assert len(press) == 1 and "Becker" in press[0] and "PRESS" in press[0].replace(" ", "")
    with app.app_context():
        assert waiting not in [d.id for d in printing.select_badge_delegates(current_event())]


def test_four_up_sheet_puts_four_badges_on_an_a4_page_with_cut_marks(app, forum, tmp_path):
    names = ["Adler", "Bauer", "Claus", "Dietz", "Engel"]
    for name in names:
        add_delegate(app, family_name=name)
    content = batch_of(app, "a4-4up")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 2
    assert [round(float(v)) for v in reader.pages[0].mediabox] == [0, 0, 595, 842]
    first = " ".join(poppler("pdftotext", content, tmp_path, "-f", "1", "-l", "1", "-layout").split())
    assert all(name in first for name in names[:4]) and "Engel" not in first
    # The badges are cut at their trim: neither bleed nor their own crop marks are on the sheet.
    path = tmp_path / "sheet.pdf"
    path.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-singlefile", "-f", "2", "-l", "2", str(path), str(tmp_path / "sheet")],
        check=True,
    )
    sheet = Image.open(tmp_path / "sheet.png").convert("RGB")
    assert sheet.getpixel((sheet.width * 3 // 4, sheet.height // 4)) == (255, 255, 255)  # no 6th badge
    left, _, _, top = boxes(content, 1)["/TrimBox"]
    corner = (round((left + 2 * MM) * 50 / 72), round((842 - top + 2 * MM) * 50 / 72))
    assert sheet.getpixel(corner) != (255, 255, 255)  # the header of the 5th, in its corner


def test_four_up_sheet_keeps_the_badges_inside_the_margin_office_printers_print(app, forum, tmp_path):
    """Office printers leave the outer 4-5 mm of a sheet blank: the badges and their cut marks
    stay inside, and the sheet's TrimBox and BleedBox say where the badges are."""
    for name in ["Adler", "Bauer", "Claus", "Dietz"]:
        add_delegate(app, family_name=name)
    add_delegate(app, base=CHINESE)
    content = batch_of(app, "a4-4up")
    for page in range(2):
        found = boxes(content, page)
        left, bottom, right, top = found["/TrimBox"]
        assert found["/BleedBox"] == found["/TrimBox"]  # neighbours touch: no bleed to give
        assert min(left, bottom, 595.28 - right, 841.89 - top) >= 10 * MM - 0.1
        # Two badges across and down, each scaled alike from A6.
        assert (right - left) / 2 / A6[0] == pytest.approx((top - bottom) / 2 / A6[1], abs=0.001)
        assert (right - left) / 2 >= 94 * MM
    path = tmp_path / "sheet.pdf"
    path.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "100", "-gray", "-singlefile", "-f", "1", "-l", "1", str(path), str(tmp_path / "sheet")],
        check=True,
    )
    image = Image.open(tmp_path / "sheet.pgm")
    edge = round(4.5 * 100 / 25.4)
    band = [
        (x, y)
        for x in range(0, image.width, 2)
        for y in range(image.height)
        if min(x, y, image.width - 1 - x, image.height - 1 - y) < edge
    ]
    assert min(image.getpixel(point) for point in band) == 255  # nothing within 4.5 mm of the edge

    def darkest(x_pt: float, y_pt: float) -> int:
        x, y = round(x_pt * 100 / 72), round((841.89 - y_pt) * 100 / 72)
        return min(image.getpixel((x + dx, y + dy)) for dx in (-1, 0, 1) for dy in (-1, 0, 1))

    left, bottom, right, top = boxes(content)["/TrimBox"]
    middle_x, middle_y = (left + right) / 2, (bottom + top) / 2
    # Cut marks on every cut line, 2-5 mm outside the badges, and nothing between them and the badges.
    for x in (left, middle_x, right):
        assert darkest(x, top + 3.5 * MM) < 128 and darkest(x, bottom - 3.5 * MM) < 128
        assert darkest(x, top + 1 * MM) == 255
    for y in (bottom, middle_y, top):
        assert darkest(left - 3.5 * MM, y) < 128 and darkest(right + 3.5 * MM, y) < 128
        assert darkest(left - 1 * MM, y) == 255


def test_kept_badges_are_reused_until_something_on_them_changes(app, client, forum, monkeypatch):
    app.config["PRERENDER_DOCUMENTS"] = True  # render in the background (inline in tests)
    delegate_id = add_delegate(app, base=GERMAN)
    with app.app_context():
        kept = db.session.get(RenderedDocument, printing.badge_key(delegate_id))
        assert kept is not None
        delegate = db.session.get(Delegate, delegate_id)
        assert kept.fingerprint == printing.badge_fingerprint(printing.badge_data(delegate))
        first_content = kept.content

    def no_rendering(*args, **kwargs):
        raise AssertionError("a current kept badge must not be rendered again")

    with monkeypatch.context() as patched:
        patched.setattr(printing.render, "_rendered_badges", no_rendering)
        with app.app_context():
            batch = printing.batch_pdf(printing.select_badge_delegates(current_event()))
            assert printing.badge_pdf(db.session.get(Delegate, delegate_id)) == first_content
    assert "Weiß & Söhne" in page_texts(batch)[0]

    with app.app_context():
        delegate = db.session.get(Delegate, delegate_id)
        details = DelegateDetails.of(delegate)
        details.organisation = "Großhandel Südstadt AG"
        update_details(delegate, details, actor=Actor.SYSTEM)
    with app.app_context():
        kept = db.session.get(RenderedDocument, printing.badge_key(delegate_id))
        assert kept.content != first_content
        assert "Großhandel Südstadt AG" in page_texts(kept.content)[0]
        assert "Weiß" not in page_texts(kept.content)[0]


def test_only_a_confirmed_seat_queues_a_badge_render(app, forum, monkeypatch):
    """A delegate who only waits for a seat has no badge to print: their registration
    queues no render (a burst on a full session would queue hundreds); their promotion does."""
    app.config["PRERENDER_DOCUMENTS"] = True
    queued: list[int] = []
    monkeypatch.setattr(tasks, "render_badge", queued.append)
    with app.app_context():  # a seat: its badge is rendered ahead (the row written without a flush)
        seated = register(current_event(), DelegateDetails.from_mapping(person()), [SYMPOSIUM], actor=Actor.SYSTEM)
        assert seated.answers[0].status.value == "confirmed"
        assert queued == [seated.delegate.id]
    queued.clear()
    set_session(app, SYMPOSIUM, capacity=1)  # full now
    with app.app_context():
        waiting = register(current_event(), DelegateDetails.from_mapping(person()), [SYMPOSIUM], actor=Actor.SYSTEM)
        assert waiting.answers[0].status.value == "waitlisted"
        waiting_id = waiting.delegate.id
    assert queued == []
    with app.app_context():
        symposium = next(s for s in current_event().sessions if s.slug == SYMPOSIUM)
        set_capacity(symposium, 2, actor=Actor.SYSTEM)  # the first in line is promoted
    assert queued == [waiting_id]


def test_a_batch_renders_missing_badges_in_parallel_processes(app, forum, backend):
    if backend == "postgresql":
        pytest.skip("rendering does not touch the database: once is enough")
    with app.app_context():
        people = [
            DelegateDetails.from_mapping(person(CHINESE if n % 2 else GERMAN, family_name=f"Person{n:02d}"))
            for n in range(30)
        ]
        for details in people[1::2]:
            details.name_native = "欧阳" + "文静明伟"[len(details.family_name) % 4]
        from eventapp.services.registration import register_many

        register_many(current_event(), people, ["exhibition"], actor=Actor.SYSTEM, by_staff=True)
        delegates = printing.select_badge_delegates(current_event())
        done = []
        renders: list[printing.RenderStats] = []
        content = printing.batch_pdf(
            delegates, progress=done.append, chunk_size=10, workers=2, on_render=renders.append
        )
        (stats,) = renders
        assert stats.rendered == 30 and len(stats.worker_peak_kib) == 3  # three chunks, in worker processes
        assert sum(done) == 30
        texts = page_texts(content)
        assert len(texts) == 30
        for delegate, text in zip(delegates, texts):
            expected = delegate.name_native or delegate.family_name
            assert expected in text
        kept = db.session.execute(select(RenderedDocument.key)).scalars().all()
        assert len(kept) == 30


def test_print_job_makes_the_file_and_counts_its_progress(app, forum):
    for name in ["Adler", "Bauer", "Claus"]:
        add_delegate(app, [SYMPOSIUM], family_name=name)
    add_delegate(app, ["exhibition"], family_name="Dietz")
    with app.app_context():
        job = PrintJob(sheet="a6", filters={"session": SYMPOSIUM, "registered_from": "2000-01-01"})
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    with app.app_context():
        printing.run_print_job(job_id)
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        assert job.status == PrintJobStatus.DONE and job.error == ""
        assert (job.total, job.done) == (3, 3)
        assert job.finished_at is not None
        assert len(PdfReader(io.BytesIO(job.content)).pages) == 3


def test_registration_dates_choose_who_is_printed(app, forum):
    add_delegate(app, family_name="Heute")
    with app.app_context():
        today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
        event = current_event()
        assert len(printing.select_badge_delegates(event, registered_from=today, registered_until=today)) == 1
        from datetime import timedelta

        assert printing.select_badge_delegates(event, registered_from=today + timedelta(days=1)) == []
        assert printing.select_badge_delegates(event, registered_until=today - timedelta(days=1)) == []


def test_cli_writes_the_badges_with_a_progress_bar(app, forum, runner, tmp_path):
    add_delegate(app, base=CHINESE)
    add_delegate(app, base=GERMAN, organisation_type="government")
    out = tmp_path / "badges.pdf"
    result = runner.invoke(badges_command, ["--out", str(out), "--sheet", "a4-4up"])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 badges" in result.output
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    assert [round(float(v)) for v in reader.pages[0].mediabox] == [0, 0, 595, 842]

    result = runner.invoke(badges_command, ["--out", str(out), "--organisation-type", "government"])
    assert result.exit_code == 0 and "Wrote 1 badges" in result.output
    unknown = runner.invoke(badges_command, ["--out", str(out), "--session", "gala-dinner"])
    assert unknown.exit_code == 1 and "Unknown session: gala-dinner" in unknown.output
    nobody = runner.invoke(badges_command, ["--out", str(out), "--organisation-type", "press"])
    assert nobody.exit_code == 1 and "No delegate with a confirmed registration" in nobody.output


@pytest.mark.parametrize(
    ("family", "installed", "package"),
    [
        ("CJK_FONT_FAMILY", "_cjk_font_installed", "fonts-noto-cjk"),
        ("LATIN_FONT_FAMILY", "_latin_font_installed", "fonts-noto-core"),
    ],
)
def test_without_a_font_printing_says_which_package_to_install(
    app, forum, runner, tmp_path, monkeypatch, family, installed, package
):
    delegate_id = add_delegate(app, base=CHINESE)
    monkeypatch.setattr(pdf_service, family, "Noto Sans Missing")
    getattr(pdf_service, installed).cache_clear()
    try:
        with app.app_context(), pytest.raises(pdf_service.FontMissing, match=package):
            printing.badge_pdf(db.session.get(Delegate, delegate_id))
        result = runner.invoke(badges_command, ["--out", str(tmp_path / "badges.pdf")])
        assert result.exit_code == 1 and package in result.output
        assert not (tmp_path / "badges.pdf").exists()
        with app.app_context():
            job = PrintJob(sheet="a6", filters={})
            db.session.add(job)
            db.session.commit()
            job_id = job.id
            printing.run_print_job(job_id)
        with app.app_context():
            job = db.session.get(PrintJob, job_id)
            assert job.status == PrintJobStatus.FAILED and package in job.error
    finally:
        getattr(pdf_service, installed).cache_clear()


def test_merging_any_other_pdf_shape_falls_back_to_pypdf(app, forum):
    """A badge kept in another shape (object streams, as WeasyPrint writes by default) still
    merges, through pypdf, into the same pages."""
    from weasyprint import HTML

    delegate_id = add_delegate(app, base=GERMAN)
    content = badge_of(app, delegate_id)
    with app.app_context():
        data = printing.badge_data(db.session.get(Delegate, delegate_id))
    other_shape = HTML(string=printing.badge_html([data])).write_pdf(
        stylesheets=[printing.badge_stylesheet()], font_config=pdf_service.font_configuration()
    )
    assert printing._split_pdf(content) is not None and printing._split_pdf(other_shape) is None
    for sheet in printing.SHEETS:
        fast = printing.merge_badges([content, content], sheet)
        slow = printing.merge_badges([other_shape, content], sheet)
        assert page_texts(fast) == page_texts(slow)
        assert [[round(float(v), 2) for v in p.mediabox] for p in PdfReader(io.BytesIO(fast)).pages] == [
            [round(float(v), 2) for v in p.mediabox] for p in PdfReader(io.BytesIO(slow)).pages
        ]


def test_every_delegation_type_has_a_readable_colour_band():
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    assert set(printing.BADGE_COLOURS) == set(OrganisationType)
    for background, ink in printing.BADGE_COLOURS.values():
        light, dark = sorted([luminance(background), luminance(ink)], reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, background


# --- what a print shop's preflight checks -----------------------------------------------------


def latin_and_chinese_delegates(app) -> None:
    add_delegate(app, family_name="Adler", given_name="Eva")
    add_delegate(app, family_name="Bauer", given_name="Jonas", organisation_type="government")
    add_delegate(app, base=CHINESE)
    add_delegate(app, base=CHINESE, family_name="Li", given_name="Qiang", name_native="李强", organisation_type="press")
    add_delegate(app, base=CHINESE, family_name="Wang", given_name="Zhekun", name_native="王喆堃")  # outside GB 2312


def test_every_font_subset_in_a_merged_batch_has_a_tag_of_its_own(app, forum):
    """ISO 32000-1 §9.6.4: different subsets of a font need different tags, or preflight
    software takes them for one font. A batch holds many subsets of each font."""
    latin_and_chinese_delegates(app)
    with app.app_context():
        delegates = printing.select_badge_delegates(current_event())
        singles = [printing.badge_pdf(delegate) for delegate in delegates]
    for single in singles:
        assert_distinct_tags(single)  # the badge's own text and its static part
    for sheet in printing.SHEETS:
        found = assert_distinct_tags(batch_of(app, sheet))
        assert {s.name for s in found} == {"Noto-Sans", "Noto-Sans-Bold", "Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}
        assert len({s.program for s in found if s.name == "Noto-Sans-Bold"}) >= 5  # many subsets of one font
        # The same through pypdf, which takes files of any shape.
        assert_distinct_tags(printing._merge_with_pypdf(singles, sheet))


def test_a_batch_of_badges_named_alike_still_gets_a_tag_for_each_subset(app, forum):
    """Badges kept by another version may name every subset of a font alike (as WeasyPrint
    does on its own); the fast merge renames the clashing ones, font by font."""
    latin_and_chinese_delegates(app)
    with app.app_context():
        singles = [printing.badge_pdf(d) for d in printing.select_badge_delegates(current_event())]
    alike = [re.sub(rb"(/(?:FontName|BaseFont) ?/)[A-Z]{6}\+", rb"\1AAAAAA+", pdf) for pdf in singles]
    assert {s.tag for s in subsets(alike[0])} == {"AAAAAA"}
    for sheet in printing.SHEETS:
        merged = printing._concatenate([printing._split_pdf(pdf) for pdf in alike], sheet)
        found = assert_distinct_tags(merged)
        assert len({s.tag for s in found}) == len({s.program for s in found}) > 10
        assert page_texts(merged) == page_texts(printing.merge_badges(singles, sheet))


def test_files_of_another_shape_merged_through_pypdf_get_distinct_tags_too(app, forum):
    """WeasyPrint on its own names every subset of a font alike; merging such files must
    still tell the subsets apart."""
    from weasyprint import HTML

    add_delegate(app, family_name="Adler")
    add_delegate(app, family_name="Bauer")
    with app.app_context():
        plain = [
            HTML(string=printing.badge_html([printing.badge_data(d)])).write_pdf(
                stylesheets=[printing.badge_stylesheet()], font_config=pdf_service.font_configuration()
            )
            for d in printing.select_badge_delegates(current_event())
        ]
    assert printing._split_pdf(plain[0]) is None  # object streams: the pypdf way
    for sheet in printing.SHEETS:
        assert_distinct_tags(printing.merge_badges(plain, sheet))


def test_batch_pages_keep_the_a6_trim_and_bleed_boxes(app, forum):
    latin_and_chinese_delegates(app)
    for sheet in ("a6", "print-shop"):
        content = batch_of(app, sheet)
        for page in range(len(PdfReader(io.BytesIO(content)).pages)):
            found = boxes(content, page)
            left, bottom, right, top = found["/TrimBox"]
            assert (right - left, top - bottom) == pytest.approx(A6, abs=0.05)
            assert [a - b for a, b in zip(found["/TrimBox"], found["/BleedBox"])] == pytest.approx(
                [3 * MM, 3 * MM, -3 * MM, -3 * MM], abs=0.02
            )
            assert [a - b for a, b in zip(found["/TrimBox"], found["/MediaBox"])] == pytest.approx(
                [10 * MM, 10 * MM, -10 * MM, -10 * MM], abs=0.05
            )


def test_print_shop_file_declares_its_colours_as_srgb_with_bleed_and_embedded_fonts(app, forum, tmp_path):
    latin_and_chinese_delegates(app)
    with app.app_context():
        singles = [printing.badge_pdf(d) for d in printing.select_badge_delegates(current_event())]
    for content in (batch_of(app, "print-shop"), printing._merge_with_pypdf(singles, "print-shop")):
        reader = PdfReader(io.BytesIO(content))
        (intent,) = [i.get_object() for i in reader.trailer["/Root"]["/OutputIntents"]]
        assert intent["/Type"] == "/OutputIntent" and intent["/S"] == "/GTS_PDFX"
        assert "sRGB" in intent["/OutputConditionIdentifier"]
        profile = intent["/DestOutputProfile"].get_object()
        icc = profile.get_data()
        assert profile["/N"] == 3 and icc[36:40] == b"acsp" and icc[16:20] == b"RGB "
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
        assert b"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
        assert reader.metadata["/Trapped"] == "/False" and reader.trailer["/ID"]
        assert len(reader.pages) == 5 and all("/TrimBox" in p and "/BleedBox" in p for p in reader.pages)
        fonts = poppler("pdffonts", content, tmp_path).splitlines()[2:]
        assert fonts and all(re.search(r"\syes\s+yes\s+yes\s", line) for line in fonts)  # embedded subsets
    # The other papers declare no output intent.
    assert "/OutputIntents" not in PdfReader(io.BytesIO(batch_of(app, "a6"))).trailer["/Root"]


def test_letter_spaced_capitals_and_the_check_in_code_extract_as_words(app, forum, tmp_path):
    german = add_delegate(app, base=GERMAN)
    chinese = add_delegate(app, [SYMPOSIUM, "exhibition"], base=CHINESE)
    with app.app_context():
        code = db.session.get(Delegate, german).checkin_code
        chinese_code = db.session.get(Delegate, chinese).checkin_code
        label = printing.badge_data(db.session.get(Delegate, german)).organisation_type_label
    for content in (badge_of(app, german), batch_of(app, "a4-4up")):
        words = poppler("pdftotext", content, tmp_path).split()
        assert code in words and label in words and "DEUTSCHLAND" in words, words
        assert "ZUTRITT" in words
    words = poppler("pdftotext", badge_of(app, chinese), tmp_path).split()
    assert chinese_code in words and "企业" in words and "座谈会" in words  # the band and the ribbon
    assert label == "UNTERNEHMEN"
    # pypdf reads the same words.
    assert code in page_texts(badge_of(app, german))[0].split()


def test_german_badge_is_set_in_noto_sans_as_it_was_measured(app, forum, tmp_path):
    """Latin text in Noto Sans (no DejaVu fallback, no CJK Latin), Chinese in Noto Sans CJK
    SC; and fit_text measures with the fonts that print, so a fitted name fills its line."""
    delegate_id = add_delegate(app, family_name="Hohenzollern-Sigmaringen", given_name="Maximiliane")
    content = badge_of(app, delegate_id)
    names_used = {s.name for s in subsets(content)}
    assert {"Noto-Sans", "Noto-Sans-Bold"} <= names_used
    assert names_used <= {"Noto-Sans", "Noto-Sans-Bold", "Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}
    assert "DejaVu" not in poppler("pdffonts", content, tmp_path)
    with app.app_context():
        layout = printing._layout(printing.badge_data(db.session.get(Delegate, delegate_id)))
    name = layout["name"]
    line = max(name.lines, key=len)
    expected = printing.text_width_em(line, bold=True) * name.size
    words = poppler("pdftotext", content, tmp_path, "-bbox")
    pieces = [
        re.search(rf'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">{re.escape(w)}<', words)
        for w in line.split()
    ]
    printed = float(pieces[-1].group(2)) - float(pieces[0].group(1))
    assert printed == pytest.approx(expected, rel=0.03)


def test_cli_writes_the_print_shop_file(app, forum, runner, tmp_path):
    add_delegate(app, base=CHINESE)
    out = tmp_path / "print-shop.pdf"
    result = runner.invoke(badges_command, ["--out", str(out), "--sheet", "print-shop"])
    assert result.exit_code == 0 and "Wrote 1 badges (print-shop" in result.output, result.output
    reader = PdfReader(out)
    assert "/OutputIntents" in reader.trailer["/Root"] and "/BleedBox" in reader.pages[0]
