"""What the benchmarks share: a fresh database, the app migrated and seeded in it, gunicorn
on loopback, an HTTP client that times each request, and the figures printed the same way.

Everything a benchmark starts is stopped again on the way out, also on Ctrl-C or an error:
gunicorn is terminated and a PostgreSQL database is dropped WITH (FORCE).
"""

from __future__ import annotations

import http.client
import json
import math
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import psycopg

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = PROJECT_ROOT / "bench" / "out"
HOST = "127.0.0.1"
POSTGRES_ADMIN_URL = f"postgresql://postgres@{HOST}:5432/test"
POSTGRES_BASE_URL = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
BACKENDS = ("postgresql", "sqlite")
STATIC_PATH = "/static/css/site.css"  # a request that does no work


def run(main: Callable[[], int]) -> NoReturn:
    """Run a benchmark's main() and exit with its status. Ctrl-C and SIGTERM unwind it, so
    every `finally` stops what it started (gunicorn, the database) before the exit."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        status = main()
    except KeyboardInterrupt:
        print("\nInterrupted; what the benchmark started is stopped, its database dropped.", file=sys.stderr)
        status = 130
    sys.exit(status)


# --- Databases -------------------------------------------------------------------------


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one run; dropped at the end whatever happens."""
    name = f"bench_{prefix}_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        raise SystemExit(f"PostgreSQL at {POSTGRES_ADMIN_URL} cannot be reached: {error}") from None
    with admin:
        admin.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    try:
        yield f"{POSTGRES_BASE_URL}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    """A SQLite file in the run's temporary directory (removed with it)."""
    yield "sqlite:///" + str(workdir / "bench.sqlite3")


def query(database_url: str, sql: str, params: Sequence = ()) -> list[tuple]:
    """Read the database directly, not through the app: the figures the app cannot fake.
    Parameters are written %s on both backends."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url[len("sqlite:///") :], timeout=30) as connection:
            return connection.execute(sql.replace("%s", "?"), params).fetchall()
    with psycopg.connect(database_url, connect_timeout=5) as connection:
        return connection.execute(sql, params).fetchall()


# --- The app ---------------------------------------------------------------------------


@dataclass
class App:
    """The app configured for one database, with its own instance folder."""

    backend: str
    database_url: str
    instance: Path
    root: Path = PROJECT_ROOT  # the folder served: eventapp's, or a baseline's copy
    ready_path: str = STATIC_PATH  # answers 200 once a worker serves

    @property
    def venv_bin(self) -> Path:
        return self.root / ".venv" / "bin"

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(DATABASE_URL=self.database_url, EVENTAPP_INSTANCE=str(self.instance))
        env.pop("REDIS_URL", None)  # rate-limit counters stay in each worker's memory
        env["RATELIMIT_ENABLED"] = "0"  # the load comes from one address, a real rush from many
        env["EVENTAPP_SINGLE_SERVER"] = "1"  # one server: its key and queue stay in its instance/
        return env

    def flask(self, *args: str, stdin: str | None = None) -> str:
        """Run `flask --app eventapp ARGS`; its output, or the command's error on failure."""
        completed = subprocess.run(
            [str(self.venv_bin / "flask"), "--app", "eventapp", *args],
            cwd=self.root,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if completed.returncode != 0:
            raise RuntimeError(
                f"flask {' '.join(args)} failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}"
            )
        return completed.stdout

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        return query(self.database_url, sql, params)


@contextmanager
def demo_app(backend: str, prefix: str) -> Iterator[App]:
    """A fresh database of `backend` ("postgresql" or "sqlite"), migrated, with the demo
    forum loaded (registration open: the forum is 30 days ahead) and its symposium first
    come, first served (the demo takes applications for it), so a burst fights for seats."""
    with tempfile.TemporaryDirectory(prefix=f"eventapp-bench-{prefix}-") as workdir:
        workdir = Path(workdir)
        database = postgres_database(prefix) if backend == "postgresql" else sqlite_database(workdir)
        with database as database_url:
            app = App(backend, database_url, workdir / "instance")
            step(f"{backend}: migrating and loading the demo forum")
            app.flask("db", "upgrade")
            app.flask("seed-demo")
            app.flask("session-access", "german-enterprise-symposium", "open")
            yield app


# --- The baselines (../shared/baselines: read-only, so each is copied and installed) ---

BASELINES = PROJECT_ROOT.parent / "shared" / "baselines"
BASELINE_COPIES = OUT_DIR / "baselines"


def installed_baseline(name: str) -> Path:
    """A copy of ../shared/baselines/NAME with `make install` done in it, kept in
    bench/out/baselines/ for the next run; copied and installed again when the
    reference changed (or the copy is incomplete)."""
    source = BASELINES / name
    if not source.is_dir():
        raise SystemExit(f"The baseline {source} is missing: see ../shared/baselines/README.md")
    copy = BASELINE_COPIES / name
    stamp = copy / ".installed"
    fingerprint = baseline_fingerprint(source)
    if stamp.exists() and stamp.read_text() == fingerprint:
        return copy
    step(f"copying {name} from {BASELINES} and running make install there")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(".venv", "__pycache__", "instance"))
    completed = subprocess.run(["make", "install"], cwd=copy, capture_output=True, text=True, timeout=900)
    if completed.returncode != 0:
        raise SystemExit(f"make install failed for the baseline {name}:\n{completed.stdout}{completed.stderr}")
    stamp.write_text(fingerprint)
    return copy


