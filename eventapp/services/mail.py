"""Mail to delegates through an outbox.

A change that a delegate should hear about notes it (`note`) inside the transaction that
makes the change; just before that transaction commits, the notes become `OutboxMail` rows,
one per delegate and kind of news. So a committed registration always has its mail and a
rolled-back one never does, and nothing slow (templates, SMTP) runs under the seat lock.

The sender (`send_due`: the huey task, `flask send-mail`) claims due mails one at a time,
writes each from the delegate's data then, in their language, and hands it to the transport:
SMTP when MAIL_SERVER is set, else .eml files in instance/mail/. A mail is marked SENDING
before it is handed over and SENT after: a failure puts it back in the queue with a growing
delay, and after MAIL_MAX_ATTEMPTS it is FAILED for organisers to see and resend. If the
sender dies between the two, the mail stays SENDING; it is not sent again by itself (it may
have arrived), but shown to organisers as interrupted after MAIL_SENDING_LEASE.
"""

from __future__ import annotations

import logging
import re
import smtplib
import socket
import ssl
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from ..extensions import db
from ..i18n import HTML_LANG, localized
from ..i18n import lazy_gettext as _l
from ..models import (
    Delegate,
    Event,
    MailKind,
    MailStatus,
    OutboxMail,
    Registration,
    RegistrationStatus,
    Session,
    utcnow,
)
from .audit import record_audit
from .private_links import current_private_link_token, hash_token
from .standing import delegates_by_email, waitlist_position
from .transactions import write_transaction

log = logging.getLogger(__name__)

_NOTES = "eventapp_mail_notes"
_SUPPRESSED = "eventapp_mail_suppressed"
_QUEUED = "eventapp_mail_queued"

SUBJECTS = {
    MailKind.RECEIVED: _l("Your registration: %(event)s"),
    MailKind.WAITLISTED: _l("You are on the waiting list: %(event)s"),
    MailKind.PROMOTED: _l("Your seat is confirmed: %(event)s"),
    MailKind.CANCELLED: _l("Registration cancelled: %(event)s"),
    MailKind.DETAILS_CHANGED: _l("Your details were updated: %(event)s"),
    MailKind.PRIVATE_LINK: _l("Your private link: %(event)s"),
}
# These carry the personal agenda as a calendar file.
WITH_CALENDAR = {MailKind.RECEIVED, MailKind.PROMOTED}


# last_error of a mail whose sender died while handing it over (shown to organisers).
INTERRUPTED = "interrupted while sending; it may have arrived"


class MailNotWritten(RuntimeError):
    """The mail cannot be written (its delegate is gone): retrying will not help."""


# --- noting changes inside a transaction ----------------------------------------------------


def note(delegate: Delegate, kind: MailKind, *, actor: str = "system", **payload) -> None:
    """Tell the delegate about this change once the transaction commits. Notes of one kind
    for one delegate in one transaction make one mail (registration ids are gathered)."""
    dbs = db.session()
    if dbs.info.get(_SUPPRESSED):
        return
    notes = dbs.info.setdefault(_NOTES, {})
    entry = notes.setdefault((delegate.id, kind), {"actor": actor})
    for name, value in payload.items():
        if isinstance(value, list):
            entry[name] = entry.get(name, []) + value
        else:
            entry[name] = value


@contextmanager
def suppressed():
    """No mails for changes made inside (demo data, fake delegates: nobody to write to)."""
    dbs = db.session()
    dbs.info[_SUPPRESSED] = True
    try:
        yield
    finally:
        dbs.info.pop(_SUPPRESSED, None)


def _write_notes_to_outbox(session: OrmSession) -> None:
    notes = session.info.pop(_NOTES, None)
    if not notes:
        return
    for (delegate_id, kind), entry in notes.items():
        actor = entry.pop("actor")
        for name, value in entry.items():
            if isinstance(value, list):
                entry[name] = sorted(set(value))
        if kind == MailKind.RECEIVED and entry["waitlisted"] == entry["registrations"]:
            kind = MailKind.WAITLISTED  # nothing confirmed: the waiting list is the news
        if entry.get("registrations"):
            entry["status_at_change"] = _statuses_now(session, entry["registrations"])
        session.add(
            OutboxMail(
                delegate_id=delegate_id,
                kind=kind,
                payload=entry,
                message_id=new_message_id(),
                created_by=actor,
            )
        )
    session.info[_QUEUED] = True


