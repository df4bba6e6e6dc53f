"""CPU a registration in one process: where a worker's time goes, without the burst's noise.

A fresh PostgreSQL database with the demo forum; --warm registrations first (the symposium
fills, the waiting list starts), then --count more through the Flask test client, each
timed with time.process_time (this process's CPU: Python and the driver, not PostgreSQL).
Prints the median and the quartiles, the SQL statements and function calls a
registration makes, and with --profile the top of a cProfile of the measured ones
(CPU time, not wall), sorted by cumulative and by own time; saved to
bench/out/profile_registration.prof for `python -m pstats`.

    .venv/bin/python bench/profile_registration.py [--count 300] [--warm 40] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

from _server import OUT_DIR, PROJECT_ROOT, demo_app, run, step
from explain_registration import payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300, help="registrations measured")
    parser.add_argument("--warm", type=int, default=40, help="registrations made first, not measured")
    parser.add_argument("--profile", action="store_true", help="cProfile the measured registrations")
    args = parser.parse_args(argv)
    with demo_app("postgresql", "profile") as app:
        os.environ.update(app.env)
        sys.path.insert(0, str(PROJECT_ROOT))
        from sqlalchemy import event

        from eventapp import create_app
        from eventapp.extensions import db

        flask_app = create_app()
        client = flask_app.test_client()

        def register(i: int) -> None:
            response = client.post("/api/v1/registrations", json=payload(i, "profile"))
            assert response.status_code == 201, response.get_data(as_text=True)

        step(f"{args.warm} registrations to warm up")
        for i in range(args.warm):
            register(i)
        statements = 0

        def count(*_args) -> None:
            nonlocal statements
            statements += 1

        with flask_app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
        step(f"{args.count} registrations measured")
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        cpu_ms, wall_ms = [], []
        for i in range(args.warm, args.warm + args.count):
            started, started_wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            register(i)
            if profiler:
                profiler.disable()
            cpu_ms.append((time.process_time() - started) * 1000)
            wall_ms.append((time.perf_counter() - started_wall) * 1000)
        quartiles = statistics.quantiles(cpu_ms, n=4)
        print(
            f"\nCPU a registration (this process): median {statistics.median(cpu_ms):.2f} ms, "
            f"quartiles {quartiles[0]:.2f} / {quartiles[2]:.2f} ms; wall {statistics.median(wall_ms):.2f} ms; "
            f"{statements / args.count:.1f} SQL statements a registration"
        )
        if profiler:
            stats = pstats.Stats(profiler)
            calls = stats.total_calls  # type: ignore[attr-defined]
            print(f"{calls / args.count:,.0f} function calls a registration (under the profiler)\n")
            OUT_DIR.mkdir(exist_ok=True)
            stats.dump_stats(OUT_DIR / "profile_registration.prof")
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    run(main)
