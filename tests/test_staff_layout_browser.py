"""The back office laid out in a real browser (Debian's Chromium, the app under gunicorn):
the menu on one line at 1280 px in every language, a 200-character name kept on screen,
and the add-session choice wide enough for the longest title.

Runs once, on SQLite (layout does not depend on the database backend).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from .factories import GERMAN
from .servers import gunicorn_server

CHROMIUM = "/usr/bin/chromium"
ADMIN_EMAIL = "layout.admin@forum.test"
PASSWORD = "long-password-123"
LONG_NAME = "Donaudampfschifffahrtsgesellschaftskapitänswitwe" * 2
LONG_ORGANISATION = "Hochleistungspräzisionsmaschinenbauvertriebsgesellschaft" * 3

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing")


def _prepare_database(url: str) -> int:
    """The demo forum on a fixed day, an admin and one delegate with a very long name; its id."""
    from flask_migrate import upgrade

    from eventapp import create_app
    from eventapp.demo.forum import seed_demo_forum
    from eventapp.extensions import db
    from eventapp.models import NameOrder, OrganisationType, StaffRole
    from eventapp.services.audit import Actor
    from eventapp.services.registration import DelegateDetails, register
    from eventapp.services.staff import create_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        event, _ = seed_demo_forum(date(2030, 6, 4))
        create_user(ADMIN_EMAIL, StaffRole.ADMIN, PASSWORD)
        values = {**GERMAN, "email": "lang@example.de", "family_name": LONG_NAME, "organisation": LONG_ORGANISATION}
        values["organisation_type"] = OrganisationType(values["organisation_type"])
        values["native_name_order"] = NameOrder.GIVEN_FIRST
        result = register(
            event, DelegateDetails.from_mapping(values), ["exhibition"], actor=Actor.SYSTEM, by_staff=True
        )
        delegate_id = result.delegate.id
        db.session.remove()
        db.engine.dispose()
    return delegate_id


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("layout")
    url = f"sqlite:///{folder / 'layout.sqlite3'}"
    delegate_id = _prepare_database(url)
    with gunicorn_server(url, folder, workers=2) as base:
        yield base, delegate_id


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(site, browser):
    base, _ = site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(f"{base}/staff/login?lang=en")
    tab.fill("#email", ADMIN_EMAIL)
    tab.fill("#password", PASSWORD)
    tab.click("main button[type=submit]")
    tab.wait_for_url(lambda url: "/staff/login" not in url)
    yield tab
    context.close()


@pytest.mark.parametrize("language", ["de", "en", "zh"])
def test_the_staff_menu_stays_on_one_line_at_1280_px(site, page, language):
    base, _ = site
    page.goto(f"{base}/admin/delegates?lang={language}")
    middles = page.eval_on_selector_all(
        ".staff-nav a, .signout button",
        "elements => elements.map(e => { const box = e.getBoundingClientRect(); return Math.round(box.top + box.height / 2); })",
    )
    assert len(middles) == 11  # ten pages (with invitations) and "Sign out"
    assert max(middles) - min(middles) <= 4, f"the menu wraps in {language}: {middles}"


def test_a_200_character_name_does_not_push_the_delegates_table_off_screen(site, page):
    base, _ = site
    page.goto(f"{base}/admin/delegates?lang=de")
    assert page.get_by_text(LONG_ORGANISATION).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    right = page.eval_on_selector("table.table", "t => t.getBoundingClientRect().right")
    assert right <= 1280
    # The short columns stay whole words: "Deutschland" is not cut into "Deutsch-land".
    lines = page.get_by_role("cell", name="Deutschland").evaluate(
        "cell => { const range = document.createRange(); range.selectNodeContents(cell); return range.getClientRects().length; }"
    )
    assert lines == 1


def test_the_add_session_choice_shows_the_longest_title_whole(site, page):
    base, delegate_id = site
    page.goto(f"{base}/admin/delegates/{delegate_id}?lang=de")
    room = page.eval_on_selector(
        "#add-session",
        """select => {
            const probe = document.createElement("span");
            probe.style.font = getComputedStyle(select).font;  // measured, never shown
            probe.style.position = "absolute";
            document.body.append(probe);
            const widest = Math.max(...[...select.options].map(o => { probe.textContent = o.text; return probe.offsetWidth; }));
            probe.remove();
            return {widest, inner: select.clientWidth};
        }""",
    )
    # The text plus the padding and the arrow (about 2.5rem) fits.
    assert room["inner"] >= room["widest"] + 30, room