def _statuses_now(session: OrmSession, registration_ids: list[int]) -> dict[str, list]:
    """Each registration's status and waiting-list position as this change left them: the
    mail tells of the change, even if it goes out after later ones."""
    snapshot = {}
    for registration_id in registration_ids:
        registration = session.get(Registration, registration_id)
        if registration is not None:
            snapshot[str(registration_id)] = [registration.status.value, waitlist_position(registration)]
    return snapshot


SENDER_QUEUE = "eventapp.queue_mail_sender"  # app.extensions: queues the sender (tasks.py)


def _after_commit(session: OrmSession) -> None:
    if session.info.pop(_QUEUED, False) and current_app.config.get("MAIL_SEND_AFTER_COMMIT"):
        queue_sender = current_app.extensions.get(SENDER_QUEUE)
        if queue_sender is not None:
            queue_sender()


def _after_soft_rollback(session: OrmSession, previous_transaction) -> None:
    session.info.pop(_NOTES, None)
    session.info.pop(_QUEUED, None)


def register(app, queue_sender=None) -> None:
    """Write noted mails at each commit; after one that wrote some, `queue_sender()` (the
    background sender's task, given by tasks.py: this module does not know the queue)."""
    app.extensions[SENDER_QUEUE] = queue_sender
    if not sa_event.contains(db.session, "before_commit", _write_notes_to_outbox):  # the app's sessions
        sa_event.listen(db.session, "before_commit", _write_notes_to_outbox)
        sa_event.listen(db.session, "after_commit", _after_commit)
        sa_event.listen(db.session, "after_soft_rollback", _after_soft_rollback)


def new_message_id(name: str | None = None) -> str:
    """A random Message-ID, or one made from `name` (the same name gives the same id).
    Random from the operating system: email.utils.make_msgid draws on the `random` module,
    which a seeded caller (hypothesis does) makes repeat, and the id is unique in the outbox."""
    domain = sender_address()[0].rpartition("@")[2] or "eventapp.local"
    return f"<{name or 'eventapp.' + uuid.uuid4().hex}@{domain}>"


# --- links that leave the request -----------------------------------------------------------


def base_url_outside_requests() -> str:
    """Where links point when no request tells the host (the sender writes every mail so):
    PUBLIC_BASE_URL, else SERVER_NAME, else the address `make run` serves at."""
    config = current_app.config
    if config.get("PUBLIC_BASE_URL"):
        return config["PUBLIC_BASE_URL"]
    if config.get("SERVER_NAME"):
        return f"{config['PREFERRED_URL_SCHEME']}://{config['SERVER_NAME']}/"
    return "http://127.0.0.1:5000/"


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for a mail: PUBLIC_BASE_URL when set, else the request's host, else
    SERVER_NAME, else the address `make run` serves at."""
    config = current_app.config
    if config.get("PUBLIC_BASE_URL"):
        base = config["PUBLIC_BASE_URL"]
    elif has_request_context():
        base = request.host_url
    else:
        base = base_url_outside_requests()
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path.rstrip("/") or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


# --- writing a mail -------------------------------------------------------------------------


@dataclass
class WrittenMail:
    recipient: str
    language: str
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, ics)


@dataclass
class RegistrationAtChange:
    """A registration as the mail's change left it (status_at_change), else as it is now."""

    session: Session
    status: RegistrationStatus
    position: int | None


def _registrations(delegate: Delegate, ids: Iterable[int], snapshot: dict) -> list[RegistrationAtChange]:

    wanted = set(ids)
    rows = []
    for registration in sorted(
        (r for r in delegate.registrations if r.id in wanted), key=lambda r: (r.session.starts_at, r.session.id)
    ):
        status, position = snapshot.get(str(registration.id)) or (registration.status, waitlist_position(registration))
        rows.append(RegistrationAtChange(registration.session, RegistrationStatus(status), position))
    return rows


def _now(rows) -> list[RegistrationAtChange]:
    return [RegistrationAtChange(row.session, row.registration.status, row.waitlist_position) for row in rows]


def salutation_name(delegate: Delegate, language: str) -> str:
    """王小明 in Chinese mails, WANG Xiaoming or Jürgen Müller in the others."""
    if language == "zh" and delegate.name_native:
        return delegate.name_native
    return delegate.latin_name


