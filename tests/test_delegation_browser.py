"""A contact person in a real browser (Debian's Chromium, the app under gunicorn): registers a
group of three on the delegation form, lands on the contact page, hands one seat to a
colleague, and sees the colleague there. No JavaScript is needed for any of it.

Runs once, on SQLite (the pages do not depend on the database backend). With
EVENTAPP_SCREENSHOTS=1 the contact page is saved as docs/delegation.png (1280 px wide) for
the README.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from .servers import gunicorn_server

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "delegation.png"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing")

PEOPLE = [
    {
        "family_name": "Wang",
        "given_name": "Xiaoming",
        "name_native": "王小明",
        "position": "总经理",
        "email": "wang@ahk.example.cn",
    },
    {"family_name": "Müller", "given_name": "Jürgen", "position": "Vorstand", "email": "mueller@ahk.example.de"},
    {"family_name": "Schmidt", "given_name": "Anna", "position": "Referentin", "email": "schmidt@ahk.example.de"},
]


def _prepare_database(url: str) -> None:
    """The demo forum as it is loaded, on a fixed day (registration open)."""
    from flask_migrate import upgrade

    from eventapp import create_app
    from eventapp.demo.forum import seed_demo_forum
    from eventapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        seed_demo_forum(date(2030, 6, 4))
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("delegation-browser")
    url = f"sqlite:///{folder / 'delegation.sqlite3'}"
    _prepare_database(url)
    with gunicorn_server(url, folder, workers=2) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def person_rows(page, name: str):
    """A person's rows on the contact page: their sessions and statuses."""
    return page.locator("tbody", has=page.get_by_role("rowheader", name=re.compile(re.escape(name))))


def test_contact_registers_a_group_of_three_and_hands_a_seat_to_a_colleague(site, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/register?lang=en")
    page.get_by_role("link", name="Register them as a delegation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a delegation")
    expect(page.get_by_role("group", name="Person 3")).to_be_visible()
    page.get_by_role("button", name="Add a person").click()  # one more row, without JavaScript
    expect(page.get_by_role("group", name="Person 4")).to_be_visible()

    page.fill("#contact-family_name", "Schneider")
    page.fill("#contact-given_name", "Petra")
    page.fill("#contact-email", "petra.schneider@ahk.example.de")
    page.fill("#contact-organisation", "AHK Greater China")
    page.select_option("#contact-organisation_type", "chamber")
    page.select_option("#contact-country", "DE")
    for index, person in enumerate(PEOPLE):
        for name, value in person.items():
            page.fill(f"#people-{index}-{name}", value)
    page.get_by_label("German Enterprise Symposium").check()
    page.get_by_label("Special Exhibition of Hidden Champions").check()
    page.get_by_label("One by one", exact=False).check()
    page.get_by_label("Every person named here has agreed", exact=False).check()
    page.get_by_role("button", name="Register the delegation").click()

    page.wait_for_url(lambda url: "/g/" in url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Delegation of AHK Greater China")
    expect(page.get_by_role("heading", name="3 people")).to_be_visible()
    for name in ("王小明 (WANG Xiaoming)", "Jürgen Müller", "Anna Schmidt"):
        expect(page.get_by_role("rowheader", name=re.compile(re.escape(name)))).to_be_visible()

    page.get_by_role(
        "link", name=re.compile(r"^Hand over to a colleague\W+Jürgen Müller, German Enterprise Symposium$")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hand over the place of Jürgen Müller")
    page.fill("#family_name", "Becker")
    page.fill("#given_name", "Lena")
    page.fill("#position", "Leiterin Delegationsreisen")
    page.fill("#email", "becker@ahk.example.de")
    page.get_by_role("button", name="Hand over the place").click()

    page.wait_for_url(lambda url: "/g/" in url and "substitute" not in url)
    expect(page.get_by_role("status")).to_contain_text("Lena Becker now holds the place in German Enterprise Symposium")
    becker = person_rows(page, "Lena Becker")
    expect(becker).to_contain_text("German Enterprise Symposium")
    expect(becker).to_contain_text("Application received")
    mueller = person_rows(page, "Jürgen Müller")
    expect(mueller).to_contain_text("Exhibition")
    expect(mueller).not_to_contain_text("German Enterprise Symposium")
    expect(page.get_by_role("heading", name="4 people")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    if os.environ.get("EVENTAPP_SCREENSHOTS") == "1":  # refreshes the README's picture; tests leave the tree alone
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    else:
        assert page.screenshot(full_page=True)
    context.close()
