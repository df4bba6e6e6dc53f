"""Typed SQLAlchemy 2 models. Rules that the database can hold are constraints here too."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from . import names
from .extensions import Model

LANGUAGES = ("zh", "de", "en")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store times in UTC with a zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_class: type[enum.StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the values."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
    )


class SessionKind(enum.StrEnum):
    CEREMONY = "ceremony"
    SYMPOSIUM = "symposium"
    FORUM = "forum"
    EXHIBITION = "exhibition"


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    PENDING = "pending"  # an application waiting for an organiser (sessions by application)
    REJECTED = "rejected"  # an application an organiser turned down


# Not holding, nor waiting for, a place: the delegate may register for the session again.
ENDED_STATUSES = (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED)


class SessionAccess(enum.StrEnum):
    """Who may take a seat in a session."""

    OPEN = "open"  # anyone, on the public form, first come first served
    INVITATION = "invitation"  # only through an invitation link (or an organiser)
    APPLICATION = "application"  # anyone may apply; an organiser approves or rejects


class SeatMode(enum.StrEnum):
    """How a delegation's seats are taken when a session has fewer left than it asks for."""

    ALL_OR_NOTHING = "all_or_nothing"  # everyone gets a seat, or nobody is registered
    ONE_BY_ONE = "one_by_one"  # seats while they last, then the waiting list


class Salutation(enum.StrEnum):
    MR = "mr"
    MS = "ms"
    NONE = "none"  # no gendered form: mails use the full name


class QuestionUse(enum.StrEnum):
    OFF = "off"
    OPTIONAL = "optional"
    REQUIRED = "required"


# The questions an event may ask delegates (Event.questions maps each to a QuestionUse).
# "visa_letter" asks whether a visa invitation letter is needed; the passport data follows.
QUESTIONS = ("salutation", "dietary", "interpretation", "arrival_date", "visa_letter")


class OrganisationType(enum.StrEnum):
    GOVERNMENT = "government"
    CHAMBER = "chamber"
    ASSOCIATION = "association"
    ENTERPRISE = "enterprise"
    PRESS = "press"
    OTHER = "other"
    # Given by organisers only (badge colours): not offered on the public form.
    EXHIBITOR = "exhibitor"
    STAFF = "staff"


PUBLIC_ORGANISATION_TYPES = tuple(OrganisationType)[:6]


class NameOrder(enum.StrEnum):
    FAMILY_FIRST = "family_first"  # 王小明: family name 王, given name 小明
    GIVEN_FIRST = "given_first"


class ExhibitorTheme(enum.StrEnum):
    NEW_ENERGY_VEHICLES = "new_energy_vehicles"
    SMART_EQUIPMENT = "smart_equipment"
    DIGITAL_ECONOMY = "digital_economy"


# A trilingual text is stored as one JSON object {"zh": ..., "de": ..., "en": ...}.
Trilingual = dict[str, str]


class Event(Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[Trilingual] = mapped_column(JSON)
    venue: Mapped[Trilingual] = mapped_column(JSON)
    theme: Mapped[Trilingual] = mapped_column(JSON)
    description: Mapped[Trilingual] = mapped_column(JSON, default=dict)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Which of QUESTIONS the registration form asks: {"dietary": "optional", ...}; absent: off.
    questions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The privacy notice delegates agree to (PIPL/GDPR, with the cross-border wording): its
    # version is recorded with each consent, so a changed notice shows who agreed to which.
    privacy_notice_version: Mapped[str] = mapped_column(String(40), default="2026-1", server_default="2026-1")
    # Passport data is erased this many days after the event's last day.
    passport_retention_days: Mapped[int] = mapped_column(Integer, default=30, server_default=text("30"))

    sessions: Mapped[list[Session]] = relationship(back_populates="event", order_by="Session.starts_at, Session.id")
    exhibitors: Mapped[list[Exhibitor]] = relationship(back_populates="event", order_by="Exhibitor.booth")

    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)


