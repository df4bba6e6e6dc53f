"""What is on a badge: `BadgeData`, plain values with every label already translated in the
delegate's language (picklable, so worker processes with no Flask app and no database
render it; hashable into the fingerprint a kept badge is checked against), made from a
delegate, their confirmed sessions and the event; and the words of the colour band."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval, format_skeleton
from flask_babel import force_locale
from flask_babel import gettext as _

from ... import names
from ...i18n import HTML_LANG, country_names, format_local_time, localized
from ...models import (
    LANGUAGES,
    Delegate,
    Event,
    OrganisationType,
    RegistrationStatus,
    Session,
    SessionKind,
)


def category_labels() -> dict[OrganisationType, str]:
    """The word printed in the colour band: shorter than the form's labels (public.forms),
    as it is read from across a room."""
    return {
        OrganisationType.GOVERNMENT: _("Government"),
        OrganisationType.CHAMBER: _("Chamber of Commerce"),
        OrganisationType.ASSOCIATION: _("Association"),
        OrganisationType.ENTERPRISE: _("Enterprise"),
        OrganisationType.PRESS: _("Press"),
        OrganisationType.EXHIBITOR: _("Exhibitor"),
        OrganisationType.STAFF: _("Staff"),
        OrganisationType.OTHER: _("Delegate"),
    }


# --- what is printed ---------------------------------------------------------------------


@dataclass(frozen=True)
class AdmittedSession:
    title: str
    title_lang: str
    time: str  # local start time, e.g. "10:30"
    symposium: bool


@dataclass(frozen=True)
class BadgeData:
    """Everything printed on one badge, as plain values (picklable, hashable into a
    fingerprint): names, affiliation, the delegation type, the forum, the sessions the badge
    admits and the check-in code. Labels are in the delegate's language."""

    delegate_id: int
    language: str
    html_lang: str
    name: str  # as it is read: 王小明, or Jürgen Müller-Lüdenscheidt
    name_lang: str
    name_latin: str  # the Latin form under a name in Chinese characters ("WANG Xiaoming")
    name_latin_lang: str
    given_name: str  # a Latin name breaks between given and family name when it needs two lines
    family_name: str
    organisation: str
    position: str
    country_name: str
    organisation_type: str
    organisation_type_label: str
    forum_name: str
    forum_name_lang: str
    forum_name_secondary: str
    forum_name_secondary_lang: str
    forum_dates: str
    sessions: tuple[AdmittedSession, ...]
    symposium: bool
    admits_label: str
    symposium_label: str
    checkin_code: str


def upper_latin(label: str) -> str:
    """Latin labels in capitals (they are letter-spaced on the badge); Chinese has no case."""
    return label if names.has_han(label) else label.upper()


def _text_lang(text: str, fallback: str) -> str:
    return "zh-CN" if names.has_han(text) else fallback


@dataclass
class _LanguageTexts:
    """What every badge in one language shares (computed once per batch and language)."""

    html_lang: str
    forum_name: str
    forum_name_secondary: str
    forum_name_secondary_lang: str
    forum_dates: str
    category_labels: dict[OrganisationType, str]
    admits_label: str
    symposium_label: str
    countries: dict[str, str]
    sessions: dict[int, AdmittedSession] = field(default_factory=dict)


def _language_texts(event: Event, language: str) -> _LanguageTexts:
    with force_locale(language):
        if event.starts_on == event.ends_on:
            dates = format_date(event.starts_on, "long", locale=language)
        else:
            dates = format_interval(event.starts_on, event.ends_on, "yMMMd", locale=language)
        secondary_language = "en" if language == "zh" else "zh"
        secondary = localized(event.name, secondary_language)
        primary = localized(event.name, language)
        labels = {kind: upper_latin(label) for kind, label in category_labels().items()}
        return _LanguageTexts(
            html_lang=HTML_LANG.get(language, language),
            forum_name=primary,
            forum_name_secondary="" if secondary == primary else secondary,
            forum_name_secondary_lang=HTML_LANG[secondary_language],
            forum_dates=dates,
            category_labels=labels,
            admits_label=upper_latin(_("Admits to")),
            symposium_label=upper_latin(_("Symposium")),
            countries=country_names(language),
        )


def _admitted_session(session: Session, language: str, texts: _LanguageTexts) -> AdmittedSession:
    if session.id not in texts.sessions:
        with force_locale(language):
            title = localized(session.title, language)
            moment = format_local_time(session.starts_at, session.event.timezone)
            event = session.event
            if event.starts_on != event.ends_on:
                local_day = session.starts_at.astimezone(ZoneInfo(event.timezone))
                moment = f"{format_skeleton('Md', local_day, locale=language)} {moment}"
        texts.sessions[session.id] = AdmittedSession(
            title=title,
            title_lang=_text_lang(title, texts.html_lang),
            time=moment,
            symposium=session.kind == SessionKind.SYMPOSIUM,
        )
    return texts.sessions[session.id]


def _badge_data(delegate: Delegate, shared: dict[tuple[int, str], _LanguageTexts]) -> BadgeData:
    language = delegate.language if delegate.language in LANGUAGES else "en"
    key = (delegate.event_id, language)
    if key not in shared:
        shared[key] = _language_texts(delegate.event, language)
    texts = shared[key]
    confirmed = sorted(
        (r.session for r in delegate.registrations if r.status == RegistrationStatus.CONFIRMED),
        key=lambda s: (s.starts_at, s.id),
    )
    sessions = tuple(_admitted_session(s, language, texts) for s in confirmed)
    printed = delegate.badge_name
    chinese, name = printed.chinese, printed.main
    kind = OrganisationType(delegate.organisation_type)
    return BadgeData(
        delegate_id=delegate.id,
        language=language,
        html_lang=texts.html_lang,
        name=name,
        name_lang=_text_lang(name, texts.html_lang),
        name_latin=printed.latin,
        name_latin_lang="zh-Latn" if chinese else texts.html_lang,
        given_name="" if chinese else delegate.given_name.strip(),
        family_name="" if chinese else delegate.family_name.strip(),
        organisation=delegate.organisation.strip(),
        position=(delegate.position or "").strip(),
        country_name=texts.countries.get(delegate.country.upper(), delegate.country.upper()),
        organisation_type=kind.value,
        organisation_type_label=texts.category_labels[kind],
        forum_name=texts.forum_name,
        forum_name_lang=_text_lang(texts.forum_name, texts.html_lang),
        forum_name_secondary=texts.forum_name_secondary,
        forum_name_secondary_lang=texts.forum_name_secondary_lang,
        forum_dates=texts.forum_dates,
        sessions=sessions,
        symposium=any(s.symposium for s in sessions),
        admits_label=texts.admits_label,
        symposium_label=texts.symposium_label,
        checkin_code=delegate.checkin_code,
    )


def badge_data(delegate: Delegate) -> BadgeData:
    """What the delegate's badge shows, in the delegate's language; it admits to the sessions
    of their confirmed registrations only."""
    return _badge_data(delegate, {})
