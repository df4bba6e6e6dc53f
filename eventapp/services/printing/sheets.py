"""Print files made of single-badge PDFs: the hand-written PDF splitter (`_split_pdf`) and
assembler (`_PdfAssembler`) that copy a kept badge's objects as they are, the three sheets
(A6 pages with crop marks, four to an A4 sheet, the print shop's PDF/X-4 style file) and
`merge_badges`, which takes the fast way when every badge has the shape it expects and
pypdf's way (`_merge_with_pypdf`) otherwise.

A kept badge is written with a plain cross-reference table and no object streams (each
stream still compressed), so that a batch is a concatenation: every object of every badge
is copied as it is, only its number and references renumbered. Files of any other shape
(kept by an older version, say) go through pypdf instead.

Why not a library, measured here (1000 kept badges from bench/badges.py, 23 MB, merged into
one A6 file, 2 CPUs: the assembler best of 3, the others one run; the bench prints the first
two as "Merge kept badges"):

- this assembler: 0.39 s, a 14 MB file (a font program many badges share is written once);
- pypdf 7.1 (`_merge_with_pypdf`, already a dependency): 6.0 s, 23 MB, as it parses and
  clones every object; kept as the way for files of other shapes;
- pikepdf 10.18 (qpdf; not a dependency, tried in a scratch install): 1.2 s for the pages
  alone, 23 MB, with none of the rest (shared fonts written once, subset tags made distinct,
  four to a sheet, the print shop's output intent): three times the assembler before doing
  what it does;
- pydyf (what WeasyPrint writes with) has no parser: it cannot read a badge back.

The goal is a warm batch of 1000 in 2.5 s (bench/README.md), so the assembler stays.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pydyf

from ..pdf import OUTPUT_CONDITION, output_intent_objects, srgb_profile, subset_tag, xmp_metadata
from .layout import BADGE_HEIGHT_MM, BADGE_WIDTH_MM, MM

FOUR_UP, PRINT_SHOP = "a4-4up", "print-shop"
# a6: one badge a page with bleed and crop marks; a4-4up: four to an A4 sheet for an office
# printer; print-shop: the A6 pages with an output intent and PDF/X-4 metadata.
SHEETS = ("a6", FOUR_UP, PRINT_SHOP)
A4_WIDTH_MM, A4_HEIGHT_MM = 210.0, 297.0


class _RawObject(pydyf.Object):
    """A PDF object given as bytes (copied from another PDF)."""

    def __init__(self) -> None:
        super().__init__()
        self.body = b""

    @property
    def data(self) -> bytes:
        return self.body


def _add_form(pdf, page: _PdfParts) -> bytes:
    """Copy a one-page PDF's page, with what it uses, into a pydyf PDF as a Form XObject
    (a page of the same size: its BBox is the MediaBox); returns the form's reference."""
    dictionary = page.objects[page.page][0]
    contents = _number(rb"/Contents (\d+) 0 R", dictionary)
    box = re.search(rb"/MediaBox \[([^\]]*)\]", dictionary)
    if contents is None or box is None:
        raise ValueError("the page has no single content stream or no MediaBox")
    skipped = (page.catalog, page.pages, page.page, page.info)
    copies = {old: _RawObject() for old in page.objects if old not in skipped}
    for copy in copies.values():
        pdf.add_object(copy)
    numbers = {old: copy.number for old, copy in copies.items()}
    for old, copy in copies.items():
        if old == contents:
            copy.body = _page_part(page, old, numbers, box.group(1))
        else:
            copy.body = _renumbered(page.objects[old], numbers)
    return copies[contents].reference


_OBJECT_HEADER = re.compile(rb"(\d+) 0 obj\n")
_REFERENCE = re.compile(rb"(?<![\d.])(\d+) 0 R\b")
_STREAM_START = b"\nstream\n"


@dataclass
class _PdfParts:
    """One single-page PDF taken apart: {number: (dictionary part, stream part)}."""

    objects: dict[int, tuple[bytes, bytes]]
    catalog: int
    pages: int
    page: int
    info: int | None


