"""How people's names are written, searched and sorted: Latin, Chinese characters, pinyin."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_han(text: str) -> bool:
    return bool(text and _HAN.search(text))


def fold(text: str) -> str:
    """Lower case without accents: Müller -> muller, José -> jose."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_query(text: str) -> str:
    return " ".join(text.lower().split())


def pinyin(text: str, tones: bool = False) -> list[str]:
    """The syllables of Chinese text (other characters are kept as they are)."""
    # Imported on first use: its dictionaries take 0.2 s to load, which a badge batch, a
    # door or any CLI command that writes no names would pay at every start.
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(text, style=Style.TONE if tones else Style.NORMAL, errors="default")


# Surnames read differently from the same character in other words (pypinyin reads the
# everyday word): 曾 is Zeng as a name, not ceng.
SURNAME_READINGS = {
    "曾": ("zeng", "zēng"),
    "单": ("shan", "shàn"),
    "解": ("xie", "xiè"),
    "朴": ("piao", "piáo"),
    "仇": ("qiu", "qiú"),
    "区": ("ou", "ōu"),
    "查": ("zha", "zhā"),
    "盖": ("ge", "gě"),
    "乐": ("yue", "yuè"),
    "翟": ("zhai", "zhái"),
    "覃": ("qin", "qín"),
    "缪": ("miao", "miào"),
    "长孙": ("zhangsun", "zhǎngsūn"),
    "尉迟": ("yuchi", "yùchí"),
    "万俟": ("moqi", "mòqí"),
}


def family_pinyin(family: str, tones: bool = False) -> str:
    """A family name's pinyin as one word, with the readings surnames take."""
    if family in SURNAME_READINGS:
        return SURNAME_READINGS[family][1 if tones else 0]
    return "".join(pinyin(family, tones))


def split_native_name(name_native: str, family_first: bool) -> tuple[str, str]:
    """Family and given part of a name in Chinese characters (one-character family names
    are by far the most common; two-character ones such as 欧阳 are recognised)."""
    compound = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "夏侯", "令狐")
    name = name_native.strip()
    if not family_first:
        return "", name
    cut = 2 if name[:2] in compound + ("万俟",) and len(name) > 2 else 1
    return name[:cut], name[cut:]


def search_text(family_name: str, given_name: str, name_native: str, organisation: str, email: str) -> str:
    """Everything a delegate may be searched by, lower-cased, in one string."""
    parts = [family_name, given_name, f"{given_name} {family_name}", f"{family_name} {given_name}"]
    parts += [fold(p) for p in parts] + [p.lower().translate(_UMLAUTS) for p in parts[:2]]
    if name_native:
        parts.append(name_native)
        if has_han(name_native):
            family, given = split_native_name(name_native, family_first=True)
            for tones in (False, True):
                syllables = pinyin(name_native, tones)
                family_py = family_pinyin(family, tones) if family else ""
                given_py = "".join(pinyin(given, tones))
                parts += [" ".join(syllables), "".join(syllables), f"{family_py} {given_py}".strip()]
    parts += [organisation, fold(organisation), email]
    return " | ".join(dict.fromkeys(p.lower() for p in parts if p))


def suggest_latin_name(name_native: str, family_first: bool = True) -> tuple[str, str]:
    """Family and given name in pinyin from Chinese characters: 王小明 -> ("Wang", "Xiaoming");
    ("", "") when the name has no Chinese characters."""
    if not has_han(name_native):
        return "", ""
    family, given = split_native_name(name_native, family_first)
    return family_pinyin(family).capitalize(), "".join(pinyin(given)).capitalize()


def sort_name(family_name: str, given_name: str, name_native: str) -> str:
    """A key that sorts family name first, Chinese names by their pinyin."""
    if has_han(name_native):
        family, given = split_native_name(name_native, family_first=True)
        key = f"{family_pinyin(family)} {''.join(pinyin(given))}"
    else:
        key = f"{family_name} {given_name}"
    return fold(key).strip()[:250]


def is_chinese_name(name_native: str) -> bool:
    return has_han(name_native)


def latin_name(family_name: str, given_name: str, name_native: str = "") -> str:
    """Chinese names as "WANG Xiaoming" (family first, capitals mark it); others "Jürgen Müller"."""
    if is_chinese_name(name_native):
        return f"{family_name.upper()} {given_name}".strip()
    return f"{given_name} {family_name}".strip()


@dataclass(frozen=True)
class BadgeName:
    """The name as badges and agendas print it: Chinese characters (family name first) with
    the Latin form below, or the Latin name alone."""

    main: str
    latin: str  # "" unless `main` is in Chinese characters
    chinese: bool


def badge_name(family_name: str, given_name: str, name_native: str = "") -> BadgeName:
    latin = latin_name(family_name, given_name, name_native)
    if is_chinese_name(name_native):
        return BadgeName(name_native.strip(), latin, True)
    return BadgeName(latin, "", False)


def display_name(family_name: str, given_name: str, name_native: str = "") -> str:
    """The name as a person reads it on screen: 王小明 (WANG Xiaoming), or Jürgen Müller."""
    latin = latin_name(family_name, given_name, name_native)
    if is_chinese_name(name_native):
        return f"{name_native} ({latin})" if latin else name_native
    return latin