class Session(Model):
    """One activity of the event (ceremony, symposium, forum, exhibition)."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind, "session_kind"))
    title: Mapped[Trilingual] = mapped_column(JSON)
    description: Mapped[Trilingual] = mapped_column(JSON, default=dict)
    room: Mapped[Trilingual] = mapped_column(JSON, default=dict)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    # Kept by the registration service under the seat lock; the CHECK below makes the
    # database itself refuse one seat too many.
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    access: Mapped[SessionAccess] = mapped_column(
        str_enum(SessionAccess, "session_access"), default=SessionAccess.INVITATION
    )
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Counts the changes of what a calendar entry shows (CALENDAR_FIELDS), the last one
    # at revised_at: the entry's SEQUENCE and LAST-MODIFIED, so calendar apps update it.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    revised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The venue's security-list deadline: until then a seat may be handed to a colleague by
    # the delegate or their contact; afterwards only by organisers. None: no deadline.
    substitution_freeze_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="sessions")
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="session",
        order_by="AgendaItem.starts_at, AgendaItem.id",
        cascade="all, delete-orphan",
    )
    registrations: Mapped[list[Registration]] = relationship(back_populates="session")

    __table_args__ = (
        UniqueConstraint("event_id", "slug", name="uq_sessions_event_slug"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("confirmed_count >= 0", name="confirmed_not_negative"),
        CheckConstraint("capacity IS NULL OR confirmed_count <= capacity", name="confirmed_within_capacity"),
        CheckConstraint("ends_at > starts_at", name="times_in_order"),
    )

    @property
    def public_registration(self) -> bool:
        """Offered on the public form: to register (open) or to apply (by application)."""
        return self.access != SessionAccess.INVITATION

    @public_registration.setter
    def public_registration(self, offered: bool) -> None:
        self.access = SessionAccess.OPEN if offered else SessionAccess.INVITATION

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.confirmed_count, 0)

    def __repr__(self) -> str:
        return f"<Session {self.slug}>"


# The columns a calendar entry of the session is made of (calendar.py).
CALENDAR_FIELDS = ("title", "description", "room", "starts_at", "ends_at")


@event.listens_for(Session, "before_update")
def _count_calendar_revisions(mapper: Any, connection: Any, target: Session) -> None:
    # Here rather than in each service that edits a session, so no way of changing a
    # session's time, place or title can leave calendars with the old entry.
    state = inspect(target)
    if any(state.attrs[name].history.has_changes() for name in CALENDAR_FIELDS):
        target.revision = (target.revision or 0) + 1
        target.revised_at = utcnow()


class AgendaItem(Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[Trilingual] = mapped_column(JSON)
    presenter_name: Mapped[str] = mapped_column(String(200), default="")
    presenter_organisation: Mapped[Trilingual | None] = mapped_column(JSON)

    session: Mapped[Session] = relationship(back_populates="agenda_items")


class Exhibitor(Model):
    __tablename__ = "exhibitors"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    company: Mapped[str] = mapped_column(String(200))
    theme: Mapped[ExhibitorTheme] = mapped_column(str_enum(ExhibitorTheme, "exhibitor_theme"))
    booth: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))

    event: Mapped[Event] = relationship(back_populates="exhibitors")

    __table_args__ = (UniqueConstraint("event_id", "booth", name="uq_exhibitors_event_booth"),)


DELEGATE_EMAIL_INDEX = "uq_delegates_event_email"


class Delegate(Model):
    """A person registered for the event, reached through a private manage link."""

    __tablename__ = "delegates"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    name_native: Mapped[str] = mapped_column(String(100), default="")
    native_name_order: Mapped[NameOrder] = mapped_column(
        str_enum(NameOrder, "name_order"), default=NameOrder.FAMILY_FIRST
    )
    organisation: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(150), default="")
    organisation_type: Mapped[OrganisationType] = mapped_column(
        str_enum(OrganisationType, "organisation_type"), default=OrganisationType.OTHER
    )
    country: Mapped[str] = mapped_column(String(2))
    email: Mapped[str] = mapped_column(String(254))
    # Lower-cased email: the key for "one live registration per email and session".
    email_normalized: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(2), default="en")
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    privacy_notice_version: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # The answers to the event's questions (Event.questions); passport data is elsewhere.
    salutation: Mapped[Salutation | None] = mapped_column(str_enum(Salutation, "salutation"))
    academic_title: Mapped[str] = mapped_column(String(40), default="", server_default="")  # "Dr.", "Prof. Dr."
    dietary: Mapped[str] = mapped_column(String(200), default="", server_default="")
    interpretation_language: Mapped[str] = mapped_column(String(2), default="", server_default="")
    arrival_date: Mapped[date | None] = mapped_column(Date)
    visa_letter_requested: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id", ondelete="SET NULL"), index=True)
    # Only a hash of the private link's token is stored. The token is an HMAC of this random
    # nonce with the app's secret key, so mails can carry the link while the database alone
    # reveals none (services.private_links.private_link_token).
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    manage_link_nonce: Mapped[str | None] = mapped_column(String(32))
    # Random code in the badge's QR: no name, no email.
    checkin_code: Mapped[str] = mapped_column(String(16), unique=True)
    # Lower-cased names (Latin, native script, pinyin with and without tones), organisation
    # and email in one column, so one LIKE finds a delegate by any of them.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Family name first, Chinese names by pinyin: the order of lists and print batches.
    sort_name: Mapped[str] = mapped_column(String(250), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    registrations: Mapped[list[Registration]] = relationship(back_populates="delegate", order_by="Registration.id")
    delegation: Mapped[Delegation | None] = relationship(back_populates="delegates")
    visa_request: Mapped[VisaRequest | None] = relationship(back_populates="delegate", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("language IN ('zh', 'de', 'en')", name="language_known"),
        CheckConstraint("length(country) = 2", name="country_alpha2"),
        # One person, one delegate: an email (case-insensitively) names one delegate of an event.
        Index(DELEGATE_EMAIL_INDEX, "event_id", "email_normalized", unique=True),
    )

    @property
    def display_name(self) -> str:
        return names.display_name(self.family_name, self.given_name, self.name_native)

    @property
    def latin_name(self) -> str:
        return names.latin_name(self.family_name, self.given_name, self.name_native)

    @property
    def badge_name(self) -> names.BadgeName:
        return names.badge_name(self.family_name, self.given_name, self.name_native)

    @property
    def has_confirmed_seat(self) -> bool:
        """A badge admits only to confirmed seats: without one there is no badge."""
        return any(r.status == RegistrationStatus.CONFIRMED for r in self.registrations)

    @property
    def live_registrations(self) -> list[Registration]:
        return [r for r in self.registrations if r.status not in ENDED_STATUSES]

    @property
    def current_registrations(self) -> list[Registration]:
        """One per session, in programme order: the live one, else the last cancelled one (a
        session cancelled and added again is listed once; the history has the rest)."""
        by_session: dict[int, Registration] = {}
        for registration in sorted(self.registrations, key=lambda r: r.id):
            shown = by_session.get(registration.session_id)
            if shown is None or shown.status in ENDED_STATUSES:
                by_session[registration.session_id] = registration
        return sorted(by_session.values(), key=lambda r: (r.session.starts_at, r.id))

    def __repr__(self) -> str:
        return f"<Delegate {self.id} {self.family_name}>"


LIVE_REGISTRATION = "status NOT IN ('cancelled', 'rejected')"


class Registration(Model):
    """A delegate's place in one session: confirmed, on the waiting list, applied for
    (pending), or ended (cancelled, rejected)."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus, "registration_status"))
    # Order of arrival on the waiting list: increasing per session, never reused.
    waitlist_rank: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An application's decision: when, and the reason the organiser gave (it goes into the mail).
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    delegate: Mapped[Delegate] = relationship(back_populates="registrations")
    session: Mapped[Session] = relationship(back_populates="registrations")

    __table_args__ = (
        # The database refuses a second live registration of one delegate for one session.
        Index(
            "uq_registrations_live_delegate_session",
            "delegate_id",
            "session_id",
            unique=True,
            sqlite_where=text(LIVE_REGISTRATION),
            postgresql_where=text(LIVE_REGISTRATION),
        ),
        UniqueConstraint("session_id", "waitlist_rank", name="uq_registrations_session_rank"),
        Index("ix_registrations_session_status", "session_id", "status"),
        # A delegate's registrations, every status (the live index above leaves out ended
        # ones): what a door scan and a delegate's pages load.
        Index("ix_registrations_delegate_id", "delegate_id"),
        CheckConstraint("status != 'waitlisted' OR waitlist_rank IS NOT NULL", name="waitlisted_has_rank"),
    )


