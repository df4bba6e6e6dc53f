"""The programme as a PDF in three languages, kept between changes, and a delegate's personal
agenda with their badge's QR code, from the public site, the private link and the CLI."""

from __future__ import annotations

import io
import subprocess

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

import eventapp.public.documents  # noqa: F401  (routes attach to the public blueprint)
from eventapp.cli.agenda import agenda_command
from eventapp.extensions import db
from eventapp.models import Delegate, RenderedDocument
from eventapp.services import agendas
from eventapp.services.audit import Actor
from eventapp.services.events import current_event
from eventapp.services.registration import cancel_registration

from .factories import CHINESE, GERMAN, register_by_api, set_session
from .pdf_fonts import assert_distinct_tags

SYMPOSIUM = "german-enterprise-symposium"
FORUM = "thematic-forum"
A4 = (595, 842)  # points
MM = 72 / 25.4

# What each language's programme must print: the forum's name, a session, a presenter (the
# German one with ß, the Chinese one in characters) and Chinese text exactly.
PROGRAMME_TEXT = {
    "zh": ["北京中德产业合作发展论坛", "德企座谈会", "Dr.KatharinaWeißenborn", "王立新", "北京精工智能装备有限公司"],
    "de": [
        "BeijingerForumfürchinesisch-deutscheIndustriekooperationundEntwicklung",
        "SymposiummitdeutschenUnternehmen",
        "Dr.KatharinaWeißenborn,HofmannHochvolt-SystemeGmbH",
        "王立新",
        "北京精工智能装备有限公司",
    ],
    "en": [
        "BeijingChina-GermanyForumforIndustrialCooperationandDevelopment",
        "GermanEnterpriseSymposium",
        "Dr.KatharinaWeißenborn,HofmannHochvolt-SystemeGmbH",
        "王立新",
        "北京精工智能装备有限公司",
    ],
}
EXHIBITOR_THEME = {"zh": "智能装备", "de": "IntelligenteAusrüstung", "en": "SmartEquipment"}


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    """Text without white space: lines break differently in each language."""
    return "".join(text.split())


def page_sizes(content: bytes) -> set[tuple[int, int]]:
    reader = PdfReader(io.BytesIO(content))
    return {(round(p.mediabox.width), round(p.mediabox.height)) for p in reader.pages}


def embedded_cjk_subsets(content: bytes, tmp_path) -> list[str]:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line for line in fonts.splitlines() if "+NotoSansCJK" in line.replace("-", "") and " yes " in line]


def private_path(response) -> str:
    assert response.status_code == 201, response.get_json()
    return "/" + response.get_json()["manage_url"].split("/", 3)[3]


def rename_symposium(app, english: str) -> None:
    title = {"zh": "德企座谈会", "de": "Symposium mit deutschen Unternehmen", "en": english}
    set_session(app, SYMPOSIUM, title=title)


@pytest.fixture
def render_count(monkeypatch):
    """Counts programme renders; set `fail` to make any further render an error."""
    state = {"renders": 0, "fail": False}
    real = agendas.render_programme_pdf

    def counting(event, language):
        if state["fail"]:
            raise AssertionError("the programme was rendered again")
        state["renders"] += 1
        return real(event, language)

    monkeypatch.setattr(agendas, "render_programme_pdf", counting)
    return state


@pytest.mark.parametrize("language", ["zh", "de", "en"])
def test_programme_pdf_prints_forum_sessions_presenters_and_chinese_in_each_language(client, forum, language, tmp_path):
    response = client.get(f"/agenda.pdf?lang={language}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert (
        response.headers["Content-Disposition"] == f"inline; filename=beijing-china-germany-forum-agenda-{language}.pdf"
    )
    assert page_sizes(response.data) == {A4}
    text = squeezed(pdf_text(response.data))
    for expected in PROGRAMME_TEXT[language]:
        assert expected in text, expected
    assert EXHIBITOR_THEME[language] in text and "B02" in text  # exhibitors by theme and booth
    assert "14:50" in text and "10:30" in text  # the event's zone, 24 h
    if language == "en":  # the labels' translations may change; the English ones are ours
        pages = len(PdfReader(io.BytesIO(response.data)).pages)
        assert f"Page1of{pages}" in text and f"Page{pages}of{pages}" in text
    assert embedded_cjk_subsets(response.data, tmp_path)