def _number(pattern: bytes, text: bytes) -> int | None:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else None


def _objects_of(content: bytes) -> tuple[dict[int, tuple[bytes, bytes]], bytes] | None:
    """The objects of a PDF with a classic xref table and its trailer, or None if it is not one."""
    try:
        start = int(content[content.rindex(b"startxref") + 9 :].split()[0])
        trailer_at = content.index(b"trailer", start)
    except ValueError:
        return None
    lines = content[start:trailer_at].split(b"\n")
    if lines[0].strip() != b"xref" or len(lines) < 3:
        return None
    first, count = (int(v) for v in lines[1].split())
    entries = lines[2 : 2 + count]
    if first != 0 or len(entries) != count:
        return None
    offsets = sorted((int(entry[:10]), number) for number, entry in enumerate(entries) if entry[17:18] == b"n")
    objects: dict[int, tuple[bytes, bytes]] = {}
    for index, (offset, number) in enumerate(offsets):
        end = offsets[index + 1][0] if index + 1 < len(offsets) else start
        chunk = content[offset:end]
        header = _OBJECT_HEADER.match(chunk)
        if header is None or int(header.group(1)) != number:
            return None
        objects[number] = _dictionary_and_stream(chunk[header.end() : chunk.rindex(b"endobj")].rstrip(b"\n"))
    return objects, content[trailer_at:]


def _dictionary_and_stream(body: bytes) -> tuple[bytes, bytes]:
    """An object's body as (its dictionary or value, its stream part or b"")."""
    cut = body.find(_STREAM_START)
    return (body, b"") if cut < 0 else (body[:cut], body[cut:])


def _split_document(content: bytes) -> tuple[_PdfParts, list[int]] | None:
    """A PDF taken apart, with its pages' numbers in order (`page` is the first), or None."""
    found = _objects_of(content)
    if found is None:
        return None
    objects, trailer = found
    catalog = _number(rb"/Root (\d+) 0 R", trailer)
    pages = catalog and _number(rb"/Pages (\d+) 0 R", objects.get(catalog, (b"",))[0])
    kids = pages and re.findall(rb"(\d+) 0 R", objects.get(pages, (b"",))[0].partition(b"/Kids")[2].partition(b"]")[0])
    if not catalog or not pages or not kids:
        return None
    numbers = [int(kid) for kid in kids]
    return _PdfParts(objects, catalog, pages, numbers[0], _number(rb"/Info (\d+) 0 R", trailer)), numbers


def _split_pdf(content: bytes) -> _PdfParts | None:
    """The objects of a single-page PDF with a classic xref table, or None if it is not one."""
    found = _split_document(content)
    return found[0] if found is not None and len(found[1]) == 1 else None


def _used_from(objects: dict[int, tuple[bytes, bytes]], roots: Sequence[int], skip: int) -> list[int]:
    """The objects `roots` refer to, directly or not, and the roots themselves, except `skip`."""
    used, waiting = set(roots), list(roots)
    while waiting:
        for found in _REFERENCE.finditer(objects[waiting.pop()][0]):
            number = int(found.group(1))
            if number != skip and number not in used:
                used.add(number)
                waiting.append(number)
    return sorted(used)


def single_pages(content: bytes) -> list[tuple[bytes, _PdfParts]] | None:
    """Each page of a PDF with a classic xref table as a PDF of its own (the shape kept badges
    have, see above), holding only the objects that page uses, its catalog and info, with
    that PDF taken apart as _split_pdf would take it (a batch merges it without reading it
    again); None if the PDF has another shape."""
    found = _split_document(content)
    if found is None:
        return None
    parts, pages = found
    documents = []
    for page in pages:
        out = _PdfAssembler()
        pages_number = out.reserve()
        roots = [page, parts.catalog] + ([parts.info] if parts.info else [])
        used = _used_from(parts.objects, roots, parts.pages)
        numbers = {old: out.reserve() for old in used}
        numbers[parts.pages] = pages_number
        objects = {numbers[old]: _dictionary_and_stream(_renumbered(parts.objects[old], numbers)) for old in used}
        objects[pages_number] = (b"<</Type /Pages/Kids [%d 0 R]/Count 1>>" % numbers[page], b"")
        info = numbers[parts.info] if parts.info else out.reserve()
        objects.setdefault(info, (b"<<>>", b""))
        for number, obj in objects.items():  # in this order, as _split_pdf reads them back
            out.put(number, b"".join(obj))
        single = _PdfParts(objects, numbers[parts.catalog], pages_number, numbers[page], info)
        documents.append((out.finish(single.catalog, info), single))
    return documents