class StaffRole(enum.StrEnum):
    ADMIN = "admin"  # everything, including staff accounts and the audit log
    ORGANISER = "organiser"  # delegates, registrations, sessions, exports, printing
    DOOR = "door"  # check-in only
    VISA = "visa"  # visa invitation letters and the passport data they need, nothing else


ROLE_REACH = {
    StaffRole.ADMIN: frozenset(StaffRole),
    StaffRole.ORGANISER: frozenset({StaffRole.ORGANISER, StaffRole.DOOR}),
    StaffRole.DOOR: frozenset({StaffRole.DOOR}),
    StaffRole.VISA: frozenset({StaffRole.VISA}),
}


class StaffUser(UserMixin, Model):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, "staff_role"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    api_tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def can(self, role: StaffRole) -> bool:
        """Admins may do everything; organisers also what door staff may do; the visa role
        only its own pages."""
        return role in ROLE_REACH[self.role]

    def __repr__(self) -> str:
        return f"<StaffUser {self.email} {self.role}>"


class ApiToken(Model):
    """A bearer token for door apps and scripts; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[StaffUser] = relationship(back_populates="api_tokens")


class StaffSession(Model):
    """A staff sign-in on one browser. The session cookie only names it (by a random key,
    stored hashed): signing out ends it here, so a copied cookie opens nothing afterwards."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[StaffUser] = relationship()


