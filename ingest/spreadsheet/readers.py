"""Readers for XLSX, XLS, ODS and CSV files, all returning one :class:`Table`.

The reader decides the format from the file's bytes (not its name), picks the first visible
sheet that holds data, finds the header row (title rows above it are skipped), fills merged
cells into every cell they cover, marks hidden rows, notes formulas whose result was never
computed, and refuses a file with more rows than the configured limit before reading it all.
Every refusal is a :class:`FileRefused` with a message for the person who uploaded the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.utils.translation import gettext as _

from ingest.spreadsheet import limits as checks
from ingest.spreadsheet.cells import clean_text
from ingest.spreadsheet.errors import FileRefused, too_many_rows
from ingest.spreadsheet.headers import header_score
from ingest.spreadsheet.limits import HEADER_SEARCH_ROWS

__all__ = ["HEADER_SEARCH_ROWS", "FileRefused", "SheetRow", "Table", "col_letter", "read_table"]

DEFAULT_MAX_ROWS = 200_000


@dataclass
class SheetRow:
    """One data row: its row number in the sheet (1-based) and its cell values."""

    number: int
    values: list[Any]
    hidden: bool = False
    uncomputed: list[str] = field(default_factory=list)  # cells with an uncomputed formula


@dataclass
class Table:
    """What a reader found: the header row, the data rows and notes about the file."""

    file_format: str
    sheet_name: str
    headers: list[str]
    header_row: int
    rows: list[SheetRow]
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


# --------------------------------------------------------------------------- entry point


def sniff_format(data: bytes) -> str:
    """xlsx, ods, xls or csv from the leading bytes; raises FileRefused otherwise."""
    if not data or not data.strip():
        raise FileRefused(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        checks.check_zip_directory(data)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "content.xml" in names:
                    mimetype = b""
                    if "mimetype" in names:  # read a little: the sizes are not checked yet
                        with archive.open("mimetype") as fh:
                            mimetype = fh.read(200)
                    if b"spreadsheet" in mimetype or not mimetype:
                        return "ods"
        except checks.ZIP_ERRORS:
            raise FileRefused(_("The file is a damaged ZIP archive, not a spreadsheet.")) from None
        raise FileRefused(
            _("The file is a ZIP archive but not a spreadsheet (XLSX or ODS); is it a Word file?")
        )
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if data[:5] == b"%PDF-":
        raise FileRefused(_("The file is a PDF, not a spreadsheet."))
    sample = data[:4096]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(_("The file is not a spreadsheet (XLSX, XLS, ODS or CSV)."))
    return "csv"


def read_table(data: bytes, kind: str, *, limit: int | None = None) -> Table:
    """Read the first sheet with data from `data` and locate its header row."""
    limit = limit or max_rows()
    fmt = sniff_format(data)
    reader = {"xlsx": _read_xlsx, "xls": _read_xls, "ods": _read_ods, "csv": _read_csv}[fmt]
    try:
        # Sizes, dimensions, merged ranges and repeats are checked before any reader runs
        # (CSV once its encoding and dialect are known, in _read_csv).
        checks.check(data, fmt, checks.Limits.from_settings(limit))
        grid = reader(data, limit)
    except FileRefused:
        raise
    except csv.Error as exc:
        if "field larger than field limit" not in str(exc):
            raise FileRefused(
                _("The file looks like CSV but could not be read: {error}").format(
                    error=str(exc)[:200]
                )
            ) from exc
        raise FileRefused(
            _("A cell of the file holds more than {limit} characters.").format(
                limit=f"{csv.field_size_limit():,}"
            )
        ) from exc
    except Exception as exc:  # a library's own parse error: name the format, keep the cause
        raise FileRefused(
            _("The file looks like {fmt} but could not be read: {error}").format(
                fmt=fmt.upper(), error=str(exc)[:200]
            )
        ) from exc
    return _to_table(grid, kind)


@dataclass
class _Grid:
    file_format: str
    sheet_name: str
    rows: list[SheetRow]
    warnings: list[str]
    encoding: str = ""


_too_many = too_many_rows


def _to_table(grid: _Grid, kind: str) -> Table:
    rows = [r for r in grid.rows if any(_present(v) for v in r.values)]
    if not rows:
        if not grid.sheet_name:
            raise FileRefused(_("The file is empty."))
        raise FileRefused(_("The sheet “{sheet}” is empty.").format(sheet=grid.sheet_name))
    # The header row is the one among the first rows that names the most known columns;
    # title rows ("2024年招商项目台账") above it are skipped.
    best, best_score = 0, -1
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = header_score(kind, [clean_text(v) for v in row.values])
        if score > best_score:
            best, best_score = i, score
    header = rows[best]
    headers = [clean_text(v) for v in header.values]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    data_rows = rows[best + 1 :]
    for r in data_rows:
        if len(r.values) < width:
            r.values.extend([None] * (width - len(r.values)))
        elif len(r.values) > width:
            r.values = r.values[:width]
    warnings = list(grid.warnings)
    if best:
        warnings.append(
            _("Rows above row {row} were taken as a title and skipped.").format(row=header.number)
        )
    if len(data_rows) > max_rows():
        raise _too_many(max_rows())
    if not data_rows:
        raise FileRefused(
            _("The sheet “{sheet}” has a header row but no data rows.").format(
                sheet=grid.sheet_name
            )
        )
    return Table(
        file_format=grid.file_format,
        sheet_name=grid.sheet_name,
        headers=headers,
        header_row=header.number,
        rows=data_rows,
        warnings=warnings,
        encoding=grid.encoding,
    )


def _present(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or value.strip() != "")


def _fill_merged(
    rows: list[SheetRow], ranges: Iterable[tuple[int, int, int, int]], warnings: list[str]
) -> None:
    """Copy the top-left value of each merged range (rows r1..r2, cols c1..c2, 1-based)."""
    by_number = {r.number: r for r in rows}
    count = 0
    for r1, c1, r2, c2 in ranges:
        top = by_number.get(r1)
        if top is None or len(top.values) < c1:
            continue
        value = top.values[c1 - 1]
        for rn in range(r1, r2 + 1):
            row = by_number.get(rn)
            if row is None:
                row = SheetRow(rn, [])
                by_number[rn] = row
                rows.append(row)
            if len(row.values) < c2:
                row.values.extend([None] * (c2 - len(row.values)))
            for cn in range(c1, c2 + 1):
                row.values[cn - 1] = value
        count += 1
    if count:
        rows.sort(key=lambda r: r.number)
        warnings.append(
            _(
                "{n} merged cell ranges were filled in: each covered cell takes the merged value."
            ).format(n=count)
        )


# --------------------------------------------------------------------------- XLSX

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_BUILTIN_DATE_FORMATS = {
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    27,
    28,
    29,
    30,
    31,
    32,
    33,
    34,
    35,
    36,
    45,
    46,
    47,
    50,
    51,
    52,
    53,
    54,
    55,
    56,
    57,
    58,
}


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def col_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _excel_date(serial: float, epoch: Any) -> Any:
    """A date cell's value; a serial no calendar holds (1e300, NaN) stays a number, so that
    the importer reports that cell instead of refusing the whole file."""
    from openpyxl.utils.datetime import from_excel

    try:
        return from_excel(serial, epoch)
    except (OverflowError, ValueError):
        return serial


def _parse_ref(ref: str) -> tuple[int, int, int, int] | None:
    parts = ref.split(":")
    a = _CELL_REF.match(parts[0])
    b = _CELL_REF.match(parts[-1])
    if not a or not b:
        return None
    return int(a.group(2)), _col_index(a.group(1)), int(b.group(2)), _col_index(b.group(1))


def _xml(archive: zipfile.ZipFile, name: str) -> Any:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(archive.read(name), parser=parser)


def _xlsx_sheets(archive: zipfile.ZipFile) -> tuple[list[tuple[str, str, str]], bool]:
    """(name, state, path) of every worksheet in order, and whether dates count from 1904."""
    wb = _xml(archive, "xl/workbook.xml")
    rels_name = "xl/_rels/workbook.xml.rels"
    targets: dict[str, str] = {}
    if rels_name in archive.namelist():
        for rel in _xml(archive, rels_name).iter(_PKG_REL + "Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[rel.get("Id", "")] = target
    pr = wb.find(_MAIN + "workbookPr")
    date1904 = pr is not None and pr.get("date1904") in ("1", "true")
    sheets = []
    for sheet in wb.iter(_MAIN + "sheet"):
        path = targets.get(sheet.get(_REL + "id", ""), "")
        if "worksheets/" in path:
            sheets.append((sheet.get("name", ""), sheet.get("state", "visible"), path))
    return sheets, date1904


_SI = re.compile(rb"<(?:\w+:)?si\b[^>]*>(.*?)</(?:\w+:)?si>|<(?:\w+:)?si\s*/>", re.S)
_T_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>|<(?:\w+:)?t\s*/>", re.S)
_RPH = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)


_REFS = re.compile(r"&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _ref(m: re.Match[str]) -> str:
    name = m.group(1)
    if name[0] == "#":
        return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))
    return _NAMED[name]


_DECIMAL_REF = re.compile(r"&#(\d+);")


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "&" not in text:
        return text
    if text.startswith("&#") and text.endswith(";") and "x" not in text:
        # Writers that escape every non-ASCII character (openpyxl's streaming mode) produce
        # runs of &#NNNNN;, decoded here without a Python call per character.
        try:
            return "".join(map(chr, map(int, text[2:-1].split(";&#"))))
        except ValueError:
            pass
    # The same for text mixing such runs with plain characters (项目0): split on the
    # decimal references; anything else with an & goes through the general decoder.
    parts = _DECIMAL_REF.split(text)
    literal = parts[0::2]
    if not any("&" in p for p in literal):
        parts[1::2] = map(chr, map(int, parts[1::2]))
        return "".join(parts)
    return _REFS.sub(_ref, text)


def _joined_text(inner: bytes) -> str:
    if inner.startswith(b"<t>") and inner.endswith(b"</t>") and inner.count(b"<") == 2:
        return _xml_text(inner[3:-4])
    if b"<rPh" in inner or b":rPh" in inner:
        inner = _RPH.sub(b"", inner)  # phonetic guides are not part of the text
    return "".join(_xml_text(m.group(1) or b"") for m in _T_TEXT.finditer(inner))


def _xlsx_shared_strings(archive: zipfile.ZipFile) -> list[str]:
    name = "xl/sharedStrings.xml"
    if name not in archive.namelist():
        return []
    return [_joined_text(m.group(1) or b"") for m in _SI.finditer(archive.read(name))]


def _xlsx_date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of cell styles whose number format shows a date."""
    from openpyxl.styles.numbers import is_date_format

    name = "xl/styles.xml"
    if name not in archive.namelist():
        return set()
    styles = _xml(archive, name)
    custom = {
        int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in styles.iter(_MAIN + "numFmt")
    }
    dates: set[int] = set()
    xfs = styles.find(_MAIN + "cellXfs")
    if xfs is None:
        return dates
    for i, xf in enumerate(xfs.iter(_MAIN + "xf")):
        fmt = int(xf.get("numFmtId", "0"))
        if fmt in _BUILTIN_DATE_FORMATS or (fmt in custom and is_date_format(custom[fmt])):
            dates.add(i)
    return dates