def write(mail: OutboxMail) -> WrittenMail:
    """The mail as it goes out now, in the delegate's language."""
    from ..services import agendas, calendar  # imported on use: PDF/ICS modules are heavy

    delegate = db.session.get(Delegate, mail.delegate_id) if mail.delegate_id else None
    if delegate is None:
        raise MailNotWritten("the delegate no longer exists")
    language = delegate.language if delegate.language in HTML_LANG else "en"
    event = delegate.event
    token = current_private_link_token(delegate)
    if token and hash_token(token) != delegate.manage_token_hash:
        # The link was made with another secret key: it would open nothing.
        raise MailNotWritten("SECRET_KEY is not the one the private link was made with")
    payload = mail.payload or {}
    live = agendas.personal_sessions(delegate)
    with force_locale(language):
        event_name = localized(event.name, language)
        context = dict(
            kind=mail.kind.value,
            MailKind=MailKind,
            delegate=delegate,
            event=event,
            event_name=event_name,
            language=language,
            html_lang=HTML_LANG[language],
            name=salutation_name(delegate, language),
            changed=_registrations(delegate, payload.get("registrations", []), payload.get("status_at_change", {})),
            live=_now(live),
            has_seat=any(row.confirmed for row in live),
            link=external_url("public.manage", token=token) if token else None,
            register_url=external_url("public.register"),
            programme_url=external_url("public.programme"),
            renewed=payload.get("renewed", False),
        )
        subject = context["subject"] = subject_in(mail, language, event_name)
        if mail.kind == MailKind.MESSAGE:
            context["message_body"] = localized(payload["message"]["body"], language)
        # Optional paragraphs leave blank lines behind: keep one between paragraphs.
        text = re.sub(r"\n{3,}", "\n\n", render_template(f"mail/{mail.kind.value}.txt", **context)).strip() + "\n"
        html = render_template("mail/mail.html", body=_text_to_html(text, context), **context)
        attachments = []
        if mail.kind in WITH_CALENDAR and context["has_seat"]:
            attachments.append((f"{event.slug}.ics", calendar.personal_ics(delegate, language)))
    return WrittenMail(delegate.email, language, subject, text, html, attachments)


def subject_in(mail: OutboxMail, language: str, event_name: str) -> str:
    """The subject in `language`; call under force_locale(language)."""
    if mail.kind == MailKind.MESSAGE:
        return localized((mail.payload or {}).get("message", {}).get("subject"), language)
    return str(SUBJECTS[mail.kind]) % {"event": event_name}


def subject_of(mail: OutboxMail) -> str:
    """The subject as sent, or for a mail not written yet, as it will be."""
    if mail.subject or mail.delegate is None:
        return mail.subject
    language = mail.delegate.language
    with force_locale(language):
        return subject_in(mail, language, localized(mail.delegate.event.name, language))


BULLET = "· "  # starts a session in the text part (templates/mail/_parts.txt)


def _text_to_html(text: str, context: dict) -> Markup:
    """The HTML part says what the text part says: paragraphs, links made clickable, and the
    session lists (a "· " line with indented lines below it) as lists."""
    links = {u for u in (context.get("link"), context.get("register_url"), context.get("programme_url")) if u}

    def line_html(line: str) -> Markup:
        stripped = line.strip()
        if stripped in links:
            return Markup('<a href="{0}">{0}</a>').format(stripped)
        return escape(stripped)

    def paragraph(lines: list[str]) -> Markup:
        return Markup("<p>") + Markup("<br>\n").join(line_html(line) for line in lines) + Markup("</p>")

    def session_list(items: list[list[Markup]]) -> Markup:
        return (
            Markup('<ul style="padding-left:1.2em;margin:0 0 1em;">')
            + Markup("").join(
                Markup('<li style="margin-bottom:0.5em;">') + Markup("<br>").join(i) + Markup("</li>") for i in items
            )
            + Markup("</ul>")
        )

    blocks = []
    for block in text.strip().split("\n\n"):
        items: list[list[Markup]] = []
        rest = block.split("\n")
        while rest and (rest[0].startswith(BULLET) or (items and rest[0].startswith(" "))):
            line = rest.pop(0)
            if line.startswith(BULLET):
                items.append([Markup("<strong>{}</strong>").format(line[len(BULLET) :])])
            else:
                items[-1].append(line_html(line))
        if items:
            blocks.append(session_list(items))
        if rest:
            blocks.append(paragraph(rest))
    return Markup("\n").join(blocks)