ENTRANCE = "entrance"  # the door of the venue itself; other doors are session slugs


class CheckIn(Model):
    """A delegate let in at a door. Undone check-ins stay, marked with who undid them."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"))
    door: Mapped[str] = mapped_column(String(80))  # "entrance" or a session slug
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))

    delegate: Mapped[Delegate] = relationship()
    session: Mapped[Session | None] = relationship()
    checked_in_by: Mapped[StaffUser | None] = relationship(foreign_keys=[checked_in_by_id])

    __table_args__ = (
        # One standing check-in per delegate and door: a second scan records nothing new.
        Index(
            "uq_checkins_live_delegate_door",
            "delegate_id",
            "door",
            unique=True,
            sqlite_where=text("undone_at IS NULL"),
            postgresql_where=text("undone_at IS NULL"),
        ),
        Index("ix_checkins_door", "door"),
    )


class ScanStatus(enum.StrEnum):
    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_REGISTERED = "not_registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    INVALID = "invalid"


class Scan(Model):
    """Every scan received, keyed by the client's id, so a replayed scan answers the same."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[str] = mapped_column(String(64), unique=True)
    door: Mapped[str] = mapped_column(String(80))
    code: Mapped[str] = mapped_column(String(100))
    status: Mapped[ScanStatus] = mapped_column(str_enum(ScanStatus, "scan_status"))
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("delegates.id", ondelete="SET NULL"))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the client's clock

    checkin: Mapped[CheckIn | None] = relationship()


