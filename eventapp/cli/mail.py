"""`flask --app eventapp send-mail`: deliver the outbox once, or keep delivering."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..services import mail


@click.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep sending: look for due mails every --interval seconds.")
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds between passes with --loop.",
)
@with_appcontext
def send_mail_command(loop: bool, interval: float) -> None:
    """Send the mails that are due (new ones, and retries whose time has come)."""
    click.echo(f"Sending mail through {mail.describe_transport()}.")
    while True:
        try:
            report = mail.send_due()
        except Exception as error:
            if not loop:
                raise
            click.echo(f"pass failed, trying again: {type(error).__name__}: {error}", err=True)
            db.session.rollback()
            time.sleep(interval)
            continue
        if report.sent or report.retrying or report.failed or report.interrupted or not loop:
            click.echo(
                f"sent {report.sent}, to retry {report.retrying}, failed {report.failed}"
                + (f", interrupted earlier {report.interrupted}" if report.interrupted else "")
            )
        if not loop:
            return
        time.sleep(interval)
