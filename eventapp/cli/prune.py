"""`flask --app eventapp prune`: remove old print batches and kept documents (retention)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..services import retention


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


@click.command("prune")
@click.option("--dry-run", is_flag=True, help="Say what would be removed, remove nothing.")
@with_appcontext
def prune_command(dry_run: bool) -> None:
    """Remove finished print batches older than PRINT_JOB_RETENTION_DAYS (default 30), kept
    badges and agendas not rendered again for DOCUMENT_RETENTION_DAYS (default 60), and kept
    badges of delegates without a confirmed seat. The consumer does the same every night."""
    report = retention.prune(dry_run=dry_run)
    verb = "Would remove" if dry_run else "Removed"
    click.echo(
        f"{verb} {_count(report.print_jobs, 'print batch', 'print batches')} ({_megabytes(report.print_job_bytes)}) "
        f"and {_count(report.documents, 'kept document', 'kept documents')} ({_megabytes(report.document_bytes)})."
    )
