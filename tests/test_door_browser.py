"""The door page in a real browser: Debian's Chromium against the app under gunicorn.

Runs once, on SQLite (the page's behaviour does not depend on the database backend).
Skipped only when /usr/bin/chromium is missing (`make install` brings it).
"""

from __future__ import annotations

import io
import os
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .factories import CHINESE, GERMAN
from .servers import gunicorn_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENDOR = PROJECT_ROOT / "eventapp" / "static" / "vendor"
SYMPOSIUM = "german-enterprise-symposium"
DOOR_EMAIL = "door@forum.test"
PASSWORD = "long-password-123"

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing: install Debian's chromium package"
)


def _prepare_database(url: str) -> dict[str, str]:
    """A migrated database with the demo forum, a door account and delegates; their codes."""
    from flask_migrate import upgrade

    from eventapp import create_app
    from eventapp.demo.forum import seed_demo_forum
    from eventapp.extensions import db
    from eventapp.models import NameOrder, OrganisationType, StaffRole
    from eventapp.services.audit import Actor
    from eventapp.services.registration import DelegateDetails, register
    from eventapp.services.staff import create_user

    def details(base: dict, email: str, **changes) -> DelegateDetails:
        values = {**base, "email": email, **changes}
        values["organisation_type"] = OrganisationType(values["organisation_type"])
        values["native_name_order"] = NameOrder(values.get("native_name_order", "given_first"))
        return DelegateDetails.from_mapping(values)

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    codes = {}
    with app.app_context():
        upgrade()
        event, _ = seed_demo_forum(date.today() + timedelta(days=30))
        create_user(DOOR_EMAIL, StaffRole.DOOR, PASSWORD)
        people = {
            "wang": details(CHINESE, "wang@example.cn"),
            "mueller": details(GERMAN, "mueller@example.de"),
            "schmidt": details(GERMAN, "schmidt@example.de", family_name="Schmidt", given_name="Anna"),
            "zhao": details(CHINESE, "zhao@example.cn", family_name="Zhao", given_name="Lei", name_native="赵磊"),
        }
        for key, person in people.items():
            result = register(event, person, [SYMPOSIUM], actor=Actor.SYSTEM, by_staff=True)
            codes[key] = result.delegate.checkin_code
        # Registered elsewhere only, and first by name: the symposium's door must not admit him.
        elsewhere = details(GERMAN, "aaron@example.de", family_name="Schmidt", given_name="Aaron")
        codes["aaron"] = register(
            event, elsewhere, ["exhibition"], actor=Actor.SYSTEM, by_staff=True
        ).delegate.checkin_code
        db.engine.dispose()
    return codes


@pytest.fixture(scope="module")
def door_server(tmp_path_factory):
    """The app under gunicorn on a free port, with a fresh SQLite database."""
    folder = tmp_path_factory.mktemp("door-browser")
    url = f"sqlite:///{folder / 'eventapp.sqlite3'}"
    codes = _prepare_database(url)
    with gunicorn_server(url, folder / "instance", workers=2) as base:
        yield base, codes


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def open_door(browser, base: str, door: str = SYMPOSIUM, **context_options):
    """A new browser context signed in as door staff, on the door's page."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, **context_options)
    page = context.new_page()
    page.goto(base + "/staff/login")
    page.get_by_label("Email").fill(DOOR_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto(f"{base}/door/{door}")
    return page


def scan_by_keyboard(page, code: str) -> None:
    """What a USB barcode scanner does: types the code into the focused field, then Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_door_staff_scan_a_badge_see_green_then_already_checked_in(browser, door_server):
    from playwright.sync_api import expect

    base, codes = door_server
    page = open_door(browser, base)
    code_field = page.get_by_label("Badge code")
    expect(code_field).to_be_focused()

    scan_by_keyboard(page, codes["wang"])
    answer = page.locator("[data-answer]")
    expect(answer).to_have_class(re.compile(r"\banswer-ok\b"))
    expect(answer).to_contain_text("Checked in")
    expect(answer).to_contain_text("王小明")
    expect(answer).to_contain_text("WANG Xiaoming")
    expect(answer).to_contain_text("北京精工智能装备有限公司")
    expect(page.get_by_role("button", name="Undo this check-in")).to_be_visible()
    expect(code_field).to_have_value("")
    expect(code_field).to_be_focused()  # ready for the next badge

    scan_by_keyboard(page, codes["wang"])
    expect(answer).to_have_class(re.compile(r"\banswer-warning\b"))
    expect(answer).to_contain_text("Already checked in")
    expect(answer).to_contain_text("German Enterprise Symposium")
    expect(page.get_by_role("button", name="Undo this check-in")).to_be_hidden()

    recent = page.locator("[data-recent] li")
    expect(recent).to_have_count(2)
    expect(recent.first).to_contain_text("Already checked in")
    expect(recent.last).to_contain_text("Checked in")

    scan_by_keyboard(page, "NOT-A-CODE")
    expect(answer).to_have_class(re.compile(r"\banswer-error\b"))
    expect(answer).to_contain_text("Unknown code")
    page.context.close()