class _PdfAssembler:
    """Writes a PDF from objects given as bytes, numbering them as they come."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
        self.position = len(self.chunks[0])
        self.offsets: list[int] = []
        self.leaves: dict[tuple[bytes, bytes], int] = {}  # numbers of the objects without references
        # Each font subset's tag, with the number of its font program: one program, one tag.
        self.subset_tags: dict[bytes, int] = {}
        self.retagged: dict[tuple[bytes, int], bytes] = {}  # (tag, program) -> the new tag

    def reserve(self) -> int:
        self.offsets.append(-1)
        return len(self.offsets)

    def put(self, number: int, body: bytes) -> None:
        self.offsets[number - 1] = self.position
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        self.chunks.append(chunk)
        self.position += len(chunk)

    def add(self, body: bytes) -> int:
        number = self.reserve()
        self.put(number, body)
        return number

    def copy(self, parts: _PdfParts, skip: set[int | None], renumbered: dict[int, int]) -> dict[int, int]:
        """Copy the objects of a badge except `skip` and those `renumbered` to objects
        written already; returns old -> new numbers. An object without references that the
        file holds already (a font of the static part that many badges share) is written
        once."""
        numbers = dict(renumbered)
        copied = []
        for old, (dictionary, stream) in parts.objects.items():
            if old in skip or old in numbers:
                continue
            if _REFERENCE.search(dictionary) is None:
                if (dictionary, stream) in self.leaves:
                    numbers[old] = self.leaves[dictionary, stream]
                    continue
                numbers[old] = self.leaves[dictionary, stream] = self.reserve()
            else:
                numbers[old] = self.reserve()
            copied.append(old)
        retag = self._claim_subset_tags(parts, numbers)
        for old in copied:
            body = _renumbered(parts.objects[old], numbers)
            if old in retag:
                body = _SUBSET_NAME.sub(rb"\g<1>" + retag[old] + b"+", body)
            self.put(numbers[old], body)
        return numbers

    def _claim_subset_tags(self, parts: _PdfParts, numbers: dict[int, int]) -> dict[int, bytes]:
        """Claim the subset tag of each font the badge brings for its font program (a
        subset that an earlier badge brought too is written once, and keeps its tag); a tag
        that the file gives another subset already is replaced. Returns {number in the
        badge: new tag} for the font descriptors, CID fonts and Type 0 fonts to rename."""
        renamed: dict[int, bytes] = {}
        for old, (dictionary, _stream) in parts.objects.items():
            program = _number(rb"/FontFile[23]? (\d+) 0 R", dictionary)
            name = re.search(rb"/FontName ?/([A-Z]{6})\+", dictionary)
            if program is None or name is None or program not in numbers:
                continue
            tag, number = name.group(1), numbers[program]
            if self.subset_tags.setdefault(tag, number) == number:
                continue
            if (tag, number) not in self.retagged:
                taken = {t.decode() for t in self.subset_tags}
                new = subset_tag(parts.objects[program][1], taken).encode()
                self.subset_tags[new] = number
                self.retagged[tag, number] = new
            renamed[old] = self.retagged[tag, number]
        # The fonts above a renamed descriptor: its CID font, and the Type 0 font above that.
        for pattern in (rb"/FontDescriptor (\d+) 0 R", rb"/DescendantFonts ?\[ ?(\d+) 0 R"):
            for old, (dictionary, _stream) in parts.objects.items():
                below = _number(pattern, dictionary) if renamed else None
                if below in renamed:
                    renamed[old] = renamed[below]
        return renamed

    def finish(self, catalog: int, info: int, trailer: bytes = b"") -> bytes:
        xref_at = self.position
        entries = [b"0000000000 65535 f \n"] + [b"%010d 00000 n \n" % offset for offset in self.offsets]
        self.chunks += [b"xref\n0 %d\n" % len(entries), *entries]
        self.chunks.append(
            b"trailer\n<</Size %d/Root %d 0 R/Info %d 0 R%s>>\nstartxref\n%d\n%%%%EOF\n"
            % (len(entries), catalog, info, trailer, xref_at)
        )
        return b"".join(self.chunks)


_SUBSET_NAME = re.compile(rb"(/(?:FontName|BaseFont) ?/)[A-Z]{6}\+")


def _floats(text: bytes) -> list[float]:
    return [float(v) for v in text.split()]


def _renumbered(obj: tuple[bytes, bytes], numbers: dict[int, int]) -> bytes:
    """An object's bytes with its references renumbered."""
    dictionary, stream = obj
    return _REFERENCE.sub(lambda found: b"%d 0 R" % numbers[int(found.group(1))], dictionary) + stream


