"""Looking into PDFs as a print shop's preflight does: the embedded font subsets (their tags,
names and programs), page by page and inside the forms a page draws."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject


@dataclass(frozen=True)
class Subset:
    tag: str  # "ABCDEF"
    name: str  # "Noto-Sans-Bold"
    program: str  # a hash of the embedded font program
    program_id: int  # the program's object number


def _fonts_of(resources, seen: set[int], found: dict[int, Subset]) -> set[int]:
    """The font programs used by these resources and the forms they draw (their numbers)."""
    used: set[int] = set()
    resources = resources.get_object() if resources is not None else None
    if not isinstance(resources, DictionaryObject):
        return used
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        for descendant in font.get("/DescendantFonts") or [font]:
            descriptor = descendant.get_object().get("/FontDescriptor")
            if descriptor is None:
                continue
            descriptor = descriptor.get_object()
            reference = next(
                descriptor.raw_get(k) for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor
            )
            number = reference.idnum if isinstance(reference, IndirectObject) else id(reference)
            tag, _, name = str(descriptor["/FontName"])[1:].partition("+")
            found[number] = Subset(tag, name, hashlib.sha256(reference.get_object().get_data()).hexdigest(), number)
            used.add(number)
    for form in (resources.get("/XObject") or {}).values():
        key = form.idnum if isinstance(form, IndirectObject) else id(form)
        if key in seen:
            continue
        seen.add(key)
        form = form.get_object()
        if form.get("/Subtype") == "/Form":
            used |= _fonts_of(form.get("/Resources"), seen, found)
    return used


def subsets(content: bytes) -> list[Subset]:
    """Every embedded font subset of the file, once each."""
    found: dict[int, Subset] = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        _fonts_of(page.get("/Resources"), set(), found)
    return list(found.values())


def page_font_programs(content: bytes, form: str | None = None) -> list[set[int]]:
    """For each page, the numbers of the font programs it draws with (only those inside the
    form XObject of that name, if given)."""
    found: dict[int, Subset] = {}
    pages = []
    for page in PdfReader(io.BytesIO(content)).pages:
        resources = page["/Resources"].get_object()
        if form is not None:
            resources = resources["/XObject"][form].get_object()["/Resources"]
        pages.append(_fonts_of(resources, set(), found))
    return pages


def assert_distinct_tags(content: bytes) -> list[Subset]:
    """Each different font subset has a tag of its own (ISO 32000-1 §9.6.4); returns them."""
    found = subsets(content)
    programs_by_tag: dict[str, set[str]] = {}
    for subset in found:
        assert len(subset.tag) == 6 and subset.tag.isupper() and subset.tag.isalpha(), subset
        programs_by_tag.setdefault(subset.tag, set()).add(subset.program)
    shared = {tag: programs for tag, programs in programs_by_tag.items() if len(programs) > 1}
    assert not shared, f"one tag for different subsets: {sorted(shared)}"
    return found
