"""`flask --app eventapp erase-passport-data`: erase passport data past its retention."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..services import visa
from ..services.audit import Actor


@click.command("erase-passport-data")
@click.option("--dry-run", is_flag=True, help="Say how many would be erased, erase nothing.")
@with_appcontext
def erase_passport_data_command(dry_run: bool) -> None:
    """Erase the passport data of visa letter requests once their event's last day lies
    more than the event's retention (passport_retention_days, default 30) behind, each with
    an entry in the audit log. The consumer does the same every night."""
    count = visa.erase_passport_data(actor=Actor.command("erase-passport-data"), dry_run=dry_run)
    noun = "visa request" if count == 1 else "visa requests"
    click.echo(f"{'Would erase' if dry_run else 'Erased'} the passport data of {count} {noun}.")
