"""Fault: PostgreSQL goes away in the middle of a registration burst, and comes back.

The claim: a database that stops answering costs the delegates a "try again" and nothing
else. Every answer is 201, 409 or 503 (never a 500, never no answer); the delegates in the
database are exactly those answered 201 (after a crash, perhaps also one answered 503 whose
commit was written as the server died: see fault_problems); no session is overbooked and
the waiting list has no gaps; while the database is down a page answers a styled 503 and
the API a JSON 503, both with Retry-After; and within seconds of PostgreSQL being back the
app serves again.

It runs on a throwaway PostgreSQL cluster of its own (initdb in a temporary directory, on a
free port, never the shared server at 5432), since stopping that would break everybody
else's tests. The demo forum is migrated and seeded into it (the symposium made first come,
first served), gunicorn -w 4 serves it, and `clients` threads POST /api/v1/registrations
for the 27-seat symposium at once (the burst of registration_burst.py). When a share of
them is in the database the cluster is stopped, `pg_ctl -m fast` (a restart: backends are
told to quit) or `-m immediate` (a crash), kept down a moment, and started again on the
same port. Those answered 503 then try once more.

    .venv/bin/python bench/faults.py [--clients 300] [--mode fast] [--mode immediate]

Exits 1 when a check failed. tests/test_faults.py runs the short form.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from _server import HOST, App, Server, free_port, gunicorn, machine, run, save, step
from registration_burst import SYMPOSIUM, Burst, burst, registration

PG_BIN = Path(os.environ.get("EVENTAPP_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"  # initdb refuses to run as root
DATABASE = "eventapp"
MODES = ("fast", "immediate")
ANSWERS_ALLOWED = {201, 409, 503}
RECOVERY_BOUND = 10.0  # seconds from PostgreSQL accepting connections to the app serving again


# --- A throwaway PostgreSQL cluster ------------------------------------------------------


def postgres_problem() -> str | None:
    """Why no throwaway cluster can be made here, or None."""
    missing = [name for name in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / name).is_file()]
    if missing:
        return f"PostgreSQL binaries {', '.join(missing)} are missing from {PG_BIN} (apt-get install postgresql-15)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            return f"running as root, and there is no OS user {OS_USER!r} for initdb to run as"
    return None


@dataclass
class Cluster:
    """A PostgreSQL server in `directory`, listening on 127.0.0.1:`port` and a socket there."""

    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "postgres.log"

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def run(self, program: str, *args: str) -> str:
        """A PostgreSQL program, as the postgres OS user when we are root."""
        as_user = ["runuser", "-u", OS_USER, "--"] if os.geteuid() == 0 else []
        completed = subprocess.run(
            [*as_user, str(PG_BIN / program), *args], capture_output=True, text=True, timeout=120
        )
        if completed.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{completed.stdout}{completed.stderr}{log}")
        return completed.stdout

    def start(self) -> None:
        """Start (again, on the same port) and wait until it accepts connections. fsync off:
        the data need not survive the machine, only the server (page cache keeps it)."""
        options = f"-p {self.port} -c listen_addresses={HOST} -c unix_socket_directories={self.directory} -c fsync=off"
        self.run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """fast: backends are told to end and roll back; immediate: they quit on the spot, as
        in a crash (the next start recovers from the WAL)."""
        self.run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """initdb in a new temporary directory, started on a free port; stopped and removed on
    the way out, whatever happens."""
    problem = postgres_problem()
    if problem:
        raise RuntimeError(problem)
    directory = Path(tempfile.mkdtemp(prefix="eventapp-faults-pg-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam(OS_USER)
        os.chown(directory, account.pw_uid, account.pw_gid)
    cluster = Cluster(directory, free_port())
    try:
        cluster.run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        cluster.start()
        with psycopg.connect(cluster.url("postgres"), autocommit=True, connect_timeout=5) as admin:
            admin.execute(f"CREATE DATABASE {DATABASE} ENCODING 'UTF8' TEMPLATE template0")
        yield cluster
    finally:
        if cluster.running():
            with suppress(RuntimeError, subprocess.TimeoutExpired):
                cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def forum_on(cluster: Cluster) -> Iterator[App]:
    """The demo forum migrated and seeded into the cluster, with an instance folder; the
    symposium first come, first served (the demo takes applications for it), so that the
    burst fights for its seats."""
    with tempfile.TemporaryDirectory(prefix="eventapp-faults-") as workdir:
        app = App("postgresql", cluster.url(), Path(workdir) / "instance")
        step("migrating and loading the demo forum into the throwaway cluster")
        app.flask("db", "upgrade")
        app.flask("seed-demo")
        app.flask("session-access", SYMPOSIUM, "open")
        yield app


# --- Requests that keep their headers ------------------------------------------------------


@dataclass
class Answer:
    status: int | None  # None: no answer
    content_type: str = ""
    retry_after: str | None = None
    text: str = ""

    def json(self) -> dict:
        try:
            return json.loads(self.text)
        except ValueError:
            return {}


def fetch(server: Server, method: str, path: str, body: dict | None = None, timeout: float = 30) -> Answer:
    connection = server.connection(timeout=timeout)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        return Answer(response.status, response.getheader("Content-Type", ""), response.getheader("Retry-After"), text)
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, text=repr(error))
    finally:
        connection.close()


def styled_page(answer: Answer) -> bool:
    """The site's own page (its stylesheet, the 503's title), not a bare server error."""
    return answer.content_type.startswith("text/html") and "/static/css/site.css" in answer.text


def outage_answers(server: Server, tag: str) -> dict[str, Answer]:
    """What a visitor, an API client and a load balancer get while the database is down."""
    return {
        "page": fetch(server, "GET", "/"),
        "api": fetch(server, "POST", "/api/v1/registrations", registration(f"{tag}down", 0)),
        "readyz": fetch(server, "GET", "/readyz"),
    }


def outage_problems(answers: dict[str, Answer]) -> list[str]:
    problems = []
    page, api, readyz = answers["page"], answers["api"], answers["readyz"]
    if page.status != 503 or not styled_page(page) or "Briefly unavailable" not in page.text or not page.retry_after:
        problems.append(f"GET / while down: {page.status} {page.content_type}, Retry-After {page.retry_after}")
    if (
        api.status != 503
        or not api.content_type.startswith("application/json")
        or "error" not in api.json()
        or not api.retry_after
    ):
        problems.append(f"API while down: {api.status} {api.content_type} {api.text[:200]!r}")
    if readyz.status != 503:
        problems.append(f"/readyz while down: {readyz.status} {readyz.text[:200]!r}")
    return problems


# --- The fault ------------------------------------------------------------------------------


def burst_emails(cluster: Cluster, tag: str) -> set[str]:
    """The burst's delegates, read from the database directly."""
    with psycopg.connect(cluster.url(), connect_timeout=5) as connection:
        rows = connection.execute(
            "SELECT email FROM delegates WHERE email LIKE %s", (f"burst-{tag}-%@bench.example",)
        ).fetchall()
    return {email for (email,) in rows}


