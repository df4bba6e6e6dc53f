"""Commands for `flask --app eventapp ...`."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask import Flask
from flask.cli import with_appcontext

from ..demo import forum as demo
from ..models import SessionAccess, StaffRole
from ..services import programme
from ..services import staff as staff_service
from ..services.audit import Actor
from ..services.events import current_event
from ..services.registration import RegistrationRefused, sessions_by_slug


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(fake_delegates_command)
    app.cli.add_command(session_access_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(set_password_command)
    app.cli.add_command(create_api_token_command)
    app.cli.add_command(demo_accounts_command)
    from .agenda import agenda_command
    from .badges import badges_command
    from .invitations import import_invitations_command
    from .mail import send_mail_command
    from .prune import prune_command
    from .visa import erase_passport_data_command

    app.cli.add_command(agenda_command)
    app.cli.add_command(badges_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(prune_command)
    app.cli.add_command(import_invitations_command)
    app.cli.add_command(erase_passport_data_command)


def _parse_date(ctx, param, value: str | None) -> date:
    if value is None:
        return demo.suitable_forum_day(date.today())
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use the form YYYY-MM-DD, e.g. 2026-12-26") from None


@click.command("seed-demo")
@click.option(
    "--date",
    "start",
    callback=_parse_date,
    metavar="YYYY-MM-DD",
    help="The forum's date (default: the first weekday 30 days or more from today that is a public holiday neither in China nor in Germany).",
)
@with_appcontext
def seed_demo_command(start: date) -> None:
    """Load the demo forum once; running it again changes nothing."""
    event, created = demo.seed_demo_forum(start)
    if created:
        click.echo(f"Loaded the demo forum on {event.starts_on.isoformat()}.")
    else:
        click.echo(f"The demo forum is already loaded (on {event.starts_on.isoformat()}); nothing changed.")


@click.command("session-access")
@click.argument("slug")
@click.argument("access", type=click.Choice([a.value for a in SessionAccess]))
@with_appcontext
def session_access_command(slug: str, access: str) -> None:
    """Set who may take a seat in a session: open (first come, first served), application
    (organisers approve) or invitation (only invitation links)."""
    event = current_event()
    if event is None:
        raise click.ClickException("No event yet: run `flask --app eventapp seed-demo` first.")
    try:
        (session,) = sessions_by_slug(event, [slug])
    except RegistrationRefused as refusal:
        raise click.ClickException(refusal.message) from None
    programme.set_access(session, SessionAccess(access), actor=Actor.command("session-access"))
    click.echo(f"{slug}: {access}.")


@click.command("fake-delegates")
@click.argument("count", type=click.IntRange(min=1, max=100_000))
@click.option("--seed", type=int, default=None, help="Seed for repeatable names.")
@click.option("--session", "session_slug", default="exhibition", show_default=True)
@with_appcontext
def fake_delegates_command(count: int, seed: int | None, session_slug: str) -> None:
    """Add COUNT plausible delegates (Chinese and German) registered for a session."""
    event = current_event()
    if event is None:
        raise click.ClickException("No event yet: run `flask --app eventapp seed-demo` first.")
    with click.progressbar(length=count, label="Adding delegates") as bar:
        added = demo.add_fake_delegates(event, count, seed, session_slug, progress=bar.update)
    click.echo(f"Added {added} delegates to {session_slug}.")


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in StaffRole]), required=True)
@click.option("--name", default="", help="The person's name, shown to other staff.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a staff account (admin, organiser or door); the password is asked for."""
    password = read_password(password_stdin)
    try:
        user = staff_service.create_user(
            email, StaffRole(role), password, name=name, actor=Actor.command("create-user")
        )
    except staff_service.StaffError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role.value} account {user.email}.")


@click.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def set_password_command(email: str, password_stdin: bool) -> None:
    """Give a staff account a new password (e.g. forgotten); its sign-ins all end."""
    user = staff_service.find_user(email)
    if user is None:
        raise click.ClickException(f"No staff account for {email}.")
    password = read_password(password_stdin)
    try:
        staff_service.set_password(user, password, actor=Actor.command("set-password"))
    except staff_service.StaffError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"New password set for {user.email}; its sign-ins have ended.")


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-api-token")
@click.argument("email")
@with_appcontext
def create_api_token_command(email: str) -> None:
    """Make a bearer token for a staff account (shown once; send as Authorization: Bearer)."""
    user = staff_service.find_user(email)
    if user is None:
        raise click.ClickException(f"No staff account for {email}.")
    click.echo(staff_service.create_api_token(user))


@click.command("demo-accounts")
@with_appcontext
def demo_accounts_command() -> None:
    """Create the demo admin, organiser and door accounts once, and print their logins."""
    for email, role, password in staff_service.ensure_demo_accounts():
        click.echo(f"  {role:<10} {email:<28} password: {password}")