def _page_part(parts: _PdfParts, contents: int, numbers: dict[int, int], box: bytes) -> bytes:
    """The page's content stream as a Form XObject clipped to `box`, its resources
    renumbered: the page drawn elsewhere."""
    resources = _number(rb"/Resources (\d+) 0 R", parts.objects[parts.page][0])
    dictionary, stream = parts.objects[contents]
    if resources is None or not dictionary.startswith(b"<<") or not stream:
        raise ValueError("the page has no resources or no content stream")
    return b"<</Type /XObject/Subtype /Form/BBox [%s]/Resources %d 0 R%s%s" % (
        box,
        numbers[resources],
        dictionary[2:],
        stream,
    )


# --- four badges on an A4 sheet ----------------------------------------------------------
#
# Office printers leave the outer 4-5 mm of the paper blank, and A6 is a quarter of A4: four
# badges at full size would run to the edges and lose their borders. So on a sheet they are
# scaled to keep SHEET_MARGIN_MM clear (95 x 134 mm, still right for A6 badge holders), and
# the cut marks stand in that margin, outside the badges, where every printer prints them.

SHEET_MARGIN_MM = 10.0
SHEET_MARKS_MM = (2.0, 5.0)  # from and to, outside the badges' outline (5-8 mm from the edge)


def _four_up_scale() -> float:
    return min(
        (A4_WIDTH_MM - 2 * SHEET_MARGIN_MM) / (2 * BADGE_WIDTH_MM),
        (A4_HEIGHT_MM - 2 * SHEET_MARGIN_MM) / (2 * BADGE_HEIGHT_MM),
    )


def _four_up_trim() -> tuple[float, float, float, float]:
    """The outline of the four badges, centred on the sheet (its TrimBox, in points)."""
    scale = _four_up_scale()
    width, height = 2 * BADGE_WIDTH_MM * scale * MM, 2 * BADGE_HEIGHT_MM * scale * MM
    left, bottom = (A4_WIDTH_MM * MM - width) / 2, (A4_HEIGHT_MM * MM - height) / 2
    return left, bottom, left + width, bottom + height


def _four_up_placement(slot: int, trim_left: float, trim_bottom: float) -> str:
    """PDF operators that draw /Badge<slot> (a badge as a form, clipped to its TrimBox, whose
    lower left corner is given) in its place: top left, top right, bottom left, bottom right
    (the reading order)."""
    scale = _four_up_scale()
    left, bottom, right, top = _four_up_trim()
    x = left if slot % 2 == 0 else (left + right) / 2
    y = (bottom + top) / 2 if slot < 2 else bottom
    return (
        f"q {scale:.5f} 0 0 {scale:.5f} {x - trim_left * scale:.3f} {y - trim_bottom * scale:.3f} cm /Badge{slot} Do Q"
    )


def _four_up_boxes() -> dict[str, list[float]]:
    """The sheet's page boxes: the paper, and the badges' outline as TrimBox and BleedBox
    (neighbours touch, so there is no bleed to give)."""
    trim = [round(v, 3) for v in _four_up_trim()]
    return {
        "MediaBox": [0, 0, round(A4_WIDTH_MM * MM, 4), round(A4_HEIGHT_MM * MM, 4)],
        "TrimBox": trim,
        "BleedBox": trim,
    }


