"""What the organisers know of an invitee, read from text as a list or a form gives it: the
field each column of a list holds (guessed from headers in English, German or Chinese),
countries, languages and salutations by code or by name, and the rules each value must
meet (the registration form's email rules; what the badge fonts can print)."""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext

from ... import names
from ...i18n import LANGUAGE_NAMES, countries
from ...models import LANGUAGES, Salutation, Session
from ...printable import unprintable_characters
from .spreadsheets import clean_cell

# --- what each column holds -------------------------------------------------------------------


class InviteeField(enum.StrEnum):
    EMAIL = "email"
    SALUTATION = "salutation"
    ACADEMIC_TITLE = "academic_title"
    FAMILY_NAME = "family_name"
    GIVEN_NAME = "given_name"
    NAME_NATIVE = "name_native"
    ORGANISATION = "organisation"
    POSITION = "position"
    COUNTRY = "country"
    LANGUAGE = "language"
    SESSIONS = "sessions"


# Headers as English, German and Chinese lists write them, folded (see _key).
HEADERS = {
    InviteeField.EMAIL: "email emailaddress emailadresse mail mailadresse 邮箱 电子邮箱 电子邮件 邮件 邮箱地址 电子邮件地址",
    InviteeField.SALUTATION: "salutation gender anrede geschlecht 称谓 称呼 性别",
    InviteeField.ACADEMIC_TITLE: "title academictitle titel akademischertitel akadgrad 头衔 学衔",
    InviteeField.FAMILY_NAME: "familyname lastname surname name nachname familienname 姓 姓氏",
    InviteeField.GIVEN_NAME: "givenname firstname forename vorname rufname 名 名字",
    InviteeField.NAME_NATIVE: "chinesename nameinchinese nativename nameinnativescript chinesischername 中文姓名 中文名 姓名",
    InviteeField.ORGANISATION: "organisation organization company institution firma unternehmen 单位 工作单位 公司 机构 单位名称",
    InviteeField.POSITION: "position jobtitle function funktion 职务 职位",
    InviteeField.COUNTRY: "country countryregion land staat 国家 国家地区 国家或地区 国籍",
    InviteeField.LANGUAGE: "language preferredlanguage sprache korrespondenzsprache 语言 语种",
    InviteeField.SESSIONS: "sessions session veranstaltungen veranstaltung 会议 场次 活动",
}
_HEADER_FIELDS = {key: name for name, keys in HEADERS.items() for key in keys.split()}


def _key(text: str) -> str:
    """Lower case, without accents, spaces or punctuation: "E-Mail-Adresse" -> "emailadresse"."""
    return re.sub(r"[\W_]+", "", names.fold(text))


def guess_mapping(header: Sequence[str]) -> list[InviteeField | None]:
    """The field each column holds, guessed from its header (None: ignored); each field is
    taken by the first column that names it."""
    mapping: list[InviteeField | None] = []
    for title in header:
        key = _key(title)
        guess = _HEADER_FIELDS.get(key)
        if guess is None and ("mail" in key or "邮箱" in key):
            guess = InviteeField.EMAIL
        mapping.append(guess if guess not in mapping else None)
    return mapping


def mapping_problems(mapping: Sequence[InviteeField | None]) -> list[str]:
    """What stops the list from being read: no email column, or a field in two columns."""
    problems = []
    if InviteeField.EMAIL not in mapping:
        problems.append(_("No column holds the email address. Choose it for one of the columns."))
    twice = [f for f, count in Counter(f for f in mapping if f).items() if count > 1]
    problems += [_("Two columns hold %(field)s: choose it for one only.", field=field_labels()[f]) for f in twice]
    return problems


def field_labels() -> dict[InviteeField, str]:
    return {
        InviteeField.EMAIL: _("Email"),
        InviteeField.SALUTATION: _("Salutation"),
        InviteeField.ACADEMIC_TITLE: _("Academic title"),
        InviteeField.FAMILY_NAME: _("Family name"),
        InviteeField.GIVEN_NAME: _("Given name"),
        InviteeField.NAME_NATIVE: _("Name in native script"),
        InviteeField.ORGANISATION: _("Organisation"),
        InviteeField.POSITION: _("Position"),
        InviteeField.COUNTRY: _("Country or region"),
        InviteeField.LANGUAGE: _("Preferred language"),
        InviteeField.SESSIONS: _("Sessions"),
    }


# --- what a value means -----------------------------------------------------------------------

# How lists name countries where CLDR's names differ.
COUNTRY_ALIASES = {
    "CN": "prc prchina vrchina peoplesrepublicofchina volksrepublikchina 中华人民共和国 大陆 中国大陆",
    "DE": "germany brd bundesrepublikdeutschland federalrepublicofgermany",
    "GB": "uk greatbritain grossbritannien england 英国",
    "US": "usa unitedstatesofamerica 美利坚合众国",
    "KR": "korea republicofkorea 韩国 南韩",
    "HK": "hongkong 香港",
    "MO": "macau macao 澳门",
    "TW": "台湾",
}
LANGUAGE_ALIASES = {"zh": "汉语 普通话 mandarin", "de": "德文", "en": "英文"}
SALUTATIONS = {
    Salutation.MR: "mr herr 先生 male m mannlich 男",
    Salutation.MS: "ms mrs miss frau 女士 小姐 female f w weiblich 女",
    Salutation.NONE: "none divers keine neutral mx 无",
}
# Who is mailed in which language when the list does not say.
LANGUAGE_BY_COUNTRY = {"CN": "zh", "TW": "zh", "HK": "zh", "MO": "zh", "DE": "de", "AT": "de", "CH": "de", "LI": "de"}


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    """Every name and code of a country, folded, and its ISO 3166 alpha-2 code."""
    known: dict[str, str] = {}
    for language in LANGUAGES:
        for code, name in countries(language).items():
            known[_key(name)] = code
            known[code.lower()] = code
    for code, aliases in COUNTRY_ALIASES.items():
        known.update(dict.fromkeys(aliases.split(), code))
    return known