def test_programme_without_lang_follows_the_page_language_and_an_unknown_one_falls_back(client, forum):
    german = client.get("/agenda.pdf", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert german.headers["Content-Disposition"].endswith("forum-agenda-de.pdf")
    assert "Eröffnungsfeier" in pdf_text(german.data)
    unknown = client.get("/agenda.pdf?lang=fr", headers={"Accept-Language": "zh-CN"})
    assert unknown.status_code == 200
    assert unknown.headers["Content-Disposition"].endswith("forum-agenda-zh.pdf")
    assert "Accept-Language" in unknown.headers["Vary"]


def test_kept_programme_is_served_without_rendering_and_rebuilt_after_a_change(app, forum, render_count):
    with app.app_context():
        first = agendas.programme_pdf(current_event(), "en")
    render_count["fail"] = True
    with app.app_context():
        assert agendas.programme_pdf(current_event(), "en") == first
    assert render_count["renders"] == 1

    rename_symposium(app, "Round Table with German Companies")
    render_count["fail"] = False
    with app.app_context():
        rebuilt = agendas.programme_pdf(current_event(), "en")
        kept = db.session.get(RenderedDocument, "agenda:en")
        assert kept.content == rebuilt
    assert render_count["renders"] == 2
    text = squeezed(pdf_text(rebuilt))
    assert "RoundTablewithGermanCompanies" in text and "GermanEnterpriseSymposium" not in text


def test_a_programme_change_renders_every_language_in_the_background(app, forum, render_count):
    app.config["PRERENDER_DOCUMENTS"] = True  # tasks run inline in tests (HUEY_IMMEDIATE)
    rename_symposium(app, "Round Table with German Companies")
    assert render_count["renders"] == 3
    render_count["fail"] = True
    with app.app_context():
        event = current_event()
        assert "RoundTablewithGermanCompanies" in squeezed(pdf_text(agendas.programme_pdf(event, "en")))
        assert "德企座谈会" in pdf_text(agendas.programme_pdf(event, "zh"))


def test_a_registration_does_not_make_the_programme_stale(app, client, forum, render_count):
    assert client.get("/agenda.pdf?lang=en").status_code == 200
    assert register_by_api(client, [SYMPOSIUM], base=GERMAN).status_code == 201
    render_count["fail"] = True
    assert client.get("/agenda.pdf?lang=en").status_code == 200


def test_served_programme_is_cacheable_and_revalidates_with_its_etag(app, client, forum):
    response = client.get("/agenda.pdf?lang=de")
    etag = response.headers["ETag"]
    assert response.headers["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    again = client.get("/agenda.pdf?lang=de", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get("/agenda.pdf?lang=en").headers["ETag"] != etag, "one tag per language"

    set_session(app, SYMPOSIUM, title={"zh": "德企座谈会", "de": "Runder Tisch", "en": "Round Table"})
    changed = client.get("/agenda.pdf?lang=de", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "RunderTisch" in squeezed(pdf_text(changed.data))


@pytest.fixture
def wang(app, client, forum):
    """王小明: confirmed at the exhibition, second on the symposium's waiting list (one seat,
    taken by a German delegate, then one more waiting), cancelled at the thematic forum."""
    set_session(app, SYMPOSIUM, capacity=1)
    set_session(app, FORUM, public_registration=True)
    register_by_api(client, [SYMPOSIUM], base=GERMAN)
    register_by_api(client, [SYMPOSIUM], base=GERMAN, given_name="Jörg")
    path = private_path(register_by_api(client, ["exhibition", SYMPOSIUM, FORUM], base=CHINESE))
    with app.app_context():
        delegate = db.session.execute(select(Delegate).where(Delegate.name_native == "王小明")).scalar_one()
        forum_registration = next(r for r in delegate.registrations if r.session.slug == FORUM)
        cancel_registration(forum_registration, actor=Actor.SYSTEM)
        return {"path": path, "code": delegate.checkin_code}


def test_personal_agenda_shows_the_delegates_sessions_waiting_place_and_name(client, wang, tmp_path):
    response = client.get(wang["path"] + "/agenda.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert page_sizes(response.data) == {A4}
    text = pdf_text(response.data)
    assert "王小明" in text and "WANGXiaoming" in squeezed(text)
    assert "隐形冠军专题展" in text and "德企座谈会" in text, "in the delegate's language (zh)"
    assert "专题论坛" not in text, "cancelled sessions are left out"
    assert "开幕式" not in text, "only the delegate's sessions"
    assert wang["code"] in squeezed(text)
    assert embedded_cjk_subsets(response.data, tmp_path)

    english = squeezed(pdf_text(client.get(wang["path"] + "/agenda.pdf?lang=en").data))
    assert "GermanEnterpriseSymposium" in english and "Onthewaitinglist,position2" in english
    assert "Confirmed" in english and "ThematicForum" not in english


def test_personal_agenda_qr_code_decodes_to_the_checkin_code(client, wang, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    pdf = tmp_path / "agenda.pdf"
    pdf.write_bytes(client.get(wang["path"] + "/agenda.pdf").data)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    (page,) = tmp_path.glob("page-*.png")
    codes = [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(page))]
    assert codes == [wang["code"]]


def test_without_a_confirmed_seat_there_is_no_qr_code_yet(app, client, forum):
    set_session(app, SYMPOSIUM, capacity=0)
    path = private_path(register_by_api(client, [SYMPOSIUM], base=GERMAN))
    text = squeezed(pdf_text(client.get(path + "/agenda.pdf?lang=en").data))
    assert "Yourcheck-incodeappearshereonceaseatisconfirmed." in text
    assert "Jürgen" in text and "Müller-Lüdenscheidt" in text


def test_wrong_private_link_gives_the_404_page_for_every_document(client, forum):
    for document in ("agenda.pdf", "agenda.ics", "badge.pdf"):
        response = client.get(f"/r/not-a-real-token/{document}")
        assert response.status_code == 404
        assert "Page not found" in response.get_data(as_text=True)


def test_badge_without_a_confirmed_seat_leads_back_to_the_private_page(app, client, forum):
    set_session(app, SYMPOSIUM, capacity=0)
    path = private_path(register_by_api(client, [SYMPOSIUM], base=GERMAN))
    response = client.get(path + "/badge.pdf?lang=en")
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "You have no confirmed seat yet, so there is no badge." in page


def test_delegate_downloads_their_badge_from_the_private_link(client, wang):
    pytest.importorskip("eventapp.services.printing")
    response = client.get(wang["path"] + "/badge.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "王小明" in pdf_text(response.data)


def test_without_the_cjk_font_documents_lead_back_with_the_message(client, wang, monkeypatch):
    from eventapp.services import pdf

    monkeypatch.setattr(pdf, "CJK_FONT_FAMILY", "Noto Sans CJK Missing")
    pdf._cjk_font_installed.cache_clear()
    public = client.get("/agenda.pdf?lang=en")
    assert public.status_code == 302 and public.headers["Location"].endswith("/")
    assert "fonts-noto-cjk" in client.get("/?lang=en").get_data(as_text=True)
    private = client.get(wang["path"] + "/agenda.pdf")
    assert private.status_code == 302 and private.headers["Location"].endswith(wang["path"])
    assert "Noto Sans CJK Missing" in client.get(wang["path"] + "?lang=en").get_data(as_text=True)
    monkeypatch.undo()
    pdf._cjk_font_installed.cache_clear()


def test_cli_writes_the_programme_as_pdf_and_as_calendar(app, runner, forum, tmp_path):
    out = tmp_path / "agenda-de.pdf"
    result = runner.invoke(agenda_command, ["--out", str(out), "--lang", "de"])
    assert result.exit_code == 0, result.output
    assert "Wrote the programme (de" in result.output
    assert "SymposiummitdeutschenUnternehmen" in squeezed(pdf_text(out.read_bytes()))
    with app.app_context():
        assert db.session.get(RenderedDocument, "agenda:de") is not None, "kept for the web too"

    ics = tmp_path / "agenda.ics"
    result = runner.invoke(agenda_command, ["--out", str(ics), "--ics"])
    assert result.exit_code == 0, result.output
    assert ics.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_cli_without_an_event_says_what_to_do(runner, tmp_path):
    result = runner.invoke(agenda_command, ["--out", str(tmp_path / "agenda.pdf")])
    assert result.exit_code != 0 and "seed-demo" in result.output


def poppler_text(content: bytes, tmp_path, *args: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_chinese_agendas_write_a_full_width_colon_after_a_label(client, wang, tmp_path):
    chinese = poppler_text(client.get(wang["path"] + "/agenda.pdf").data, tmp_path)
    assert "会场：展览厅" in chinese and "会场:" not in chinese and "会场： " not in chinese
    programme = poppler_text(client.get("/agenda.pdf?lang=zh").data, tmp_path)
    assert "会场：主会场" in programme and "会场:" not in programme
    german = poppler_text(client.get(wang["path"] + "/agenda.pdf?lang=de").data, tmp_path)
    assert "Raum: Ausstellungshalle" in german


@pytest.mark.parametrize("language", ["zh", "de", "en"])
def test_programme_fills_its_first_page(client, forum, language, tmp_path):
    """A session runs on to the next page rather than leaving the foot of page 1 empty."""
    import re

    content = client.get(f"/agenda.pdf?lang={language}").data
    words = poppler_text(content, tmp_path, "-f", "1", "-l", "1", "-bbox")
    foot_of_text = 842 - 19 * MM  # the bottom page margin holds only the running footer
    lowest = max(float(y) for y in re.findall(r'yMax="([\d.]+)"', words) if float(y) < foot_of_text)
    assert (foot_of_text - lowest) / MM < 20, "page 1 ends early"
    # The second session (the exhibition, from 09:00 too) begins on page 1, below the
    # programme at a glance.
    exhibition = {"zh": "隐形冠军专题展", "de": "Sonderausstellung", "en": "Special Exhibition"}[language]
    assert poppler_text(content, tmp_path, "-f", "1", "-l", "1").count(exhibition) >= 2


@pytest.mark.parametrize("language", ["de", "en"])
def test_programme_sets_latin_text_in_noto_sans_with_tags_of_its_own(client, forum, language, tmp_path):
    content = client.get(f"/agenda.pdf?lang={language}").data
    names = {subset.name for subset in assert_distinct_tags(content)}
    assert {"Noto-Sans", "Noto-Sans-Bold"} <= names
    assert names <= {"Noto-Sans", "Noto-Sans-Bold", "Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}
    # Letter-spaced capitals ("PROGRAMM", "DATUM") come out as words.
    words = poppler_text(content, tmp_path).split()
    assert {"de": "PROGRAMM", "en": "PROGRAMME"}[language] in words