def _cut_marks() -> list[str]:
    """Cut marks on the sheet: on each cut line, 2-5 mm outside the badges' outline, 0.25 pt
    black as the A6 crop marks."""
    left, bottom, right, top = _four_up_trim()
    near, far = (v * MM for v in SHEET_MARKS_MM)
    columns, rows = (left, (left + right) / 2, right), (bottom, (bottom + top) / 2, top)
    segments = [(x, top + near, x, top + far) for x in columns]
    segments += [(x, bottom - far, x, bottom - near) for x in columns]
    segments += [(left - far, y, left - near, y) for y in rows]
    segments += [(right + near, y, right + far, y) for y in rows]
    return ["0 0 0 RG 0.25 w 0 J", *(f"{x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S" for x1, y1, x2, y2 in segments)]


def _boxes_pdf(boxes: dict[str, list[float]]) -> bytes:
    return b"".join(
        b"/%s [%s]" % (name.encode(), " ".join(f"{v:.4f}" for v in box).encode()) for name, box in boxes.items()
    )


# --- the print shop's file: PDF/X-4 style ---------------------------------------------------


@dataclass(frozen=True)
class _PrintShopMetadata:
    """What a print-shop file declares beside its pages: when it was made, its id, PDF/X-4."""

    pdf_date: str  # D:20261226093000+08'00'
    xmp_date: str  # 2026-12-26T09:30:00+08:00
    document_id: str

    @classmethod
    def now(cls) -> _PrintShopMetadata:
        import uuid

        moment = datetime.now(UTC).astimezone()
        offset = moment.strftime("%z")
        return cls(
            pdf_date=f"D:{moment:%Y%m%d%H%M%S}{offset[:3]}'{offset[3:]}'",
            xmp_date=moment.isoformat(timespec="seconds"),
            document_id=str(uuid.uuid4()),
        )

    def info(self) -> dict[str, str]:
        return {
            "Title": "Badges",
            "Creator": "eventapp",
            "Producer": "eventapp",
            "CreationDate": self.pdf_date,
            "ModDate": self.pdf_date,
            "GTS_PDFXVersion": "PDF/X-4",
        }

    def xmp(self) -> bytes:
        return xmp_metadata("Badges", self.xmp_date, self.document_id)


