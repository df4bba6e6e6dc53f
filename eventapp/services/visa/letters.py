"""The visa invitation letter: one A4 page, in English and in Chinese, with the letterhead at
the top and the seal over the signature, as real text (an embassy copies names and numbers
out of it). One letter, or every reviewed one in a single PDF, a page each."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import render_template
from flask_babel import gettext as _

from ... import names
from ...extensions import db
from ...i18n import country_name, localized
from ...models import Delegate, Event, OutboxMail, Salutation, Session, VisaLetterStatus, VisaRequest, utcnow
from .. import pdf
from ..mail import MailNotWritten
from .images import data_uri, event_images
from .requests import VisaRefused, ready_for_letter, seated_sessions

LETTER_TEMPLATE = "print/visa_letter.html"

# The letter's wording is part of the letter, not of the page around it: it is always in
# English and in Chinese, whatever the reader's language, so it is written here in both
# rather than translated through the catalogues.


@dataclass(frozen=True)
class LetterText:
    """The letter in one language, each part as printed."""

    html_lang: str
    title: str
    reference_label: str
    date_label: str
    date: str
    draft_note: str
    addressee: str
    greeting: str
    invitation: str
    sessions_intro: str
    sessions: tuple[str, ...]
    costs: str
    request: str
    closing: tuple[str, ...]
    signatory: str


@dataclass(frozen=True)
class Letter:
    reference: str
    draft: bool  # not reviewed yet: marked as a draft, not for an embassy
    english: LetterText
    chinese: LetterText
    compact: bool = False  # set smaller: it would not fit on one page otherwise


def letter_reference(request: VisaRequest) -> str:
    return f"VL-{request.delegate.event.starts_on.year}-{request.id:05d}"


def letter_filename(request: VisaRequest) -> str:
    """The attachment's name: the reference and the name in the passport, in ASCII."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", names.fold(request.passport_name)).strip("-")
    return f"visa-letter-{letter_reference(request)}-{name or request.delegate.id}.pdf"


def _long_date(day: date | None, language: str) -> str:
    return format_date(day, "long", locale=language) if day else ""


def _session_line(session: Session, event: Event, language: str) -> str:
    """Title and hours; the day too when the forum has more than one."""
    zone = ZoneInfo(event.timezone)
    starts, ends = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    when = f"{starts:%H:%M}–{ends:%H:%M}"
    if event.starts_on != event.ends_on:
        when = f"{_long_date(starts.date(), language)} {when}"
    return ("，" if language == "zh" else ", ").join([localized(session.title, language), when])


def _forum_days(event: Event, language: str, one_day: str, days: str) -> str:
    """The forum's day put into `one_day` ("on {}"), or its first and last into `days`
    ("from {} to {}"), written in `language`."""
    if event.starts_on == event.ends_on:
        return one_day.format(_long_date(event.starts_on, language))
    return days.format(_long_date(event.starts_on, language), _long_date(event.ends_on, language))


def _mission_country(delegate: Delegate) -> str:
    """Where the delegate applies: the country they came from (none known for China itself)."""
    country = delegate.country.upper()
    return "" if country == "CN" else country


def _english(request: VisaRequest, sessions: list[Session], day: date) -> LetterText:
    delegate, event = request.delegate, request.delegate.event
    title = {Salutation.MR: "Mr ", Salutation.MS: "Ms "}.get(delegate.salutation or Salutation.NONE, "")
    mission = _mission_country(delegate)
    work = ", ".join(part for part in (delegate.position, delegate.organisation) if part)
    forum = localized(event.name, "en")
    return LetterText(
        html_lang="en",
        title="Invitation Letter",
        reference_label="Ref.",
        date_label="Date",
        date=_long_date(day, "en"),
        draft_note="Draft, not reviewed: not valid for a visa application.",
        addressee="To the Embassy/Consulate General of the People's Republic of China"
        + (f" in {country_name(mission, 'en')}" if mission else ""),
        greeting="Dear Sir or Madam,",
        invitation=(
            f"We hereby invite {title}{request.passport_name}, a national of "
            f"{country_name(request.nationality, 'en')}, born on {_long_date(request.date_of_birth, 'en')}, "
            f"holder of passport No. {request.passport_number}"
            + (f", {work}," if work else ",")
            + f" to attend the {forum}, to be held {_forum_days(event, 'en', 'on {}', 'from {} to {}')} at {localized(event.venue, 'en')}, Beijing, "
            "People's Republic of China."
        ),
        sessions_intro="The delegate holds a confirmed seat in the following "
        + ("session" if len(sessions) == 1 else "sessions")
        + " of the forum:",
        sessions=tuple(_session_line(s, event, "en") for s in sessions),
        costs=(
            "The delegate's international travel, accommodation and all other costs of the stay in China "
            "are at the delegate's own expense."
        ),
        request="We would be grateful if you could issue the delegate with the appropriate visa.",
        closing=("Yours faithfully,",),
        signatory=f"Organising Committee of the {forum}",
    )


