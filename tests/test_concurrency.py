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
from functools import partial

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


def _race(app, *attempts) -> list[str]:
    """Run the attempts (callables taking the event) at the same moment, each in its own
    app context; what each did: "done", "refused" (EmailHasDelegate) or the error."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = [""] * len(attempts)

    def run(index: int) -> None:
        with app.app_context():
            event = current_event()
            db.session.commit()  # give the connection back to the pool while waiting
            barrier.wait()
            try:
                attempts[index](event)
                outcomes[index] = "done"
            except service.EmailHasDelegate:
                outcomes[index] = "refused"
            except Exception as error:  # noqa: BLE001 - a deadlock or any other failure fails the test
                outcomes[index] = repr(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _delegates_with(app, email: str) -> int:
    with app.app_context():
        return len(service.delegates_by_email(current_event(), email))


def _register(details: DelegateDetails, slug: str, event) -> None:
    service.register(event, details, [slug], actor=Actor.SYSTEM)


def _change_details(delegate_id: int, details: DelegateDetails, event) -> None:
    service.update_details(db.session.get_one(service.Delegate, delegate_id), details, actor=Actor.SYSTEM)


def test_one_email_racing_for_two_sessions_makes_one_delegate(app, forum):
    """The check that an email has no delegate yet holds without any seat lock: two
    requests with one address, for different sessions, at the same moment."""
    for round_number in range(8):
        details = DelegateDetails.from_mapping(person(email=f"twice{round_number}@example.de"))
        outcomes = _race(app, partial(_register, details, SYMPOSIUM), partial(_register, details, "exhibition"))
        assert sorted(outcomes) == ["done", "refused"]
        assert _delegates_with(app, details.email) == 1


def test_an_email_change_racing_a_registration_with_that_email(app, forum):
    """Both take the email before the seat (no deadlock), and one of them gets it."""
    for round_number in range(8):
        with app.app_context():
            holder = service.register(
                current_event(), DelegateDetails.from_mapping(person()), [SYMPOSIUM], actor=Actor.SYSTEM
            ).delegate
            holder_id, changed = holder.id, DelegateDetails.of(holder)
        changed.email = f"wanted{round_number}@example.de"
        newcomer = DelegateDetails.from_mapping(person(email=changed.email))
        outcomes = _race(app, partial(_change_details, holder_id, changed), partial(_register, newcomer, SYMPOSIUM))
        assert sorted(outcomes) == ["done", "refused"]
        assert _delegates_with(app, changed.email) == 1


def test_the_database_itself_refuses_a_second_delegate_with_an_email(app, client, forum):
    """One person, one delegate holds in the schema too, whatever the code that writes."""
    import pytest
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from eventapp.models import Delegate

    from .factories import GERMAN, register_by_api

    register_by_api(client, ["exhibition"], base=GERMAN)
    with app.app_context():
        first = db.session.execute(select(Delegate).order_by(Delegate.id.desc()).limit(1)).scalar_one()
        copied = {c.key: getattr(first, c.key) for c in Delegate.__table__.columns if c.key != "id"}
        twin = Delegate(
            **{**copied, "email": first.email.upper(), "manage_token_hash": "other", "checkin_code": "OTHERCODE"}
        )
        db.session.add(twin)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