def wait_until_registered(cluster: Cluster, tag: str, count: int, running: threading.Thread, timeout: float) -> int:
    """Until `count` of the burst are in the database (or the burst has ended); how many."""
    pattern = f"burst-{tag}-%@bench.example"
    deadline = time.monotonic() + timeout
    with psycopg.connect(cluster.url(), autocommit=True, connect_timeout=5) as connection:
        while True:
            (seen,) = connection.execute("SELECT count(*) FROM delegates WHERE email LIKE %s", (pattern,)).fetchone()
            if seen >= count or not running.is_alive() or time.monotonic() > deadline:
                return seen
            time.sleep(0.005)


def serving_again(server: Server, tag: str, bound: float) -> dict[str, float | None]:
    """Seconds until /readyz says ready and until a new registration gets 201 (None: not
    within `bound` plus a margin, to report how late)."""
    started = time.monotonic()
    deadline = started + bound + 20
    ready = registered = None
    for attempt in itertools.count():  # a new email each time: an earlier try may have got in
        if time.monotonic() > deadline or registered is not None:
            break
        if ready is None and fetch(server, "GET", "/readyz", timeout=5).status == 200:
            ready = time.monotonic() - started
        probe = registration(f"{tag}back", attempt)
        if ready is not None and fetch(server, "POST", "/api/v1/registrations", probe, timeout=10).status == 201:
            registered = time.monotonic() - started
        time.sleep(0.05)
    return {"readyz_s": ready, "registration_s": registered}


