"""Checks a spreadsheet passes before any reader touches it, so that a tiny file cannot take
gigabytes: a 1 KB XLSX merging A2:XFD1048576, a 515 B ODS repeating one cell a billion
times, a cell at column ZZZZZZZ, a 1.5 MB ZIP that unpacks to 1.5 GiB, a CSV line of five
million commas.

The checks do not depend on how the file is read afterwards (regular expressions today,
python-calamine or openpyxl later): they look at the ZIP directory and unpack every member
themselves in bounded pieces (counting what comes out, whatever the directory claims), scan
sheet XML with expat as a stream (no DTD, no entities), walk the BIFF records of an XLS and
the text of a CSV. Each refusal is a :class:`FileRefused` whose message names the limit.

Limits (settings, see docs/import.md): ``IMPORT_MAX_UNZIPPED_MB``, ``IMPORT_MAX_ZIP_RATIO``,
``IMPORT_MAX_COLUMNS``, ``IMPORT_MAX_CELLS``; the row limit is the reader's
(``IMPORT_MAX_ROWS`` plus the rows searched for the header).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

from ingest.spreadsheet.errors import FileRefused, too_many_rows

#: Rows searched for the header row (title rows above it are skipped).
HEADER_SEARCH_ROWS = 20
#: The largest sheet a spreadsheet program writes (Excel 2007+, LibreOffice 7.4+).
SHEET_MAX_ROWS = 1_048_576
SHEET_MAX_COLUMNS = 16_384
#: An XLS (BIFF8) sheet holds at most 65,536 rows and 256 columns.
XLS_MAX_ROWS = 65_536
XLS_MAX_COLUMNS = 256
#: A spreadsheet has a few dozen ZIP members (a few hundred with many pictures).
MAX_ZIP_MEMBERS = 10_000
#: Members smaller than this are not held to the compression ratio: small XML compresses well.
RATIO_FLOOR = 1024 * 1024
#: What zipfile raises for a damaged archive besides BadZipFile (negative seeks, odd
#: versions, truncated headers).
ZIP_ERRORS = (zipfile.BadZipFile, ValueError, NotImplementedError, OSError, EOFError, KeyError)
_CHUNK = 1 << 20
_MB = 1024 * 1024
_BIG = 1 << 62  # a row or column number too long to compute: beyond every limit


@dataclass(frozen=True)
class Limits:
    """How much one file may unpack to and hold, in bytes, rows, columns and cells."""

    unzipped_bytes: int
    zip_ratio: int
    max_rows: int  # data rows (IMPORT_MAX_ROWS)
    columns: int
    cells: int

    @property
    def rows(self) -> int:
        """Rows with content a sheet may have: the data rows and the rows above the header."""
        return self.max_rows + HEADER_SEARCH_ROWS

    @classmethod
    def from_settings(cls, max_rows: int) -> Limits:
        return cls(
            unzipped_bytes=int(getattr(settings, "IMPORT_MAX_UNZIPPED_MB", 300)) * _MB,
            zip_ratio=int(getattr(settings, "IMPORT_MAX_ZIP_RATIO", 200)),
            max_rows=max_rows,
            columns=int(getattr(settings, "IMPORT_MAX_COLUMNS", 1024)),
            cells=int(getattr(settings, "IMPORT_MAX_CELLS", 10_000_000)),
        )


def check(data: bytes, fmt: str, limits: Limits) -> None:
    """Refuse `data` (already recognised as `fmt`) if reading it could exceed `limits`.

    CSV is checked by :func:`check_csv` once its encoding and dialect are known.
    """
    if fmt == "xlsx":
        _check_zip(data, limits, _xlsx_sheet_names, lambda: _XlsxSheetScan(limits))
    elif fmt == "ods":
        _check_zip(data, limits, lambda _zip, _data: {"content.xml"}, lambda: _OdsScan(limits))
    elif fmt == "xls":
        _check_xls(data, limits)


# --------------------------------------------------------------------------- messages


def _column_limit(cell: str, limits: Limits) -> FileRefused:
    return FileRefused(
        _(
            "Cell {cell} lies beyond column {limit}, the most columns an import takes "
            "(IMPORT_MAX_COLUMNS)."
        ).format(cell=cell, limit=f"{limits.columns:,}")
    )


def _range_name(top: int, left: int, bottom: int, right: int) -> str:
    return f"{_cell_name(top, left)}:{_cell_name(bottom, right)}"


def _row_limit(cell: str) -> FileRefused:
    return FileRefused(
        _("Cell {cell} lies beyond row {limit}, the last row of a spreadsheet.").format(
            cell=cell, limit=f"{SHEET_MAX_ROWS:,}"
        )
    )


def _cells_limit(rows: int, columns: int, limits: Limits) -> FileRefused:
    return FileRefused(
        _(
            "The sheet spans {rows} rows × {columns} columns, more than the {limit} cells an "
            "import takes (IMPORT_MAX_CELLS)."
        ).format(rows=f"{rows:,}", columns=f"{columns:,}", limit=f"{limits.cells:,}")
    )


def _merged_limit(ref: str, limits: Limits) -> FileRefused:
    return FileRefused(
        _(
            "The merged range {ref} is larger than a sheet an import takes ({rows} rows, "
            "{columns} columns, {cells} cells in all merged ranges)."
        ).format(
            ref=ref,
            rows=f"{limits.max_rows:,}",
            columns=f"{limits.columns:,}",
            cells=f"{limits.cells:,}",
        )
    )


def _damaged(fmt: str) -> FileRefused:
    return FileRefused(_("The file looks like {fmt} but is damaged.").format(fmt=fmt))


# --------------------------------------------------------------------------- ZIP


def _check_zip(
    data: bytes,
    limits: Limits,
    sheet_names: Callable[[zipfile.ZipFile, bytes], set[str]],
    scanner: Callable[[], _Scan],
) -> None:
    """Directory first (count, sizes, ratios, methods), then every member unpacked in
    pieces: none may give more than its stated size, and sheets go through `scanner`."""
    check_zip_directory(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            total = 0
            for info in infos:
                if info.flag_bits & 0x1:
                    raise FileRefused(_("The file is encrypted; save it without a password."))
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise FileRefused(
                        _("The file uses a compression method spreadsheets do not use.")
                    )
                total += info.file_size
                if total > limits.unzipped_bytes:
                    raise _unzipped_limit(limits)
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > RATIO_FLOOR and ratio > limits.zip_ratio:
                    raise FileRefused(
                        _(
                            "Part {name} of the file is compressed {ratio}:1, more than the "
                            "{limit}:1 a spreadsheet reaches (IMPORT_MAX_ZIP_RATIO); it looks "
                            "like a ZIP bomb."
                        ).format(name=info.filename, ratio=int(ratio), limit=limits.zip_ratio)
                    )
            sheets = sheet_names(archive, data)
    except FileRefused:
        raise
    except ZIP_ERRORS:
        raise FileRefused(_("The file is a damaged ZIP archive, not a spreadsheet.")) from None
    for info in infos:
        scan = scanner() if info.filename in sheets else None
        for piece in _unpack(data, info):
            if scan is not None:
                scan.feed(piece)
        if scan is not None:
            scan.close()


def _unzipped_limit(limits: Limits) -> FileRefused:
    return FileRefused(
        _(
            "The file unpacks to more than {limit} MB, the most an import takes "
            "(IMPORT_MAX_UNZIPPED_MB)."
        ).format(limit=limits.unzipped_bytes // _MB)
    )


def check_zip_directory(data: bytes) -> None:
    """Refuse a ZIP whose directory alone would take much memory to list.

    Every directory entry starts with PK\\x01\\x02, so counting that signature bounds the
    number of members before zipfile builds an object for each.
    """
    if data.count(b"PK\x01\x02") > MAX_ZIP_MEMBERS:
        raise FileRefused(
            _("The file holds more than {limit} parts; a spreadsheet has far fewer.").format(
                limit=f"{MAX_ZIP_MEMBERS:,}"
            )
        )


def _unpack(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes in pieces of at most 1 MB, refusing as soon as they exceed the
    size the directory states (which the caller held to the limits).

    zipfile's own read() of a member asks zlib for up to 2 GB in one call, whatever the
    directory says; unpacking here, from the raw deflate stream, never holds more than a
    piece.
    """
    header = data[info.header_offset : info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise FileRefused(_("The file is a damaged ZIP archive, not a spreadsheet."))
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    raw = memoryview(data)[start : start + info.compress_size]
    produced = 0

    def counted(piece: bytes) -> bytes:
        nonlocal produced
        produced += len(piece)
        if produced > info.file_size:
            raise FileRefused(
                _(
                    "Part {name} of the file unpacks to more than the {size} bytes its "
                    "directory states; the file is damaged or a ZIP bomb."
                ).format(name=info.filename, size=f"{info.file_size:,}")
            )
        return piece

    if info.compress_type == zipfile.ZIP_STORED:
        for pos in range(0, len(raw), _CHUNK):
            yield counted(bytes(raw[pos : pos + _CHUNK]))
        return
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for pos in range(0, len(raw), _CHUNK):
            pending: bytes | memoryview = raw[pos : pos + _CHUNK]
            while pending and not inflate.eof:
                piece = inflate.decompress(pending, _CHUNK)
                pending = inflate.unconsumed_tail
                if piece:
                    yield counted(piece)
            if inflate.eof:
                break
        rest = inflate.flush()
    except zlib.error:
        raise FileRefused(_("The file is a damaged ZIP archive, not a spreadsheet.")) from None
    if rest:
        yield counted(rest)


class _Scan:
    """An expat parser fed in pieces: no DTD, no entity declarations, no external entities."""

    def __init__(self, namespaces: bool) -> None:
        self.parser = expat.ParserCreate(namespace_separator="}" if namespaces else None)
        self.parser.buffer_text = True
        self.parser.StartDoctypeDeclHandler = self._refuse_dtd
        self.parser.EntityDeclHandler = self._refuse_dtd
        self.parser.ExternalEntityRefHandler = self._refuse_dtd

    @staticmethod
    def _refuse_dtd(*_args: Any) -> NoReturn:
        raise FileRefused(
            _("The file's XML declares a DTD or entities, which spreadsheets never do.")
        )

    def feed(self, piece: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(piece, final)
        except expat.ExpatError as exc:
            raise FileRefused(
                _("The file's XML is damaged: {error}").format(error=str(exc)[:200])
            ) from None

    def close(self) -> None:
        self.feed(b"", final=True)
        self.finish()

    def finish(self) -> None:
        """Checks that need the whole part."""


# --------------------------------------------------------------------------- XLSX

_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_LETTERS = re.compile(r"[A-Za-z]{1,3}")


def _xlsx_sheet_names(archive: zipfile.ZipFile, data: bytes) -> set[str]:
    """Every worksheet a reader could read: the workbook's worksheet relationships and
    whatever lies in xl/worksheets/ (the members were size-checked before this runs)."""
    names = {n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    rels = "xl/_rels/workbook.xml.rels"
    if rels not in archive.namelist():
        return names

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == _PKG_REL and attrs.get("Type", "").endswith("/worksheet"):
            target = attrs.get("Target", "")
            names.add(target.lstrip("/") if target.startswith("/") else "xl/" + target)

    scan = _Scan(namespaces=True)
    scan.parser.StartElementHandler = start
    for piece in _unpack(data, archive.getinfo(rels)):
        scan.feed(piece)
    scan.close()
    return names


def _column_number(letters: str) -> int:
    if not _LETTERS.fullmatch(letters):
        return _BIG
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _split_ref(ref: str) -> tuple[int, int] | None:
    """(row, column) of a cell reference such as B7; None when it is not one."""
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters) :]
    if not letters or not digits:
        return None
    row = int(digits) if len(digits) <= 9 else _BIG
    return row, _column_number(letters.replace("$", ""))


def _range(ref: str) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) of A1:C3 (or of a single cell); None when not a range."""
    first, _colon, last = ref.partition(":")
    a = _split_ref(first)
    b = _split_ref(last or first)
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def _cell_name(row: int, col: int) -> str:
    if col >= _BIG or row >= _BIG:
        return _("(a cell whose reference is too long to show)")
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


class _Extent:
    """What a sheet holds, checked as it grows: rows with content, widest column, merges.

    `name` arguments are called only to word a refusal (naming every cell of a large
    sheet would cost more than the scan)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.data_rows = 0
        self.last_row = -1
        self.columns = 0
        self.merged_cells = 0

    def content(
        self, row: int, first_col: int, last_col: int, rows: int, name: Callable[[], str]
    ) -> None:
        """`rows` rows from `row` hold content in columns first_col..last_col."""
        if last_col > self.limits.columns:
            raise _column_limit(name(), self.limits)
        if row + rows - 1 > SHEET_MAX_ROWS:
            raise _row_limit(name())
        if last_col > self.columns:
            self.columns = last_col
        if row != self.last_row:
            self.data_rows += rows
            self.last_row = row
            if self.data_rows > self.limits.rows:
                raise too_many_rows(self.limits.max_rows)

    def merged(
        self,
        height: int,
        width: int,
        bottom: int,
        right: int,
        name: Callable[[], str],
        copies: int = 1,
    ) -> None:
        """A merged range of height × width cells, `copies` times (repeated ODS cells),
        whose last copy ends at row `bottom`, column `right`."""
        self.merged_cells += height * width * copies
        if (
            right > self.limits.columns
            or bottom > SHEET_MAX_ROWS
            or height > self.limits.rows
            or self.merged_cells > self.limits.cells
        ):
            raise _merged_limit(name(), self.limits)

    def finish(self) -> None:
        if self.data_rows * self.columns > self.limits.cells:
            raise _cells_limit(self.data_rows, self.columns, self.limits)


