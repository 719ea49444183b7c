"""Reading and writing the bulk files: XLSX (streamed with openpyxl's read-only mode) and CSV
(UTF-8 with or without BOM, GB18030 as Chinese Excel saves it, or UTF-16 "Unicode text").

A file is refused as a whole, with the row and the reason, when it is not a spreadsheet, has no
header row with the required columns, names a column twice or cannot be decoded; it is then
read completely before any row is imported, so a file broken half way imports nothing.
"""

import codecs
import csv
import io
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from everychild.registry.bulk_columns import (
    BY_KEY,
    COLUMNS,
    CONFIRM_HEADER,
    ERRORS_HEADER,
    REQUIRED,
    header_key,
)
from everychild.registry.idnumber import check_character

SHEET_NAME = "儿童名单"
HELP_SHEET_NAME = "填写说明"
HEADER_SEARCH_ROWS = 10  # a title or a note may stand above the header row
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et: the old binary workbooks
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 1 << 16


class ImportFileError(ValueError):
    """A file that cannot be imported at all: the row (0: the file as a whole) and why."""

    def __init__(self, reason: str, row: int = 0) -> None:
        self.reason, self.row = reason, row
        super().__init__(_("Row %(row)d: %(reason)s") % {"row": row, "reason": reason}
                         if row else reason)


@dataclass(frozen=True)
class Layout:
    """Where the header is and what each column holds."""

    header_row: int
    headers: list[str]  # as written
    keys: list[str | None]  # per column: a column key, "" known and not read, None unknown

    @property
    def width(self) -> int:
        return len(self.headers)

    @property
    def ignored(self) -> list[str]:
        return [h for h, k in zip(self.headers, self.keys, strict=True) if k is None and h]

    def header_of(self, key: str) -> str:
        """The column's header as the file writes it (or the template's)."""
        for header, k in zip(self.headers, self.keys, strict=True):
            if k == key:
                return header
        return BY_KEY[key].header if key in BY_KEY else ""


def layout_of(headers: Sequence[str], header_row: int = 1) -> Layout:
    """The layout of a header row; refuses a row without the required columns or with a
    column named twice."""
    headers = [h.strip() for h in headers]
    while headers and not headers[-1]:
        headers.pop()
    keys = [header_key(h) if h else None for h in headers]
    missing = [c.header for c in REQUIRED if c.key not in keys]
    if missing:
        raise ImportFileError(_("The header row lacks the required columns: %(columns)s. Use the "
                                "template's headers.") % {"columns": "、".join(missing)}, header_row)
    seen: dict[str, int] = {}
    for position, key in enumerate(keys):
        if not key:
            continue
        if key in seen:
            raise ImportFileError(_("The column %(column)s appears twice (columns %(first)s and "
                                    "%(second)s).") % {
                "column": BY_KEY[key].header, "first": get_column_letter(seen[key] + 1),
                "second": get_column_letter(position + 1)}, header_row)
        seen[key] = position
    return Layout(header_row, headers, keys)


def _find_layout(rows: Iterator[tuple[int, Sequence[Any]]]) -> Layout:
    best: tuple[int, int, list[str]] | None = None  # (known columns, row, headers)
    for line, cells in rows:
        if line > HEADER_SEARCH_ROWS:
            break
        headers = [_text(c) for c in cells]
        if not any(headers):
            continue
        known = sum(1 for h in headers if h and header_key(h))
        if all(any(header_key(h) == c.key for h in headers if h) for c in REQUIRED):
            return layout_of(headers, line)
        if best is None or known > best[0]:
            best = (known, line, headers)
    if best is None:
        raise ImportFileError(_("The file has no rows."))
    return layout_of(best[2], best[1])  # raises, naming the missing columns


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class Source(ABC):
    """An uploaded file: its layout, then its data rows as ``(row number, raw cells)``."""

    kind = ""

    def layout(self) -> Layout:
        return _find_layout(self._all_rows())

    def rows(self, layout: Layout) -> Iterator[tuple[int, list[Any]]]:
        """The non-blank rows below the header, with their row numbers as a spreadsheet shows
        them."""
        for line, cells in self._all_rows():
            if line <= layout.header_row:
                continue
            values = list(cells)
            if any(_text(v) for v in values):
                yield line, values

    def count(self, layout: Layout) -> int:
        """Read the whole file (refusing it if any part cannot be read) and count its rows."""
        return sum(1 for _row in self.rows(layout))

    @abstractmethod
    def _all_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        """Every row of the file with its line number, header included."""


