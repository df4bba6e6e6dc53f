"""`flask --app eventapp import-invitations FILE`: a list of invitees from a CSV or XLSX file,
by the same rules as the organisers' import page. Nobody is mailed: invitations are sent
from the invitations page."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..services import invitations
from ..services.audit import Actor
from ..services.events import current_event

COMMAND = "import-invitations"


@click.command(COMMAND)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--sessions",
    default="",
    metavar="SLUG,...",
    help="The sessions of rows that name none in a Sessions column (their short names, comma-separated).",
)
@click.option("--dry-run", is_flag=True, help="Check the list and say what saving would do; save nothing.")
@with_appcontext
def import_invitations_command(file: Path, sessions: str, dry_run: bool) -> None:
    """Invite the people listed in FILE; importing the same file again changes nothing."""
    event = current_event()
    if event is None:
        raise click.ClickException("No event yet: run `flask --app eventapp seed-demo` first.")
    slugs = [slug.strip() for slug in sessions.split(",") if slug.strip()]
    unknown = sorted(set(slugs) - {s.slug for s in event.sessions})
    if unknown:
        raise click.BadParameter(f"no such session: {', '.join(unknown)}", param_hint="--sessions")
    try:
        table = invitations.read_table(file.name, file.read_bytes()[: invitations.MAX_FILE_BYTES + 1])
    except invitations.ImportFileError as problem:
        raise click.ClickException(str(problem)) from None
    mapping = invitations.guess_mapping(table.header)
    for number, (title, field) in enumerate(zip(table.header, mapping), start=1):
        click.echo(f"column {number} {title!r}: {field.value if field else 'not imported'}")
    if dry_run:
        outcome = invitations.preview_import(event, table, mapping, slugs)
    else:
        outcome = invitations.save_import(event, table, mapping, slugs, Actor.command(COMMAND))
    if outcome.problems:
        raise click.ClickException(" ".join(outcome.problems))
    labels = invitations.field_labels()
    for row in outcome.rows:
        for field, message in row.problems:
            click.echo(f"row {row.number}: {labels[field]}: {message}", err=True)
    counts = outcome.counts
    click.echo(
        ("Would save" if dry_run else "Saved")
        + f": {counts[invitations.RowState.NEW]} new, {counts[invitations.RowState.UPDATED]} updated,"
        f" {counts[invitations.RowState.UNCHANGED]} unchanged, {counts[invitations.RowState.INVALID]} rows not valid."
    )