class _XlsxSheetScan(_Scan):
    """Every cell's position (explicit r="B7" or implied by its place in the row), the rows
    that hold something, merged ranges and the declared dimension.

    The handler runs for every element of the sheet (millions), so the common case — a cell
    with a plain reference in a row and column already seen — costs a few comparisons.
    """

    def __init__(self, limits: Limits) -> None:
        super().__init__(namespaces=False)
        extent = self.extent = _Extent(limits)
        self.row = 0
        self.cell: tuple[int, int] = (0, 0)
        self.odd_ref = ""
        columns: dict[str, int] = {}  # plain column letters → number
        last: list[Any] = ["", 0]  # the last row digits parsed and their number

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "c":
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    col = columns.get(letters)
                    if (
                        col is None
                        and len(letters) <= 3
                        and letters.isalpha()
                        and letters.isupper()
                    ):
                        col = columns[letters] = _column_number(letters)
                    digits = ref[len(letters) :]
                    if col is not None and digits:
                        if digits != last[0]:
                            last[0], last[1] = digits, int(digits) if len(digits) <= 9 else _BIG
                        self.cell = (last[1], col)
                        return
                self._odd_cell(ref)
            elif name == "v" or name == "is" or name == "f":
                row, col = self.cell
                if row != extent.last_row or col > extent.columns:
                    extent.content(row, col, col, 1, self._name)
            elif name == "row":
                r = attrs.get("r", "")
                self.row = (int(r) if len(r) <= 9 else _BIG) if r.isdigit() else self.row + 1
                self.cell = (self.row, 0)
            elif name == "mergeCell":
                self._merge(attrs.get("ref", ""))
            elif name == "dimension":
                self._dimension(attrs.get("ref", ""))
            elif ":" in name:  # a prefixed name (x:c): the same elements
                start(name.rpartition(":")[2], attrs)

        self.parser.StartElementHandler = start

    def _odd_cell(self, ref: str | None) -> None:
        """A cell without a plain reference: implied by its place, or a1 / $A$1 / Z0."""
        implied = (self.row, self.cell[1] + 1)
        found = _split_ref(ref) if ref else None
        self.odd_ref = ref or ""
        # Readers differ on such references: assume the farther of the two places.
        self.cell = (
            implied if found is None else (max(found[0], implied[0]), max(found[1], implied[1]))
        )

    def _merge(self, ref: str) -> None:
        found = _range(ref)
        if found is not None:
            top, left, bottom, right = found
            self.extent.merged(bottom - top + 1, right - left + 1, bottom, right, lambda: ref)

    def _dimension(self, ref: str) -> None:
        found = _range(ref)
        limits = self.extent.limits
        if found is not None and (found[3] > limits.columns or found[2] > SHEET_MAX_ROWS):
            raise FileRefused(
                _("The sheet says it spans {ref}, beyond {columns} columns or {rows} rows.").format(
                    ref=ref, columns=f"{limits.columns:,}", rows=f"{SHEET_MAX_ROWS:,}"
                )
            )

    def _name(self) -> str:
        row, col = self.cell
        return self.odd_ref[:40] if max(row, col) >= _BIG else _cell_name(row, col)

    def finish(self) -> None:
        self.extent.finish()