def _concatenate(parts: Sequence[_PdfParts], sheet: str) -> bytes | None:
    """The print file made by copying objects, or None when a badge has another shape."""
    out = _PdfAssembler()
    pages_number = out.reserve()
    kids: list[int] = []
    if sheet != FOUR_UP:
        for badge in parts:
            numbers = out.copy(badge, {badge.catalog, badge.pages, badge.info}, {badge.pages: pages_number})
            kids.append(numbers[badge.page])
    else:
        marks = "\n".join(_cut_marks()).encode()
        boxes = _boxes_pdf(_four_up_boxes())
        for start in range(0, len(parts), 4):
            forms, ops = [], []
            for slot, badge in enumerate(parts[start : start + 4]):
                page = badge.objects[badge.page][0]
                contents = _number(rb"/Contents (\d+) 0 R", page)
                trim = re.search(rb"/TrimBox \[([^\]]*)\]", page)
                if contents is None or trim is None or b"/Annots" in page:
                    return None
                numbers = out.copy(badge, {badge.catalog, badge.pages, badge.info, badge.page, contents}, {})
                form = out.add(_page_part(badge, contents, numbers, trim.group(1)))
                left, bottom = _floats(trim.group(1))[:2]
                forms.append(b"/Badge%d %d 0 R" % (slot, form))
                ops.append(_four_up_placement(slot, left, bottom).encode())
            content = b"\n".join(ops) + b"\n" + marks
            stream_number = out.add(b"<</Length %d>>\nstream\n%s\nendstream" % (len(content), content))
            kids.append(
                out.add(
                    b"<</Type /Page/Parent %d 0 R%s/Resources <</XObject <<%s>>>>/Contents %d 0 R>>"
                    % (pages_number, boxes, b" ".join(forms), stream_number)
                )
            )
    out.put(pages_number, b"<</Type /Pages/Kids [%s]/Count %d>>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
    if sheet != PRINT_SHOP:
        catalog = out.add(b"<</Type /Catalog/Pages %d 0 R>>" % pages_number)
        info = out.add(b"<</Title (Badges)/Creator (eventapp)>>")
        return out.finish(catalog, info)
    metadata = _PrintShopMetadata.now()
    profile = out.reserve()
    intent, profile_stream = output_intent_objects(profile)
    out.put(profile, profile_stream)
    xmp = metadata.xmp()
    packet = out.add(b"<</Type /Metadata/Subtype /XML/Length %d>>\nstream\n%s\nendstream" % (len(xmp), xmp))
    catalog = out.add(
        b"<</Type /Catalog/Pages %d 0 R/OutputIntents [%s]/Metadata %d 0 R>>" % (pages_number, intent, packet)
    )
    fields = b"".join(b"/%s (%s)" % (key.encode(), value.encode()) for key, value in metadata.info().items())
    info = out.add(b"<<%s/Trapped /False>>" % fields)
    document_id = metadata.document_id.replace("-", "").encode()
    return out.finish(catalog, info, b"/ID [<%s> <%s>]" % (document_id, document_id))


def _page_box(page, name: str) -> list[float]:
    box = page.get(name) or page["/MediaBox"]
    return [float(v) for v in box]


def _page_as_form(writer, page):
    """pypdf: the badge page as a Form XObject clipped to its TrimBox (no bleed, no marks)."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, FloatObject, NameObject

    contents = page["/Contents"].get_object()
    if isinstance(contents, ArrayObject):
        form = DecodedStreamObject()
        form.set_data(b"\n".join(part.get_object().get_data() for part in contents))
    else:
        form = contents.clone(writer, force_duplicate=True)
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in _page_box(page, "/TrimBox"))
    form[NameObject("/Resources")] = page["/Resources"].clone(writer)
    return writer._add_object(form)


def _distinct_subset_tags_pypdf(writer) -> None:
    """pypdf: one tag for each distinct font program (files of other shapes may come with
    WeasyPrint's own tags, one per font whatever its subset)."""
    from pypdf.generic import DictionaryObject, IndirectObject, NameObject, StreamObject

    programs: dict[str, bytes] = {}
    renamed: dict[int, str] = {}  # descriptor's object number -> new tag
    descriptors = []
    for number, obj in enumerate(writer._objects, start=1):
        if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/FontDescriptor":
            descriptors.append((number, obj))
    for number, descriptor in descriptors:
        program = next((descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor), None)
        name = str(descriptor.get("/FontName", ""))
        stream = program.get_object() if program is not None else None
        if not isinstance(stream, StreamObject) or not re.match(r"/[A-Z]{6}\+", name):
            continue
        data = stream.get_data()
        tag = name[1:7]
        if programs.setdefault(tag, data) != data:
            tag = subset_tag(data, programs)
            programs[tag] = data
            renamed[number] = tag
            descriptor[NameObject("/FontName")] = NameObject("/" + tag + name[7:])
    if not renamed:
        return
    # The CID fonts of the renamed descriptors, and the Type 0 fonts above them.
    cid_fonts: dict[int, str] = {}
    for number, obj in enumerate(writer._objects, start=1):
        below = obj.get("/FontDescriptor") if isinstance(obj, DictionaryObject) else None
        if isinstance(below, IndirectObject) and below.idnum in renamed:
            cid_fonts[number] = renamed[below.idnum]
            obj[NameObject("/BaseFont")] = NameObject("/" + renamed[below.idnum] + str(obj["/BaseFont"])[7:])
    for obj in writer._objects:
        descendants = obj.get("/DescendantFonts") if isinstance(obj, DictionaryObject) else None
        if descendants:
            first = descendants.get_object()[0]
            if isinstance(first, IndirectObject) and first.idnum in cid_fonts:
                obj[NameObject("/BaseFont")] = NameObject("/" + cid_fonts[first.idnum] + str(obj["/BaseFont"])[7:])


def _declare_print_shop_pypdf(writer) -> None:
    """pypdf: the output intent, the XMP packet and the info of a print-shop file."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    metadata = _PrintShopMetadata.now()
    profile = DecodedStreamObject()
    profile.set_data(srgb_profile())
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFX"),
            NameObject("/OutputConditionIdentifier"): TextStringObject(OUTPUT_CONDITION),
            NameObject("/OutputCondition"): TextStringObject(OUTPUT_CONDITION),
            NameObject("/RegistryName"): TextStringObject("http://www.color.org"),
            NameObject("/Info"): TextStringObject(OUTPUT_CONDITION),
            NameObject("/DestOutputProfile"): writer._add_object(profile),
        }
    )
    packet = DecodedStreamObject()
    packet.set_data(metadata.xmp())
    packet[NameObject("/Type")] = NameObject("/Metadata")
    packet[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    writer._root_object[NameObject("/Metadata")] = writer._add_object(packet)
    writer.add_metadata({f"/{key}": value for key, value in metadata.info().items()})
    writer._info.get_object()[NameObject("/Trapped")] = NameObject("/False")
    writer.generate_file_identifiers()


def _merge_with_pypdf(pdfs: Sequence[bytes], sheet: str) -> bytes:
    """The same print file through pypdf: slower, but takes any PDF."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject

    writer = PdfWriter()
    pages = [PdfReader(io.BytesIO(content)).pages[0] for content in pdfs]
    if sheet != FOUR_UP:
        for page in pages:
            writer.add_page(page)
    else:
        boxes = _four_up_boxes()
        for start in range(0, len(pages), 4):
            sheet_page = writer.add_blank_page(A4_WIDTH_MM * MM, A4_HEIGHT_MM * MM)
            forms, ops = DictionaryObject(), []
            for slot, page in enumerate(pages[start : start + 4]):
                forms[NameObject(f"/Badge{slot}")] = _page_as_form(writer, page)
                ops.append(_four_up_placement(slot, *_page_box(page, "/TrimBox")[:2]))
            content = DecodedStreamObject()
            content.set_data("\n".join(ops + _cut_marks()).encode())
            sheet_page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): forms})
            sheet_page[NameObject("/Contents")] = writer._add_object(content)
            for name in ("TrimBox", "BleedBox"):
                sheet_page[NameObject(f"/{name}")] = ArrayObject(FloatObject(v) for v in boxes[name])
    _distinct_subset_tags_pypdf(writer)
    if sheet == PRINT_SHOP:
        _declare_print_shop_pypdf(writer)
    else:
        writer.add_metadata({"/Title": "Badges", "/Creator": "eventapp"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def merge_badges(
    pdfs: Sequence[bytes], sheet: str = "a6", taken_apart: Sequence[_PdfParts | None] | None = None
) -> bytes:
    """One print file from single-badge PDFs, in order: A6 pages as they are (for the print
    shop with an sRGB output intent and PDF/X-4 metadata), or imposed four to an A4 sheet
    (trimmed to the TrimBox, inside a margin office printers print, cut marks in it).
    Content streams and fonts are copied, never re-compressed; each distinct font subset
    keeps a tag of its own. `taken_apart`, in the same order, may give a PDF's parts as
    single_pages made them (None: read from the PDF), sparing reading it again."""
    if sheet not in SHEETS:
        raise ValueError(f"unknown sheet {sheet!r}; use one of {', '.join(SHEETS)}")
    known = taken_apart or [None] * len(pdfs)
    found = [given or _split_pdf(pdf) for pdf, given in zip(pdfs, known, strict=True)]
    parts = [split for split in found if split is not None]
    if len(parts) == len(pdfs):
        try:
            merged = _concatenate(parts, sheet)
        except (KeyError, ValueError):  # a reference the concatenation does not expect
            merged = None
        if merged is not None:
            return merged
    return _merge_with_pypdf(pdfs, sheet)
