"""How long rendered files are kept: finished print batches (their files are tens of
megabytes) and kept badges and agendas. Pruned by `flask --app eventapp prune` and by the
consumer every night; nothing here is the only copy of anything (a pruned badge or agenda
is rendered again when asked for, a pruned batch made again from the back office)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import PrintJob, PrintJobStatus, Registration, RegistrationStatus, RenderedDocument, utcnow
from .printing import badge_key
from .transactions import write_transaction

FINISHED = (PrintJobStatus.DONE, PrintJobStatus.FAILED)
BADGE_PREFIX = badge_key(0).removesuffix("0")  # "badge:"


@dataclass(frozen=True)
class PruneReport:
    print_jobs: int  # finished batches removed
    print_job_bytes: int  # the size of their files
    documents: int  # kept badges and agendas removed
    document_bytes: int


def prune(now: datetime | None = None, *, dry_run: bool = False) -> PruneReport:
    """Remove finished print batches older than PRINT_JOB_RETENTION_DAYS, kept documents
    not rendered again for DOCUMENT_RETENTION_DAYS, and kept badges of delegates who no
    longer hold a confirmed seat (or no longer exist). `dry_run` counts without removing."""
    now = now or utcnow()
    config = current_app.config
    jobs_before = now - timedelta(days=config["PRINT_JOB_RETENTION_DAYS"])
    documents_before = now - timedelta(days=config["DOCUMENT_RETENTION_DAYS"])
    with write_transaction() as dbs:
        old_jobs = (PrintJob.status.in_(FINISHED)) & (
            func.coalesce(PrintJob.finished_at, PrintJob.created_at) < jobs_before
        )
        jobs, job_bytes = dbs.execute(
            select(func.count(PrintJob.id), func.coalesce(func.sum(PrintJob.content_size), 0)).where(old_jobs)
        ).one()
        stale_keys = _stale_document_keys(documents_before)
        document_bytes = 0
        for start in range(0, len(stale_keys), 500):
            document_bytes += dbs.execute(
                select(func.coalesce(func.sum(func.length(RenderedDocument.content)), 0)).where(
                    RenderedDocument.key.in_(stale_keys[start : start + 500])
                )
            ).scalar_one()
        if not dry_run:
            dbs.execute(delete(PrintJob).where(old_jobs).execution_options(synchronize_session=False))
            for start in range(0, len(stale_keys), 500):
                dbs.execute(
                    delete(RenderedDocument)
                    .where(RenderedDocument.key.in_(stale_keys[start : start + 500]))
                    .execution_options(synchronize_session=False)
                )
    return PruneReport(int(jobs), int(job_bytes), len(stale_keys), int(document_bytes))


def _stale_document_keys(rendered_before: datetime) -> list[str]:
    """Keys of documents too old, and of badges whose delegate holds no confirmed seat."""
    old = set(
        db.session.execute(select(RenderedDocument.key).where(RenderedDocument.rendered_at < rendered_before)).scalars()
    )
    seated = {
        badge_key(delegate_id)
        for delegate_id in db.session.execute(
            select(Registration.delegate_id).where(Registration.status == RegistrationStatus.CONFIRMED).distinct()
        ).scalars()
    }
    orphan_badges = {
        key
        for key in db.session.execute(
            select(RenderedDocument.key).where(RenderedDocument.key.startswith(BADGE_PREFIX))
        ).scalars()
        if key not in seated
    }
    return sorted(old | orphan_badges)