@dataclass
class Fault:
    """What one restart did: the answers, the database after it, the outage, the recovery."""

    mode: str
    clients: int
    emails: list[str]
    first: Burst
    in_database: set[str]  # after the burst, before anyone tried again
    retried: dict[str, int | None] = field(default_factory=dict)  # email -> answer to the second try
    stopped_after: int = 0  # registrations in the database when the stop began
    down_s: float = 0.0
    outage: dict[str, Answer] = field(default_factory=dict)
    recovery: dict[str, float | None] = field(default_factory=dict)
    in_database_at_end: set[str] = field(default_factory=set)

    def answered(self, status: int) -> set[str]:
        return {email for email, answer in zip(self.emails, self.first.statuses, strict=True) if answer == status}


def restart_during_burst(
    cluster: Cluster, server: Server, clients: int, mode: str, restart_after: float, down_for: float
) -> Fault:
    """The burst; PostgreSQL stopped (`mode`) once `restart_after` of it is in the database,
    kept down `down_for` seconds while the outage answers are taken, started again; then
    those answered 503 try once more."""
    tag = secrets.token_hex(3)
    emails = [registration(tag, i)["email"] for i in range(clients)]
    outcome: list[Burst] = []
    rush = threading.Thread(
        target=lambda: outcome.append(
            burst(server, clients, lambda i: ("POST", "/api/v1/registrations", registration(tag, i)))
        ),
        daemon=True,
    )
    step(f"{mode}: {clients} clients POST /api/v1/registrations for {SYMPOSIUM} at once")
    rush.start()
    stopped_after = wait_until_registered(cluster, tag, max(1, round(clients * restart_after)), rush, timeout=120)
    step(f"{mode}: {stopped_after} registered; pg_ctl stop -m {mode}")
    down_since = time.monotonic()
    cluster.stop(mode)
    outage = outage_answers(server, tag)
    time.sleep(max(0.0, down_for - (time.monotonic() - down_since)))
    cluster.start()
    down_s = time.monotonic() - down_since
    step(f"{mode}: PostgreSQL back after {down_s:.1f} s; waiting for the app to serve again")
    recovery = serving_again(server, tag, RECOVERY_BOUND)
    rush.join()
    first = outcome[0]
    fault = Fault(mode, clients, emails, first, burst_emails(cluster, tag), stopped_after=stopped_after)
    fault.down_s, fault.outage, fault.recovery = down_s, outage, recovery
    again = sorted(fault.answered(503))
    if again:
        step(f"{mode}: the {len(again)} answered 503 try again")
        by_email = {email: i for i, email in enumerate(emails)}
        second = burst(
            server, len(again), lambda j: ("POST", "/api/v1/registrations", registration(tag, by_email[again[j]]))
        )
        fault.retried = dict(zip(again, second.statuses, strict=True))
    fault.in_database_at_end = burst_emails(cluster, tag)
    return fault


# --- What must hold -------------------------------------------------------------------------


