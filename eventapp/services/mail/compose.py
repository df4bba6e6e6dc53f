"""Writing a mail: its subject, text and HTML parts and calendar file, in the delegate's
language, from the delegate's data as it is when the mail goes out; the message as handed to
a transport (`build_message`), who it comes from, its Message-ID, and the absolute links in it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ... import names
from ...extensions import db
from ...i18n import HTML_LANG, localized
from ...i18n import lazy_gettext as _l
from ...models import (
    Delegate,
    Delegation,
    Event,
    Invitation,
    MailKind,
    OutboxMail,
    RegistrationStatus,
    Salutation,
    Session,
    utcnow,
)
from .. import calendar
from ..events import sender_address
from ..private_links import contact_page_token, current_private_link_token, hash_token, invitation_token
from ..standing import personal_sessions, waitlist_position


class MailNotWritten(RuntimeError):
    """The mail cannot be written (its delegate is gone): retrying will not help."""


SUBJECTS = {
    MailKind.RECEIVED: _l("Your registration: %(event)s"),
    MailKind.WAITLISTED: _l("You are on the waiting list: %(event)s"),
    MailKind.PROMOTED: _l("Your seat is confirmed: %(event)s"),
    MailKind.CANCELLED: _l("Registration cancelled: %(event)s"),
    MailKind.DETAILS_CHANGED: _l("Your details were updated: %(event)s"),
    MailKind.PRIVATE_LINK: _l("Your private link: %(event)s"),
    MailKind.APPLICATION_APPROVED: _l("Your application was accepted: %(event)s"),
    MailKind.APPLICATION_REJECTED: _l("Your application: %(event)s"),
    MailKind.INVITATION: _l("Invitation: %(event)s"),
    MailKind.VISA_LETTER: _l("Your visa invitation letter: %(event)s"),
    MailKind.INVITATION_REMINDER: _l("Reminder: your invitation to the %(event)s"),
    MailKind.DELEGATION: _l("Your delegation's registration: %(event)s"),
    MailKind.SUBSTITUTED: _l("Your seat was handed to a colleague: %(event)s"),
}
# These carry the personal agenda as a calendar file.
WITH_CALENDAR = {MailKind.RECEIVED, MailKind.PROMOTED, MailKind.APPLICATION_APPROVED}


def new_message_id(name: str | None = None) -> str:
    """A random Message-ID, or one made from `name` (the same name gives the same id).
    Random from the operating system: email.utils.make_msgid draws on the `random` module,
    which a seeded caller (hypothesis does) makes repeat, and the id is unique in the outbox."""
    domain = sender_address()[0].rpartition("@")[2] or "eventapp.local"
    return f"<{name or 'eventapp.' + uuid.uuid4().hex}@{domain}>"


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


@dataclass
class WrittenMail:
    recipient: str
    language: str
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, .ics or .pdf)


# Files other services attach to their mails, by kind (the visa letter): registered by those
# services, so this package needs not know them (they note their mails through it).
Attachment = Callable[[OutboxMail], list[tuple[str, bytes]]]
ATTACHMENTS: dict[MailKind, Attachment] = {}


def attach_to(kind: MailKind, make: Attachment) -> None:
    ATTACHMENTS[kind] = make


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


def salutation_name(person: Delegate | Invitation, language: str) -> str:
    """王小明 in Chinese mails, WANG Xiaoming or Jürgen Müller in the others."""
    if language == "zh" and person.name_native:
        return person.name_native
    return names.latin_name(person.family_name, person.given_name, person.name_native)


def write(mail: OutboxMail) -> WrittenMail:
    """The mail as it goes out now, in the delegate's (or the invitee's) language."""
    if mail.invitation_id is not None:
        return _write_to_invitee(mail)
    if mail.delegation_id is not None:
        return _write_to_contact(mail)
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
    live = personal_sessions(delegate)
    with force_locale(language):
        context = _shared_context(mail, delegate.event, language, greeting(delegate, language))
        context.update(
            delegate=delegate,
            name=salutation_name(delegate, language),
            changed=_registrations(delegate, payload.get("registrations", []), payload.get("status_at_change", {})),
            live=_now(live),
            has_seat=any(row.confirmed for row in live),
            link=external_url("public.manage", token=token) if token else None,
            renewed=payload.get("renewed", False),
            reason=payload.get("reason") or "",
            # A seat handed to a colleague (SUBSTITUTED): which, and to whom.
            handed_over=db.session.get(Session, payload["session"]) if payload.get("session") else None,
            successor=payload.get("successor", ""),
        )
        subject = context["subject"]
        if mail.kind == MailKind.MESSAGE:
            context["message_body"] = localized(payload["message"]["body"], language)
        text, html = _render(mail.kind, context)
        attachments = []
        if mail.kind in WITH_CALENDAR and context["has_seat"]:
            attachments.append((f"{event.slug}.ics", calendar.personal_ics(delegate, language)))
        if mail.kind in ATTACHMENTS:
            attachments += ATTACHMENTS[mail.kind](mail)
    return WrittenMail(delegate.email, language, subject, text, html, attachments)


def _write_to_invitee(mail: OutboxMail) -> WrittenMail:
    """An invitation, or its reminder: the personal link to the registration form."""
    invitation = db.session.get(Invitation, mail.invitation_id)
    if invitation is None:
        raise MailNotWritten("the invitation no longer exists")
    language = invitation.language if invitation.language in HTML_LANG else "en"
    with force_locale(language):
        context = _shared_context(mail, invitation.event, language, greeting(invitation, language))
        context.update(
            invitation=invitation,
            sessions=sorted(invitation.sessions, key=lambda s: (s.starts_at, s.id)),
            link=external_url("public.invitation", token=invitation_token(invitation)),
        )
        text, html = _render(mail.kind, context)
    return WrittenMail(invitation.email, language, context["subject"], text, html)


def _shared_context(mail: OutboxMail, event: Event, language: str, greeting_line: str) -> dict:
    """What every mail's template is given: the event, the language, the greeting, the
    subject and the public links; call under force_locale(language)."""
    event_name = localized(event.name, language)
    return dict(
        kind=mail.kind.value,
        MailKind=MailKind,
        event=event,
        event_name=event_name,
        language=language,
        html_lang=HTML_LANG[language],
        greeting_line=greeting_line,
        subject=subject_in(mail, language, event_name),
        register_url=external_url("public.register"),
        programme_url=external_url("public.programme"),
    )


def _write_to_contact(mail: OutboxMail) -> WrittenMail:
    """To a delegation's contact person: where each person stands, and the contact page."""
    delegation = db.session.get(Delegation, mail.delegation_id)
    if delegation is None:
        raise MailNotWritten("the delegation no longer exists")
    language = delegation.contact_language if delegation.contact_language in HTML_LANG else "en"
    with force_locale(language):
        contact = names.latin_name(delegation.contact_family_name, delegation.contact_given_name)
        context = _shared_context(mail, delegation.event, language, _("Dear %(name)s,", name=contact))
        context.update(
            delegation=delegation,
            people=[
                (salutation_name(d, language), _now(personal_sessions(d)))
                for d in delegation.delegates
                if d.registrations
            ],
            link=external_url("public.delegation_page", token=contact_page_token(delegation)),
        )
        text, html = _render(mail.kind, context)
    return WrittenMail(delegation.contact_email, language, context["subject"], text, html)


