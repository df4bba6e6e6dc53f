"""A list uploaded as a spreadsheet, read into text cells: CSV in any of the encodings and
separators Excel writes (UTF-8 with or without a byte order mark, UTF-16 "Unicode text",
GB18030 from Chinese Excel, Windows-1252 from older German Excel; comma, semicolon or tab),
or XLSX. What is not a list (an image, an old .xls, an empty file) is refused with a
message for the organiser."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

MAX_FILE_BYTES = 512 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 40


class ImportFileError(ValueError):
    """The file cannot be read as a list; the message says why, for the organiser."""


@dataclass(frozen=True)
class UploadedTable:
    """A file's cells as text: its header and the rows below it, each with its number in the
    file as a spreadsheet shows it (the header is row 1; blank rows are counted, not kept)."""

    filename: str
    file_format: str  # "csv" or "xlsx"
    encoding: str = ""  # of a CSV file, as read
    delimiter: str = ""
    sheet: str = ""  # of an XLSX file: the first one is read
    header: tuple[str, ...] = ()
    rows: tuple[tuple[int, tuple[str, ...]], ...] = ()

    def as_json(self) -> dict:
        return {
            "filename": self.filename,
            "file_format": self.file_format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "header": list(self.header),
            "rows": [[number, list(cells)] for number, cells in self.rows],
        }

    @classmethod
    def from_json(cls, value: dict) -> UploadedTable:
        return cls(
            filename=str(value["filename"]),
            file_format=str(value["file_format"]),
            encoding=str(value["encoding"]),
            delimiter=str(value["delimiter"]),
            sheet=str(value["sheet"]),
            header=tuple(str(cell) for cell in value["header"]),
            rows=tuple((int(number), tuple(str(cell) for cell in cells)) for number, cells in value["rows"]),
        )


# Files that are surely no list: what an upload of the wrong file most often is.
_NOT_A_LIST = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"RIFF", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")
_OLD_EXCEL = b"\xd0\xcf\x11\xe0"  # .xls and other Office files before 2007
_ZIP = b"PK\x03\x04"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read_table(filename: str, content: bytes) -> UploadedTable:
    """The file's header and rows; ImportFileError for anything that is not a list."""
    if not content.strip():
        raise ImportFileError(_("The file is empty."))
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)d KB. Split the list into parts.", size=MAX_FILE_BYTES // 1024)
        )
    if content.startswith(_OLD_EXCEL):
        raise ImportFileError(
            _("This is an Excel file in the old .xls format. Save it as .xlsx or as CSV and upload that.")
        )
    if content.startswith(_NOT_A_LIST):
        raise ImportFileError(_("This file is not a list: upload a CSV file or an Excel file (.xlsx)."))
    if content.startswith(_ZIP):
        table = _read_xlsx(filename, content)
    else:
        table = _read_csv(filename, content)
    if not any(table.header):
        raise ImportFileError(_("The first row must name the columns (Email, Family name, …); it is empty."))
    return table


def _decode(content: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: a byte order mark decides (Excel's "CSV UTF-8"
    and "Unicode text"), then UTF-8 if it is valid, then GB18030 (Chinese Excel) unless
    the bytes read so put Chinese characters inside Latin words, the sign of a German list
    in Windows-1252 ("M\xfcller"), which is read as that."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if content.startswith(bom):
            try:
                return content.decode(encoding), encoding
            except UnicodeDecodeError:
                raise ImportFileError(_("The file could not be read as text.")) from None
    if b"\x00" in content:
        raise ImportFileError(_("This file is not a list: upload a CSV file or an Excel file (.xlsx)."))
    for encoding in ("utf-8", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and re.search(r"[A-Za-z][\u3400-\u9fff\ue000-\uf8ff][a-z]", text):
            break
        return text, encoding
    return content.decode("cp1252", errors="replace"), "cp1252"


def _read_csv(filename: str, content: bytes) -> UploadedTable:
    text, encoding = _decode(content)
    if len(_CONTROL.findall(text)) * 1000 > len(text):  # a few stray ones are cleaned away
        raise ImportFileError(_("This file is not a list: upload a CSV file or an Excel file (.xlsx)."))
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # The separator the header uses most: Excel writes "," in English, ";" in German, a tab
    # in "Unicode text"; a list of one column has none.
    delimiter = max(("\t", ";", ","), key=first_line.count) if first_line else ","
    try:
        records = list(_limited(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    except csv.Error as error:
        raise ImportFileError(_("The file could not be read as CSV: %(error)s", error=str(error))) from None
    return _table(filename, "csv", records, encoding=encoding, delimiter=delimiter)


def _read_xlsx(filename: str, content: bytes) -> UploadedTable:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            title = sheet.title
            records = [
                [_cell_text(value) for value in row]
                for row in _limited(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True))
            ]
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - a damaged or foreign zip file fails anywhere in openpyxl
        raise ImportFileError(_("The file could not be read as an Excel file (.xlsx).")) from None
    return _table(filename, "xlsx", records, sheet=title)


def _limited(records: Iterable) -> Iterable:
    for number, record in enumerate(records, start=1):
        if number > MAX_ROWS + 1:
            raise ImportFileError(_("The list has more than %(count)d rows. Split it into parts.", count=MAX_ROWS))
        yield record


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number typed into a cell (a phone, a year) has no ".0"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def clean_cell(text: str) -> str:
    """One line without surrounding spaces: a line break in a cell would break a badge."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


def _table(filename: str, file_format: str, records: list, **read_as: str) -> UploadedTable:
    cleaned = [tuple(clean_cell(cell) for cell in record[:MAX_COLUMNS]) for record in records]
    if not cleaned:
        raise ImportFileError(_("The file is empty."))
    width = max(len(cells) for cells in cleaned)
    while width and all(len(cells) < width or not cells[width - 1] for cells in cleaned):
        width -= 1  # columns Excel keeps for a formatted but empty cell
    header, *body = [(cells + ("",) * width)[:width] for cells in cleaned]
    rows = tuple((number, cells) for number, cells in enumerate(body, start=2) if any(cells))
    if not rows:
        raise ImportFileError(_("The list has no rows below its header."))
    return UploadedTable(filename, file_format, header=header, rows=rows, **read_as)
