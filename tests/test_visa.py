"""Visa invitation letters: passport data seen only by the visa team and admins, reviewed,
printed as a letter in English and Chinese, mailed or downloaded together, and erased after
the event."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from eventapp.cli.visa import erase_passport_data_command
from eventapp.extensions import db
from eventapp.models import (
    AuditEntry,
    Delegate,
    Event,
    EventImage,
    MailKind,
    OutboxMail,
    StaffRole,
    VisaLetterStatus,
    VisaRequest,
)
from eventapp.services import visa
from eventapp.services.audit import Actor
from eventapp.services.events import current_event

from .factories import CHINESE, GERMAN, register_by_api, set_session
from .staff_helpers import sign_in
from .test_html_quality import assert_valid_and_labelled

SYMPOSIUM = "german-enterprise-symposium"
FORUM_ZONE = ZoneInfo("Asia/Shanghai")
WANG_NUMBER = "C4X9K2L7M"
MUELLER_NUMBER = "C01X00T47"
VISA_TEAM = Actor.staff("visa@forum.test")


def page(response) -> str:
    return response.get_data(as_text=True)


def delegate_id(app, **where) -> int:
    with app.app_context():
        return db.session.execute(select(Delegate.id).filter_by(**where)).scalar_one()


def asks_for_letter(app, delegate: int) -> None:
    with app.app_context():
        db.session.get_one(Delegate, delegate).visa_letter_requested = True
        db.session.commit()


def passport(app, delegate: int, **overrides) -> None:
    """Passport data for the delegate, valid well after the forum."""
    with app.app_context():
        found = db.session.get_one(Delegate, delegate)
        values = {
            "passport_name": "WANG XIAOMING",
            "nationality": "DE",
            "passport_number": WANG_NUMBER,
            "passport_expiry": found.event.ends_on + timedelta(days=5 * 365),
            "date_of_birth": date(1980, 5, 1),
            **overrides,
        }
        visa.save_passport_data(found, visa.PassportData.from_mapping(values), VISA_TEAM)


def visa_request(app, delegate: int) -> VisaRequest:
    with app.app_context():
        found = db.session.execute(select(VisaRequest).filter_by(delegate_id=delegate)).scalar_one()
        db.session.expunge(found)
        return found


def reviewed(app, delegate: int) -> None:
    with app.app_context():
        request = db.session.execute(select(VisaRequest).filter_by(delegate_id=delegate)).scalar_one()
        visa.review(request, VISA_TEAM)


def letter_text(app, delegate: int) -> tuple[str, int]:
    with app.app_context():
        request = db.session.execute(select(VisaRequest).filter_by(delegate_id=delegate)).scalar_one()
        reader = PdfReader(io.BytesIO(visa.letter_pdf(request)))
    text = "".join(p.extract_text() for p in reader.pages)
    return "".join(text.split()), len(reader.pages)  # lines wrap anywhere: compare without spaces


def forum_end(app) -> date:
    with app.app_context():
        return current_event().ends_on


def post_passport(client, delegate: int, **fields):
    """The passport form on the visa page, as a browser sends it."""
    return client.post(f"/visa/delegates/{delegate}/passport?lang=en", data=fields)


def png(size=(240, 240), colour=(190, 20, 30, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def delegates(app, client, forum) -> dict[str, int]:
    """王小明 (a German citizen; exhibition) and Jürgen Müller-Lüdenscheidt (symposium and
    exhibition) hold seats and asked for letters; Eva Warte waits for the full symposium and
    asked too; Otto Ohne asked for nothing."""
    assert register_by_api(client, ["exhibition"], base=CHINESE, country="DE").status_code == 201
    assert register_by_api(client, [SYMPOSIUM, "exhibition"], base=GERMAN).status_code == 201
    set_session(app, SYMPOSIUM, capacity=1)
    assert register_by_api(client, [SYMPOSIUM], family_name="Warte", given_name="Eva").status_code == 201
    assert register_by_api(client, ["exhibition"], family_name="Ohne", given_name="Otto").status_code == 201
    ids = {
        "wang": delegate_id(app, name_native="王小明"),
        "mueller": delegate_id(app, family_name=GERMAN["family_name"]),
        "waiting": delegate_id(app, family_name="Warte"),
        "none": delegate_id(app, family_name="Ohne"),
    }
    for name in ("wang", "mueller", "waiting"):
        asks_for_letter(app, ids[name])
    return ids


# ---- who may see passport data ----


def test_only_the_visa_team_and_admins_open_the_visa_pages(app, client, delegates):
    wang = delegates["wang"]
    urls = [
        "/visa/",
        f"/visa/delegates/{wang}",
        "/visa/images",
        "/visa/letters.pdf",
        f"/visa/delegates/{wang}/letter.pdf",
    ]
    anonymous = client.get("/visa/")
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]
    for role in (StaffRole.ORGANISER, StaffRole.DOOR):
        sign_in(client, app, role)
        for url in urls:
            assert client.get(url).status_code == 403, (role, url)
        assert client.post(f"/visa/delegates/{wang}/review").status_code == 403
        client.post("/staff/logout")
    for role in (StaffRole.VISA, StaffRole.ADMIN):
        sign_in(client, app, role)
        assert client.get("/visa/").status_code == 200, role
        assert client.get(f"/visa/delegates/{wang}").status_code == 200, role
        client.post("/staff/logout")


def test_a_visa_team_member_lands_on_the_list_of_letters(app, client, delegates):
    email = "visa@forum.test"
    sign_in(client, app, StaffRole.VISA, email)
    assert client.get("/staff/login").headers["Location"].endswith("/visa/")
    listing = page(client.get("/visa/?lang=en"))
    assert "王小明" in listing and "Müller-Lüdenscheidt" in listing and "Warte" in listing
    assert "Ohne" not in listing  # asked for no letter
    assert "No confirmed seat" in listing and "Missing" in listing


def test_passport_data_is_saved_and_shown_only_on_the_visa_pages(app, client, delegates):
    wang = delegates["wang"]
    sign_in(client, app, StaffRole.VISA)
    response = post_passport(
        client,
        wang,
        passport_name="  Wang   Xiaoming ",
        nationality="DE",
        passport_number="c4x9 k2l7m",
        passport_expiry=(forum_end(app) + timedelta(days=900)).isoformat(),
        date_of_birth="1980-05-01",
    )
    assert response.status_code == 302
    shown = client.get(f"/visa/delegates/{wang}?lang=en")
    assert shown.headers["Cache-Control"] == "private, no-store"
    assert "WANG XIAOMING" in page(shown) and WANG_NUMBER in page(shown) and "Germany" in page(shown)
    assert "Complete" in page(client.get("/visa/?lang=en"))
    assert WANG_NUMBER not in page(client.get("/visa/?lang=en"))  # the list shows no passport data
    client.post("/staff/logout")

    sign_in(client, app, StaffRole.ORGANISER)
    assert WANG_NUMBER not in page(client.get(f"/admin/delegates/{wang}"))
    with app.app_context():
        entries = db.session.execute(select(AuditEntry).where(AuditEntry.delegate_id == wang)).scalars().all()
        saved = [e for e in entries if e.action == "passport_data_saved"]
        assert len(saved) == 1 and "passport_number" in saved[0].details["fields"]
        assert not any(WANG_NUMBER in str(e.details) or "1980" in str(e.details) for e in entries)


def test_exports_hold_no_passport_data(app, client, delegates):
    passport(app, delegates["wang"])
    sign_in(client, app, StaffRole.ORGANISER)
    for name in ("delegates", "registrations"):
        text = page(client.get(f"/admin/exports/{name}.csv"))
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert any("王小明" in cell for row in rows for cell in row)  # the delegate is there
        assert WANG_NUMBER not in text and "WANG XIAOMING" not in text
        workbook = load_workbook(io.BytesIO(client.get(f"/admin/exports/{name}.xlsx").data))
        cells = [str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
        assert not any(WANG_NUMBER in cell for cell in cells)


def test_passport_data_is_refused_with_the_fields_at_fault(app, client, delegates):
    wang = delegates["wang"]
    sign_in(client, app, StaffRole.VISA)
    response = post_passport(
        client,
        wang,
        passport_name="WANG 😀",
        nationality="",
        passport_number="12",
        passport_expiry=forum_end(app).isoformat(),
        date_of_birth="2999-01-01",
    )
    assert response.status_code == 422
    text = page(response)
    assert "The letter cannot print 😀" in text
    assert "This is needed for the letter." in text  # nationality
    assert "5 to 20 letters and digits" in text
    assert "must still be valid after the forum" in text
    assert "Enter a date of birth in the past." in text
    assert_valid_and_labelled(text, "passport form with errors")
    with app.app_context():
        assert db.session.execute(select(VisaRequest)).first() is None


# ---- the letter ----


def test_the_letter_is_one_page_of_text_in_english_and_chinese(app, delegates):
    wang = delegates["wang"]
    passport(app, wang)
    draft, pages = letter_text(app, wang)
    assert pages == 1 and "Draft,notreviewed" in draft and "草稿" in draft
    reviewed(app, wang)
    text, pages = letter_text(app, wang)
    assert pages == 1 and "Draft" not in text
    for expected in (
        "WANG XIAOMING",
        WANG_NUMBER,
        "Beijing",
        "Invitation Letter",
        "People's Republic of China in Germany",
        "at the delegate's own expense",
        "邀请函",
        "王小明",
        "中华人民共和国驻德国大使馆",
        "德国籍",
        "北京中德产业合作发展论坛",
        "本人自理",
        "北京精工智能装备有限公司",
        "Special Exhibition of Hidden Champions, 09:00–17:30",
        "隐形冠军专题展，09:00–17:30",
    ):
        assert "".join(expected.split()) in text, expected


def test_a_forum_of_two_days_is_given_with_its_first_and_last_day(app, delegates):
    wang = delegates["wang"]
    passport(app, wang)
    with app.app_context():
        event = current_event()
        first, event.ends_on = event.starts_on, event.starts_on + timedelta(days=1)
        db.session.commit()
        english = format_date(first, "long", locale="en")
        chinese = format_date(first, "long", locale="zh")
    text, pages = letter_text(app, wang)
    assert pages == 1
    assert "".join(f"to be held from {english} to".split()) in text
    assert f"于{chinese}至" in text
    assert "".join(f"Special Exhibition of Hidden Champions, {english} 09:00–17:30".split()) in text


def test_a_letter_is_only_for_a_delegate_with_a_confirmed_seat(app, client, delegates):
    waiting = delegates["waiting"]
    passport(app, waiting, passport_name="WARTE EVA")
    with app.app_context(), pytest.raises(visa.VisaRefused, match="holds no confirmed seat"):
        visa.review(db.session.execute(select(VisaRequest)).scalar_one(), VISA_TEAM)
    sign_in(client, app, StaffRole.VISA)
    response = client.get(f"/visa/delegates/{waiting}/letter.pdf?lang=en", follow_redirects=True)
    assert response.mimetype == "text/html" and "holds no confirmed seat" in page(response)
    assert "Mark as reviewed" not in page(response)


def test_a_reviewed_letter_is_mailed_and_marked_sent(app, client, delegates):
    wang = delegates["wang"]
    passport(app, wang)
    sign_in(client, app, StaffRole.VISA)
    assert client.post(f"/visa/delegates/{wang}/send").status_code == 302  # not reviewed: refused
    assert visa_request(app, wang).status == VisaLetterStatus.REQUESTED
    client.post(f"/visa/delegates/{wang}/review")
    assert visa_request(app, wang).status == VisaLetterStatus.REVIEWED
    response = client.post(f"/visa/delegates/{wang}/send?lang=en", follow_redirects=True)
    assert "The letter is being mailed" in page(response)
    request = visa_request(app, wang)
    assert request.status == VisaLetterStatus.SENT and request.sent_at is not None
    with app.app_context():
        mail = db.session.execute(select(OutboxMail).where(OutboxMail.kind == MailKind.VISA_LETTER)).scalar_one()
        assert mail.delegate_id == wang and mail.payload == {"visa_request": request.id}
        actions = db.session.execute(
            select(AuditEntry.action).where(AuditEntry.delegate_id == wang).order_by(AuditEntry.id)
        ).scalars()
        assert [a for a in actions if "visa" in a or "passport" in a] == [
            "passport_data_saved",
            "visa_letter_reviewed",
            "visa_letter_sent",
        ]


def test_changed_passport_data_sends_a_reviewed_letter_back_for_review(app, delegates):
    wang = delegates["wang"]
    passport(app, wang)
    reviewed(app, wang)
    passport(app, wang)  # the same data: nothing changes
    assert visa_request(app, wang).status == VisaLetterStatus.REVIEWED
    passport(app, wang, passport_number="C4X9K2L7N")
    request = visa_request(app, wang)
    assert request.status == VisaLetterStatus.REQUESTED and request.reviewed_at is None


def test_the_batch_holds_one_page_per_reviewed_letter(app, client, delegates):
    passport(app, delegates["wang"])
    passport(app, delegates["mueller"], passport_name="MUELLER-LUEDENSCHEIDT JUERGEN", passport_number=MUELLER_NUMBER)
    sign_in(client, app, StaffRole.VISA)
    refused = client.get("/visa/letters.pdf?lang=en", follow_redirects=True)
    assert "No reviewed letter is waiting to be sent." in page(refused)
    reviewed(app, delegates["wang"])
    reviewed(app, delegates["mueller"])
    assert "Download 2 reviewed letters" in page(client.get("/visa/?lang=en"))
    response = client.get("/visa/letters.pdf")
    assert response.mimetype == "application/pdf" and response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith("attachment")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2
    texts = [p.extract_text() for p in reader.pages]
    assert MUELLER_NUMBER in texts[0] and "German Enterprise Symposium" in texts[0]  # by name: M before W
    assert WANG_NUMBER in texts[1] and "王小明" in texts[1]


# ---- letterhead and seal ----


def test_the_letter_is_printed_with_the_uploaded_letterhead_and_seal(app, delegates):
    wang = delegates["wang"]
    passport(app, wang)
    with app.app_context():
        event = current_event()
        visa.save_event_image(event, "letterhead", png((1600, 240), (11, 61, 110, 255)), "image/png", VISA_TEAM)
        visa.save_event_image(event, "seal", png(), "image/png", VISA_TEAM)
        with pytest.raises(visa.VisaRefused) as refusal:
            visa.save_event_image(event, "seal", b"Not an image at all\n", "image/png", VISA_TEAM)
        assert "not a PNG or JPEG image" in refusal.value.errors["image"]
        request = db.session.execute(select(VisaRequest)).scalar_one()
        reader = PdfReader(io.BytesIO(visa.letter_pdf(request)))
    images = [image for p in reader.pages for image in p.images]
    assert len(images) == 2
    assert "邀请函" in reader.pages[0].extract_text()


def test_the_letterhead_is_uploaded_and_a_text_file_is_refused(app, client, delegates):
    sign_in(client, app, StaffRole.VISA)
    images_page = client.get("/visa/images?lang=en")
    assert "None uploaded yet." in page(images_page)
    assert_valid_and_labelled(page(images_page), "images page")
    refused = client.post(
        "/visa/images/seal?lang=en",
        data={"seal-image": (io.BytesIO(b"Not an image\n"), "seal.txt")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "This file is not a PNG or JPEG image." in page(refused)
    uploaded = client.post(
        "/visa/images/seal?lang=en",
        data={"seal-image": (io.BytesIO(png()), "seal.png")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    shown = client.get("/visa/images/seal")
    assert shown.mimetype == "image/png" and shown.data == png()
    with app.app_context():
        assert db.session.execute(select(EventImage.kind)).scalars().all() == ["seal"]


# ---- erasure ----


def noon_in_beijing(day) -> datetime:
    return datetime.combine(day, time(12), FORUM_ZONE)


def test_passport_data_is_erased_once_after_the_retention(app, delegates):
    passport(app, delegates["wang"])
    reviewed(app, delegates["wang"])
    with app.app_context():
        event = current_event()
        last_kept = event.ends_on + timedelta(days=event.passport_retention_days)
        assert visa.erase_passport_data(noon_in_beijing(last_kept)) == 0
        assert visa.erase_passport_data(noon_in_beijing(last_kept + timedelta(days=1))) == 1
    request = visa_request(app, delegates["wang"])
    assert (request.passport_name, request.passport_number, request.nationality) == ("", "", "")
    assert request.passport_expiry is None and request.date_of_birth is None
    assert request.status == VisaLetterStatus.REVIEWED and request.erased_at is not None
    with app.app_context():
        assert visa.erase_passport_data(noon_in_beijing(last_kept + timedelta(days=2))) == 0  # already erased
        erasures = db.session.execute(select(AuditEntry).where(AuditEntry.action == "passport_data_erased")).scalars()
        (entry,) = erasures.all()
        assert entry.delegate_id == delegates["wang"] and entry.actor == "system"
        assert WANG_NUMBER not in str(entry.details) and "WANG" not in str(entry.details)
        with pytest.raises(visa.VisaRefused, match="erased"):
            visa.letter_pdf(db.session.execute(select(VisaRequest)).scalar_one())


def test_the_erase_command_counts_first_on_a_dry_run(app, runner, delegates):
    passport(app, delegates["wang"])
    with app.app_context():
        event = db.session.execute(select(Event)).scalar_one()
        # A forum long past (the command erases by the real clock).
        event.starts_on = event.ends_on = date(2001, 6, 1)
        db.session.commit()
    dry = runner.invoke(erase_passport_data_command, ["--dry-run"])
    assert dry.exit_code == 0 and "Would erase the passport data of 1 visa request." in dry.output
    assert visa_request(app, delegates["wang"]).passport_number == WANG_NUMBER
    done = runner.invoke(erase_passport_data_command, [])
    assert "Erased the passport data of 1 visa request." in done.output
    assert visa_request(app, delegates["wang"]).passport_number == ""
    assert "Erased the passport data of 0 visa requests." in runner.invoke(erase_passport_data_command, []).output
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "passport_data_erased")).scalar_one()
        assert entry.actor == "cli:erase-passport-data"


def test_the_visa_pages_are_valid_and_labelled(app, client, delegates):
    passport(app, delegates["wang"])
    sign_in(client, app, StaffRole.VISA)
    for url in ("/visa/", f"/visa/delegates/{delegates['wang']}", f"/visa/delegates/{delegates['waiting']}"):
        assert_valid_and_labelled(page(client.get(url + "?lang=zh")), url)
    assert client.get(f"/visa/delegates/{delegates['none']}").status_code == 404  # asked for no letter