_TOKEN = re.compile(
    rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)"
    rb"|<(?:\w+:)?row\b([^>]*)>"
    rb"|<(?:\w+:)?mergeCell\b([^>]*)>",
    re.S,
)
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_V = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>(.*?)</(?:\w+:)?v>", re.S)
_IS = re.compile(rb"<(?:\w+:)?is\b[^>]*>(.*?)</(?:\w+:)?is>", re.S)
_F = re.compile(rb"<(?:\w+:)?f\b")
_REF_SPLIT = re.compile(rb"([A-Z]+)(\d+)")


# The cells most writers produce: r first, then s and/or t, no prefix, no other attributes.
_FAST_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?(?: s="(\d+)")?\s*(?:/>|>(.*?)</c>)',
    re.S,
)
_ROW_HIDDEN = re.compile(
    rb'<row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"|'
    rb'<row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"'
)
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z0-9:]+)"')


def _fast_rows(
    xml: bytes, shared: list[str], date_styles: set[int], epoch: Any, limit: int
) -> tuple[list[SheetRow], list[tuple[int, int, int, int]]] | None:
    """All rows in one C-level findall, or None when some cell is not in the common shape
    (then the general tokenizer below reads the sheet)."""
    expected = xml.count(b"<c ") + xml.count(b"<c>")
    if b"<c/" in xml:
        return None
    hidden = {int(a or b) for a, b in _ROW_HIDDEN.findall(xml)}
    merged = [r for m in _MERGE_REF.findall(xml) if (r := _parse_ref(m.decode()))]
    rows: list[SheetRow] = []
    col_cache: dict[bytes, int] = {}
    # A ledger repeats its district, industry, stage and unit names on every row: decode
    # each inline string once (bounded, so a file of unique texts does not grow it).
    inline_cache: dict[bytes, Any] = {}
    current = -1
    values: dict[int, Any] = {}
    uncomputed: list[str] = []
    matched = 0
    # finditer, not findall: a list of 1.6 million match tuples took half a gigabyte.
    for match in _FAST_CELL.finditer(xml):
        matched += 1
        letters, number_b, s1, ctype, s2, inner = match.groups()
        number = int(number_b)
        if number != current:
            if values or uncomputed:
                if len(rows) > limit + HEADER_SEARCH_ROWS:
                    raise _too_many(limit)
                width = max(values) if values else 0
                rows.append(
                    SheetRow(
                        current,
                        [values.get(i) for i in range(1, width + 1)],
                        current in hidden,
                        uncomputed,
                    )
                )
            values, uncomputed, current = {}, [], number
        col = col_cache.get(letters)
        if col is None:
            col = col_cache[letters] = _col_index(letters.decode())
        text: bytes | None = None
        if inner:
            if inner[:3] == b"<v>" and inner[-4:] == b"</v>":
                text = inner[3:-4]
            elif ctype != b"inlineStr":
                vm = _V.search(inner)
                text = vm.group(1) if vm else None
                if not text and _F.search(inner):
                    uncomputed.append(f"{col_letter(col)}{number}")
        value: Any = None
        if ctype == b"s":
            value = shared[int(text)] if text else None
        elif ctype == b"inlineStr":
            if inner in inline_cache:
                value = inline_cache[inner]
            else:
                im = _IS.search(inner) if inner else None
                value = _joined_text(im.group(1)) if im else None
                if len(inline_cache) < 50_000:
                    inline_cache[inner] = value
        elif ctype in (b"str", b"d"):
            value = _xml_text(text) if text else None
        elif ctype == b"b":
            value = text == b"1" if text is not None else None
        elif ctype == b"e":
            value = None
        elif text:
            number_value = float(text)
            style = s1 or s2
            if style and int(style) in date_styles:
                value = _excel_date(number_value, epoch)
            elif number_value.is_integer() and b"E" not in text and b"e" not in text:
                value = int(number_value)
            else:
                value = number_value
        if value is not None and value != "":
            values[col] = value
    if matched != expected:
        return None  # some cell had another shape: the general reader takes the sheet
    if values or uncomputed:
        width = max(values) if values else 0
        rows.append(
            SheetRow(
                current, [values.get(i) for i in range(1, width + 1)], current in hidden, uncomputed
            )
        )
    return rows, merged


