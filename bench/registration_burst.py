"""Registration burst: 300 people register for the 27-seat symposium at the same moment.

The claim (Indico overbooks here): however many requests arrive together, exactly as many
seats are confirmed as the session has, and everyone else gets a distinct place on the
waiting list, 1, 2, 3, ... For each backend (PostgreSQL, then SQLite in a file) this starts
a fresh database and gunicorn -w 4 on 127.0.0.1, lets 300 threads, each with one request and
its own connection, POST /api/v1/registrations at once (a barrier releases them), and
checks the answers and the database. Two baselines: the same 300 clients reading
GET /api/v1/sessions at once, against the same gunicorn; and on PostgreSQL the same burst
against ../shared/baselines/limit-app (a bare Flask app doing one row lock, a count and an
insert) served the same way on its own database, right after eventapp's: the throughput
and p99 ratios against it are the issue-15 figures.

    .venv/bin/python bench/registration_burst.py [--clients 300] [--backend postgresql] [--profile]

`--profile` runs eventapp's workers under cProfile and prints the top of the profile.

Exits 1 when the session was overbooked or any other check failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pstats
import secrets
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from _server import (
    BACKENDS,
    OUT_DIR,
    PROJECT_ROOT,
    Latencies,
    Server,
    demo_app,
    gunicorn,
    limit_app,
    machine,
    postgres_cpu_seconds,
    ratio,
    run,
    save,
    step,
    summary_line,
    timed_request,
)

SYMPOSIUM = "german-enterprise-symposium"
GIVEN_NAMES = ("Anna", "Jonas", "Lena", "Felix", "Marie", "Paul", "Sophie", "Lukas", "Clara", "Max")
REQUEST_TIMEOUT = 120  # seconds; bounds a client that the server never answers


@dataclass
class Burst:
    statuses: list[int | None]  # None: no answer (connection error or timeout)
    bodies: list[dict]
    latencies: Latencies
    seconds: float  # from the barrier's release to the last answer
    # CPU milliseconds a request cost the gunicorn workers and PostgreSQL (registrations)
    cpu_ms: dict[str, float] = field(default_factory=dict)


def burst(server: Server, clients: int, request_for) -> Burst:
    """`clients` threads, each connected first, then all released by one barrier to send
    their single request `request_for(i)` = (method, path, body)."""
    barrier = threading.Barrier(clients + 1, timeout=60)
    statuses: list[int | None] = [None] * clients
    bodies: list[dict] = [{} for _ in range(clients)]
    seconds = [math.nan] * clients

    def client(i: int) -> None:
        connection = server.connection(timeout=REQUEST_TIMEOUT)
        try:
            connection.connect()
            barrier.wait()
            status, content, seconds[i] = timed_request(connection, *request_for(i))
            statuses[i] = status
            bodies[i] = json.loads(content) if content.startswith((b"{", b"[")) else {}
        except (OSError, threading.BrokenBarrierError, ValueError) as error:
            bodies[i] = {"error": repr(error)}
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT + 10)
    elapsed = time.perf_counter() - started
    return Burst(statuses, bodies, Latencies([s for s in seconds if not math.isnan(s)]), elapsed)


def registration(tag: str, i: int, session: str = SYMPOSIUM) -> dict:
    return {
        "family_name": "Muster",
        "given_name": GIVEN_NAMES[i % len(GIVEN_NAMES)],
        "email": f"burst-{tag}-{i}@bench.example",
        "organisation": "Musterwerke GmbH",
        "country": "DE",
        "language": "de",
        "sessions": [session],
        "consent": True,
    }


WARM_UP_SESSION = "exhibition"  # open to all, no capacity: the burst's seats stay untouched


def warm_up(server: Server, workers: int) -> None:
    """A few reads and registrations (for the exhibition) in every worker first, so the
    burst meets workers that have imported, compiled and loaded what a registration needs
    (the badge fonts' character sets, SQL statements), as they have once registration has
    been open a while."""
    burst(server, workers * 4, lambda i: ("GET", "/api/v1/sessions", None))
    tag = "warm-" + secrets.token_hex(3)
    burst(server, workers * 4, lambda i: ("POST", "/api/v1/registrations", registration(tag, i, WARM_UP_SESSION)))


def registration_rush(server: Server, clients: int) -> Burst:
    tag = secrets.token_hex(3)  # emails unique across runs too
    workers_before, postgres_before = server.workers_cpu_seconds(), postgres_cpu_seconds()
    rush = burst(server, clients, lambda i: ("POST", "/api/v1/registrations", registration(tag, i)))
    rush.cpu_ms = {
        "workers": round((server.workers_cpu_seconds() - workers_before) * 1000 / clients, 2),
        "postgresql": round((postgres_cpu_seconds() - postgres_before) * 1000 / clients, 2),
    }
    return rush


def run_backend(backend: str, clients: int, workers: int, profile: bool = False) -> dict:
    """One backend's figures and the problems found."""
    options = ["-c", str(PROJECT_ROOT / "bench" / "profile_gunicorn.py")] if profile else []
    with demo_app(backend, "burst") as app, gunicorn(app, workers, gunicorn_options=options) as server:
        (capacity,) = app.query("SELECT capacity FROM sessions WHERE slug = %s", (SYMPOSIUM,))[0]
        step(f"{backend}: warming up the workers")
        warm_up(server, workers)
        step(f"{backend}: baseline, {clients} clients GET /api/v1/sessions at once")
        baseline = burst(server, clients, lambda i: ("GET", "/api/v1/sessions", None))
        step(f"{backend}: {clients} clients POST /api/v1/registrations for {SYMPOSIUM} at once")
        rush = registration_rush(server, clients)
        in_database = dict(
            app.query(
                "SELECT r.status, count(*) FROM registrations r JOIN sessions s ON s.id = r.session_id "
                "WHERE s.slug = %s GROUP BY r.status",
                (SYMPOSIUM,),
            )
        )
        (distinct_ranks,) = app.query(
            "SELECT count(DISTINCT r.waitlist_rank) FROM registrations r JOIN sessions s "
            "ON s.id = r.session_id WHERE s.slug = %s AND r.status = 'waitlisted'",
            (SYMPOSIUM,),
        )[0]
    result = figures(backend, capacity, rush, baseline, in_database, distinct_ranks)
    if backend == "postgresql":
        result["limit_app"] = limit_app_figures(clients, workers, rush)
    return result


def limit_app_figures(clients: int, workers: int, rush: Burst) -> dict:
    """The same burst against baselines/limit-app, and eventapp's `rush` against it."""
    with limit_app() as app, gunicorn(app, workers) as server:
        step(f"limit-app: {clients} clients POST /api/v1/registrations for {SYMPOSIUM} at once")
        warm_up(server, workers)
        limit = registration_rush(server, clients)
    answers = [r for body in limit.bodies for r in body.get("registrations", [])]
    return {
        "http": {str(k): v for k, v in Counter(limit.statuses).items()},
        "confirmed": sum(1 for r in answers if r.get("status") == "confirmed"),
        "registrations": {**limit.latencies.summary(), "wall_s": round(limit.seconds, 2), "cpu_ms": limit.cpu_ms},
        "per_second": round(clients / limit.seconds, 1),
        "eventapp_per_second": round(clients / rush.seconds, 1),
        "ratio": {
            "throughput": round(limit.seconds / rush.seconds, 2),  # eventapp's req/s over limit-app's
            "p99": round(ratio(rush.latencies.p(99), limit.latencies.p(99)), 2),
        },
    }


def figures(backend, capacity, rush: Burst, baseline: Burst, in_database: dict, distinct_ranks: int) -> dict:
    answers = [r for body in rush.bodies for r in body.get("registrations", []) if r.get("session") == SYMPOSIUM]
    confirmed = sum(1 for r in answers if r["status"] == "confirmed")
    positions = sorted(r["waitlist_position"] for r in answers if r["status"] == "waitlisted")
    http = Counter(rush.statuses)
    db_confirmed, db_waitlisted = in_database.get("confirmed", 0), in_database.get("waitlisted", 0)
    problems = []
    if db_confirmed > capacity or confirmed > capacity:
        problems.append(f"OVERBOOKED: {max(db_confirmed, confirmed)} confirmed for {capacity} seats")
    if set(http) != {201}:
        problems.append(f"not every registration got 201: {dict(http)}")
    if confirmed != min(capacity, len(rush.statuses)) or db_confirmed != confirmed:
        problems.append(f"{confirmed} confirmed in the answers, {db_confirmed} in the database, {capacity} seats")
    if positions != list(range(1, len(positions) + 1)):
        problems.append(f"waiting-list positions are not 1..{len(positions)} without gaps or repeats")
    if db_waitlisted != len(positions) or distinct_ranks != db_waitlisted:
        problems.append(
            f"{len(positions)} waitlisted in the answers, {db_waitlisted} in the database "
            f"with {distinct_ranks} distinct ranks"
        )
    if set(baseline.statuses) != {200}:
        problems.append(f"baseline statuses {dict(Counter(baseline.statuses))}")
    return {
        "backend": backend,
        "capacity": capacity,
        "http": {str(k): v for k, v in http.items()},
        "confirmed": confirmed,
        "waitlisted": len(positions),
        "waitlist_positions": f"{positions[0]}..{positions[-1]}" if positions else "none",
        "positions_unique_and_consecutive": positions == list(range(1, len(positions) + 1)),
        "database": {"confirmed": db_confirmed, "waitlisted": db_waitlisted, "distinct_waitlist_ranks": distinct_ranks},
        "registrations": {**rush.latencies.summary(), "wall_s": round(rush.seconds, 2), "cpu_ms": rush.cpu_ms},
        "baseline": {
            **baseline.latencies.summary(),
            "wall_s": round(baseline.seconds, 2),
            "http": {str(k): v for k, v in Counter(baseline.statuses).items()},
        },
        "ratio": {
            "p50": round(ratio(rush.latencies.p(50), baseline.latencies.p(50)), 2),
            "p99": round(ratio(rush.latencies.p(99), baseline.latencies.p(99)), 2),
            "wall": round(ratio(rush.seconds, baseline.seconds), 2),
        },
        "problems": problems,
    }


def print_figures(f: dict) -> None:
    rush_line, baseline_line = summary_line(f["registrations"]), summary_line(f["baseline"])
    db = f["database"]
    print()
    print(
        f"{f['backend']}: {f['confirmed']} confirmed for {f['capacity']} seats, "
        f"{f['waitlisted']} waitlisted at positions {f['waitlist_positions']} "
        f"({'unique and consecutive' if f['positions_unique_and_consecutive'] else 'NOT consecutive'})"
    )
    print(
        f"  database: {db['confirmed']} confirmed, {db['waitlisted']} waitlisted, "
        f"{db['distinct_waitlist_ranks']} distinct waiting-list ranks"
    )
    print(f"  HTTP statuses: {f['http']}; baseline: {f['baseline']['http']}")
    print(f"  registrations {rush_line}  wall {f['registrations']['wall_s']:6.2f} s")
    print(f"                CPU a registration: {cpu_line(f['registrations']['cpu_ms'])}")
    print(f"  baseline      {baseline_line}  wall {f['baseline']['wall_s']:6.2f} s  (GET /api/v1/sessions)")
    r = f["ratio"]
    print(f"  ratio registrations/baseline: p50 {r['p50']:.2f}x, p99 {r['p99']:.2f}x, wall {r['wall']:.2f}x")
    if "limit_app" in f:
        print_limit_app(f["limit_app"])
    for problem in f["problems"]:
        print(f"  FAILED: {problem}")


THROUGHPUT_GOAL, P99_GOAL = 0.6, 1.5  # issue 15: against limit-app


def print_limit_app(limit: dict) -> None:
    r = limit["ratio"]
    print(
        f"  limit-app     {summary_line(limit['registrations'])}  wall {limit['registrations']['wall_s']:6.2f} s  "
        f"({limit['confirmed']} confirmed, HTTP {limit['http']})"
    )
    print(f"                CPU a registration: {cpu_line(limit['registrations']['cpu_ms'])}")
    print(
        f"  against limit-app: throughput {limit['eventapp_per_second']:.0f} vs {limit['per_second']:.0f} req/s "
        f"= {r['throughput']:.2f} (goal >= {THROUGHPUT_GOAL}: {'met' if r['throughput'] >= THROUGHPUT_GOAL else 'NOT met'}), "
        f"p99 {r['p99']:.2f}x (goal <= {P99_GOAL}x: {'met' if r['p99'] <= P99_GOAL else 'NOT met'})"
    )


def cpu_line(cpu_ms: dict) -> str:
    return f"{cpu_ms['workers']:.2f} ms in the gunicorn workers, {cpu_ms['postgresql']:.2f} ms in PostgreSQL"


def print_profile(profile_dir: Path, lines: int = 25) -> None:
    """The workers' profiles together: where the time went, by own time and by total time."""
    files = sorted(str(p) for p in profile_dir.glob("worker-*.prof"))
    if not files:
        print("No worker profile was written.")
        return
    stats = pstats.Stats(*files)
    OUT_DIR.mkdir(exist_ok=True)
    kept = OUT_DIR / f"registration_burst-{profile_dir.name}.prof"
    stats.dump_stats(kept)
    print(f"\nThe workers' profile, for pstats or snakeviz: {kept.relative_to(PROJECT_ROOT)}")
    stats.strip_dirs()
    for order in ("tottime", "cumulative"):
        print(f"\nProfile of {len(files)} workers, by {order}:")
        stats.sort_stats(order).print_stats(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--backend", choices=BACKENDS, action="append", help="repeat for several; default: both")
    parser.add_argument("--profile", action="store_true", help="run the workers under cProfile, print the profile")
    args = parser.parse_args(argv)
    backends = args.backend or list(BACKENDS)
    print(
        f"Registration burst: {args.clients} clients at once for {SYMPOSIUM}, "
        f"gunicorn -w {args.workers}, on {' and '.join(backends)}; {machine()}"
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="eventapp-bench-profile-") as profile_dir:
        for backend in backends:
            if args.profile:
                os.environ["EVENTAPP_PROFILE_DIR"] = str(Path(profile_dir) / backend)
                os.makedirs(os.environ["EVENTAPP_PROFILE_DIR"])
            results.append(run_backend(backend, args.clients, args.workers, args.profile))
            print_figures(results[-1])
            if args.profile:
                print_profile(Path(profile_dir) / backend)
    path = save("registration_burst", {"args": vars(args), "backends": results})
    print(f"\nFigures saved to {path}")
    failed = [f["backend"] for f in results if f["problems"]]
    if failed:
        print(f"FAILED on {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    run(main)