@lru_cache(maxsize=1)
def _language_codes() -> dict[str, str]:
    known = {code: code for code in LANGUAGES}
    for language in LANGUAGES:
        languages = Locale.parse(language).languages
        known.update({_key(languages[code]): code for code in LANGUAGES})
    known.update({_key(name): code for code, name in LANGUAGE_NAMES.items()})
    for code, aliases in LANGUAGE_ALIASES.items():
        known.update(dict.fromkeys(aliases.split(), code))
    return known


def country_code(text: str) -> str | None:
    """ "DE", "de", "Germany", "Deutschland", "德国" -> "DE"; None for no country known."""
    return _country_codes().get(_key(text))


def language_code(text: str) -> str | None:
    """ "zh", "Chinesisch", "中文", "Chinese" -> "zh"; None for a language the forum has not."""
    return _language_codes().get(_key(text))


def salutation_of(text: str) -> Salutation | None:
    key = _key(text)
    return next((s for s, words in SALUTATIONS.items() if key in words.split() or key == s.value), None)


# --- checking an invitee ----------------------------------------------------------------------


@dataclass
class InviteeDetails:
    """What the organisers know of an invitee; an empty value is not known."""

    email: str = ""
    family_name: str = ""
    given_name: str = ""
    name_native: str = ""
    organisation: str = ""
    position: str = ""
    country: str = ""
    language: str = ""
    salutation: Salutation | None = None
    academic_title: str = ""


DETAIL_FIELDS = tuple(f.name for f in fields(InviteeDetails))
MAX_LENGTHS = {
    "email": 254,
    "family_name": 100,
    "given_name": 100,
    "name_native": 100,
    "organisation": 200,
    "position": 150,
    "academic_title": 40,
}
ON_BADGE = ("family_name", "given_name", "name_native", "organisation", "position", "academic_title")

Problems = list[tuple[InviteeField, str]]  # (field, message for the organiser)


def email_problem(email: str) -> str | None:
    """The registration form's rules: valid, and only ASCII before the @."""
    local, at, _domain = email.rpartition("@")
    if at and not local.isascii():
        # The message of public.forms.plain_local_part.
        return _(
            "Before the @, use Latin letters without accents or umlauts (for example mueller@example.de, not müller@example.de): many mail servers cannot deliver to such an address."
        )
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return _("This is not a valid email address.")
    return None


def _printing_problem(text: str) -> str | None:
    missing = unprintable_characters(text)
    if not missing:
        return None
    # The message of public.forms.printable_on_badge.
    return ngettext(
        "Badges cannot print %(characters)s. Please leave it out or write it in letters.",
        "Badges cannot print these characters: %(characters)s. Please leave them out or write them in letters.",
        len(missing),
        characters=" ".join(missing),
    )


def read_invitee(
    values: dict[InviteeField, str], sessions: dict[str, Session]
) -> tuple[InviteeDetails, list[Session], Problems]:
    """An invitee's details from text as a list or form gives it (codes or names: "DE" or
    "Deutschland", "zh" or "中文", "mr" or "Herr"), the sessions named, and what is wrong."""
    problems: Problems = []
    details = InviteeDetails()
    for name in DETAIL_FIELDS:
        text = clean_cell(values.get(InviteeField(name), ""))
        if text:
            value, problem = _read_value(name, text)
            if problem:
                problems.append((InviteeField(name), problem))
            else:
                setattr(details, name, value)
    if not values.get(InviteeField.EMAIL, "").strip():
        problems.append((InviteeField.EMAIL, _("An email address is needed.")))
    chosen: list[str] = []
    unknown: list[str] = []
    for slug in re.split(r"[\s,;]+", values.get(InviteeField.SESSIONS, "").strip().lower()):
        if slug:
            (chosen if slug in sessions else unknown).append(slug)
    if unknown:
        problems.append((InviteeField.SESSIONS, _("Unknown session: %(slug)s", slug=", ".join(unknown))))
    return details, [sessions[slug] for slug in dict.fromkeys(chosen)], problems


def _read_value(name: str, text: str) -> tuple[object, str | None]:
    """The value a cell means, or what is wrong with it."""
    if name == "email":
        return text, email_problem(text)
    if name == "country":
        code = country_code(text)
        return code, None if code else _("Unknown country or region: %(value)s", value=text)
    if name == "language":
        language = language_code(text)
        return language, None if language else _("Unknown language: %(value)s (zh, de or en).", value=text)
    if name == "salutation":
        salutation = salutation_of(text)
        return salutation, None if salutation else _(
            "Unknown salutation: %(value)s (Mr, Ms, Herr, Frau, 先生, 女士).", value=text
        )
    if len(text) > MAX_LENGTHS[name]:
        return text, _("Longer than %(count)d characters.", count=MAX_LENGTHS[name])
    return text, _printing_problem(text)