def invariant_problems(cluster: Cluster) -> tuple[dict, list[str]]:
    """Figures of every session, and what is wrong with them: confirmed within capacity (the
    counter and the rows), waiting lists ranked 1..n without gaps or repeats (nobody leaves
    one in these runs, so a rank a failed transaction took and left behind shows as a
    gap), one live registration per delegate and session, one delegate per email."""
    with psycopg.connect(cluster.url(), connect_timeout=5) as connection:
        sessions = connection.execute(
            "SELECT s.slug, s.capacity, s.confirmed_count, "
            "count(r.id) FILTER (WHERE r.status = 'confirmed'), "
            "coalesce(array_agg(r.waitlist_rank ORDER BY r.waitlist_rank) "
            "FILTER (WHERE r.status = 'waitlisted'), '{}') "
            "FROM sessions s LEFT JOIN registrations r ON r.session_id = s.id GROUP BY s.id ORDER BY s.id"
        ).fetchall()
        (doubles,) = connection.execute(
            "SELECT count(*) FROM (SELECT 1 FROM registrations WHERE status != 'cancelled' "
            "GROUP BY delegate_id, session_id HAVING count(*) > 1) AS d"
        ).fetchone()
        (shared_emails,) = connection.execute(
            "SELECT count(*) FROM (SELECT 1 FROM delegates GROUP BY event_id, email_normalized "
            "HAVING count(*) > 1) AS d"
        ).fetchone()
    problems, figures = [], {}
    for slug, capacity, counter, confirmed, ranks in sessions:
        figures[slug] = {"capacity": capacity, "confirmed": confirmed, "waitlisted": len(ranks)}
        if counter != confirmed:
            problems.append(f"{slug}: confirmed_count {counter}, {confirmed} confirmed rows")
        if capacity is not None and confirmed > capacity:
            problems.append(f"OVERBOOKED {slug}: {confirmed} confirmed for {capacity} seats")
        if ranks != list(range(1, len(ranks) + 1)):
            problems.append(f"{slug}: waiting-list ranks are not 1..{len(ranks)}: {ranks[:10]}...")
    if doubles:
        problems.append(f"{doubles} delegate(s) hold two live registrations for one session")
    if shared_emails:
        problems.append(f"{shared_emails} email(s) belong to two delegates")
    return figures, problems


def fault_problems(fault: Fault) -> list[str]:
    """The answers against the database. After a fast stop: the database holds exactly those
    answered 201. After a crash (immediate) a backend can die between writing its commit
    and sending the answer, so a registration answered 503 may be in the database: the app
    cannot know. It must then be exactly one of those answered 503, and its second try must
    get 409 (the email is taken, its private link mailed again), as any other 503's retry
    must get 201 and be in the database at the end."""
    problems = []
    statuses = Counter(fault.first.statuses)
    if set(statuses) - ANSWERS_ALLOWED:
        problems.append(f"answers other than 201/409/503: {dict(statuses)}")
    ok, unavailable = fault.answered(201), fault.answered(503)
    if not unavailable:
        problems.append("no answer was 503: the stop came after the burst, it tested nothing")
    if missing := ok - fault.in_database:
        problems.append(f"{len(missing)} answered 201 but not in the database, e.g. {min(missing)}")
    unanswered = fault.in_database - ok
    if fault.mode == "fast" and unanswered:
        problems.append(f"{len(unanswered)} in the database without a 201, e.g. {min(unanswered)}")
    if stray := unanswered - unavailable:
        problems.append(f"{len(stray)} in the database, answered neither 201 nor 503, e.g. {min(stray)}")
    for email, answer in fault.retried.items():
        expected = 409 if email in fault.in_database else 201
        if answer != expected:
            problems.append(f"second try of {email}: {answer}, expected {expected}")
            break
    if fault.in_database_at_end != ok | set(fault.retried):
        problems.append("after the second tries, the database does not hold exactly those answered 201 or 409")
    problems += outage_problems(fault.outage)
    for name, seconds in fault.recovery.items():
        if seconds is None or seconds > RECOVERY_BOUND:
            problems.append(f"{name}: not serving again within {RECOVERY_BOUND:.0f} s of PostgreSQL being back")
    return problems


def figures(fault: Fault, sessions: dict, invariants: list[str]) -> dict:
    unanswered = fault.in_database - fault.answered(201)
    return {
        "mode": fault.mode,
        "clients": fault.clients,
        "stopped_after_registered": fault.stopped_after,
        "answers": {str(k): v for k, v in sorted(Counter(fault.first.statuses).items(), key=str)},
        "in_database": len(fault.in_database),
        "answered_503_but_registered": len(unanswered),
        "answered_503_but_registered_emails": sorted(unanswered),
        "second_tries": {str(k): v for k, v in sorted(Counter(fault.retried.values()).items(), key=str)},
        "in_database_at_end": len(fault.in_database_at_end),
        "postgres_down_s": round(fault.down_s, 2),
        "outage": {
            name: {"status": a.status, "content_type": a.content_type.split(";")[0], "retry_after": a.retry_after}
            for name, a in fault.outage.items()
        },
        "serving_again_after": {k: None if v is None else round(v, 2) for k, v in fault.recovery.items()},
        "burst_wall_s": round(fault.first.seconds, 2),
        "sessions": {SYMPOSIUM: sessions.get(SYMPOSIUM)},
        "problems": fault_problems(fault) + invariants,
    }