def test_scans_made_offline_wait_and_are_sent_when_the_connection_returns(browser, door_server):
    from playwright.sync_api import expect

    base, codes = door_server
    page = open_door(browser, base)
    banner = page.locator("[data-offline-banner]")
    answer = page.locator("[data-answer]")
    expect(banner).to_be_hidden()

    page.context.set_offline(True)
    scan_by_keyboard(page, codes["mueller"])
    expect(answer).to_have_class(re.compile(r"\banswer-pending\b"))
    expect(answer).to_contain_text("Saved offline")
    expect(banner).to_have_text("Offline — 1 scan waiting")
    expect(page.locator("[data-recent] li").first).to_contain_text("waiting to be sent")

    page.context.set_offline(False)  # the browser's "online" event sends the waiting scan
    expect(banner).to_be_hidden(timeout=10000)
    expect(answer).to_have_class(re.compile(r"\banswer-ok\b"))  # the panel gets the late answer
    expect(answer).to_contain_text("Müller-Lüdenscheidt")
    first = page.locator("[data-recent] li").first
    expect(first).to_contain_text("Checked in")
    expect(first).to_contain_text("Müller-Lüdenscheidt")
    expect(first).to_contain_text("sent later")

    scan_by_keyboard(page, codes["mueller"])
    expect(answer).to_contain_text("Already checked in")
    page.context.close()


def search_by_name(page, text: str) -> None:
    page.get_by_label("Name or organisation").fill(text)
    page.get_by_label("Name or organisation").press("Enter")


def test_name_search_lists_the_registered_first_with_a_button_and_marks_the_others(browser, door_server):
    from playwright.sync_api import expect

    base, _codes = door_server
    page = open_door(browser, base)
    search_by_name(page, "schmidt")
    results = page.locator("[data-search-results] li")
    expect(results).to_have_count(2)
    expect(page.locator("[data-search-status]")).to_have_text("2 delegates found")
    registered, elsewhere = results.nth(0), results.nth(1)
    expect(registered).to_contain_text("Anna Schmidt")
    expect(registered).to_contain_text("Registered")
    expect(registered.get_by_role("button", name="Check in")).to_be_visible()
    expect(elsewhere).to_contain_text("Aaron Schmidt")
    expect(elsewhere).to_contain_text("Not registered for this session.")
    expect(elsewhere.get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("heading", name="Found, but without a seat at this door:")).to_be_visible()
    # The button is described by the name of whom it checks in.
    button = registered.get_by_role("button", name="Check in")
    assert button.get_attribute("aria-describedby") == registered.locator(".result-name").get_attribute("id")
    page.context.close()