class XlsxSource(Source):
    kind = "xlsx"

    def __init__(self, content: bytes) -> None:
        self.content = content
        self._open().close()  # refuse an unreadable workbook now

    def _open(self):
        try:
            return load_workbook(io.BytesIO(self.content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError,
                TypeError):
            raise ImportFileError(_("This is not a readable XLSX workbook.")) from None

    def _all_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        workbook = self._open()
        try:
            sheets = workbook.worksheets
            if not sheets:
                raise ImportFileError(_("The workbook has no worksheet."))
            sheet = next((s for s in sheets if s.title == SHEET_NAME), None)
            if sheet is None:
                sheet = next((s for s in sheets if s.title != HELP_SHEET_NAME), sheets[0])
            sheet.reset_dimensions()  # a wrong <dimension> would cut rows off
            try:
                yield from enumerate(sheet.iter_rows(values_only=True), start=1)
            except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
                raise ImportFileError(_("The workbook is damaged: %(error)s") % {
                    "error": str(exc)[:200]}) from None
        finally:
            workbook.close()


class CsvSource(Source):
    kind = "csv"

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.encoding = self._encoding()
        self.delimiter = self._delimiter()

    def _encoding(self) -> str:
        if self.content.startswith(codecs.BOM_UTF8):
            candidates = ["utf-8-sig"]
        elif self.content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            candidates = ["utf-16"]
        else:
            if b"\x00" in self.content[:CHUNK]:
                raise ImportFileError(_("This is neither a spreadsheet (XLSX) nor a CSV text "
                                        "file."))
            candidates = ["utf-8", "gb18030"]
        for encoding in candidates:
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                for start in range(0, len(self.content), CHUNK):
                    decoder.decode(self.content[start:start + CHUNK])
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return encoding
        raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 text. Save it as "
                                "“CSV UTF-8” and try again."))

    def _text_stream(self) -> io.TextIOWrapper:
        return io.TextIOWrapper(io.BytesIO(self.content), encoding=self.encoding, newline="")

    def _delimiter(self) -> str:
        first = self._text_stream().readline()
        counts = {d: first.count(d) for d in (",", "\t", ";")}
        return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","

    def _all_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        reader = csv.reader(self._text_stream(), delimiter=self.delimiter, strict=True)
        line = 0
        try:
            for record in reader:
                line += 1  # a record is one spreadsheet row, even if a quoted cell spans lines
                yield line, record
        except csv.Error as exc:
            raise ImportFileError(_("This is not valid CSV: %(error)s") % {"error": exc},
                                  line + 1) from None


def open_source(content: bytes, file_name: str) -> Source:
    """The reader for an uploaded file, chosen by its content (the name only breaks ties)."""
    if not content:
        raise ImportFileError(_("The file is empty."))
    if content.startswith(XLSX_MAGIC):
        return XlsxSource(content)
    if content.startswith(OLE_MAGIC):
        raise ImportFileError(_("Old .xls (or .et) workbooks cannot be read: save the file as "
                                ".xlsx or CSV and try again."))
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("This is not a readable XLSX workbook."))
    return CsvSource(content)


# --- writing ------------------------------------------------------------------------------