def print_figures(f: dict) -> None:
    outage = ", ".join(
        f"{name} {a['status']} {a['content_type']} Retry-After {a['retry_after']}" for name, a in f["outage"].items()
    )
    seats = f["sessions"][SYMPOSIUM]
    again = f["serving_again_after"]
    print()
    print(f"pg_ctl stop -m {f['mode']} after {f['stopped_after_registered']} of {f['clients']} were registered")
    print(f"  answers: {f['answers']}; burst wall {f['burst_wall_s']:.2f} s")
    print(
        f"  database: {f['in_database']} of the burst ({f['answered_503_but_registered']} of them answered 503); "
        f"second tries of the 503s: {f['second_tries']}; {f['in_database_at_end']} at the end"
    )
    print(f"  while down ({f['postgres_down_s']:.1f} s): {outage}")
    print(
        f"  serving again after PostgreSQL was back: /readyz {again['readyz_s']} s, "
        f"a registration {again['registration_s']} s (bound {RECOVERY_BOUND:.0f} s)"
    )
    print(
        f"  {SYMPOSIUM}: {seats['confirmed']} confirmed for {seats['capacity']} seats, "
        f"{seats['waitlisted']} waitlisted at ranks 1..{seats['waitlisted']}"
    )
    for problem in f["problems"]:
        print(f"  FAILED: {problem}")


def log_figures(server: Server) -> dict:
    """What the app logged: database failures by the driver's error, 500s, killed workers."""
    text = server.log.read_text(errors="replace")
    first_error = text.find("Unhandled error")
    return {
        "database_unavailable": dict(Counter(re.findall(r"Database unavailable on \w+: (\w+)", text))),
        "unhandled_errors": text.count("Unhandled error"),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "first_error": text[first_error : first_error + 3000] if first_error >= 0 else "",
    }


def run_faults(modes: list[str], clients: int, workers: int, restart_after: float, down_for: float) -> list[dict]:
    """Every mode on one throwaway cluster and one gunicorn, one after the other."""
    results = []
    with throwaway_cluster() as cluster:
        step(f"throwaway PostgreSQL on {HOST}:{cluster.port} in {cluster.directory}")
        with forum_on(cluster) as app, gunicorn(app, workers) as server:
            burst(server, workers * 4, lambda i: ("GET", "/api/v1/sessions", None))  # warm the workers
            for mode in modes:
                fault = restart_during_burst(cluster, server, clients, mode, restart_after, down_for)
                sessions, invariants = invariant_problems(cluster)
                results.append(figures(fault, sessions, invariants))
                print_figures(results[-1])
            log = log_figures(server)
            first_error = log.pop("first_error")
            print(f"\ngunicorn's log: {log}")
            if log["unhandled_errors"] or log["worker_timeouts"]:
                results[-1]["problems"].append(f"gunicorn's log has errors: {log}\n{first_error}")
            results[-1]["log"] = log
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--mode", choices=MODES, action="append", help="repeat for several; default: both")
    parser.add_argument("--restart-after", type=float, default=0.3, help="share of the burst registered first")
    parser.add_argument("--down", type=float, default=2.0, help="seconds PostgreSQL stays down")
    args = parser.parse_args(argv)
    if problem := postgres_problem():
        raise SystemExit(f"Cannot make a throwaway PostgreSQL cluster: {problem}")
    modes = args.mode or list(MODES)
    print(
        f"Faults: {args.clients} clients register at once, PostgreSQL stopped ({', '.join(modes)}) after "
        f"{args.restart_after:.0%} and started again, gunicorn -w {args.workers}; {machine()}"
    )
    results = run_faults(modes, args.clients, args.workers, args.restart_after, args.down)
    path = save("faults", {"args": vars(args), "modes": results})
    print(f"\nFigures saved to {path}")
    failed = [f["mode"] for f in results if f["problems"]]
    if failed:
        print(f"FAILED after {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    run(main)
