"""Kept badges and print jobs: a delegate's badge kept until what is on it changes
(`badge_pdf`, `refresh_badge` for the background task), which delegates a batch prints
(`select_badge_delegates`, `job_selection` for a PrintJob's filters), a batch that reuses
the kept badges and renders the rest (`batch_pdf`), and a print job run with its progress
and lease (`run_print_job`, `interrupted_jobs`), its file read in slices (`job_file_chunks`).

The lease: one worker at a time claims a job (a conditional UPDATE, so a "run now" click and
the consumer cannot both render it) and touches `heartbeat_at` with every step of progress.
A running job whose heartbeat is older than PRINT_JOB_LEASE_SECONDS lost its worker; running
it again reuses every badge already kept, so it goes on where it stopped."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import CursorResult, LargeBinary, func, or_, select, update
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    Delegate,
    Event,
    OrganisationType,
    PrintJob,
    PrintJobStatus,
    Registration,
    RegistrationStatus,
    Session,
    utcnow,
)
from .. import documents
from ..events import current_event
from ..pdf import FontMissing, ensure_fonts
from ..registration import RegistrationRefused, sessions_by_slug
from ..transactions import write_transaction
from .badge_data import _badge_data, _LanguageTexts, badge_data
from .render import (
    CHUNK_SIZE,
    RenderStats,
    RenderWorkers,
    _render_in_chunks,
    badge_fingerprint,
    render_badge,
    worker_count,
)
from .sheets import SHEETS, _PdfParts, merge_badges

log = logging.getLogger(__name__)


def badge_key(delegate_id: int) -> str:
    return f"badge:{delegate_id}"


# --- kept badges ---------------------------------------------------------------------------


def badge_pdf(delegate: Delegate) -> bytes:
    """The delegate's badge: the kept one if it is current, else rendered now and kept."""
    data = badge_data(delegate)
    key, current = badge_key(delegate.id), badge_fingerprint(data)
    content = documents.cached(key, current)
    if content is None:
        content = render_badge(data)
        documents.keep([(key, current, content)])
    return content


def refresh_badge(delegate_id: int) -> bool:
    """For the background task: render and keep the badge of a delegate with a confirmed
    seat when the kept one is missing or stale. Returns whether it rendered."""
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None or not any(r.status == RegistrationStatus.CONFIRMED for r in delegate.registrations):
        return False
    data = badge_data(delegate)
    key, current = badge_key(delegate.id), badge_fingerprint(data)
    if documents.cached(key, current) is not None:
        return False
    documents.keep([(key, current, render_badge(data))])
    return True


# --- batches for the print shop ------------------------------------------------------------


def _day_start_utc(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(zone)).astimezone(UTC)