def baseline_fingerprint(folder: Path) -> str:
    """The reference's files by name, size and time: what changes when it is updated."""
    return "\n".join(
        f"{p.relative_to(folder)} {p.stat().st_size} {p.stat().st_mtime_ns}"
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    )


@contextmanager
def limit_app() -> Iterator[App]:
    """baselines/limit-app on a fresh PostgreSQL database with its 27-seat symposium
    (its `seed-demo` creates the tables), served like eventapp."""
    root = installed_baseline("limit-app")
    with (
        tempfile.TemporaryDirectory(prefix="eventapp-bench-limit-") as workdir,
        postgres_database("limit") as database_url,
    ):
        app = App("postgresql", database_url, Path(workdir) / "instance", root, "/api/v1/sessions")
        step("limit-app: creating its tables and its 27-seat symposium")
        app.flask("seed-demo")
        yield app


# --- gunicorn ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=timeout)

    def workers_cpu_seconds(self) -> float:
        """CPU time (user + system) the workers have used so far: the work a request costs,
        which the machine's load does not inflate the way it does latency."""
        return sum(process_cpu_seconds(pid) for pid in child_pids(self.process.pid))


def child_pids(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def process_cpu_seconds(pid: int, with_exited_children: bool = False) -> float:
    """utime + stime of a process from /proc (0 once it is gone), and with_exited_children
    that of its children that have exited (cutime + cstime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if with_exited_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process on this machine (its backends come and go with
    connections, so this is read before and after and the difference taken)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().split(" ", 2)[1] == "(postgres)":
                total += process_cpu_seconds(int(stat.parent.name), with_exited_children=True)
        except OSError:
            continue
    return total


@contextmanager
def gunicorn(
    app: App, workers: int = 4, start_timeout: float = 60, gunicorn_options: Sequence[str] = ()
) -> Iterator[Server]:
    """gunicorn with `workers` sync workers on a free loopback port, stopped on the way out.
    It runs in its own process group, so stopping it stops its workers too. Sync workers,
    as the baselines are served: the same server for both sides of a ratio."""
    port = free_port()
    log = app.instance.parent / "gunicorn.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [
                str(app.venv_bin / "gunicorn"),
                *gunicorn_options,
                "-w",
                str(workers),
                "-b",
                f"{HOST}:{port}",
                "eventapp:create_app()",
            ],
            cwd=app.root,
            env=app.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port, process, log)
    try:
        wait_until_serving(server, workers, start_timeout, app.ready_path)
        yield server
    finally:
        stop(process)


def wait_until_serving(server: Server, workers: int, timeout: float, ready_path: str = STATIC_PATH) -> None:
    """Until every worker has booted and `ready_path` (the static CSS) answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early; see its log:\n{server.log.read_text()}")
        booted = server.log.read_text(errors="replace").count("Booting worker")
        if booted >= workers:
            try:
                status, _, _ = timed_request(server.connection(timeout=5), "GET", ready_path)
            except OSError:
                status = None
            if status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; log:\n{server.log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    """gunicorn's quick shutdown (SIGQUIT): a graceful one would first answer every request
    still queued, which after Ctrl-C in a burst takes long and helps nobody."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGQUIT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


# --- Requests ---------------------------------------------------------------------------


def timed_request(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: dict | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes, float]:
    """One request on `connection`: (status, body, seconds from sending to the last byte).
    gunicorn's sync workers close the connection after each answer, so the time includes
    the loopback connect, as it does for a door app."""
    headers = dict(headers or {})
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    content = response.read()
    elapsed = time.perf_counter() - started
    if response.will_close:
        connection.close()
    return response.status, content, elapsed


# --- Figures ----------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Latencies:
    """Seconds per request; shown in milliseconds."""

    seconds: list[float] = field(default_factory=list)

    def p(self, p: float) -> float:
        return percentile(self.seconds, p) * 1000

    def summary(self) -> dict[str, float]:
        return {
            "n": len(self.seconds),
            "p50_ms": round(self.p(50), 2),
            "p95_ms": round(self.p(95), 2),
            "p99_ms": round(self.p(99), 2),
            "max_ms": round(max(self.seconds) * 1000, 2) if self.seconds else math.nan,
        }

    def line(self) -> str:
        return summary_line(self.summary())


def summary_line(s: dict) -> str:
    """A `Latencies.summary()` on one line."""
    return (
        f"n={s['n']:<5} p50 {s['p50_ms']:7.2f} ms  p95 {s['p95_ms']:7.2f} ms  "
        f"p99 {s['p99_ms']:7.2f} ms  max {s['max_ms']:7.2f} ms"
    )


def ratio(measured: float, baseline: float) -> float:
    return measured / baseline if baseline > 0 else math.inf


_STARTED = time.monotonic()


def step(message: str) -> None:
    print(f"-- {time.monotonic() - _STARTED:5.1f} s  {message}", flush=True)


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load} before the run"


def save(name: str, figures: dict) -> Path:
    """Keep the figures as JSON in bench/out/ (ignored by git); the path from the project."""
    OUT_DIR.mkdir(exist_ok=True)
    path = OUT_DIR / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    return path.relative_to(PROJECT_ROOT)
