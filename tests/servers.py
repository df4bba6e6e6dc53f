"""The app under gunicorn on a free loopback port, for tests that go through real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn_server(
    database_url: str,
    instance_path: Path,
    workers: int = 4,
    options: tuple[str, ...] = (),
    environment: dict[str, str] | None = None,
) -> Iterator[str]:
    """Serve `eventapp:create_app()` on the database (with more gunicorn `options`, and
    `environment` over the defaults below); yields the base URL, stops at the end."""
    port = free_port()
    # The load comes from one address here, unlike a real rush: no per-address limits.
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "EVENTAPP_INSTANCE": str(instance_path),
        "RATELIMIT_ENABLED": "0",
        **(environment or {}),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "-c",
            str(PROJECT_ROOT / "eventapp" / "gunicorn_conf.py"),  # threaded workers, as in production
            *options,
            "eventapp:create_app()",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/static/css/site.css", timeout=2).read()  # even with no event
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError(
                        "gunicorn did not start: " + server.stderr.read1().decode(errors="replace")
                    ) from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
