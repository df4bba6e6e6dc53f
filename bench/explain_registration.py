"""EXPLAIN ANALYZE of every statement one registration makes, on PostgreSQL.

A fresh database with the demo forum and --fill registrations for the symposium already
there (so it is full and the waiting list long, as in the burst); then one more person
registers through the JSON API in this process, and just before each of its statements
runs, the same statement runs under EXPLAIN (ANALYZE, BUFFERS) on the same connection, in
the same transaction (with the locks it holds), inside a savepoint rolled back at once.
The plans show whether an index serves each lookup; the times are for one statement.

    .venv/bin/python bench/explain_registration.py [--fill 300]
"""

from __future__ import annotations

import argparse
import os
import sys

import psycopg
from _server import PROJECT_ROOT, demo_app, run, step

SYMPOSIUM = "german-enterprise-symposium"


def payload(i: int, tag: str = "explain") -> dict:
    """The JSON body of registration `i` for the symposium (bench/profile_registration.py too)."""
    return {
        "family_name": "Muster",
        "given_name": "Anna",
        "email": f"{tag}-{i}@bench.example",
        "organisation": "Musterwerke GmbH",
        "country": "DE",
        "language": "de",
        "sessions": [SYMPOSIUM],
        "consent": True,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fill", type=int, default=300, help="registrations made before the one explained")
    args = parser.parse_args(argv)
    with demo_app("postgresql", "explain") as app:
        os.environ.update(app.env)
        sys.path.insert(0, str(PROJECT_ROOT))
        from sqlalchemy import event

        from eventapp import create_app
        from eventapp.extensions import db

        flask_app = create_app()
        client = flask_app.test_client()
        step(f"{args.fill} registrations for {SYMPOSIUM}")
        for i in range(args.fill):
            assert client.post("/api/v1/registrations", json=payload(i)).status_code == 201
        plans: list[tuple[str, list[str]]] = []
        with flask_app.app_context():
            engine = db.engine

        def explain_first(conn, cursor, statement, parameters, context, executemany):
            cursor.execute("SAVEPOINT explain")
            try:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plans.append((statement, [row[0] for row in cursor.fetchall()]))
            except psycopg.Error as error:
                plans.append((statement, [f"(not explained: {str(error).splitlines()[0]})"]))
            cursor.execute("ROLLBACK TO SAVEPOINT explain")

        event.listen(engine, "before_cursor_execute", explain_first)
        response = client.post("/api/v1/registrations", json=payload(args.fill))
        event.remove(engine, "before_cursor_execute", explain_first)
        print(f"\nOne registration ({response.get_json()['registrations'][0]}): {len(plans)} statements\n")
        for number, (statement, plan) in enumerate(plans, 1):
            print(f"-- {number}. {' '.join(statement.split())[:160]}")
            print("\n".join("   " + line for line in plan))
            print()
    return 0


if __name__ == "__main__":
    run(main)