def build_message(mail: OutboxMail, written: WrittenMail, sender: str, sender_name: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = written.subject
    message["From"] = Address(display_name=sender_name, addr_spec=sender)
    local, _at, domain = written.recipient.rpartition("@")
    message["To"] = Address(  # an internationalised domain in its ASCII (IDNA) form
        display_name=mail.delegate.latin_name if mail.delegate else "",
        username=local,
        domain=domain.encode("idna").decode(),
    )
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated" if mail.kind != MailKind.MESSAGE else "no"
    message.set_content(written.text)
    message.add_alternative(written.html, subtype="html")
    for filename, content in written.attachments:
        message.add_attachment(
            content,
            maintype="text",
            subtype="calendar",
            filename=filename,
            params={"method": "PUBLISH", "charset": "utf-8"},  # else readers guess, and garble Chinese
        )
    message["Content-Language"] = HTML_LANG[written.language]  # after set_content, which drops it
    return message


# --- transports -----------------------------------------------------------------------------


class SmtpTransport:
    def __init__(self, config):
        self.config = config

    def send(self, message: EmailMessage, envelope_from: str, recipient: str) -> None:
        c = self.config
        timeout = c["MAIL_TIMEOUT"]
        smtp: smtplib.SMTP
        if c["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(
                c["MAIL_SERVER"], c["MAIL_PORT"], timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=timeout)
        try:
            if c["MAIL_USE_TLS"] and not c["MAIL_USE_SSL"]:
                smtp.starttls(context=ssl.create_default_context())
            if c["MAIL_USERNAME"]:
                smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"])
            smtp.send_message(message, from_addr=envelope_from, to_addrs=[recipient])
        except BaseException:
            smtp.close()
            raise
        try:  # the server has the mail: a failed goodbye must not send it again
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def describe(self) -> str:
        return _("the SMTP server %(server)s", server=f"{self.config['MAIL_SERVER']}:{self.config['MAIL_PORT']}")


class DirectoryTransport:
    """Writes each mail to a .eml file: the default without MAIL_SERVER, so a new user can
    open what delegates would get. One file per outbox mail: a repeat overwrites it."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, message: EmailMessage, envelope_from: str, recipient: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_")
        target = self.directory / f"{name}.eml"
        partial = target.with_suffix(".part")
        partial.write_bytes(bytes(message))
        partial.replace(target)

    def describe(self) -> str:
        return _("files in %(folder)s (no MAIL_SERVER is set)", folder=self.directory)


def transport():
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return SmtpTransport(config)
    return DirectoryTransport(Path(current_app.instance_path) / "mail")


# --- sending --------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    interrupted: int = 0


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the first, second … failed attempt, at most MAIL_RETRY_MAX."""
    config = current_app.config
    seconds = config["MAIL_RETRY_BASE"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX"]))


def _claim_next(now: datetime) -> OutboxMail | None:
    """Mark the next due mail SENDING and commit, so no other sender takes it."""
    with write_transaction(keep_loaded=True):
        mail = db.session.execute(
            select(OutboxMail)
            .where(OutboxMail.status == MailStatus.QUEUED, OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        if mail is None:
            return None
        mail.status = MailStatus.SENDING
        mail.attempts += 1
        mail.claimed_at = utcnow()
    return mail


def mark_interrupted(now: datetime | None = None) -> int:
    """Mails left SENDING longer than the lease: the sender died while handing them over.
    They may have arrived, so they are not sent again without an organiser."""
    cutoff = (now or utcnow()) - timedelta(seconds=current_app.config["MAIL_SENDING_LEASE"])
    with write_transaction():
        stuck = (
            db.session.execute(
                select(OutboxMail)
                .where(OutboxMail.status == MailStatus.SENDING, OutboxMail.claimed_at < cutoff)
                .with_for_update(skip_locked=True)  # not one a sender is just marking sent
            )
            .scalars()
            .all()
        )
        for mail in stuck:
            mail.status = MailStatus.FAILED
            mail.last_error = INTERRUPTED
    return len(stuck)


# Errors that say the server cannot be reached now: the rest of the pass would only wait for
# the same timeouts, so it stops and leaves them due.
UNREACHABLE = (ConnectionError, socket.timeout, smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected)


@dataclass
class Outcome:
    status: MailStatus
    unreachable: bool = False


def sender_address() -> tuple[str, str]:
    """MAIL_DEFAULT_SENDER's address (it may be given as "Name <address>") and its name."""
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return address, name


def sender_for(event: Event, language: str) -> tuple[str, str]:
    """Who mails about `event` come from, in `language`: MAIL_DEFAULT_SENDER's address and
    its name, else the forum's name. Calendar files name the same as their ORGANIZER."""
    address, name = sender_address()
    return address, name or localized(event.name, language)


def _prepare(mail: OutboxMail) -> tuple[EmailMessage, WrittenMail, str]:
    """The message ready to hand over. Anything wrong with the delegate's data shows here
    and will not get better by trying again."""
    written = write(mail)
    if mail.delegate is None:  # write() has refused it already: the delegate is gone
        raise MailNotWritten("the delegate no longer exists")
    address, name = sender_for(mail.delegate.event, written.language)
    try:
        message = build_message(mail, written, address, name)
    except (ValueError, TypeError) as error:  # e.g. a line break in a name, a malformed address
        raise MailNotWritten(f"the message cannot be built: {error}") from error
    return message, written, address


def send_one(mail: OutboxMail, via, now: datetime | None = None) -> Outcome:
    config, mail_id = current_app.config, mail.id
    try:
        message, written, envelope_from = _prepare(mail)
        # End the read transaction before the (slow) hand-over: SQLite would refuse to write
        # from a snapshot that other writers have passed meanwhile, and PostgreSQL would
        # hold the transaction open for the length of an SMTP conversation.
        db.session.rollback()
        via.send(message, envelope_from, written.recipient)
    except Exception as error:
        db.session.rollback()  # a failed statement leaves PostgreSQL's transaction unusable
        if not isinstance(error, (MailNotWritten, smtplib.SMTPException, OSError)):
            log.exception("mail %s could not be written or sent", mail_id)
        permanent = isinstance(error, MailNotWritten)
        with write_transaction():
            mail = db.session.get_one(OutboxMail, mail_id, populate_existing=True)
            mail.last_error = f"{type(error).__name__}: {error}"[:2000]
            if permanent or mail.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                mail.status = MailStatus.FAILED
            else:
                mail.status = MailStatus.QUEUED
                mail.next_attempt_at = (now or utcnow()) + retry_delay(mail.attempts)
            status, last_error = mail.status, mail.last_error
        log.warning("mail %s not sent: %s", mail_id, last_error)
        return Outcome(status, unreachable=isinstance(error, UNREACHABLE))
    with write_transaction():
        mail = db.session.get_one(OutboxMail, mail_id, populate_existing=True)
        mail.status = MailStatus.SENT
        mail.sent_at = utcnow()
        mail.last_error = ""
        mail.recipient, mail.subject, mail.language = written.recipient, written.subject[:300], written.language
    return Outcome(MailStatus.SENT)


def send_due(limit: int | None = None, now: datetime | None = None) -> SendReport:
    """One pass: every mail due now (at most `limit`), one at a time; it stops early when the
    server cannot be reached."""
    report = SendReport(interrupted=mark_interrupted(now))
    via = transport()
    while limit is None or report.sent + report.retrying + report.failed < limit:
        mail = _claim_next(now or utcnow())
        if mail is None:
            break
        outcome = send_one(mail, via, now)
        if outcome.status == MailStatus.SENT:
            report.sent += 1
        elif outcome.status == MailStatus.QUEUED:
            report.retrying += 1
        else:
            report.failed += 1
        if outcome.unreachable:
            break
    return report


# --- what organisers do ---------------------------------------------------------------------


def resend(mail: OutboxMail, *, actor: str, key: str) -> MailStatus | None:
    """Send a mail again: a failed (or interrupted) one goes back to the queue; a sent one is
    queued anew as a copy. Returns the status it was resent from, or None when nothing was
    done: it is queued or being sent already, or this `key` (made when the organiser's page
    was shown) has already made its copy: a double click sends nothing twice."""
    from sqlalchemy.exc import IntegrityError

    try:
        with write_transaction():
            mail = db.session.execute(select(OutboxMail).where(OutboxMail.id == mail.id).with_for_update()).scalar_one()
            was = mail.status
            if was == MailStatus.FAILED:
                mail.status, mail.attempts, mail.next_attempt_at = MailStatus.QUEUED, 0, utcnow()
            elif was == MailStatus.SENT:
                db.session.add(
                    OutboxMail(
                        delegate_id=mail.delegate_id,
                        kind=mail.kind,
                        payload=mail.payload,
                        message_id=new_message_id(f"resend.{mail.id}.{key}"),
                        created_by=actor,
                    )
                )
            else:
                return None
            db.session.flush()
            record_audit("mail_resent", actor, delegate=mail.delegate, mail=mail.id, kind=mail.kind.value)
            db.session.info[_QUEUED] = True
    except IntegrityError:
        return None
    return was


def send_private_link(delegate: Delegate, *, actor: str, unless_sent_within: timedelta | None = None) -> bool:
    """Mail the delegate their private link (the current one). With `unless_sent_within`, not
    if such a mail was queued that recently (a public form must not flood a mailbox).
    Returns whether a mail was queued."""

    with write_transaction():
        delegate = db.session.get_one(Delegate, delegate.id)
        if unless_sent_within is not None:
            recent = db.session.execute(
                select(OutboxMail.id)
                .where(
                    OutboxMail.delegate_id == delegate.id,
                    OutboxMail.kind == MailKind.PRIVATE_LINK,
                    OutboxMail.created_at > utcnow() - unless_sent_within,
                )
                .limit(1)
            ).first()
            if recent is not None:
                return False
        note(delegate, MailKind.PRIVATE_LINK, actor=actor)
        record_audit("private_link_sent", actor, delegate=delegate)
    return True


# However often the lost-link form is sent for one address, it mails at most this often.
LOST_LINK_COOLDOWN = timedelta(minutes=15)


def send_lost_links(event_id: int, email: str) -> None:
    """The lost-link form: the private link of every delegate of the event with this email."""

    event = db.session.get(Event, event_id)
    if event is None:
        return
    for delegate in delegates_by_email(event, email):
        send_private_link(delegate, actor="delegate:lost-link", unless_sent_within=LOST_LINK_COOLDOWN)


@dataclass
class Audience:
    session: Session
    statuses: tuple[RegistrationStatus, ...]


def audience_delegates(audience: Audience) -> list[Delegate]:
    return list(
        db.session.execute(
            select(Delegate)
            .join(Registration, Registration.delegate_id == Delegate.id)
            .where(Registration.session_id == audience.session.id, Registration.status.in_(audience.statuses))
            .order_by(Delegate.sort_name, Delegate.id)
        )
        .scalars()
        .unique()
    )


def message_preview(audience: Audience, subject: dict, body: dict) -> dict[str, WrittenMail]:
    """The message as it would reach a delegate in each language (nothing is saved)."""
    delegates = audience_delegates(audience)
    previews = {}
    for language in HTML_LANG:
        sample = next((d for d in delegates if d.language == language), None)
        if sample is None:
            continue
        mail = OutboxMail(
            delegate_id=sample.id,
            delegate=sample,
            kind=MailKind.MESSAGE,
            payload={"message": {"subject": subject, "body": body}},
        )
        previews[language] = write(mail)
    return previews


class MessageAlreadyQueued(Exception):
    pass


def queue_message(audience: Audience, subject: dict, body: dict, *, actor: str, key: str) -> int:
    """Queue the organisers' message to every delegate of the audience; returns how many.
    `key` names this message (made when it was previewed): its mails' Message-IDs come from
    it, so a second click on Send finds them taken and queues nothing twice."""
    from sqlalchemy.exc import IntegrityError

    try:
        with write_transaction():
            delegates = audience_delegates(audience)
            db.session.add_all(
                OutboxMail(
                    delegate_id=delegate.id,
                    kind=MailKind.MESSAGE,
                    created_by=actor,
                    payload={"message": {"subject": subject, "body": body}},
                    message_id=new_message_id(f"message.{key}.{delegate.id}"),
                )
                for delegate in delegates
            )
            db.session.flush()
            record_audit(
                "message_sent",
                actor,
                session=audience.session,
                recipients=len(delegates),
                statuses=[s.value for s in audience.statuses],
                subject=localized(subject, "en"),
            )
            db.session.info[_QUEUED] = True
    except IntegrityError:
        raise MessageAlreadyQueued(key) from None
    return len(delegates)


def outbox_counts() -> dict[MailStatus, int]:
    from sqlalchemy import func

    rows = db.session.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status)).all()
    counts = {status: 0 for status in MailStatus}
    counts.update({status: count for status, count in rows})
    return counts


def describe_transport() -> str:
    return transport().describe()