def _render(kind: MailKind, context: dict) -> tuple[str, str]:
    """The text part from the kind's template, and the HTML part made from it."""
    # Optional paragraphs leave blank lines behind: keep one between paragraphs.
    text = re.sub(r"\n{3,}", "\n\n", render_template(f"mail/{kind.value}.txt", **context)).strip() + "\n"
    return text, render_template("mail/mail.html", body=_text_to_html(text, context), **context)


def greeting(person: Delegate | Invitation, language: str) -> str:
    """The mail's first line, as the person's salutation and title ask: "Sehr geehrter Herr
    Dr. Müller,", "Dear Ms Wang,", "尊敬的王小明先生：", or with the whole name when no
    salutation is known ("Guten Tag Jürgen Müller,"); call under force_locale(language)."""
    full = salutation_name(person, language)
    if person.salutation not in (Salutation.MR, Salutation.MS):
        return _("Dear %(name)s,", name=full)
    if language == "zh":
        name = full  # 王小明先生: the whole name before the form of address
    else:
        name = " ".join(part for part in (person.academic_title.strip(), person.family_name.strip()) if part)
        if language == "en" and person.academic_title.strip():
            return _("Dear %(name)s,", name=name)  # "Dear Dr Müller": the title replaces Mr or Ms
    if person.salutation == Salutation.MR:
        return _("Dear Mr %(name)s,", name=name)
    return _("Dear Ms %(name)s,", name=name)


def subject_in(mail: OutboxMail, language: str, event_name: str) -> str:
    """The subject in `language`; call under force_locale(language)."""
    if mail.kind == MailKind.MESSAGE:
        return localized((mail.payload or {}).get("message", {}).get("subject"), language)
    return str(SUBJECTS[mail.kind]) % {"event": event_name}


def subject_of(mail: OutboxMail) -> str:
    """The subject as sent, or for a mail not written yet, as it will be."""
    if mail.subject:
        return mail.subject
    recipient = mail.delegate or (db.session.get(Invitation, mail.invitation_id) if mail.invitation_id else None)
    contact = db.session.get(Delegation, mail.delegation_id) if mail.delegation_id else None
    if recipient is not None:
        language, event = recipient.language, recipient.event
    elif contact is not None:
        language, event = contact.contact_language, contact.event
    else:
        return mail.subject
    with force_locale(language):
        return subject_in(mail, language, localized(event.name, language))


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
        if filename.endswith(".pdf"):
            message.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
            continue
        message.add_attachment(
            content,
            maintype="text",
            subtype="calendar",
            filename=filename,
            params={"method": "PUBLISH", "charset": "utf-8"},  # else readers guess, and garble Chinese
        )
    message["Content-Language"] = HTML_LANG[written.language]  # after set_content, which drops it
    return message