def test_name_search_shows_why_the_server_refused_a_query(browser, door_server):
    from playwright.sync_api import expect

    base, _codes = door_server
    page = open_door(browser, base)
    page.get_by_label("Name or organisation").evaluate("(field) => { field.value = 'wang\\u0000' }")
    page.get_by_label("Name or organisation").press("Enter")
    status = page.locator("[data-search-status]")
    expect(status).to_contain_text("cannot be stored")
    expect(status).to_have_class(re.compile(r"\bsearch-problem\b"))
    expect(page.locator("[data-search-results] li")).to_have_count(0)
    page.context.close()


def test_name_search_checks_in_a_delegate_without_a_badge_and_undo_takes_it_back(browser, door_server):
    from playwright.sync_api import expect

    base, codes = door_server
    page = open_door(browser, base)
    search_by_name(page, "anna schmidt")
    result = page.locator("[data-search-results] li")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("Anna Schmidt")
    expect(result).to_contain_text("Registered")
    result.get_by_role("button", name="Check in").focus()
    page.keyboard.press("Enter")

    answer = page.locator("[data-answer]")
    expect(answer).to_have_class(re.compile(r"\banswer-ok\b"))
    expect(answer).to_contain_text("Anna Schmidt")
    expect(page.get_by_label("Badge code")).to_be_focused()

    # Found again, she is shown as checked in, with no second button.
    search_by_name(page, "anna schmidt")
    expect(result).to_contain_text("Already checked in at")
    expect(result.get_by_role("button")).to_have_count(0)

    page.get_by_role("button", name="Undo this check-in").click()
    expect(answer).to_contain_text("Check-in undone.")
    expect(page.locator("[data-recent] li").first).to_contain_text("Undone")
    scan_by_keyboard(page, codes["schmidt"])
    expect(answer).to_have_class(re.compile(r"\banswer-ok\b"))
    page.context.close()


def _qr_video(code: str, path: Path) -> Path:
    """A Y4M video of a badge's QR code, for Chromium's fake camera."""
    import segno
    from PIL import Image

    png = io.BytesIO()
    segno.make_qr(code).save(png, kind="png", scale=10, border=4)
    qr = Image.open(io.BytesIO(png.getvalue())).convert("L")
    frame = Image.new("L", (640, 480), 255)
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    # Black and white only: the luma plane is the picture, the chroma planes are neutral.
    chroma = bytes([128]) * (320 * 240)
    with path.open("wb") as video:
        video.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(10):
            video.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


def test_camera_reads_the_badge_qr_with_the_reader_served_from_static(playwright, door_server, tmp_path):
    from playwright.sync_api import expect

    if not (VENDOR / "zxing-wasm" / "zxing_reader.wasm").exists():
        pytest.skip("eventapp/static/vendor/ is empty: run `npm ci && npm run vendor` (make install)")
    base, codes = door_server
    video = _qr_video(codes["zhao"], tmp_path / "badge.y4m")
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS
        + [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        page = open_door(browser, base, permissions=["camera"])
        native_reader = page.evaluate("'BarcodeDetector' in window")
        elsewhere, loaded = [], []
        page.on("requestfinished", lambda request: loaded.append(urlsplit(request.url).path))
        page.context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if urlsplit(route.request.url).hostname == "127.0.0.1"
                else (elsewhere.append(route.request.url), route.abort())
            ),
        )
        page.get_by_role("button", name="Scan with camera").click()
        answer = page.locator("[data-answer]")
        expect(answer).to_have_class(re.compile(r"\banswer-ok\b"), timeout=20000)
        expect(answer).to_contain_text("赵磊")
        expect(page.get_by_role("button", name="Stop camera")).to_be_visible()
        page.wait_for_timeout(1500)  # the badge stays in front of the camera: still one scan
        expect(page.locator("[data-recent] li")).to_have_count(1)
        page.get_by_role("button", name="Stop camera").click()
        expect(page.locator("[data-camera]")).to_be_hidden()
        assert elsewhere == []
        if not native_reader:  # Chromium on Linux has none: the polyfill's wasm came from us
            assert "/static/vendor/zxing-wasm/zxing_reader.wasm" in loaded
    finally:
        browser.close()
