"""`flask --app eventapp badges`: the print-shop file of badges, from the command line."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..models import Delegate, OrganisationType
from ..services import printing
from ..services.events import current_event
from ..services.pdf import FontMissing
from ..services.registration import UnknownSession

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.command("badges")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The PDF file to write.",
)
@click.option("--session", "session_slug", default=None, help="Only delegates confirmed for this session (its slug).")
@click.option(
    "--sheet",
    type=click.Choice(printing.SHEETS),
    default="a6",
    show_default=True,
    help="a6: one badge per page with bleed and crop marks; print-shop: the same with an sRGB "
    "output intent (PDF/X-4 style); a4-4up: four badges per A4 sheet for an office printer.",
)
@click.option(
    "--organisation-type",
    type=click.Choice([t.value for t in OrganisationType]),
    default=None,
    help="Only delegates of this type.",
)
@click.option("--registered-from", type=DAY, help="Confirmed on or after this day (YYYY-MM-DD).")
@click.option("--registered-until", type=DAY, help="Confirmed on or before this day (YYYY-MM-DD).")
@with_appcontext
def badges_command(
    out: Path,
    session_slug: str | None,
    sheet: str,
    organisation_type: str | None,
    registered_from: datetime | None,
    registered_until: datetime | None,
) -> None:
    """Write the badges of every delegate with a confirmed registration (or those chosen by
    the options), sorted by family name, Chinese names by pinyin, to one PDF."""
    # The workers start now: they load WeasyPrint and the fonts while the delegates are chosen.
    with printing.RenderWorkers() as workers:
        delegates = _chosen_delegates(session_slug, organisation_type, registered_from, registered_until)
        started = time.perf_counter()
        try:
            with click.progressbar(length=len(delegates), label="Making badges") as bar:
                content = printing.batch_pdf(delegates, sheet, progress=bar.update, workers=workers)
        except FontMissing as missing:
            raise click.ClickException(str(missing)) from None
    out.write_bytes(content)
    seconds = time.perf_counter() - started
    click.echo(
        f"Wrote {len(delegates)} badges ({sheet}, {len(content) / 1_048_576:.1f} MiB) to {out} in {seconds:.1f} s."
    )


def _chosen_delegates(
    session_slug: str | None,
    organisation_type: str | None,
    registered_from: datetime | None,
    registered_until: datetime | None,
) -> list[Delegate]:
    event = current_event()
    if event is None:
        raise click.ClickException("No event yet: run `flask --app eventapp seed-demo` first.")
    try:
        delegates = printing.select_badge_delegates(
            event,
            session_slug,
            organisation_type,
            registered_from.date() if registered_from else None,
            registered_until.date() if registered_until else None,
        )
    except UnknownSession as unknown:
        slugs = ", ".join(s.slug for s in event.sessions)
        raise click.ClickException(f"{unknown.message} Known sessions: {slugs}.") from None
    if not delegates:
        raise click.ClickException("No delegate with a confirmed registration matches; nothing written.")
    return delegates