def _chinese(request: VisaRequest, sessions: list[Session], day: date) -> LetterText:
    delegate, event = request.delegate, request.delegate.event
    title = {Salutation.MR: "先生", Salutation.MS: "女士"}.get(delegate.salutation or Salutation.NONE, "")
    native = delegate.name_native.strip()
    person = request.passport_name + (f"（{native}）" if names.has_han(native) else "") + title
    mission = _mission_country(delegate)
    work = "，".join(part for part in (delegate.organisation, delegate.position) if part)
    forum = localized(event.name, "zh")
    return LetterText(
        html_lang="zh-CN",
        title="邀请函",
        reference_label="编号",
        date_label="日期",
        date=_long_date(day, "zh"),
        draft_note="草稿，尚未审核：不可用于申请签证。",
        addressee=f"致中华人民共和国驻{country_name(mission, 'zh') if mission else '外'}大使馆/总领事馆：",
        greeting="",
        invitation=(
            f"兹邀请{country_name(request.nationality, 'zh')}籍{person}"
            f"（出生日期：{_long_date(request.date_of_birth, 'zh')}；护照号码：{request.passport_number}"
            + (f"；工作单位及职务：{work}" if work else "")
            + f"）于{_forum_days(event, 'zh', '{}', '{}至{}')}来华出席在{localized(event.venue, 'zh')}举办的{forum}。"
        ),
        sessions_intro="其已确认出席论坛以下活动：",
        sessions=tuple(_session_line(s, event, "zh") for s in sessions),
        costs="其在华期间的国际旅费、食宿及其他一切费用均由本人自理。",
        request="请贵馆为其办理相关签证为盼。",
        closing=("此致", "敬礼！"),
        signatory=f"{forum}组委会",
    )


def letter(request: VisaRequest) -> Letter:
    """What the letter prints for this request; VisaRefused when none can be made. Dated the
    day of the review (so every copy of a reviewed letter is the same), a draft before it."""
    ready_for_letter(request)
    zone = ZoneInfo(request.delegate.event.timezone)
    if request.reviewed_at is not None:
        day = request.reviewed_at.astimezone(zone).date()
    else:
        day = utcnow().astimezone(zone).date()
    sessions = seated_sessions(request.delegate)
    return Letter(
        reference=letter_reference(request),
        draft=request.status == VisaLetterStatus.REQUESTED,
        english=_english(request, sessions, day),
        chinese=_chinese(request, sessions, day),
    )


def _render_letters(event: Event, letters: list[Letter]) -> bytes:
    images = event_images(event)
    html = render_template(
        LETTER_TEMPLATE,
        letters=letters,
        event=event,
        forum_en=localized(event.name, "en"),
        forum_zh=localized(event.name, "zh"),
        venue_en=localized(event.venue, "en"),
        letterhead=data_uri(images.get("letterhead")),
        seal=data_uri(images.get("seal")),
        font_stack=pdf.font_stack(),
    )
    return pdf.html_to_pdf(html)


def _page_count(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def _letters_pdf(event: Event, letters: list[Letter]) -> bytes:
    """The letters, a page each: one that would run onto a second page (very long names or
    organisations, many sessions) is measured so and set smaller."""
    content = _render_letters(event, letters)
    if _page_count(content) == len(letters):
        return content
    fitted = [
        replace(one, compact=True) if len(letters) == 1 or _page_count(_render_letters(event, [one])) > 1 else one
        for one in letters
    ]
    return _render_letters(event, fitted)


def letter_pdf(request: VisaRequest) -> bytes:
    """The letter as a one-page A4 PDF (what the VISA_LETTER mail attaches); VisaRefused
    when none can be made, FontMissing without the fonts."""
    return _letters_pdf(request.delegate.event, [letter(request)])


def letters_batch_pdf(requests: Iterable[VisaRequest]) -> bytes:
    """The reviewed letters among `requests` in one PDF, a page each, in the order given;
    those not reviewed (or no longer possible) are left out. VisaRefused if none is left."""
    chosen = [r for r in requests if r.status == VisaLetterStatus.REVIEWED]
    letters = []
    for request in chosen:
        try:
            letters.append(letter(request))
        except VisaRefused:
            continue
    if not letters:
        raise VisaRefused.because(_("No reviewed letter is waiting to be sent."))
    return _letters_pdf(chosen[0].delegate.event, letters)


def letter_attachment(mail: OutboxMail) -> list[tuple[str, bytes]]:
    """The VISA_LETTER mail's attachment: the letter as it is now (services.mail calls it).
    A letter that can no longer be made (data erased, seat gone) makes the mail fail."""
    request = db.session.get(VisaRequest, (mail.payload or {}).get("visa_request"))
    if request is None:
        raise MailNotWritten("the visa request no longer exists")
    try:
        return [(letter_filename(request), letter_pdf(request))]
    except VisaRefused as refusal:
        raise MailNotWritten(f"no letter can be made: {refusal.message}") from refusal
