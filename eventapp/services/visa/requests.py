"""Who asked for a visa invitation letter, and the letter's way from the passport data to
its sending: the data (checked, kept apart from the delegate), the visa team's review, the
mail or the mark that it went out another way, and the data's erasure after the event."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, selectinload

from ...extensions import db
from ...i18n import countries
from ...models import (
    Delegate,
    Event,
    MailKind,
    RegistrationStatus,
    Session,
    VisaLetterStatus,
    VisaRequest,
    utcnow,
)
from ...printable import unprintable_characters
from .. import mail
from ..audit import Actor, AuditAction, record_audit
from ..transactions import write_transaction

PASSPORT_FIELDS = ("passport_name", "nationality", "passport_number", "passport_expiry", "date_of_birth")
_PASSPORT_NUMBER = re.compile(r"[A-Z0-9]{5,20}")


class VisaRefused(Exception):
    """A rule refused the request: `errors` maps each form field at fault to what is wrong
    with it ("request" for the request as a whole); `message` is all of it, for a flash."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        self.message = " ".join(errors.values())
        super().__init__(self.message)

    @classmethod
    def because(cls, message: str) -> VisaRefused:
        return cls({"request": message})


@dataclass
class PassportData:
    """What the letter needs from the passport; the same for the back office and any other form."""

    passport_name: str
    nationality: str
    passport_number: str
    passport_expiry: date | None
    date_of_birth: date | None

    @classmethod
    def from_mapping(cls, values: Mapping) -> PassportData:
        return cls(
            passport_name=values.get("passport_name") or "",
            nationality=values.get("nationality") or "",
            passport_number=values.get("passport_number") or "",
            passport_expiry=values.get("passport_expiry"),
            date_of_birth=values.get("date_of_birth"),
        )

    def normalised(self) -> PassportData:
        """Names on one line in capitals (as the passport prints them), codes in capitals,
        the passport number without spaces."""
        return PassportData(
            passport_name=" ".join((self.passport_name or "").split()).upper(),
            nationality=(self.nationality or "").strip().upper(),
            passport_number=re.sub(r"[\s-]", "", self.passport_number or "").upper(),
            passport_expiry=self.passport_expiry,
            date_of_birth=self.date_of_birth,
        )


# --- who asked for a letter ------------------------------------------------------------------


def passport_complete(request: VisaRequest | None) -> bool:
    return request is not None and request.erased_at is None and all(getattr(request, name) for name in PASSPORT_FIELDS)


@dataclass(frozen=True)
class VisaRequestRow:
    """A delegate who asked for a letter, with their request (None before any passport data)."""

    delegate: Delegate
    request: VisaRequest | None

    @property
    def status(self) -> VisaLetterStatus:
        return self.request.status if self.request else VisaLetterStatus.REQUESTED

    @property
    def seat_confirmed(self) -> bool:
        """ "Approved": a letter is only for a delegate holding a confirmed seat."""
        return self.delegate.has_confirmed_seat

    @property
    def passport_complete(self) -> bool:
        return passport_complete(self.request)

    @property
    def erased(self) -> bool:
        return self.request is not None and self.request.erased_at is not None


def visa_requests(event: Event, status: VisaLetterStatus | None = None) -> list[VisaRequestRow]:
    """The event's delegates who asked for a letter or have passport data, by name; with
    `status`, only those whose letter is at that stage (no data yet counts as requested)."""
    statement = (
        select(Delegate)
        .outerjoin(Delegate.visa_request)
        .where(Delegate.event_id == event.id, or_(Delegate.visa_letter_requested, VisaRequest.id.is_not(None)))
        .options(contains_eager(Delegate.visa_request), selectinload(Delegate.registrations))
        .order_by(Delegate.sort_name, Delegate.id)
    )
    if status == VisaLetterStatus.REQUESTED:
        statement = statement.where(or_(VisaRequest.id.is_(None), VisaRequest.status == status))
    elif status is not None:
        statement = statement.where(VisaRequest.status == status)
    return [VisaRequestRow(d, d.visa_request) for d in db.session.execute(statement).unique().scalars()]


def visa_request_row(event: Event, delegate_id: int) -> VisaRequestRow | None:
    """One delegate's row, if they are on the list (asked for a letter, or have data)."""
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None or delegate.event_id != event.id:
        return None
    if not (delegate.visa_letter_requested or delegate.visa_request):
        return None
    return VisaRequestRow(delegate, delegate.visa_request)


