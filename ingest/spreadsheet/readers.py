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
_FORMULA_TAGS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/")
#: Integers up to this size are exact in a float; larger ones stay floats, as Excel shows them.
_EXACT_INT = 2**53


def col_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _xml_parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _xlsx_sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """The part name (xl/worksheets/sheetN.xml) of every worksheet, by sheet name."""
    from lxml import etree

    parser = _xml_parser()
    wb = etree.fromstring(archive.read("xl/workbook.xml"), parser=parser)
    targets: dict[str, str] = {}
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name in archive.namelist():
        rels = etree.fromstring(archive.read(rels_name), parser=parser)
        for rel in rels.iter(_PKG_REL + "Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[rel.get("Id", "")] = target
    return {
        sheet.get("name", ""): targets.get(sheet.get(_REL + "id", ""), "")
        for sheet in wb.iter(_MAIN + "sheet")
    }


def _xlsx_row_notes(xml: bytes) -> tuple[set[int], dict[int, list[str]]]:
    """Hidden rows, and the cells per row holding a formula without a computed value.

    calamine reads values only, so the sheet's XML is walked once more with lxml for these
    two notes, and only when the sheet has a hidden attribute or a formula at all: most
    ledgers have neither and skip this pass.
    """
    hidden: set[int] = set()
    uncomputed: dict[int, list[str]] = {}
    want_formulas = any(tag in xml for tag in _FORMULA_TAGS)
    if b"hidden=" not in xml and not want_formulas:
        return hidden, uncomputed
    from lxml import etree

    number = 0
    for _event, row in etree.iterparse(
        io.BytesIO(xml),
        tag=_MAIN + "row",
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
    ):
        r = row.get("r")
        number = int(r) if r and r.isdigit() else number + 1
        if row.get("hidden") in ("1", "true"):
            hidden.add(number)
        if want_formulas:
            for col, cell in enumerate(row.iter(_MAIN + "c"), start=1):
                if cell.find(_MAIN + "f") is None:
                    continue
                value = cell.find(_MAIN + "v")
                if value is None or not value.text:
                    ref = cell.get("r") or f"{col_letter(col)}{number}"
                    uncomputed.setdefault(number, []).append(ref)
        row.clear()
        while row.getprevious() is not None:
            del row.getparent()[0]
    return hidden, uncomputed


def _xlsx_value(value: Any) -> Any:
    """A calamine cell as the engine expects it: integral numbers as int, dates as datetime."""
    kind = type(value)
    if kind is float:
        return int(value) if value.is_integer() and -_EXACT_INT < value < _EXACT_INT else value
    if kind is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def _calamine_rows(
    sheet: Any, hidden: set[int], uncomputed: dict[int, list[str]], limit: int
) -> list[SheetRow]:
    rows: list[SheetRow] = []
    convert = _xlsx_value
    for number, raw in enumerate(sheet.iter_rows(), start=1):
        width = len(raw)
        while width and raw[width - 1] == "":
            width -= 1
        if not width and number not in uncomputed:
            continue
        if len(rows) > limit + HEADER_SEARCH_ROWS:
            raise _too_many(limit)
        values = [(v or None) if type(v) is str else convert(v) for v in raw[:width]]
        rows.append(SheetRow(number, values, number in hidden, uncomputed.get(number, [])))
    return rows


def _read_xlsx(data: bytes, limit: int) -> _Grid:
    """Read the first visible worksheet with data through calamine (python-calamine).

    calamine loads a whole sheet's used range into memory, so limits.check() must have
    refused oversized dimensions and merged ranges before this runs (read_table does that).
    """
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    warnings: list[str] = []
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        visible = [
            meta.name
            for meta in book.sheets_metadata
            if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet
        ]
        if not visible:
            raise FileRefused(_("The workbook has no visible worksheet."))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            paths = _xlsx_sheet_paths(archive)
            for name in visible:
                path = paths.get(name, "")
                xml = archive.read(path) if path in archive.namelist() else b""
                hidden, uncomputed = _xlsx_row_notes(xml)
                del xml
                sheet = book.get_sheet_by_name(name)
                rows = _calamine_rows(sheet, hidden, uncomputed, limit)
                merged = [
                    (top + 1, left + 1, bottom + 1, right + 1)
                    for (top, left), (bottom, right) in sheet.merged_cell_ranges or []
                ]
                del sheet
                if not rows:
                    continue
                if name != visible[0]:
                    warnings.append(
                        _("The first sheet is empty; sheet “{sheet}” was read instead.").format(
                            sheet=name
                        )
                    )
                _fill_merged(rows, merged, warnings)
                return _Grid("xlsx", name, rows, warnings)
    finally:
        book.close()
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
