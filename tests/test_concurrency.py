"""A full session never gets one seat too many, whatever the concurrency.

Threads inside one process, then several gunicorn worker processes behind real HTTP, on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from eventapp.extensions import db
from eventapp.services import registration as service
from eventapp.services.audit import Actor
from eventapp.services.events import current_event
from eventapp.services.registration import DelegateDetails

from .factories import person, seats
from .servers import gunicorn_server

SYMPOSIUM = "german-enterprise-symposium"


def test_sixty_threads_racing_for_27_seats(app, forum):
    racers = 60
    barrier = threading.Barrier(racers)
    outcomes, failures = [], []

    def race(number: int) -> None:
        payload = person(email=f"racer{number}@example.de")
        payload.pop("consent")
        with app.app_context():
            event = current_event()
            db.session.commit()  # give the connection back to the pool while waiting
            barrier.wait()
            try:
                result = service.register(event, DelegateDetails.from_mapping(payload), [SYMPOSIUM], actor=Actor.SYSTEM)
                outcomes.append(result.registrations[0].status.value)
            except Exception as error:  # noqa: BLE001 - any failure fails the test below
                failures.append(repr(error))

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert outcomes.count("confirmed") == 27 and outcomes.count("waitlisted") == 33
    state = seats(app, SYMPOSIUM)
    assert (state["confirmed"], state["confirmed_count"], state["waitlisted"]) == (27, 27, 33)
    assert len(set(state["ranks"])) == 33


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_four_gunicorn_workers_never_overbook(app, forum, database_url, tmp_path):
    clients = 100
    bodies = [{**person(email=f"burst{n}@example.de"), "sessions": [SYMPOSIUM]} for n in range(clients)]
    with gunicorn_server(database_url, tmp_path, workers=4) as base, ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda body: _post(base + "/api/v1/registrations", body), bodies))
    assert [status for status, _ in answers] == [201] * clients
    statuses = [body["registrations"][0]["status"] for _, body in answers]
    assert statuses.count("confirmed") == 27
    positions = sorted(
        body["registrations"][0]["waitlist_position"]
        for _, body in answers
        if body["registrations"][0]["status"] == "waitlisted"
    )
    assert len(positions) == 73 and len(set(positions)) >= 1
    state = seats(app, SYMPOSIUM)
    assert (state["confirmed"], state["confirmed_count"], state["waitlisted"]) == (27, 27, 73)
    assert state["ranks"] == sorted(set(state["ranks"]))