# --- passport data ----------------------------------------------------------------------------


def _is_country(code: str) -> bool:
    return code in countries("en")


def passport_data_errors(event: Event, data: PassportData, today: date | None = None) -> dict[str, str]:
    """What is wrong with the (normalised) data, by field: every field is needed; the name
    must be printable in the letter's fonts, the nationality an ISO 3166 country code, the
    passport valid after the event's last day and the date of birth in the past."""
    today = today or utcnow().astimezone(ZoneInfo(event.timezone)).date()
    errors: dict[str, str] = {}
    missing = [f.name for f in fields(PassportData) if not getattr(data, f.name)]
    for name in missing:
        errors[name] = _("This is needed for the letter.")
    unprintable = unprintable_characters(data.passport_name)
    if unprintable:
        errors["passport_name"] = ngettext(
            "The letter cannot print %(characters)s. Write the name as the passport prints it.",
            "The letter cannot print these characters: %(characters)s. Write the name as the passport prints it.",
            len(unprintable),
            characters=" ".join(unprintable),
        )
    elif len(data.passport_name) > 200:
        errors["passport_name"] = _("At most %(max)d characters.", max=200)
    if data.nationality and not _is_country(data.nationality):
        errors["nationality"] = _("Choose a country from the list.")
    if data.passport_number and not _PASSPORT_NUMBER.fullmatch(data.passport_number):
        errors["passport_number"] = _("5 to 20 letters and digits, as printed in the passport.")
    if data.passport_expiry and data.passport_expiry <= event.ends_on:
        errors["passport_expiry"] = _("The passport must still be valid after the forum's last day.")
    if data.date_of_birth and not date(1900, 1, 1) <= data.date_of_birth < today:
        errors["date_of_birth"] = _("Enter a date of birth in the past.")
    return errors


def save_passport_data(
    delegate: Delegate, data: PassportData, actor: Actor, *, today: date | None = None
) -> VisaRequest:
    """Keep the delegate's passport data (VisaRefused with the fields at fault). The delegate
    then counts as asking for a letter. Changed data makes a reviewed or sent letter wait for
    review again; data erased after the event is not taken any more."""
    data = data.normalised()
    errors = passport_data_errors(delegate.event, data, today)
    if errors:
        raise VisaRefused(errors)
    with write_transaction() as dbs:
        delegate = dbs.get_one(Delegate, delegate.id, populate_existing=True, with_for_update=True)
        request = delegate.visa_request
        if request is not None and request.erased_at is not None:
            raise VisaRefused.because(_("The passport data of this forum has been erased: no new data is taken."))
        if request is None:
            request = VisaRequest(delegate=delegate, status=VisaLetterStatus.REQUESTED)
            dbs.add(request)
        changed = [name for name in PASSPORT_FIELDS if getattr(request, name) != getattr(data, name)]
        for name in changed:
            setattr(request, name, getattr(data, name))
        delegate.visa_letter_requested = True
        previous = request.status
        if changed and previous != VisaLetterStatus.REQUESTED:
            request.status = VisaLetterStatus.REQUESTED
            request.reviewed_at, request.reviewed_by = None, ""
        dbs.flush()
        if changed:
            record_audit(
                AuditAction.PASSPORT_DATA_SAVED,
                actor,
                delegate=delegate,
                from_status=previous.value if request.status != previous else None,
                to_status=request.status.value if request.status != previous else None,
                fields=changed,
                visa_request=request.id,
            )
    return request


def ready_for_letter(request: VisaRequest) -> None:
    """VisaRefused unless a letter can be made: complete passport data, not erased, and a
    delegate holding a confirmed seat."""
    delegate = request.delegate
    if request.erased_at is not None:
        raise VisaRefused.because(_("The passport data has been erased: no letter can be made any more."))
    if not passport_complete(request):
        raise VisaRefused.because(_("The passport data is incomplete."))
    if not delegate.has_confirmed_seat:
        raise VisaRefused.because(
            _("%(name)s holds no confirmed seat: letters are only for approved delegates.", name=delegate.display_name)
        )


def _locked(request: VisaRequest) -> VisaRequest:
    return db.session.get_one(VisaRequest, request.id, populate_existing=True, with_for_update=True)