BOLD = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")
EXAMPLE_FONT = Font(italic=True, color="808080")
ERROR_FONT = Font(color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TEXT_ROWS = 1000  # rows below the header formatted as text in the template


def example_values(village: str = "") -> dict[str, str]:
    values = {c.key: c.example for c in COLUMNS if c.example}
    values["division_code"] = village or "610723001212"
    first17 = f"{values['division_code'][:6]}20150301001"
    values["id_number"] = first17 + check_character(first17)
    return values


def template_xlsx(village: str = "") -> bytes:
    """The import template: the sheet 儿童名单 (headers, an example row, text formats and
    drop-down lists) and the sheet 填写说明 explaining every column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    example = example_values(village)
    for position, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        head = sheet.cell(row=1, column=position, value=column.header)
        head.font = REQUIRED_FONT if column.required else BOLD
        head.fill = HEADER_FILL
        note = str(column.help) + (f"\n{column.accepted}" if column.accepted else "")
        head.comment = Comment(note, "everychild", width=300, height=120)
        cell = sheet.cell(row=2, column=position, value=example.get(column.key, "") or None)
        cell.font = EXAMPLE_FONT
        sheet.column_dimensions[letter].width = max(10, min(30, len(column.header) * 2 + 2))
        if column.text_format:
            for row in range(2, TEXT_ROWS + 2):
                sheet.cell(row=row, column=position).number_format = "@"
        listed = ",".join(column.labels)
        if column.values and column.key not in ("ethnicity",) and len(listed) < 250:
            validation = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True,
                                        showErrorMessage=False)
            validation.add(f"{letter}2:{letter}{TEXT_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "B2"

    guide = workbook.create_sheet(HELP_SHEET_NAME)
    notes = [
        _("One row per child, in the sheet 儿童名单. Row 2 is an example: replace it or delete it."),
        _("Columns in red are required. Other columns may be left empty or removed; columns "
          "the import does not know are listed on the import page and not read."),
        _("Rows that cannot be imported are listed with their row, column and reason, and can "
          "be downloaded as a correction file: correct it and import it again. Rows already "
          "registered are never registered twice."),
    ]
    for number, note in enumerate(notes, start=1):
        guide.cell(row=number, column=1, value=note)
    top = len(notes) + 2
    titles = [_("Column"), _("Required"), _("Accepted values"), _("Example"), _("Explanation")]
    for position, title in enumerate(titles, start=1):
        cell = guide.cell(row=top, column=position, value=title)
        cell.font, cell.fill = BOLD, HEADER_FILL
    for offset, column in enumerate(COLUMNS, start=1):
        guide.append([column.header, _("yes") if column.required else "", column.accepted,
                      example.get(column.key, ""), str(column.help)])
        guide.cell(row=top + offset, column=1).font = (REQUIRED_FONT if column.required
                                                       else BOLD)
    for letter, width in zip("ABCDE", (26, 8, 50, 22, 80), strict=True):
        guide.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_csv(village: str = "") -> bytes:
    """The same columns as CSV (UTF-8 with BOM, so spreadsheets read the Chinese)."""
    example = example_values(village)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in COLUMNS])
    writer.writerow([example.get(c.key, "") for c in COLUMNS])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def correction_xlsx(headers: Sequence[str], rows: Sequence[tuple[list[str], str]]) -> bytes:
    """The rows handed back: the file's own columns (plus 确认, if it had none) and a column
    错误说明 saying what to correct. ``rows`` are ``(cells, explanation)``."""
    keep = [i for i, h in enumerate(headers) if h.strip() != ERRORS_HEADER]
    has_confirm = any(header_key(headers[i]) == "confirm" for i in keep)
    out_headers = [headers[i] for i in keep] + ([] if has_confirm else [CONFIRM_HEADER])
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)
    sheet.append(out_headers + [ERRORS_HEADER])
    for cells, explanation in rows:
        values = [cells[i] if i < len(cells) else "" for i in keep]
        if not has_confirm:
            values.append("")
        sheet.append([v if v != "" else None for v in values] + [explanation])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
