"""A print batch outlives its worker: an interrupted batch is shown as such and runs again
(by hand or by the consumer), only one worker renders it at a time, its file is downloaded
in slices without being loaded by lists or progress polls, and old batches and kept badges
are pruned."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import event as sa_event
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Delegate, PrintJob, PrintJobStatus, RenderedDocument, StaffRole
from eventapp.services import printing, retention
from eventapp.services.transactions import write_transaction
from eventapp.tasks import resume_interrupted_print_jobs

from .factories import CHINESE, GERMAN, register_by_api
from .staff_helpers import sign_in

SYMPOSIUM = "german-enterprise-symposium"
LONG_AGO = datetime(2020, 3, 1, 9, 0, tzinfo=UTC)  # far older than any lease or retention


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def add_job(app, **values) -> int:
    with app.app_context():
        with write_transaction():
            job = PrintJob(sheet="a6", filters={"session": SYMPOSIUM}, total=2, **values)
            db.session.add(job)
        return job.id


def job_row(app, job_id: int) -> PrintJob:
    with app.app_context():
        job = db.session.get_one(PrintJob, job_id)
        db.session.expunge(job)
        return job


def interrupted_job(app, attempts: int = 1) -> int:
    """A batch its worker left running half-way, and never touched again."""
    return add_job(
        app, status=PrintJobStatus.RUNNING, done=1, attempts=attempts, created_at=LONG_AGO, heartbeat_at=LONG_AGO
    )


def test_a_batch_whose_worker_stopped_is_shown_interrupted_and_can_be_made_again(app, client, forum):
    register_by_api(client, [SYMPOSIUM], base=CHINESE)
    register_by_api(client, [SYMPOSIUM], base=GERMAN)
    sign_in(client, app, StaffRole.ORGANISER)
    job_id = interrupted_job(app)

    page = client.get(f"/admin/badges/jobs/{job_id}?lang=en")
    text = page_text(page)
    assert "The worker making this batch stopped" in text and "Make it now" in text
    assert 'class="print-job print-job-interrupted"' in page.get_data(as_text=True)
    assert "data-job-run-now hidden" not in page.get_data(as_text=True)
    state = client.get(f"/admin/badges/jobs/{job_id}.json?lang=en").json
    assert state["interrupted"] is True and state["offer_run_now"] is True
    assert f"#{job_id} · A6, one a page" in page_text(client.get("/admin/badges?lang=en"))
    assert "Interrupted" in page_text(client.get("/admin/badges?lang=en"))

    client.post(f"/admin/badges/jobs/{job_id}/run")
    state = client.get(f"/admin/badges/jobs/{job_id}.json?lang=en").json
    assert state["status"] == "done" and not state["interrupted"] and state["done"] == 2
    assert job_row(app, job_id).attempts == 2
    pdf = client.get(state["download_url"])
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 2


def test_a_running_batch_with_a_live_worker_is_not_interrupted_nor_taken_twice(app, client, forum):
    register_by_api(client, [SYMPOSIUM], base=GERMAN)
    sign_in(client, app, StaffRole.ORGANISER)
    job_id = add_job(app)
    with app.app_context():
        assert printing.claim_print_job(job_id)  # a worker takes it
        assert not printing.claim_print_job(job_id)  # a second one, or "make it now", does not
    state = client.get(f"/admin/badges/jobs/{job_id}.json?lang=en").json
    assert state["status"] == "running" and not state["interrupted"] and not state["offer_run_now"]
    client.post(f"/admin/badges/jobs/{job_id}/run")  # refused quietly: the worker holds it
    assert job_row(app, job_id).status == PrintJobStatus.RUNNING

    with app.app_context():  # its lease runs out: now another worker may take it
        later = datetime.now(UTC) + timedelta(seconds=app.config["PRINT_JOB_LEASE_SECONDS"] + 1)
        assert printing.claim_print_job(job_id, now=later)
    assert job_row(app, job_id).attempts == 2


def test_a_finished_batch_is_not_made_again(app, client, forum):
    register_by_api(client, [SYMPOSIUM], base=GERMAN)
    with app.app_context():
        job_id = add_job(app)
        printing.run_print_job(job_id)
        assert not printing.claim_print_job(job_id)
    assert job_row(app, job_id).attempts == 1


def test_the_consumer_runs_interrupted_batches_again_but_not_for_ever(app, client, forum):
    register_by_api(client, [SYMPOSIUM], base=GERMAN)
    register_by_api(client, [SYMPOSIUM], base=CHINESE)
    retried = interrupted_job(app, attempts=1)
    given_up = interrupted_job(app, attempts=app.config["PRINT_JOB_AUTO_ATTEMPTS"])
    with app.app_context():
        assert printing.jobs_to_resume() == [retried]
        resume_interrupted_print_jobs()  # the periodic task (tests run tasks inline)
    done = job_row(app, retried)
    assert done.status == PrintJobStatus.DONE and done.done == 2 and done.content_size > 0
    assert job_row(app, given_up).status == PrintJobStatus.RUNNING  # waits for an organiser
    sign_in(client, app, StaffRole.ORGANISER)
    assert "Make it now" in page_text(client.get(f"/admin/badges/jobs/{given_up}?lang=en"))


def test_the_file_is_downloaded_in_slices_and_lists_never_load_it(app, client, forum):
    register_by_api(client, [SYMPOSIUM], base=GERMAN)
    register_by_api(client, [SYMPOSIUM], base=CHINESE)
    sign_in(client, app, StaffRole.ORGANISER)
    job_id = add_job(app)
    with app.app_context():
        printing.run_print_job(job_id)
        content = db.session.execute(select(PrintJob.content).where(PrintJob.id == job_id)).scalar_one()
        assert b"".join(printing.job_file_chunks(job_id, len(content), chunk=997)) == content

    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", remember)
    try:
        assert client.get("/admin/badges?lang=en").status_code == 200
        assert client.get(f"/admin/badges/jobs/{job_id}.json").json["status"] == "done"
        assert client.get(f"/admin/badges/jobs/{job_id}").status_code == 200
    finally:
        sa_event.remove(engine, "before_cursor_execute", remember)
    reads = [s for s in statements if "print_jobs" in s]
    assert reads and not [s for s in reads if re.search(r"print_jobs\.content(?!_size)\b", s)]

    download = client.get(f"/admin/badges/jobs/{job_id}/badges.pdf")
    assert download.status_code == 200 and download.is_streamed
    assert download.headers["Content-Length"] == str(len(content))
    assert download.headers["Cache-Control"] == "private, no-store"
    assert download.data == content


def test_prune_removes_old_batches_and_badges_nobody_needs(app, client, forum):
    register_by_api(client, [SYMPOSIUM], base=GERMAN)
    now = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
    old = add_job(app, status=PrintJobStatus.DONE, finished_at=now - timedelta(days=31), content=b"%PDF old")
    with app.app_context():
        db.session.execute(PrintJob.__table__.update().where(PrintJob.id == old).values(content_size=len(b"%PDF old")))
        db.session.commit()
    recent = add_job(app, status=PrintJobStatus.DONE, finished_at=now - timedelta(days=2), content=b"%PDF new")
    running = add_job(app, status=PrintJobStatus.RUNNING, created_at=now - timedelta(days=90))
    with app.app_context():
        seated = db.session.execute(select(Delegate)).scalar_one()
        printing.badge_pdf(seated)  # kept: the delegate holds a seat
        with write_transaction():
            db.session.add(RenderedDocument(key="badge:999999", fingerprint="x", content=b"gone", rendered_at=now))
            db.session.add(
                RenderedDocument(key="agenda:xx", fingerprint="x", content=b"old", rendered_at=now - timedelta(days=61))
            )
        seated_key = printing.badge_key(seated.id)
        db.session.execute(
            RenderedDocument.__table__.update().where(RenderedDocument.key == seated_key).values(rendered_at=now)
        )
        db.session.commit()

        counted = retention.prune(now, dry_run=True)
        assert (counted.print_jobs, counted.print_job_bytes, counted.documents) == (1, 8, 2)
        assert db.session.get(PrintJob, old) is not None  # a dry run removes nothing

        retention.prune(now)
        db.session.expire_all()
        assert db.session.get(PrintJob, old) is None
        assert db.session.get(PrintJob, recent) is not None and db.session.get(PrintJob, running) is not None
        kept = set(db.session.execute(select(RenderedDocument.key)).scalars())
        assert seated_key in kept and "badge:999999" not in kept and "agenda:xx" not in kept


def test_prune_command_says_what_it_removed(app, runner, forum):
    add_job(app, status=PrintJobStatus.DONE, finished_at=LONG_AGO)
    dry = runner.invoke(args=["prune", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would remove 1 print batch (0.0 MB) and 0 kept documents (0.0 MB)." in dry.output
    done = runner.invoke(args=["prune"])
    assert "Removed 1 print batch (" in done.output
    assert "Removed 0 print batches" in runner.invoke(args=["prune"]).output
