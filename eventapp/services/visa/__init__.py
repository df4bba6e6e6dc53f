"""Visa invitation letters: the passport data they need, its review, the letter itself (one
A4 page in English and Chinese, as a PDF) and its sending, the letterhead and seal images it
is printed with, and the erasure of passport data after the event.

Passport data lives in VisaRequest, apart from the delegate: exports, which read delegates,
never hold it, and only admins and the visa role reach the pages that show it. A letter is
for a delegate who asked for one and holds a confirmed seat; the visa team reviews it before
it is sent by mail or downloaded with the others. Every change is in the audit log, which
never holds passport data itself (only the names of the fields that changed).

`requests` holds the rules from passport data to sending and erasure, `letters` the letter,
`images` the letterhead and seal; callers use the names here: `visa.letter_pdf`, ...
"""

from ...models import MailKind
from .. import mail
from .images import EVENT_IMAGE_MAX_BYTES, IMAGE_KINDS, event_images, remove_event_image, save_event_image
from .letters import (
    Letter,
    LetterText,
    letter,
    letter_attachment,
    letter_filename,
    letter_pdf,
    letter_reference,
    letters_batch_pdf,
)
from .requests import (
    PASSPORT_FIELDS,
    PassportData,
    VisaRefused,
    VisaRequestRow,
    erase_passport_data,
    mark_sent,
    passport_complete,
    passport_data_errors,
    ready_for_letter,
    review,
    reviewed_requests,
    save_passport_data,
    seated_sessions,
    send_letter,
    visa_request_row,
    visa_requests,
)

__all__ = [
    "EVENT_IMAGE_MAX_BYTES",
    "IMAGE_KINDS",
    "PASSPORT_FIELDS",
    "Letter",
    "LetterText",
    "PassportData",
    "VisaRefused",
    "VisaRequestRow",
    "erase_passport_data",
    "event_images",
    "letter",
    "letter_filename",
    "letter_pdf",
    "letter_reference",
    "letters_batch_pdf",
    "mark_sent",
    "passport_complete",
    "passport_data_errors",
    "ready_for_letter",
    "remove_event_image",
    "review",
    "reviewed_requests",
    "save_event_image",
    "save_passport_data",
    "seated_sessions",
    "send_letter",
    "visa_request_row",
    "visa_requests",
]

mail.attach_to(MailKind.VISA_LETTER, letter_attachment)  # the letter rides on its mail