class _RowCollector:
    """Gathers the cells of the current row and turns them into a SheetRow."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.rows: list[SheetRow] = []
        self.values: dict[int, Any] = {}
        self.uncomputed: list[str] = []
        self.current = 0

    def flush(self) -> None:
        if self.values or self.uncomputed:
            if len(self.rows) > self.limit + HEADER_SEARCH_ROWS:
                raise _too_many(self.limit)
            width = max(self.values) if self.values else 0
            cells = [self.values.get(i) for i in range(1, width + 1)]
            self.rows.append(SheetRow(self.current, cells, False, self.uncomputed))
        self.values = {}
        self.uncomputed = []


def _read_xlsx(data: bytes, limit: int) -> _Grid:
    """Read the sheet XML with regular expressions over bytes.

    openpyxl's reader is pure Python and lxml's iterparse builds an element per cell; for a
    100,000-row ledger both took most of the import's time budget. The cell grammar of
    SpreadsheetML is small (c, v, f, is/t, with r/s/t attributes), so a linear scan is
    both simple and about ten times faster.
    """
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    warnings: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets, date1904 = _xlsx_sheets(archive)
        visible = [s for s in sheets if s[1] == "visible"]
        if not visible:
            raise FileRefused(_("The workbook has no visible worksheet."))
        shared = _xlsx_shared_strings(archive)
        date_styles = _xlsx_date_styles(archive)
        epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        for sheet_name, _state, path in visible:
            xml = archive.read(path)
            fast = _fast_rows(xml, shared, date_styles, epoch, limit)
            if fast is not None:
                rows, merged = fast
                if not rows:
                    continue
                if sheet_name != visible[0][0]:
                    warnings.append(
                        _("The first sheet is empty; sheet “{sheet}” was read instead.").format(
                            sheet=sheet_name
                        )
                    )
                _fill_merged(rows, merged, warnings)
                return _Grid("xlsx", sheet_name, rows, warnings)
            merged = []
            hidden_rows: set[int] = set()
            collect = _RowCollector(limit)
            row_number = 0
            col = 0
            for m in _TOKEN.finditer(xml):
                cell_attrs = m.group(1)
                if cell_attrs is None:
                    if m.group(3) is not None:  # <row ...>
                        attrs = dict(_ATTR.findall(m.group(3)))
                        r = attrs.get(b"r")
                        row_number = int(r) if r else row_number + 1
                        if attrs.get(b"hidden") in (b"1", b"true"):
                            hidden_rows.add(row_number)
                        col = 0
                    else:  # <mergeCell ref=...>
                        attrs = dict(_ATTR.findall(m.group(4)))
                        ref = _parse_ref(attrs.get(b"ref", b"").decode())
                        if ref:
                            merged.append(ref)
                    continue
                attrs = dict(_ATTR.findall(cell_attrs))
                ref_b = attrs.get(b"r")
                number = row_number
                if ref_b:
                    rm = _REF_SPLIT.fullmatch(ref_b)
                    if rm:
                        col = _col_index(rm.group(1).decode())
                        number = int(rm.group(2))
                    else:
                        col += 1
                else:
                    col += 1
                if number != collect.current:
                    collect.flush()
                    collect.current = number
                inner = m.group(2)
                text: bytes | None = None
                if inner:
                    if inner.startswith(b"<v>") and inner.endswith(b"</v>"):
                        text = inner[3:-4]
                    else:
                        vm = _V.search(inner)
                        text = vm.group(1) if vm else None
                        if not text and _F.search(inner):
                            collect.uncomputed.append(f"{col_letter(col)}{number}")
                ctype = attrs.get(b"t", b"n")
                value: Any = None
                if ctype == b"s":
                    value = shared[int(text)] if text else None
                elif ctype == b"inlineStr":
                    if inner:
                        im = _IS.search(inner)
                        value = _joined_text(im.group(1)) if im else None
                elif ctype in (b"str", b"d"):
                    value = _xml_text(text) if text else None
                elif ctype == b"b":
                    value = text == b"1" if text is not None else None
                elif ctype == b"e":
                    value = None
                elif text:
                    number_value = float(text)
                    style = attrs.get(b"s")
                    if style is not None and int(style) in date_styles:
                        value = _excel_date(number_value, epoch)
                    elif number_value.is_integer() and b"E" not in text and b"e" not in text:
                        value = int(number_value)
                    else:
                        value = number_value
                if value is not None and value != "":
                    collect.values[col] = value
            collect.flush()
            rows = collect.rows
            for row in rows:
                row.hidden = row.number in hidden_rows
            del xml
            if not rows:
                continue
            if sheet_name != visible[0][0]:
                warnings.append(
                    _("The first sheet is empty; sheet “{sheet}” was read instead.").format(
                        sheet=sheet_name
                    )
                )
            _fill_merged(rows, merged, warnings)
            return _Grid("xlsx", sheet_name, rows, warnings)
    raise FileRefused(_("Every sheet in the workbook is empty."))


# --------------------------------------------------------------------------- XLS


def _read_xls(data: bytes, limit: int) -> _Grid:
    import xlrd

    warnings: list[str] = []
    try:
        book = xlrd.open_workbook(
            file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO()
        )
    except xlrd.XLRDError as exc:
        raise FileRefused(
            _("The file is not a readable XLS workbook: {error}").format(error=exc)
        ) from exc
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if getattr(sheet, "visibility", 0) != 0:
                continue
            if sheet.nrows > limit + HEADER_SEARCH_ROWS:
                raise _too_many(limit)
            rows: list[SheetRow] = []
            for r in range(sheet.nrows):
                values: list[Any] = []
                for c in range(sheet.ncols):
                    cell = sheet.cell(r, c)
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            value: Any = xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
                        except (OverflowError, ValueError):
                            value = cell.value  # no calendar date: the importer says so
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        value = None
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        value = bool(cell.value)
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        value = None
                    else:
                        value = cell.value
                    values.append(value)
                info = sheet.rowinfo_map.get(r)
                rows.append(SheetRow(r + 1, values, hidden=bool(info and info.hidden)))
            rows = [row for row in rows if any(_present(v) for v in row.values)]
            if not rows:
                continue
            merged = [(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sheet.merged_cells]
            _fill_merged(rows, merged, warnings)
            return _Grid("xls", sheet.name, rows, warnings)
        raise FileRefused(_("Every sheet in the workbook is empty."))
    finally:
        book.release_resources()


# --------------------------------------------------------------------------- ODS

_NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
_T = "{" + _NS["table"] + "}"
_O = "{" + _NS["office"] + "}"
_X = "{" + _NS["text"] + "}"


def _ods_cell_value(cell: ET.Element) -> Any:
    vtype = cell.get(_O + "value-type")
    if vtype in ("float", "percentage", "currency"):
        raw = cell.get(_O + "value")
        if raw is None:
            return None
        number = float(raw)
        return int(number) if number.is_integer() and "e" not in raw.lower() else number
    if vtype == "date":
        raw = cell.get(_O + "date-value") or ""
        try:
            return dt.datetime.fromisoformat(raw) if "T" in raw else dt.date.fromisoformat(raw)
        except ValueError:
            return raw
    if vtype == "boolean":
        return cell.get(_O + "boolean-value") == "true"
    paragraphs = ["".join(p.itertext()) for p in cell.iter(_X + "p")]
    text = "\n".join(paragraphs)
    return text if text else None


def _read_ods(data: bytes, limit: int) -> _Grid:
    warnings: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("content.xml")
    root = ET.fromstring(content)
    tables = list(root.iter(_T + "table"))
    if not tables:
        raise FileRefused(_("The ODS file holds no sheet."))
    for table in tables:
        rows: list[SheetRow] = []
        merged: list[tuple[int, int, int, int]] = []
        number = 0
        for row_el in table.iter(_T + "table-row"):
            repeat = int(row_el.get(_T + "number-rows-repeated", "1"))
            hidden = row_el.get(_T + "visibility", "visible") != "visible"
            values: list[Any] = []
            col = 0
            spans: list[tuple[int, int, int]] = []
            for cell in row_el:
                tag = cell.tag
                if tag not in (_T + "table-cell", _T + "covered-table-cell"):
                    continue
                crepeat = int(cell.get(_T + "number-columns-repeated", "1"))
                value = _ods_cell_value(cell) if tag == _T + "table-cell" else None
                rs = int(cell.get(_T + "number-rows-spanned", "1"))
                cs = int(cell.get(_T + "number-columns-spanned", "1"))
                if rs > 1 or cs > 1:
                    spans.append((col + 1, rs, cs))
                if value is None and crepeat > 1:
                    values.extend([None] * min(crepeat, 1024))  # trailing blank columns
                else:
                    values.extend([value] * crepeat)
                col += crepeat
            present = any(_present(v) for v in values)
            if not present:
                number += repeat  # blank rows, often repeated to the end of the sheet
                continue
            for _i in range(repeat):
                number += 1
                if len(rows) > limit + HEADER_SEARCH_ROWS:
                    raise _too_many(limit)
                rows.append(SheetRow(number, list(values), hidden=hidden))
                for c1, rs, cs in spans:
                    merged.append((number, c1, number + rs - 1, c1 + cs - 1))
        if not rows:
            continue
        if table is not tables[0]:
            warnings.append(
                _("The first sheet is empty; sheet “{sheet}” was read instead.").format(
                    sheet=table.get(_T + "name", "")
                )
            )
        _fill_merged(rows, merged, warnings)
        return _Grid("ods", table.get(_T + "name", ""), rows, warnings)
    raise FileRefused(_("Every sheet in the file is empty."))


# --------------------------------------------------------------------------- CSV

_ENCODING_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "hz": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ascii": "utf-8",
}


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and encoding: BOMs first, then UTF-8, then charset-normalizer's best guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    candidates = ["gb18030", "big5", "utf_16", "shift_jis", "euc_kr", "cp1252"]
    best = from_bytes(data[:200_000], cp_isolation=candidates).best()
    encoding = best.encoding if best is not None else "gb18030"
    encoding = _ENCODING_ALIASES.get(encoding.lower(), encoding)
    for enc in (encoding, "gb18030", "big5hkscs"):
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    raise FileRefused(
        _("The text encoding of the file could not be recognised; save it as UTF-8 CSV.")
    )


def _read_csv(data: bytes, limit: int) -> _Grid:
    text, encoding = decode_text(data)
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t")
    if controls > 8:
        raise FileRefused(_("The file is not a spreadsheet (XLSX, XLS, ODS or CSV)."))
    sample = text[:16384]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    checks.check_csv(text, dialect, checks.Limits.from_settings(limit))
    rows: list[SheetRow] = []
    for number, values in enumerate(_csv_rows(text, dialect), start=1):
        if len(rows) > limit + HEADER_SEARCH_ROWS:
            raise _too_many(limit)
        if any(v.strip() for v in values):
            rows.append(SheetRow(number, [v if v.strip() else None for v in values]))
    return _Grid("csv", "", rows, [], encoding=encoding)


def _csv_rows(text: str, dialect: Any) -> Iterator[list[str]]:
    yield from csv.reader(io.StringIO(text, newline=""), dialect)
