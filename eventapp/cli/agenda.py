"""`flask --app eventapp agenda`: the programme as PDF (or .ics) for the printer or the web."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..models import LANGUAGES
from ..services import agendas, calendar
from ..services.events import current_event
from ..services.pdf import FontMissing


@click.command("agenda")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write, e.g. agenda-de.pdf.",
)
@click.option("--lang", "language", type=click.Choice(LANGUAGES), default="en", show_default=True)
@click.option("--ics", is_flag=True, help="Write the programme as an iCalendar file instead of a PDF.")
@with_appcontext
def agenda_command(out: Path, language: str, ics: bool) -> None:
    """Write the whole programme (A4 PDF, kept for the web too) or its calendar file."""
    event = current_event()
    if event is None:
        raise click.ClickException("No event yet: run `flask --app eventapp seed-demo` first.")
    try:
        content = calendar.programme_ics(event, language) if ics else agendas.programme_pdf(event, language)
    except FontMissing as missing:
        raise click.ClickException(str(missing)) from None
    out.write_bytes(content)
    kind = "calendar" if ics else "programme"
    click.echo(f"Wrote the {kind} ({language}, {len(content) // 1024 or 1} KiB) to {out}.")
