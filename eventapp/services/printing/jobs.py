"""Kept badges and print jobs: a delegate's badge kept until what is on it changes
(`badge_pdf`, `refresh_badge` for the background task), which delegates a batch prints
(`select_badge_delegates`, `job_selection` for a PrintJob's filters), a batch that reuses
the kept badges and renders the rest (`batch_pdf`), and a print job run with its progress
(`run_print_job`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
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
from .render import CHUNK_SIZE, _render_in_chunks, badge_fingerprint, render_badge, worker_count
from .sheets import SHEETS, merge_badges

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
    workers: int | None = None,
) -> bytes:
    """One print file with exactly one badge per delegate, in the order given: kept badges
    that are current are reused; the others are rendered in chunks in parallel processes and
    kept. `progress` is called with the number of badges just made ready."""
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

    def keep_chunk(ids: list[int], pdfs: list[bytes]) -> None:
        triples = [(badge_key(i), wanted[badge_key(i)], pdf) for i, pdf in zip(ids, pdfs)]
        documents.keep(triples)
        ready.update((key, pdf) for key, _, pdf in triples)
        if progress:
            made = set(ids)
            progress(sum(1 for b in badges if b.delegate_id in made))

    if missing:
        _render_in_chunks(missing, keep_chunk, chunk_size, workers or worker_count())
    return merge_badges([ready[badge_key(b.delegate_id)] for b in badges], sheet)


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


def run_print_job(job_id: int) -> None:
    """Make a print job's file: select its delegates, render what is not kept, merge. The
    job's `done` moves in steps of about 5 % so a page can show the progress."""
    job = db.session.get(PrintJob, job_id)
    if job is None or job.status == PrintJobStatus.DONE:
        return

    def update(**values) -> None:
        with write_transaction():
            current = db.session.get(PrintJob, job_id, populate_existing=True)
            for name, value in values.items():
                setattr(current, name, value)

    update(status=PrintJobStatus.RUNNING, done=0, error="", content=None, finished_at=None)
    try:
        event = current_event()
        if event is None:
            raise RegistrationRefused(_("There is no event to print badges for."))
        delegates = select_badge_delegates(event, **job_selection(job.filters or {}))
        if not delegates:
            raise RegistrationRefused(_("No delegate with a confirmed seat matches these choices."))
        total = len(delegates)
        update(total=total)
        step = max(1, total // 20)
        counted = {"done": 0, "reported": 0}

        def advance(count: int) -> None:
            counted["done"] += count
            if counted["done"] - counted["reported"] >= step:
                counted["reported"] = counted["done"]
                update(done=min(counted["done"], total))

        content = batch_pdf(delegates, job.sheet, advance)
        update(status=PrintJobStatus.DONE, done=total, content=content, finished_at=utcnow())
    except (FontMissing, RegistrationRefused) as error:
        db.session.rollback()
        update(status=PrintJobStatus.FAILED, error=str(error), finished_at=utcnow())
    except Exception as error:
        log.exception("print job %s failed", job_id)
        db.session.rollback()
        update(
            status=PrintJobStatus.FAILED,
            error=_("Printing failed: %(error)s", error=f"{type(error).__name__}: {error}"),
            finished_at=utcnow(),
        )
