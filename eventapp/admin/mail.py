"""Mail for organisers: the outbox (what went out, what failed, sending again) and messages
to a session's delegates, previewed before they are queued through the same outbox."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional, Regexp

from ..auth import staff_actor
from ..extensions import db
from ..i18n import HTML_LANG, format_local_when, localized, to_local
from ..i18n import lazy_gettext as _l
from ..models import LANGUAGES, Delegate, Event, MailKind, MailStatus, OutboxMail, RegistrationStatus, Session
from ..services import mail as mail_service
from ..services.mail import Audience
from ..web import ConfirmForm, event_or_404, page_number, safe_next
from . import bp
from .session_forms import LANGUAGE_LABELS, ProgrammeForm, trilingual_fields

PER_PAGE = 50

AUDIENCES = {
    "confirmed": (RegistrationStatus.CONFIRMED,),
    "waitlisted": (RegistrationStatus.WAITLISTED,),
    "both": (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED),
}


def kind_labels() -> dict[MailKind, str]:
    return {
        MailKind.RECEIVED: _("Registration received"),
        MailKind.WAITLISTED: _("On the waiting list"),
        MailKind.PROMOTED: _("Seat confirmed"),
        MailKind.CANCELLED: _("Registration cancelled"),
        MailKind.DETAILS_CHANGED: _("Details changed by organisers"),
        MailKind.PRIVATE_LINK: _("Private link"),
        MailKind.MESSAGE: _("Message from the organisers"),
        MailKind.INVITATION: _("Invitation"),
        MailKind.INVITATION_REMINDER: _("Invitation reminder"),
        MailKind.APPLICATION_APPROVED: _("Application accepted"),
        MailKind.APPLICATION_REJECTED: _("Application not accepted"),
        MailKind.DELEGATION: _("Delegation's contact page"),
        MailKind.SUBSTITUTED: _("Seat handed to a colleague"),
        MailKind.VISA_LETTER: _("Visa invitation letter"),
    }


def status_labels() -> dict[MailStatus, str]:
    return {
        MailStatus.QUEUED: _("Queued"),
        MailStatus.SENDING: _("Sending"),
        MailStatus.SENT: _("Sent"),
        MailStatus.FAILED: _("Failed"),
    }


def error_text(mail: OutboxMail) -> str:
    """The last error as organisers read it (the server's own words stay as they are)."""
    if mail.last_error == mail_service.INTERRUPTED:
        return _("Interrupted while sending: it may have arrived. Check with the delegate before sending it again.")
    return mail.last_error


def recipient_of(mail: OutboxMail) -> str:
    """The address it went to, or for a mail not written yet, the delegate's now."""
    return mail.recipient or (mail.delegate.email if mail.delegate else "")


def subject_language(mail: OutboxMail) -> str:
    """The lang attribute of the subject: the language it was (or will be) written in."""
    language = mail.language or (mail.delegate.language if mail.delegate else "")
    return HTML_LANG.get(language, "")


def compact_when(moment: datetime, event: Event) -> str:
    """Day and time without weekday or year ("Dec 3, 14:05", "3. Dez., 14:05",
    "12月3日 14:05"): a table column stays one line wide."""
    return format_local_when(moment, event.timezone, "MMMd")


def iso_when(moment: datetime, event: Event) -> str:
    """The moment for <time datetime>, in the event's zone."""
    return to_local(moment, event.timezone).isoformat(timespec="minutes")


def mail_rows_context() -> dict:
    """What the mail macros (templates/admin/_mail.html) need besides the mails."""
    return {
        "mail_kinds": kind_labels(),
        "mail_statuses": status_labels(),
        "mail_error": error_text,
        "mail_subject": mail_service.subject_of,
        "mail_lang": subject_language,
        "mail_recipient": recipient_of,
        "compact_when": compact_when,
        "iso_when": iso_when,
        "confirm_form": ConfirmForm(),
        "resend_key": uuid.uuid4().hex,  # one per page shown: a second click copies nothing
        "MailStatus": MailStatus,
    }


def delegate_mails(delegate: Delegate) -> list[OutboxMail]:
    return list(
        db.session.execute(
            select(OutboxMail)
            .where(OutboxMail.delegate_id == delegate.id)
            .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
        ).scalars()
    )


# --- the outbox -------------------------------------------------------------------------------


@dataclass
class MailPage:
    mails: list[OutboxMail]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def outbox_page(status: str, kind: str, page: int) -> MailPage:
    statement = select(OutboxMail)
    if status in {s.value for s in MailStatus}:
        statement = statement.where(OutboxMail.status == status)
    if kind in {k.value for k in MailKind}:
        statement = statement.where(OutboxMail.kind == kind)
    total = db.session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    page = max(1, min(page, max(1, -(-total // PER_PAGE))))
    mails = (
        db.session.execute(
            statement.options(selectinload(OutboxMail.delegate))
            .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
        .scalars()
        .all()
    )
    return MailPage(list(mails), total, page, PER_PAGE)


@bp.get("/mail")
def mail_outbox():
    event = event_or_404()
    status, kind = request.args.get("status", ""), request.args.get("kind", "")
    page = outbox_page(status, kind, page_number())
    return render_template(
        "admin/mail_outbox.html",
        event=event,
        page=page,
        status=status,
        kind=kind,
        counts=mail_service.outbox_counts(),
        transport=mail_service.describe_transport(),
        # Mails are written outside any request: without it their links point at localhost.
        base_url_missing=bool(current_app.config["MAIL_SERVER"] and not current_app.config["PUBLIC_BASE_URL"]),
        mail_base_url=mail_service.base_url_outside_requests(),
        **mail_rows_context(),
    )


@dataclass
class MailReading:
    """A mail as an organiser reads it: the text part (private links hidden) and the names
    of its attachments, or why it cannot be written."""

    text: str = ""
    attachments: list[str] = field(default_factory=list)
    problem: str = ""


def read_mail(mail: OutboxMail) -> MailReading:
    """Mails are written when they are sent, from the delegate's details then, and not kept:
    this writes it again, as the sender would now."""
    if mail.delegate is None:
        return MailReading(problem=_("The text cannot be shown: the delegate has been deleted."))
    try:
        written = mail_service.write(mail)
    except mail_service.MailNotWritten as error:
        return MailReading(problem=_("The text cannot be written now: %(reason)s", reason=str(error)))
    return MailReading(hide_private_links(written.text), [name for name, _content in written.attachments])


@bp.get("/mail/<int:mail_id>")
def mail_page(mail_id: int):
    event = event_or_404()
    mail = db.get_or_404(OutboxMail, mail_id)
    return render_template(
        "admin/outbox_mail.html",
        event=event,
        mail=mail,
        reading=read_mail(mail),
        **mail_rows_context(),
    )


@bp.post("/mail/<int:mail_id>/resend")
def mail_resend(mail_id: int):
    mail = db.get_or_404(OutboxMail, mail_id)
    back = safe_next(request.form.get("next")) or url_for("admin.mail_outbox")
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    if mail.delegate is None:
        flash(_("This mail cannot be sent again: its delegate has been deleted."), "error")
        return redirect(back)
    key = request.form.get("key", "")
    recipient = recipient_of(mail)
    was = mail_service.resend(
        mail, actor=staff_actor(), key=key if re.fullmatch(r"[0-9a-f]{32}", key) else uuid.uuid4().hex
    )
    if was is None:
        flash(_("This mail is already waiting to be sent."), "notice")
    elif was == MailStatus.SENT:
        flash(_("A copy of the mail is queued for %(recipient)s.", recipient=recipient), "success")
    else:
        flash(_("The mail to %(recipient)s is back in the queue.", recipient=recipient), "success")
    return redirect(back)


# --- a message to a session's delegates -------------------------------------------------------


class MessageForm(ProgrammeForm):
    """ProgrammeForm gives the trilingual helpers the `trilingual` macro uses."""

    session = SelectField(_l("Session"), [InputRequired(message=_l("Choose a session."))])
    audience = RadioField(
        _l("Send to"),
        choices=[
            ("confirmed", _l("Delegates with a confirmed seat")),
            ("waitlisted", _l("Delegates on the waiting list")),
            ("both", _l("Both: confirmed and waiting")),
        ],
        default="confirmed",
    )
    subject_zh, subject_de, subject_en = trilingual_fields("subject", max_length=200)
    body_zh, body_de, body_en = trilingual_fields("body", TextAreaField, max_length=10000, rows=10)
    # Names this message from its preview on: Send twice, and the second finds it queued.
    message_key = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{32}$")])

    def __init__(self, *args, sessions: list[Session], **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = {str(s.id): s for s in sessions}
        self.session.choices = [("", _l("Choose…"))] + [(key, localized(s.title)) for key, s in self.sessions.items()]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, message in (
            ("subject", _l("Write the subject in at least one language.")),
            ("body", _l("Write the message in at least one language.")),
        ):
            if not any(self.trilingual_data(name).values()):
                self[f"{name}_{LANGUAGES[0]}"].errors.append(message)
                valid = False
        return valid

    def audience_of(self) -> Audience:
        return Audience(self.sessions[self.session.data], AUDIENCES[self.audience.data])

    def text_fields(self) -> list:
        return self.language_fields("subject") + self.language_fields("body")


def hide_private_links(text: str) -> str:
    """The preview is written for a real delegate: show where their private link goes, not
    the link itself (it would open their registration to whoever reads the page)."""
    prefix = mail_service.external_url("public.manage", token="TOKEN").rpartition("TOKEN")[0]
    return re.sub(re.escape(prefix) + r"[A-Za-z0-9_-]+", prefix + "…", text)


@bp.route("/mail/message", methods=["GET", "POST"])
def mail_message():
    event = event_or_404()
    form = MessageForm(sessions=list(event.sessions))
    preview = None
    if form.validate_on_submit():
        audience = form.audience_of()
        subject, body = form.trilingual_data("subject"), form.trilingual_data("body")
        recipients = mail_service.audience_delegates(audience)
        if not recipients:
            form.session.errors.append(
                _("No delegate of this session is in the chosen group, so there is nobody to write to.")
            )
        elif request.form.get("action") == "send":
            key = form.message_key.data or uuid.uuid4().hex
            try:
                count = mail_service.queue_message(audience, subject, body, actor=staff_actor(), key=key)
            except mail_service.MessageAlreadyQueued:
                flash(_("This message has already been queued; it was not queued again."), "notice")
            else:
                flash(ngettext("%(num)d message queued.", "%(num)d messages queued.", count), "success")
            return redirect(url_for("admin.mail_outbox"))
        else:
            form.message_key.data = form.message_key.data or uuid.uuid4().hex
            written = mail_service.message_preview(audience, subject, body)
            per_language = Counter(delegate.language for delegate in recipients)
            preview = {
                "count": len(recipients),
                "mails": [
                    (
                        language,
                        mail,
                        per_language[language],
                        hide_private_links(mail.text),
                        not (subject[language] and body[language]),
                    )
                    for language, mail in written.items()
                ],
            }
    return render_template(
        "admin/mail_message.html",
        event=event,
        form=form,
        preview=preview,
        language_labels=LANGUAGE_LABELS,
        html_langs=HTML_LANG,
    ), (422 if form.errors else 200)