class RenderedDocument(Model):
    """A rendered file kept for reuse (a delegate's badge, the agenda in one language), with
    the fingerprint of what it was made from: a different fingerprint means it is stale."""

    __tablename__ = "rendered_documents"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)  # e.g. "badge:12", "agenda:de"
    fingerprint: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PrintJobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PrintJob(Model):
    """A batch of badges for the print shop, made in the background with its progress."""

    __tablename__ = "print_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    status: Mapped[PrintJobStatus] = mapped_column(
        str_enum(PrintJobStatus, "print_job_status"), default=PrintJobStatus.QUEUED
    )
    sheet: Mapped[str] = mapped_column(String(16))  # "a6" or "a4-4up"
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    # The file can be tens of megabytes: loaded only when asked for (lists and progress
    # polls read the rest), and downloaded in slices (services.printing.jobs.job_file_chunks).
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    content_size: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The lease: a running job's worker touches heartbeat_at while it works; a running job
    # whose heartbeat is older than the lease lost its worker (deploy, crash, OOM).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    created_by: Mapped[StaffUser | None] = relationship()


class MailKind(enum.StrEnum):
    RECEIVED = "received"  # registration received, each session's status
    WAITLISTED = "waitlisted"  # every new registration is on a waiting list
    PROMOTED = "promoted"  # a seat from the waiting list
    CANCELLED = "cancelled"
    DETAILS_CHANGED = "details_changed"  # by an organiser
    PRIVATE_LINK = "private_link"  # the link sent again (or a new one)
    MESSAGE = "message"  # written by an organiser to a session's delegates
    INVITATION = "invitation"  # to an invitee, with their personal registration link
    INVITATION_REMINDER = "invitation_reminder"
    APPLICATION_APPROVED = "application_approved"
    APPLICATION_REJECTED = "application_rejected"
    DELEGATION = "delegation"  # to a delegation's contact: the contact page's link
    SUBSTITUTED = "substituted"  # to the delegate whose seat went to a colleague
    VISA_LETTER = "visa_letter"  # the visa invitation letter, attached


class MailStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its (next) attempt
    SENDING = "sending"  # handed to the server now; left so only if the sender died meanwhile
    SENT = "sent"
    FAILED = "failed"  # gave up after retries, or interrupted while sending: an organiser decides


class OutboxMail(Model):
    """A mail noted in the same transaction as the change it tells of and delivered later by
    the sender (services.mail): a committed change always has its mail, a rolled-back one
    never. It is written when sent, from the delegate's data then (so a corrected address
    is used on a retry), in their language; `payload` holds what the change was."""

    __tablename__ = "outbox_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("delegates.id", ondelete="SET NULL"), index=True)
    # Mails to people who are not delegates (yet): an invitee, a delegation's contact.
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id", ondelete="SET NULL"))
    kind: Mapped[MailKind] = mapped_column(str_enum(MailKind, "mail_kind"))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    # The same Message-ID on every attempt: a receiver can tell a repeat from a new mail.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus, "mail_status"), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # As written on the last attempt, for the organisers' list.
    recipient: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(2), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="system")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    delegate: Mapped[Delegate | None] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
    delegation: Mapped[Delegation | None] = relationship()

    @property
    def event(self) -> Event | None:
        """The event the mail is about, through whoever it goes to."""
        recipient = self.delegate or self.invitation or self.delegation
        return recipient.event if recipient is not None else None

    __table_args__ = (
        Index("ix_outbox_mails_due", "status", "next_attempt_at"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )


class AuditEntry(Model):
    """Append-only record of every change of registration status (and other changes)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("delegates.id", ondelete="SET NULL"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    session: Mapped[Session | None] = relationship(viewonly=True)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _audit_log_is_append_only(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise ValueError("the audit log is append-only")


class Invitation(Model):
    """A person the organisers invite: their personal link opens the registration form filled
    in with what the organisers know, and is the only way to a seat in a session by
    invitation. One per email and event, so importing the same list again changes nothing."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254))
    family_name: Mapped[str] = mapped_column(String(100), default="")
    given_name: Mapped[str] = mapped_column(String(100), default="")
    name_native: Mapped[str] = mapped_column(String(100), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(150), default="")
    organisation_type: Mapped[OrganisationType] = mapped_column(
        str_enum(OrganisationType, "organisation_type"), default=OrganisationType.OTHER
    )
    country: Mapped[str] = mapped_column(String(2), default="")
    language: Mapped[str] = mapped_column(String(2), default="en")
    salutation: Mapped[Salutation | None] = mapped_column(str_enum(Salutation, "salutation"))
    academic_title: Mapped[str] = mapped_column(String(40), default="")
    # The link is an HMAC of this nonce (as private links are): mails carry it, the database
    # alone reveals none; only its hash is looked up.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    link_nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="system")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the invitee registered through the link.
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("delegates.id", ondelete="SET NULL"))
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    sessions: Mapped[list[Session]] = relationship(secondary="invitation_sessions", order_by="Session.starts_at")
    delegate: Mapped[Delegate | None] = relationship(foreign_keys=[delegate_id])

    __table_args__ = (
        UniqueConstraint("event_id", "email_normalized", name="uq_invitations_event_email"),
        CheckConstraint("language IN ('zh', 'de', 'en')", name="invitation_language_known"),
    )

    @property
    def answered(self) -> bool:
        return self.delegate_id is not None or self.declined_at is not None