def review(request: VisaRequest, actor: Actor) -> VisaRequest:
    """The visa team has checked the data against the passport: the letter may be sent.
    Reviewing a reviewed (or sent) letter again changes nothing."""
    with write_transaction():
        request = _locked(request)
        if request.status != VisaLetterStatus.REQUESTED:
            return request
        ready_for_letter(request)
        request.status = VisaLetterStatus.REVIEWED
        request.reviewed_at, request.reviewed_by = utcnow(), actor.code
        record_audit(
            AuditAction.VISA_LETTER_REVIEWED,
            actor,
            delegate=request.delegate,
            from_status=VisaLetterStatus.REQUESTED.value,
            to_status=VisaLetterStatus.REVIEWED.value,
            visa_request=request.id,
        )
    return request


def _record_sent(request: VisaRequest, actor: Actor, *, mailed: bool) -> None:
    previous = request.status
    request.status, request.sent_at = VisaLetterStatus.SENT, utcnow()
    record_audit(
        AuditAction.VISA_LETTER_SENT,
        actor,
        delegate=request.delegate,
        from_status=previous.value if previous != VisaLetterStatus.SENT else None,
        to_status=VisaLetterStatus.SENT.value if previous != VisaLetterStatus.SENT else None,
        visa_request=request.id,
        mailed=mailed,
    )


def _sendable(request: VisaRequest) -> None:
    if request.status == VisaLetterStatus.REQUESTED:
        raise VisaRefused.because(_("The letter has not been reviewed yet."))
    ready_for_letter(request)


def mark_sent(request: VisaRequest, actor: Actor) -> VisaRequest:
    """The reviewed letter went out another way (downloaded, printed, handed over). Marking
    a sent letter sent again changes nothing."""
    with write_transaction():
        request = _locked(request)
        if request.status == VisaLetterStatus.SENT:
            return request
        _sendable(request)
        _record_sent(request, actor, mailed=False)
    return request


def send_letter(request: VisaRequest, actor: Actor) -> VisaRequest:
    """Mail the reviewed letter to the delegate (the mail carries letter_pdf as its
    attachment, written when it goes out). A sent letter may be mailed again."""
    with write_transaction():
        request = _locked(request)
        _sendable(request)
        mail.note(request.delegate, MailKind.VISA_LETTER, actor=actor, visa_request=request.id)
        _record_sent(request, actor, mailed=True)
    return request


def erase_passport_data(now: datetime | None = None, *, actor: Actor = Actor.SYSTEM, dry_run: bool = False) -> int:
    """Empty the passport fields of every request of the events whose last day lies more
    than `Event.passport_retention_days` behind (in the event's zone). The request stays,
    with its status and `erased_at`; each erasure gets an audit entry, and an erased request
    is not erased again. Returns how many were (`dry_run`: would be) erased."""
    now = now or utcnow()
    erased = 0
    with write_transaction() as dbs:
        for event in dbs.execute(select(Event)).scalars().all():
            local_today = now.astimezone(ZoneInfo(event.timezone)).date()
            if local_today <= event.ends_on + timedelta(days=event.passport_retention_days):
                continue
            requests = (
                dbs.execute(
                    select(VisaRequest)
                    .join(VisaRequest.delegate)
                    .where(Delegate.event_id == event.id, VisaRequest.erased_at.is_(None))
                    .options(contains_eager(VisaRequest.delegate))
                    .order_by(VisaRequest.id)
                    .with_for_update(of=VisaRequest)
                )
                .scalars()
                .all()
            )
            for request in requests:
                erased += 1
                if dry_run:
                    continue
                request.passport_name = request.nationality = request.passport_number = ""
                request.passport_expiry = request.date_of_birth = None
                request.erased_at = now
                record_audit(
                    AuditAction.PASSPORT_DATA_ERASED,
                    actor,
                    delegate=request.delegate,
                    visa_request=request.id,
                    retention_days=event.passport_retention_days,
                )
    return erased


def seated_sessions(delegate: Delegate) -> list[Session]:
    """The sessions the delegate holds a confirmed seat in, in programme order."""
    return [r.session for r in delegate.current_registrations if r.status == RegistrationStatus.CONFIRMED]


def reviewed_requests(event: Event) -> list[VisaRequest]:
    """The event's reviewed requests, by name: what the batch download prints."""
    return [row.request for row in visa_requests(event, VisaLetterStatus.REVIEWED) if row.request]
