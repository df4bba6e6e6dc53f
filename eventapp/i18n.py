"""Language choice, trilingual content and local times."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_skeleton, get_timezone_name
from babel.lists import format_list as babel_format_list
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale, gettext, refresh
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

# Which language fills in for a missing one: the forum's audience reads English best after
# their own language.
FALLBACK_ORDER = ("en", "zh", "de")
LANGUAGE_NAMES = {"zh": "中文", "de": "Deutsch", "en": "English"}
HTML_LANG = {"zh": "zh-CN", "de": "de", "en": "en"}


class TextLazyString(LazyString):
    """A lazily translated message that is text, not markup. Flask-Babel's LazyString has
    `__html__`, so Jinja would print it unescaped, together with any user input put into it
    through %(name)s (a form error echoing a field's value): every lazy message is escaped."""

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> TextLazyString:
    """Like Flask-Babel's lazy_gettext (imported as `_l`), but escaped in templates."""
    return TextLazyString(gettext, string, **variables)


def select_locale() -> str:
    """The switcher's choice (?lang=, then the remembered one), then the preferred language
    of the delegate whose private pages these are, then Accept-Language, then English."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background work: English unless told otherwise
        return "en"
    for chosen in (request.args.get("lang"), session.get("language"), g.get("preferred_language")):
        if isinstance(chosen, str) and chosen in languages:
            return chosen
    return request.accept_languages.best_match(languages) or "en"


def remember_language_of_page(response):
    """A page opened with ?lang= (a link from a mail, a shared URL) keeps its language on the
    next pages and form posts, as the switcher does. Only pages: a PDF or JSON answer may be
    shared by caches and must not set a cookie."""
    chosen = request.args.get("lang")
    page = response.status_code == 200 and response.mimetype == "text/html" and not response.cache_control.public
    if page and chosen in current_app.config["LANGUAGES"]:
        session["language"] = chosen
    return response


def use_preferred_language(language: str) -> None:
    """The page belongs to someone who told us their language: use it unless the switcher
    says otherwise (the locale may have been looked up already in this request)."""
    g.preferred_language = language
    refresh()


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def localized(text: dict | None, language: str | None = None) -> str:
    """The text in the language asked (default: the page's), else the first one present."""
    if not text:
        return ""
    language = language or current_language()
    for candidate in (language, *FALLBACK_ORDER):
        if text.get(candidate):
            return text[candidate]
    return next((v for v in text.values() if v), "")


# Names the forum uses where CLDR's differ (mainland usage for a Beijing government forum).
COUNTRY_NAME_OVERRIDES = {"zh": {"TW": "中国台湾"}}


@lru_cache(maxsize=8)
def country_names(language: str) -> dict[str, str]:
    """Territory codes and their names in `language` (Babel's, with the forum's overrides)."""
    return {**Locale.parse(language).territories, **COUNTRY_NAME_OVERRIDES.get(language, {})}


# Babel's territories that are groupings or private-use codes, not countries.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


def countries(language: str) -> dict[str, str]:
    """The ISO 3166 alpha-2 countries (and regions) a delegate may name, in `language`."""
    return {
        code: name
        for code, name in country_names(language).items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }


def country_name(code: str, language: str | None = None) -> str:
    code = (code or "").upper()
    return country_names(language or current_language()).get(code, code)


def format_list(items) -> str:
    """A list as the page's language writes it: "A, B and C", "A, B und C", "A、B和C"."""
    return babel_format_list([str(item) for item in items], locale=current_language())


def to_local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def format_local_datetime(moment: datetime, timezone: str, fmt: str = "medium") -> str:
    return babel_format_datetime(moment, fmt, tzinfo=ZoneInfo(timezone), locale=current_language())


def format_local_date(moment: datetime, timezone: str, fmt: str = "full") -> str:
    return babel_format_date(to_local(moment, timezone).date(), fmt, locale=current_language())


def format_local_time(moment: datetime, timezone: str) -> str:
    """24-hour time in the event's zone: what an international programme prints."""
    return format_skeleton("Hm", to_local(moment, timezone), locale=current_language())


def format_local_when(moment: datetime, timezone: str, day_skeleton: str = "yMMMEd") -> str:
    """Weekday, date and time in the event's zone, e.g. "Sat, Dec 26, 2026, 10:30"; the
    day written by another skeleton, e.g. "MMMd" for a table column: "Dec 26, 10:30"."""
    language = current_language()
    local = to_local(moment, timezone)
    day = format_skeleton(day_skeleton, local, locale=language)
    pattern = Locale.parse(language).datetime_formats["medium"]
    return pattern.format(format_local_time(moment, timezone), day)


def timezone_name(timezone: str) -> str:
    return get_timezone_name(ZoneInfo(timezone), locale=current_language())