# --------------------------------------------------------------------------- ODS

_T = "urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_O = "urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CELLS = (_T + "table-cell", _T + "covered-table-cell")


def _count(attrs: dict[str, str], name: str) -> int:
    raw = attrs.get(_T + name)
    if raw is None:
        return 1
    try:
        return max(int(raw), 1)
    except ValueError:
        raise FileRefused(
            _("The ODS file is damaged: {attr}=“{value}” is not a number.").format(
                attr=name, value=raw[:20]
            )
        ) from None


class _OdsScan(_Scan):
    """Rows and cells with their repeats and spans, per table: a cell with content that is
    repeated across columns or rows counts as every cell it stands for."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(namespaces=True)
        self.limits = limits
        self.extent = _Extent(limits)
        self.row = 0  # rows of the table before the current one
        self.row_repeat = 1
        self.col = 0  # columns of the row before the current cell
        self.cell: tuple[int, int] | None = None  # (first column, repeat) of the open cell
        self.cell_has_content = False
        self.depth = 0  # elements open inside the cell
        self.spans: list[tuple[int, int, int, int]] = []
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if self.cell is not None:  # text, annotations, … inside a cell
            self.depth += 1
            self._content()
            return
        if name in _CELLS:
            repeat = _count(attrs, "number-columns-repeated")
            self.cell = (self.col + 1, repeat)
            self.cell_has_content = False
            self.depth = 0
            self.col += repeat
            if attrs.get(_O + "value-type"):
                self._content()
            rows = _count(attrs, "number-rows-spanned")
            cols = _count(attrs, "number-columns-spanned")
            if rows > 1 or cols > 1:
                self.spans.append((self.col - repeat + 1, rows, cols, repeat))
        elif name == _T + "table-row":
            self.row_repeat = _count(attrs, "number-rows-repeated")
            self.col = 0
            self.spans = []
        elif name == _T + "table":
            self.extent.finish()
            self.extent = _Extent(self.limits)
            self.row = 0

    def _content(self) -> None:
        if self.cell is None or self.cell_has_content:
            return
        self.cell_has_content = True
        first, repeat = self.cell
        self.extent.content(self.row + 1, first, first + repeat - 1, self.row_repeat, self._name)

    def _name(self) -> str:
        first, repeat = self.cell or (self.col, 1)
        return _cell_name(self.row + 1, first + repeat - 1)

    def _end(self, name: str) -> None:
        if self.cell is not None:
            if self.depth:
                self.depth -= 1
            else:
                self.cell = None
            return
        if name == _T + "table-row":
            for first, rows, cols, repeat in self.spans:
                where = _range_name(self.row + 1, first, self.row + rows, first + cols - 1)
                self.extent.merged(
                    rows,
                    cols,
                    self.row + self.row_repeat - 1 + rows,
                    first + repeat - 1 + cols - 1,
                    lambda where=where: where,  # type: ignore[misc]
                    copies=repeat * self.row_repeat,
                )
            self.row += self.row_repeat
        elif name == _T + "table":
            self.extent.finish()

    def finish(self) -> None:
        self.extent.finish()


# --------------------------------------------------------------------------- XLS

_BIFF_BOF = {0x0809, 0x0409, 0x0209, 0x0009}
_BIFF_EOF = 0x000A
_BIFF_BOUNDSHEET = 0x0085
#: Records that start with row and column (u16, u16) and hold one cell.
_BIFF_CELLS = {0x0006, 0x0406, 0x0203, 0x0204, 0x0205, 0x00FD, 0x027E, 0x00D6}
_BIFF_BLANK = 0x0201
_BIFF_MULRK, _BIFF_MULBLANK = 0x00BD, 0x00BE
_BIFF_MERGEDCELLS = 0x00E5


def _check_xls(data: bytes, limits: Limits) -> None:
    """Walk the BIFF records of every sheet before xlrd does, from where xlrd starts.

    xlrd pads every row to the widest cell or merged range it saw, blank cells included,
    and takes column numbers up to 65,535 from the file: a single MERGEDCELLS record over
    65,536 × 65,536 cells made it allocate four billion entries.
    """
    from xlrd.compdoc import CompDoc, CompDocError

    try:
        doc = CompDoc(data, logfile=io.StringIO())
        for name in ("Workbook", "Book"):
            mem, base, size = doc.locate_named_stream(name)
            if mem is not None:
                break
        else:
            return  # the reader says that no workbook is in the file
    except (CompDocError, AssertionError, IndexError, struct.error):
        raise _damaged("XLS") from None
    stream = memoryview(mem)[base : base + size]
    offsets = []
    for code, body in _biff_records(stream, 0):  # the workbook globals
        if code == _BIFF_BOUNDSHEET and len(body) >= 4:
            offsets.append(struct.unpack_from("<I", body)[0])
        elif code == _BIFF_EOF:
            break
    for offset in offsets:
        sheet = _XlsSheet(limits)
        depth = 0
        for code, body in _biff_records(stream, offset):
            if code in _BIFF_BOF:
                depth += 1  # depth 2: a chart inside the sheet, which xlrd skips
            elif code == _BIFF_EOF:
                depth -= 1
                if depth <= 0:
                    break
            elif depth == 1:
                sheet.record(code, body)
        sheet.finish()


def _biff_records(stream: memoryview, pos: int) -> Iterator[tuple[int, memoryview]]:
    while pos >= 0 and pos + 4 <= len(stream):
        code, length = struct.unpack_from("<HH", stream, pos)
        yield code, stream[pos + 4 : pos + 4 + length]
        pos += 4 + length


class _XlsSheet:
    """One XLS sheet as xlrd will build it: last row and column (blank cells and merged
    ranges included, since xlrd pads to them) and the rows that hold something."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.rows = 0
        self.columns = 0
        self.data_rows: set[int] = set()
        self.merged_cells = 0

    def record(self, code: int, body: memoryview) -> None:
        length = len(body)
        if code in _BIFF_CELLS and length >= 4:
            row, col = struct.unpack_from("<HH", body)
            self.cell(row, col, col, True)
        elif code == _BIFF_BLANK and length >= 4:
            row, col = struct.unpack_from("<HH", body)
            self.cell(row, col, col, False)
        elif code in (_BIFF_MULRK, _BIFF_MULBLANK) and length >= 6:
            row, first = struct.unpack_from("<HH", body)
            (last,) = struct.unpack_from("<H", body, length - 2)
            self.cell(row, first, last, code == _BIFF_MULRK)
        elif code == _BIFF_MERGEDCELLS and length >= 2:
            (count,) = struct.unpack_from("<H", body)
            for i in range(min(count, (length - 2) // 8)):
                top, bottom, left, right = struct.unpack_from("<HHHH", body, 2 + 8 * i)
                self.merged(top, bottom, left, right)

    def cell(self, row: int, first: int, last: int, content: bool) -> None:
        if last >= XLS_MAX_COLUMNS or first > last:
            raise FileRefused(
                _(
                    "A cell in row {row} lies beyond column {limit}, the last column of an "
                    "XLS sheet; the file is damaged."
                ).format(row=row + 1, limit=XLS_MAX_COLUMNS)
            )
        self.rows = max(self.rows, row + 1)
        self.columns = max(self.columns, last + 1)
        if content:
            if last + 1 > self.limits.columns:
                raise _column_limit(_cell_name(row + 1, last + 1), self.limits)
            self.data_rows.add(row)
            if len(self.data_rows) > self.limits.rows:
                raise too_many_rows(self.limits.max_rows)

    def merged(self, top: int, bottom: int, left: int, right: int) -> None:
        ref = _range_name(top + 1, left + 1, bottom + 1, right + 1)
        if bottom < top or right < left or right >= XLS_MAX_COLUMNS:
            raise FileRefused(
                _(
                    "The merged range {ref} lies outside the {rows} rows × {columns} columns of "
                    "an XLS sheet; the file is damaged."
                ).format(ref=ref, rows=f"{XLS_MAX_ROWS:,}", columns=XLS_MAX_COLUMNS)
            )
        height = bottom - top + 1
        self.merged_cells += height * (right - left + 1)
        if (
            right + 1 > self.limits.columns
            or height > self.limits.rows
            or self.merged_cells > self.limits.cells
        ):
            raise _merged_limit(ref, self.limits)
        self.rows = max(self.rows, bottom + 1)
        self.columns = max(self.columns, right + 1)

    def finish(self) -> None:
        if self.rows * self.columns > self.limits.cells:
            raise _cells_limit(self.rows, self.columns, self.limits)


# --------------------------------------------------------------------------- CSV


def check_csv(text: str, dialect: Any, limits: Limits) -> None:
    """Refuse a CSV with a row wider than the column limit, before csv builds the row.

    Quoted fields are taken out first, the way the csv module reads them (a quote opens a
    field only at its start; "" inside stands for one quote), so that what is left has one
    line per row and one delimiter between two fields. Where this reading and the csv
    module's could differ, it counts more delimiters, never fewer.
    """
    q = re.escape(dialect.quotechar or '"')
    d = re.escape(dialect.delimiter)
    inner = f"(?:[^{q}]++|{q}{q})*+" if dialect.doublequote else f"[^{q}]*+"
    bare = re.sub(f"(?<![^{d}\\r\\n]){q}{inner}{q}", "", text)
    lines = bare.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    del bare
    widest, rows = 0, 0
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        rows += 1
        fields = line.count(dialect.delimiter) + 1
        if fields > limits.columns:
            raise FileRefused(
                _(
                    "Row {row} has {n} columns, more than the {limit} an import takes "
                    "(IMPORT_MAX_COLUMNS)."
                ).format(row=number, n=f"{fields:,}", limit=f"{limits.columns:,}")
            )
        widest = max(widest, fields)
    # Rows beyond the row limit are refused by the reader, which stops there.
    kept = min(rows, limits.rows)
    if kept * widest > limits.cells:
        raise _cells_limit(kept, widest, limits)