class InvitationSession(Model):
    """The sessions an invitation opens."""

    __tablename__ = "invitation_sessions"

    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)


class Delegation(Model):
    """Several delegates of one organisation registered together by a contact person (a
    chamber's delegation), who manages them on a contact page with a private link of its
    own. Every delegate still has their own link, badge and mails."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    organisation: Mapped[str] = mapped_column(String(200))
    contact_family_name: Mapped[str] = mapped_column(String(100))
    contact_given_name: Mapped[str] = mapped_column(String(100))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_language: Mapped[str] = mapped_column(String(2), default="en")
    seat_mode: Mapped[SeatMode] = mapped_column(str_enum(SeatMode, "seat_mode"), default=SeatMode.ALL_OR_NOTHING)
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    manage_link_nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    delegates: Mapped[list[Delegate]] = relationship(back_populates="delegation", order_by="Delegate.sort_name")

    __table_args__ = (CheckConstraint("contact_language IN ('zh', 'de', 'en')", name="contact_language_known"),)


class VisaLetterStatus(enum.StrEnum):
    REQUESTED = "requested"  # the delegate asked; waits for approval of their seat and review
    REVIEWED = "reviewed"  # checked by the visa team: may be sent
    SENT = "sent"


class VisaRequest(Model):
    """The passport data a visa invitation letter needs, kept apart from the delegate: seen
    only by admins and the visa role, never exported by default, erased after the event
    (Event.passport_retention_days)."""

    __tablename__ = "visa_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"), unique=True)
    passport_name: Mapped[str] = mapped_column(String(200), default="")  # as printed in the passport
    nationality: Mapped[str] = mapped_column(String(2), default="")
    passport_number: Mapped[str] = mapped_column(String(40), default="")
    passport_expiry: Mapped[date | None] = mapped_column(Date)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    status: Mapped[VisaLetterStatus] = mapped_column(
        str_enum(VisaLetterStatus, "visa_letter_status"), default=VisaLetterStatus.REQUESTED
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # passport fields emptied

    delegate: Mapped[Delegate] = relationship(back_populates="visa_request")


class EventImage(Model):
    """Images organisers upload for letters: the letterhead and the seal."""

    __tablename__ = "event_images"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # "letterhead" or "seal"
    mimetype: Mapped[str] = mapped_column(String(40))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("kind IN ('letterhead', 'seal')", name="event_image_kind"),)