def select_badge_delegates(
    event: Event,
    session_slug: str | None = None,
    organisation_type: str | None = None,
    registered_from: date | None = None,
    registered_until: date | None = None,
) -> list[Delegate]:
    """Delegates with a confirmed registration (in that session, if one is named; confirmed
    between those days, in the event's time zone, if given) of that delegation type, in
    print order: family name, Chinese names by pinyin (Delegate.sort_name), then id.
    An unknown session slug raises registration.UnknownSession."""
    confirmed = (
        select(Registration.delegate_id)
        .join(Registration.session)
        .where(Session.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
    )
    if session_slug:
        (session,) = sessions_by_slug(event, [session_slug])
        confirmed = confirmed.where(Registration.session_id == session.id)
    if registered_from:
        confirmed = confirmed.where(Registration.confirmed_at >= _day_start_utc(registered_from, event.timezone))
    if registered_until:
        end = _day_start_utc(registered_until + timedelta(days=1), event.timezone)
        confirmed = confirmed.where(Registration.confirmed_at < end)
    statement = (
        select(Delegate)
        .where(Delegate.event_id == event.id, Delegate.id.in_(confirmed))
        .order_by(Delegate.sort_name, Delegate.id)
        .options(selectinload(Delegate.registrations).selectinload(Registration.session))
    )
    if organisation_type:
        statement = statement.where(Delegate.organisation_type == OrganisationType(organisation_type))
    return list(db.session.execute(statement).scalars())


def batch_pdf(
    delegates: Sequence[Delegate],
    sheet: str = "a6",
    progress: Callable[[int], None] | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    workers: int | RenderWorkers | None = None,
    on_render: Callable[[RenderStats], None] | None = None,
) -> bytes:
    """One print file with exactly one badge per delegate, in the order given: kept badges
    that are current are reused; the others are rendered in chunks in parallel processes
    (`workers` of them, or those of a RenderWorkers started ahead) and kept. `progress` is
    called with the number of badges just made ready; `on_render` with the figures of the
    rendering, if any was needed."""
    if sheet not in SHEETS:
        raise ValueError(f"unknown sheet {sheet!r}; use one of {', '.join(SHEETS)}")
    if not delegates:
        raise ValueError("no delegates: a print file needs at least one badge")
    ensure_fonts()
    shared: dict[tuple[int, str], _LanguageTexts] = {}
    badges = [_badge_data(delegate, shared) for delegate in delegates]
    wanted = {badge_key(b.delegate_id): badge_fingerprint(b) for b in badges}
    ready = documents.cached_many(wanted)
    if progress and ready:
        progress(sum(1 for b in badges if badge_key(b.delegate_id) in ready))
    missing = list({b.delegate_id: b for b in badges if badge_key(b.delegate_id) not in ready}.values())

    taken_apart: dict[str, _PdfParts] = {}  # the rendered badges' parts, for the merge

    def keep_chunk(ids: list[int], rendered: list[tuple[bytes, _PdfParts]]) -> None:
        triples = [(badge_key(i), wanted[badge_key(i)], pdf) for i, (pdf, _parts) in zip(ids, rendered)]
        documents.keep(triples)
        ready.update((key, pdf) for key, _, pdf in triples)
        taken_apart.update((badge_key(i), parts) for i, (_pdf, parts) in zip(ids, rendered))
        if progress:
            made = set(ids)
            progress(sum(1 for b in badges if b.delegate_id in made))

    if missing:
        stats = _render_in_chunks(missing, keep_chunk, chunk_size, workers or worker_count())
        if on_render:
            on_render(stats)
    elif isinstance(workers, RenderWorkers):
        workers.release()  # started ahead, not needed: every badge is kept
    keys = [badge_key(b.delegate_id) for b in badges]
    return merge_badges([ready[key] for key in keys], sheet, [taken_apart.get(key) for key in keys])


def job_selection(filters: dict) -> dict:
    """PrintJob.filters (JSON: ISO dates) as select_badge_delegates' arguments."""

    def day(value):
        return date.fromisoformat(value) if value else None

    return {
        "session_slug": filters.get("session") or None,
        "organisation_type": filters.get("organisation_type") or None,
        "registered_from": day(filters.get("registered_from")),
        "registered_until": day(filters.get("registered_until")),
    }


class NothingToPrint(Exception):
    """No delegate with a confirmed seat matches a batch's choices."""

    def __init__(self) -> None:
        self.message = _("No delegate with a confirmed seat matches these choices.")
        super().__init__(self.message)


def create_print_job(event: Event, sheet: str, filters: dict, created_by_id: int | None) -> PrintJob:
    """A print batch for the delegates the filters choose (as the form gives them, ISO
    dates), counted now so the page can say "n of total"; NothingToPrint when none match.
    The caller queues run_print_job for it."""
    total = len(select_badge_delegates(event, **job_selection(filters)))
    if total == 0:
        raise NothingToPrint()
    with write_transaction() as dbs:
        job = PrintJob(sheet=sheet, filters=filters, total=total, created_by_id=created_by_id)
        dbs.add(job)
    return job


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["PRINT_JOB_LEASE_SECONDS"])


def is_interrupted(job: PrintJob, now: datetime | None = None) -> bool:
    """A running job whose worker has shown no sign of life for the lease."""
    if job.status != PrintJobStatus.RUNNING:
        return False
    last_sign = job.heartbeat_at or job.created_at
    return last_sign < (now or utcnow()) - lease()


def can_run_again(job: PrintJob, now: datetime | None = None) -> bool:
    return job.status in (PrintJobStatus.QUEUED, PrintJobStatus.FAILED) or is_interrupted(job, now)


