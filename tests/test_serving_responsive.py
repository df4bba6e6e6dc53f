"""Issue 14: gunicorn as `make run` starts it stays responsive when a browser holds idle
connections (Chromium keeps a spare socket or two open after showing a page or a PDF and
sends nothing on it), and PDFs render one at a time in a process while threads serve the
rest. The image and the app servers of compose.yaml start gunicorn with the same settings."""

from __future__ import annotations

import json
import re
import shlex
import socket
import threading
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import yaml

from eventapp.services import pdf
from eventapp.services.printing import render

from .conftest import _migrate
from .servers import gunicorn_server

ROOT = Path(__file__).resolve().parent.parent
APP = "eventapp:create_app()"
# More than `make run`'s two workers: Chromium left two to four open per run of PDF tabs.
IDLE_CONNECTIONS = 6


def gunicorn_options(words: list[str]) -> list[str]:
    """gunicorn's options in a command line after `gunicorn`, without the app, the workers
    and the address (tests/servers.py gives those)."""
    assert words[-1] == APP, words
    options, words = [], words[:-1]
    while words:
        word = words.pop(0)
        if word in ("-w", "--workers", "-b", "--bind"):
            words.pop(0)
        else:
            options.append(word)
    return options


def make_run_options() -> list[str]:
    run_target = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    line = next(line for line in run_target.splitlines() if "$(BIN)/gunicorn " in line)
    return gunicorn_options(shlex.split(line.split("$(BIN)/gunicorn ", 1)[1]))


def image_options() -> list[str]:
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    (command,) = re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    words = json.loads(command)
    assert words[0] == "gunicorn"
    return gunicorn_options(words[1:])


def test_make_run_the_image_and_the_compose_servers_start_gunicorn_alike():
    options = make_run_options()
    assert "eventapp/gunicorn_conf.py" in options and options[options.index("eventapp/gunicorn_conf.py") - 1] == "-c"
    assert image_options() == options
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    for name in ("app1", "app2"):  # the image's command, or one with the same settings
        command = services[name].get("command")
        assert command is None or gunicorn_options(command[1:]) == options


@pytest.fixture
def served_like_make_run(tmp_path):
    """The demo forum (no page rendered yet) served by two gunicorn workers with the options
    of `make run`."""
    from eventapp import create_app
    from eventapp.demo.forum import seed_demo_forum
    from eventapp.extensions import db

    url = f"sqlite:///{tmp_path / 'eventapp.sqlite3'}"
    _migrate(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        seed_demo_forum(date.today() + timedelta(days=30))
        db.engine.dispose()
    options = [*make_run_options()]
    options[options.index("--access-logfile") + 1] = str(tmp_path / "access.log")
    environment = {"PRERENDER_DOCUMENTS": "0"}
    with gunicorn_server(
        url, tmp_path / "instance", workers=2, options=tuple(options), environment=environment
    ) as base:
        yield base


def test_a_page_and_a_pdf_are_answered_while_a_browser_holds_idle_connections(served_like_make_run):
    """With sync workers each idle connection held a worker until gunicorn killed it 30 s
    later (WORKER TIMEOUT, "no URI read"): the page below waited for that."""
    base = served_like_make_run
    address = urlsplit(base)
    idle = [socket.create_connection((address.hostname, address.port)) for _ in range(IDLE_CONNECTIONS)]
    try:
        time.sleep(1)  # the workers have accepted them
        started = time.monotonic()
        page = urllib.request.urlopen(base + "/", timeout=10).read().decode()
        assert time.monotonic() - started < 5
        assert "<h1" in page
        programme = urllib.request.urlopen(base + "/agenda.pdf", timeout=25)  # rendered now, cold
        assert programme.headers["Content-Type"] == "application/pdf"
        assert programme.read().startswith(b"%PDF")
    finally:
        for connection in idle:
            connection.close()


def test_pdfs_render_one_at_a_time_in_a_process(monkeypatch):
    """gunicorn's threads may ask for a programme and a badge at once: WeasyPrint and the
    caches of printing/ see one rendering at a time."""
    inside, most = 0, 0
    count = threading.Lock()

    def busy(result):
        def step(*args, **kwargs):
            nonlocal inside, most
            with count:
                inside += 1
                most = max(most, inside)
            time.sleep(0.5)  # long enough for the other threads to arrive
            with count:
                inside -= 1
            return result

        return step

    monkeypatch.setattr(pdf, "distinct_subset_tags", busy(None))  # html_to_pdf's finishing step
    monkeypatch.setattr(render, "_render", busy(SimpleNamespace(pages=[])))  # render_badges' layout
    pdf.html_to_pdf("<p>warm</p>")  # fonts loaded: the threads below only render
    most = 0
    results: list[object] = []
    jobs = [lambda: pdf.html_to_pdf("<p>Programme</p>")] * 2 + [lambda: render.render_badges([])] * 2
    threads = [threading.Thread(target=lambda job=job: results.append(job())) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == len(jobs)
    assert most == 1
