"""Mail to delegates through an outbox.

A change that a delegate should hear about notes it inside the transaction that makes the
change, and the note becomes an outbox row as that transaction commits (`outbox`). The
sender claims due rows one at a time and writes each from the delegate's data then, in their
language (`compose`), and hands it to the transport (`transports`): SMTP when MAIL_SERVER is
set, else .eml files in instance/mail/. Failures are retried with a growing delay, then shown
to organisers to send again (`sender`). Organisers' messages and private-link mails are
queued in `messages`.

The package's names are the ones callers use: `mail.note`, `mail.send_due()`, ...
"""

from ..events import sender_address, sender_for
from .compose import (
    SUBJECTS,
    WITH_CALENDAR,
    MailNotWritten,
    WrittenMail,
    attach_to,
    base_url_outside_requests,
    build_message,
    external_url,
    new_message_id,
    salutation_name,
    subject_in,
    subject_of,
    write,
)
from .messages import (
    LOST_LINK_COOLDOWN,
    Audience,
    MessageAlreadyQueued,
    audience_delegates,
    message_preview,
    queue_message,
    send_lost_links,
    send_private_link,
)
from .outbox import (
    INTERRUPTED,
    SENDER_QUEUE,
    claim_next,
    mark_interrupted,
    note,
    note_for_contact,
    note_for_invitee,
    outbox_counts,
    queue_sender_after_commit,
    register,
    suppressed,
)
from .sender import UNREACHABLE, Outcome, SendReport, resend, retry_delay, send_due, send_one
from .transports import DirectoryTransport, SmtpTransport, describe_transport, transport

__all__ = [
    "INTERRUPTED",
    "LOST_LINK_COOLDOWN",
    "SENDER_QUEUE",
    "SUBJECTS",
    "UNREACHABLE",
    "WITH_CALENDAR",
    "Audience",
    "DirectoryTransport",
    "MailNotWritten",
    "MessageAlreadyQueued",
    "Outcome",
    "SendReport",
    "SmtpTransport",
    "WrittenMail",
    "attach_to",
    "audience_delegates",
    "base_url_outside_requests",
    "build_message",
    "claim_next",
    "describe_transport",
    "external_url",
    "mark_interrupted",
    "message_preview",
    "new_message_id",
    "note",
    "note_for_contact",
    "note_for_invitee",
    "outbox_counts",
    "queue_message",
    "queue_sender_after_commit",
    "register",
    "resend",
    "retry_delay",
    "salutation_name",
    "send_due",
    "send_lost_links",
    "send_one",
    "send_private_link",
    "sender_address",
    "sender_for",
    "subject_in",
    "subject_of",
    "suppressed",
    "transport",
    "write",
]