def claim_print_job(job_id: int, now: datetime | None = None) -> bool:
    """Take the job for this worker if nobody holds it: queued, failed, or running with an
    expired lease. One UPDATE, so of two workers (or a worker and a "run now") one wins."""
    now = now or utcnow()
    with write_transaction() as dbs:
        result = dbs.execute(
            update(PrintJob)
            .where(
                PrintJob.id == job_id,
                or_(
                    PrintJob.status.in_([PrintJobStatus.QUEUED, PrintJobStatus.FAILED]),
                    (PrintJob.status == PrintJobStatus.RUNNING)
                    & (func.coalesce(PrintJob.heartbeat_at, PrintJob.created_at) < now - lease()),
                ),
            )
            .values(
                status=PrintJobStatus.RUNNING,
                heartbeat_at=now,
                attempts=PrintJob.attempts + 1,
                done=0,
                error="",
                content=None,
                content_size=0,
                finished_at=None,
            )
            .execution_options(synchronize_session=False)
        )
    return cast(CursorResult, result).rowcount == 1


def interrupted_jobs(now: datetime | None = None) -> list[PrintJob]:
    """Running jobs whose lease has expired, oldest first (for the consumer to run again)."""
    now = now or utcnow()
    return list(
        db.session.execute(
            select(PrintJob)
            .where(
                PrintJob.status == PrintJobStatus.RUNNING,
                func.coalesce(PrintJob.heartbeat_at, PrintJob.created_at) < now - lease(),
            )
            .order_by(PrintJob.id)
        ).scalars()
    )


def jobs_to_resume(now: datetime | None = None) -> list[int]:
    """The interrupted jobs the consumer may run again by itself: those not yet tried
    PRINT_JOB_AUTO_ATTEMPTS times (a batch that kills its worker each time waits for an
    organiser instead of looping)."""
    limit = current_app.config["PRINT_JOB_AUTO_ATTEMPTS"]
    return [job.id for job in interrupted_jobs(now) if job.attempts < limit]


def job_file_chunks(job_id: int, size: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """A finished job's file in slices of `chunk` bytes, each its own small query, so a
    37 MB batch is never held in memory whole (SUBSTR works on BLOB and bytea alike)."""
    for start in range(1, size + 1, chunk):
        part = db.session.execute(
            select(func.substr(PrintJob.content, start, chunk, type_=LargeBinary)).where(PrintJob.id == job_id)
        ).scalar_one()
        yield bytes(part)


def run_print_job(job_id: int) -> None:
    """Make a print job's file: select its delegates, render what is not kept, merge. The
    job's `done` moves in steps of about 5 % so a page can show the progress; every step
    (and at least every few seconds of rendering) renews the lease. Does nothing if another
    worker holds the job or it is done."""
    if not claim_print_job(job_id):
        return
    job = db.session.get_one(PrintJob, job_id)
    beat_every = lease() / 4

    def update_job(**values) -> None:
        with write_transaction():
            current = db.session.get_one(PrintJob, job_id, populate_existing=True)
            for name, value in values.items():
                setattr(current, name, value)
            current.heartbeat_at = utcnow()

    try:
        event = current_event()
        if event is None:
            raise RegistrationRefused(_("There is no event to print badges for."))
        delegates = select_badge_delegates(event, **job_selection(job.filters or {}))
        if not delegates:
            raise RegistrationRefused(_("No delegate with a confirmed seat matches these choices."))
        total = len(delegates)
        update_job(total=total)
        step = max(1, total // 20)
        counted = {"done": 0, "reported": 0}
        last_beat = [utcnow()]

        def advance(count: int) -> None:
            counted["done"] += count
            now = utcnow()
            if counted["done"] - counted["reported"] >= step or now - last_beat[0] >= beat_every:
                counted["reported"] = counted["done"]
                last_beat[0] = now
                update_job(done=min(counted["done"], total))

        content = batch_pdf(delegates, job.sheet, advance)
        update_job(
            status=PrintJobStatus.DONE, done=total, content=content, content_size=len(content), finished_at=utcnow()
        )
    except (FontMissing, RegistrationRefused) as error:
        db.session.rollback()
        update_job(status=PrintJobStatus.FAILED, error=str(error), finished_at=utcnow())
    except Exception as error:
        log.exception("print job %s failed", job_id)
        db.session.rollback()
        update_job(
            status=PrintJobStatus.FAILED,
            error=_("Printing failed: %(error)s", error=f"{type(error).__name__}: {error}"),
            finished_at=utcnow(),
        )
