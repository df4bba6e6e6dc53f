"""Two app servers (separate instance folders) on one PostgreSQL and one Redis, with one
background consumer, as in production: a sign-in made on one server holds on the other, a
print batch started on one is downloaded from the other, and the sign-in limit is shared.

Runs on its own throwaway PostgreSQL database and Redis database 7; skipped, saying why,
when either is unreachable.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import pytest
import requests
from pypdf import PdfReader

from .conftest import POSTGRES_ADMIN_URL, _migrate, _postgres_admin_connection
from .factories import CHINESE, GERMAN
from .servers import gunicorn_server

REDIS_URL = "redis://127.0.0.1:6379/7"
ORGANISER, PASSWORD = "organiser@two.test", "a long organiser password"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _redis_or_skip():
    import redis

    try:
        connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        connection.flushdb()
    except redis.RedisError as error:
        pytest.skip(f"Redis at {REDIS_URL} is unreachable ({error}): start it to run this test")


def _prepare(url: str) -> None:
    """The demo forum on a fixed day, an organiser and five delegates with confirmed seats."""
    from eventapp import create_app
    from eventapp.demo.forum import seed_demo_forum
    from eventapp.extensions import db
    from eventapp.models import NameOrder, OrganisationType, StaffRole
    from eventapp.services.audit import Actor
    from eventapp.services.registration import DelegateDetails, register_many
    from eventapp.services.staff import create_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        event, _ = seed_demo_forum(date(2030, 6, 4))
        create_user(ORGANISER, StaffRole.ORGANISER, PASSWORD)
        people = []
        for number, base in enumerate([GERMAN, CHINESE] * 2 + [GERMAN]):
            values = {**base, "email": f"two{number}@example.de"}
            values["organisation_type"] = OrganisationType(values["organisation_type"])
            values["native_name_order"] = NameOrder(values.get("native_name_order", "given_first"))
            people.append(DelegateDetails.from_mapping(values))
        register_many(event, people, ["exhibition"], actor=Actor.SYSTEM, by_staff=True)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    _redis_or_skip()
    try:
        admin = _postgres_admin_connection()
    except Exception as error:  # noqa: BLE001 - any failure to connect means: skip, loudly
        pytest.skip(f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable ({error})")
    name = f"eventapp_two_{secrets.token_hex(4)}"
    admin.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    admin.close()
    url = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    shared = {
        "SECRET_KEY": secrets.token_hex(32),  # the same on both, as README's Deployment says
        "REDIS_URL": REDIS_URL,
        "EVENTAPP_SINGLE_SERVER": "0",  # fully configured: the refusal must not trigger
        "RATELIMIT_ENABLED": "1",
        "LOGIN_RATE_LIMIT": "4 per minute",
        "PRERENDER_DOCUMENTS": "0",
        "MAIL_SEND_AFTER_COMMIT": "0",
    }
    try:
        _migrate(url)
        _prepare(url)
        with ExitStack() as stack:
            folders = [tmp_path_factory.mktemp(f"server{n}") for n in (1, 2)]
            bases = [
                stack.enter_context(gunicorn_server(url, folder, workers=2, environment=shared)) for folder in folders
            ]
            consumer_folder = tmp_path_factory.mktemp("consumer")
            env = {**os.environ, **shared, "DATABASE_URL": url, "EVENTAPP_INSTANCE": str(consumer_folder)}
            consumer = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("huey_consumer")),
                    "eventapp.tasks.huey",
                    "-w",
                    "1",
                    "-k",
                    "process",
                ],
                cwd=Path(__file__).resolve().parent.parent,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            stack.callback(lambda: (consumer.terminate(), consumer.wait(timeout=30)))
            yield bases
    finally:
        with _postgres_admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def csrf_token(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=30)
    assert page.status_code == 200, url
    return CSRF.search(page.text).group(1)


def sign_in(browser: requests.Session, base: str, password: str = PASSWORD) -> requests.Response:
    token = csrf_token(browser, f"{base}/staff/login")
    return browser.post(
        f"{base}/staff/login",
        data={"email": ORGANISER, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )


def test_a_sign_in_on_one_server_holds_on_the_other(two_servers):
    first, second = two_servers
    browser = requests.Session()
    assert sign_in(browser, first).status_code == 302
    assert browser.get(f"{second}/admin/", allow_redirects=False, timeout=30).status_code == 200
    # Signing out on the second ends the sign-in on the first too (it is kept in the database).
    token = csrf_token(browser, f"{second}/admin/")
    browser.post(f"{second}/staff/logout", data={"csrf_token": token}, timeout=30)
    assert browser.get(f"{first}/admin/", allow_redirects=False, timeout=30).status_code == 302


def test_a_print_batch_started_on_one_server_is_downloaded_from_the_other(two_servers):
    first, second = two_servers
    browser = requests.Session()
    assert sign_in(browser, first).status_code == 302
    token = csrf_token(browser, f"{first}/admin/badges")
    started = browser.post(
        f"{first}/admin/badges",
        data={"session": "exhibition", "organisation_type": "", "sheet": "a6", "csrf_token": token},
        allow_redirects=False,
        timeout=60,
    )
    assert started.status_code in (302, 303), started.text[:300]
    job_id = int(re.search(r"/badges/jobs/(\d+)", started.headers["Location"]).group(1))
    deadline = time.monotonic() + 120
    while True:  # the consumer, not either server, makes it
        state = browser.get(f"{second}/admin/badges/jobs/{job_id}.json", timeout=30).json()
        if state["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert state["status"] == "done", state
    pdf = browser.get(f"{second}/admin/badges/jobs/{job_id}/badges.pdf", timeout=60)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 5  # one A6 page per delegate


def test_the_sign_in_limit_is_one_budget_for_both_servers(two_servers):
    first, second = two_servers
    answers = [
        sign_in(requests.Session(), base, password="wrong password").status_code
        for base in (first, second, first, second)
    ]
    assert answers == [401, 401, 401, 401]
    # The fifth failed attempt from this address within the minute is refused, on either server.
    assert sign_in(requests.Session(), first, password="wrong password").status_code == 429
    assert sign_in(requests.Session(), second).status_code == 429
