"""Chinese, German and English everywhere: the language chosen, translated pages, PDFs and
door answers, local formats, and Chinese names written, suggested and searched right."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Delegate, StaffRole

from .factories import CHINESE, GERMAN, form_data, person, register_by_api
from .staff_helpers import sign_in, staff_urls

HTML_LANG = {"en": "en", "de": "de", "zh": "zh-CN"}


def translated(app, language: str, message: str, **variables) -> str:
    """What the catalogue says for `message` in `language`; for zh and de it must be a real
    translation, not the English text falling through."""
    with app.test_request_context(), force_locale(language):
        text = gettext(message, **variables)
    if language != "en":
        assert text != gettext(message, **variables) or not re.search("[A-Za-z]{3}", message), (
            f"{message!r} has no {language} translation"
        )
    return text


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def visible_text(response) -> str:
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))


def private_path(response) -> str:
    return "/" + response.json["manage_url"].split("/", 3)[3]


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


# ---- which language ----


def test_language_comes_from_the_switcher_then_the_delegate_then_the_browser_then_english(client, forum):
    assert html_lang(client.get("/").get_data(as_text=True)) == "en"
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)) == "de"
    # A German-speaking delegate's private page is German, even in a browser set to Chinese...
    path = private_path(register_by_api(client, ["exhibition"], base=GERMAN))
    assert html_lang(client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)) == "de"
    # ...until they choose another language with the switcher, which is remembered.
    client.get("/language/zh")
    assert html_lang(client.get(path).get_data(as_text=True)) == "zh-CN"
    assert html_lang(client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)) == "zh-CN"


def test_a_page_opened_with_lang_keeps_its_language_for_the_form_that_follows(app, client, forum):
    client.get("/register?lang=de")
    response = client.post("/register", data={"email": "x"})
    assert html_lang(response.get_data(as_text=True)) == "de"
    assert translated(app, "de", "Your consent is needed to register.") in response.get_data(as_text=True)
    # A PDF asked for in a language is not a choice of the page language (and sets no cookie).
    first = client.get("/agenda.pdf?lang=zh")
    assert "Set-Cookie" not in first.headers
    again = client.get("/agenda.pdf?lang=zh", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and "Set-Cookie" not in again.headers  # shared caches keep it
    assert html_lang(client.get("/").get_data(as_text=True)) == "de"


def test_personal_agenda_is_in_the_delegates_language_unless_another_is_asked(client, app, forum, tmp_path):
    path = private_path(register_by_api(client, ["exhibition"], base=CHINESE))
    chinese = pdf_text(client.get(path + "/agenda.pdf").data, tmp_path)
    assert translated(app, "zh", "Personal agenda") in chinese  # (the kicker is set in capitals)
    german = pdf_text(client.get(path + "/agenda.pdf?lang=de").data, tmp_path)
    assert translated(app, "de", "Personal agenda").upper() in german.upper()


# ---- every page, translated ----


@pytest.mark.parametrize("language", ["zh", "de", "en"])
def test_every_staff_page_renders_in_each_language(app, client, forum, language):
    sign_in(client, app, StaffRole.ADMIN)
    client.get(f"/language/{language}")
    nav_label = translated(app, language, "Delegates")
    for endpoint, method, path in staff_urls(app):
        if method != "GET":
            continue
        response = client.get(path)
        assert response.status_code in (200, 404, 422), (endpoint, path)
        if response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            assert html_lang(page) == HTML_LANG[language], (endpoint, path)
            assert response.status_code == 404 or nav_label in page, (endpoint, path)


@pytest.mark.parametrize("language", ["zh", "de"])
def test_public_pages_form_errors_and_error_pages_are_translated(app, client, forum, language):
    client.get(f"/language/{language}")
    programme = client.get("/").get_data(as_text=True)
    assert translated(app, language, "Register now") in programme
    errors = client.post("/register", data={"email": "x"}).get_data(as_text=True)
    assert translated(app, language, "Your consent is needed to register.") in errors
    required = {"zh": "该字段是必填字段", "de": "Dieses Feld wird benötigt"}[language]  # WTForms' own
    assert required in errors
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert translated(app, language, "Page not found") in missing.get_data(as_text=True)


@pytest.mark.parametrize("language", ["zh", "de", "en"])
def test_door_answers_in_the_door_staffs_language(app, client, forum, language):
    sign_in(client, app, StaffRole.DOOR)
    client.get(f"/language/{language}")
    code = unknown = "ZZZZZZZZZZZZ"
    answer = client.post("/api/v1/checkins", json={"code": code, "session": "exhibition", "scan_id": f"s-{language}"})
    assert answer.json["status"] == "invalid"
    assert answer.json["message"] == translated(
        app, language, "No delegate of this event has this code: check it, or find them by name."
    ), unknown


@pytest.mark.parametrize("language", ["zh", "de", "en"])
def test_badge_labels_follow_the_delegates_language(app, client, forum, language, tmp_path):
    base = {**GERMAN, "language": language}
    path = private_path(register_by_api(client, ["exhibition"], base=base))
    text = pdf_text(client.get(path + "/badge.pdf").data, tmp_path)
    assert "Jürgen" in text and "Müller-Lüdenscheidt".upper() in text.upper()
    assert translated(app, language, "Enterprise").upper() in text.upper()


# ---- local formats ----


def test_dates_times_and_lists_use_the_languages_formats(app, client):
    from eventapp.demo.forum import seed_demo_forum

    with app.app_context():  # a fixed day, so that the expected words do not depend on today
        seed_demo_forum(date(2024, 12, 26))
    chinese = client.get("/?lang=zh").get_data(as_text=True)
    german = client.get("/?lang=de").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "2024年12月26日" in chinese and "26. Dezember 2024" in german and "December 26, 2024" in english
    assert "09:00" in chinese and "09:00" in german
    # The event's time zone is named.
    assert "中国" in chinese and "Chinesische" in german and "China" in english
    from eventapp.i18n import format_list

    with app.test_request_context("/?lang=de"):
        assert format_list(["Titel", "Raum", "Beschreibung"]) == "Titel, Raum und Beschreibung"
    with app.test_request_context("/?lang=zh"):
        assert format_list(["标题", "地点"]) == "标题和地点"


# ---- names ----


def test_pinyin_is_suggested_when_the_latin_name_is_left_empty(app, client, forum):
    data = form_data(person(CHINESE, family_name="", given_name="", name_native="欧阳娜娜"), ["exhibition"])
    first = client.post("/register?lang=en", data=data)
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "filled in from the Chinese characters: OUYANG Nana" in page
    assert 'value="Ouyang"' in page and 'value="Nana"' in page and 'value="欧阳娜娜"' in page
    with app.app_context():
        assert db.session.execute(select(Delegate)).first() is None  # nothing saved before checking
    # The delegate checks the suggestion and sends the form again.
    data.update(family_name="Ouyang", given_name="Nana")
    assert client.post("/register?lang=en", data=data).status_code == 302
    with app.app_context():
        delegate = db.session.execute(select(Delegate)).scalar_one()
        assert (delegate.latin_name, delegate.display_name) == ("OUYANG Nana", "欧阳娜娜 (OUYANG Nana)")


def test_api_fills_in_pinyin_when_the_latin_name_is_missing(app, client, forum):
    response = register_by_api(client, ["exhibition"], base=CHINESE, family_name="", given_name="")
    assert response.status_code == 201, response.json
    with app.app_context():
        delegate = db.session.execute(select(Delegate)).scalar_one()
        assert (delegate.family_name, delegate.given_name) == ("Wang", "Xiaoming")


def test_without_chinese_characters_the_latin_name_stays_required(client, forum):
    data = form_data(person(GERMAN, family_name="", given_name=""), ["exhibition"])
    response = client.post("/register?lang=en", data=data)
    assert response.status_code == 422 and "This field is required." in response.get_data(as_text=True)


def test_names_are_written_the_way_each_person_writes_them(app, client, forum):
    chinese = private_path(register_by_api(client, ["exhibition"], base=CHINESE))
    german = private_path(register_by_api(client, ["exhibition"], base=GERMAN))
    assert "王小明 (WANG Xiaoming)" in visible_text(client.get(chinese + "?lang=en"))
    assert "Jürgen Müller-Lüdenscheidt" in visible_text(client.get(german + "?lang=en"))
    sign_in(client, app, StaffRole.ORGANISER)
    listing = client.get("/admin/delegates?lang=en&sort=name").get_data(as_text=True)
    # Family name first in Chinese characters, sorted by pinyin: Müller-Lüdenscheidt before Wang.
    assert "王小明" in listing and listing.index("Müller-Lüdenscheidt") < listing.index("王小明")


def test_surnames_take_their_surname_reading():
    from eventapp.names import sort_name, suggest_latin_name

    assert suggest_latin_name("曾小明") == ("Zeng", "Xiaoming")  # not "Ceng", as in 曾经
    assert suggest_latin_name("单田芳") == ("Shan", "Tianfang")
    assert suggest_latin_name("欧阳娜娜") == ("Ouyang", "Nana")
    assert sort_name("", "", "解缙").startswith("xie ")


def test_names_lose_line_breaks_and_control_characters(app, client, forum):
    response = register_by_api(
        client,
        ["exhibition"],
        base=GERMAN,
        given_name="Jürgen\r\nBcc: x@example.com",
        organisation="Weiß\t& Söhne\x07 GmbH",
    )  # NUL: refused (test_hostile_input)
    assert response.status_code == 201
    with app.app_context():
        delegate = db.session.execute(select(Delegate)).scalar_one()
        assert delegate.given_name == "Jürgen Bcc: x@example.com" and delegate.organisation == "Weiß & Söhne GmbH"
