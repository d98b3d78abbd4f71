"""Crafted spreadsheets for the resource-limit tests, built in code (no binary fixtures).

Each builder returns the bytes of a small file that a naive reader turns into gigabytes:
see ingest/tests/test_import_limits.py and ingest/spreadsheet/limits.py.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c></row>'


# --------------------------------------------------------------------------- ZIP by hand


def deflate(data: bytes) -> bytes:
    out = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return out.compress(data) + out.flush()


def zip_file(members: Iterable[tuple[str, bytes, int, int, int]]) -> bytes:
    """A ZIP of (name, stored data, method 0|8, CRC-32, stated size) written by hand, so
    that the stated size and CRC can be whatever a test needs (zipfile computes them)."""
    body, directory = bytearray(), bytearray()
    count = 0
    for name, data, method, crc, size in members:
        raw_name = name.encode()
        offset = len(body)
        fields = (20, 0, method, 0, 0x21, crc, len(data), size, len(raw_name), 0)
        body += b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields) + raw_name + data
        directory += b"PK\x01\x02" + struct.pack(
            "<HHHHHHIIIHHHHHII",
            20,
            20,
            0,
            method,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(raw_name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        directory += raw_name
        count += 1
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(body), 0)
    return bytes(body + directory + end)


def member(name: str, text: str | bytes) -> tuple[str, bytes, int, int, int]:
    data = text.encode() if isinstance(text, str) else text
    return name, deflate(data), 8, zlib.crc32(data), len(data)


# --------------------------------------------------------------------------- XLSX


def xlsx(sheet_xml: str, *extra: tuple[str, bytes, int, int, int]) -> bytes:
    """A minimal workbook with one sheet whose XML is `sheet_xml` (without the root)."""
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    sheet = f'<worksheet xmlns="{MAIN}">{sheet_xml}</worksheet>'
    parts = [
        member(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        ),
        # The package relationship to the workbook: OPC requires it, and calamine finds the
        # workbook through it.
        member(
            "_rels/.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        ),
        member(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{rels}"><sheets>'
            '<sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>',
        ),
        member(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        ),
        *(extra or [member("xl/worksheets/sheet1.xml", sheet)]),
    ]
    return zip_file(parts)


def xlsx_merge_bomb() -> bytes:
    """1 KB: a merged range A2:XFD1048576 (17 billion cells once filled in)."""
    return xlsx(
        f'<sheetData>{HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c>'
        '</row></sheetData><mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells>'
    )


def xlsx_far_column() -> bytes:
    """A cell at column ZZZZZZZ (number 8,353,082,582): a row that wide."""
    return xlsx(
        f'<sheetData>{HEADER_ROW}<row r="2"><c r="ZZZZZZZ2" t="inlineStr"><is><t>x</t></is>'
        "</c></row></sheetData>"
    )


def xlsx_zip_bomb(*, state_true_size: bool) -> bytes:
    """About 1.5 MB whose sheet unpacks to 1.5 GiB of blanks between two rows.

    The deflate stream repeats one block that unpacks 16 MiB of spaces from any state (a
    full flush resets the dictionary). With `state_true_size` False the ZIP directory says
    the sheet is 1 KB (with the CRC of that first KB), as a lying archive would.
    """
    head = f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER_ROW}'.encode()
    tail = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'
    blanks = b" " * (16 << 20)
    repeats = 96
    first = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    last = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    stream = (
        first.compress(head)
        + first.flush(zlib.Z_FULL_FLUSH)
        + (block.compress(blanks) + block.flush(zlib.Z_FULL_FLUSH)) * repeats
        + last.compress(tail)
        + last.flush()
    )
    size = len(head) + repeats * len(blanks) + len(tail)
    if state_true_size:
        crc = zlib.crc32(head)
        for _ in range(repeats):
            crc = zlib.crc32(blanks, crc)
        crc = zlib.crc32(tail, crc)
    else:
        size = 1024
        crc = zlib.crc32((head + blanks)[:size])
    return xlsx("", ("xl/worksheets/sheet1.xml", stream, 8, crc, size))


# --------------------------------------------------------------------------- ODS

ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
ODS_HEADER = (
    '<table:table-row><table:table-cell office:value-type="string"><text:p>项目名称</text:p>'
    "</table:table-cell></table:table-row>"
)


def ods(rows_xml: str) -> bytes:
    content = (
        f"<office:document-content {ODS_NS}><office:body><office:spreadsheet>"
        f'<table:table table:name="台账">{ODS_HEADER}{rows_xml}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    mimetype = b"application/vnd.oasis.opendocument.spreadsheet"
    return zip_file(
        [
            ("mimetype", mimetype, 0, zlib.crc32(mimetype), len(mimetype)),
            member("content.xml", content),
        ]
    )


def ods_column_repeat() -> bytes:
    """About 500 B: one text cell repeated across a billion columns."""
    return ods(
        '<table:table-row><table:table-cell table:number-columns-repeated="1000000000" '
        'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
    )


def ods_row_repeat() -> bytes:
    """One row of 1,000 text cells repeated a million times."""
    return ods(
        '<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
        'table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row>"
    )


def ods_span() -> bytes:
    """One text cell spanning a billion rows and a thousand columns."""
    return ods(
        '<table:table-row><table:table-cell table:number-rows-spanned="1000000000" '
        'table:number-columns-spanned="1000" office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row>"
    )


# --------------------------------------------------------------------------- XLS


def _biff(code: int, body: bytes) -> bytes:
    return struct.pack("<HH", code, len(body)) + body


def xls(
    cells: Iterable[tuple[int, int, float]], merged: Iterable[tuple[int, int, int, int]]
) -> bytes:
    """A BIFF8 workbook (in an OLE2 compound file) with one sheet of number cells and
    MERGEDCELLS ranges (first row, last row, first column, last column; 0-based)."""
    bof_globals = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
    sheet = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
    sheet += _biff(0x0200, struct.pack("<IIHHH", 0, 2, 0, 1, 0))
    for row, col, value in cells:
        sheet += _biff(0x0203, struct.pack("<HHHd", row, col, 0, value))
    ranges = list(merged)
    if ranges:
        sheet += _biff(
            0x00E5,
            struct.pack("<H", len(ranges)) + b"".join(struct.pack("<HHHH", *r) for r in ranges),
        )
    sheet += _biff(0x000A, b"")
    name = "台账".encode("utf-16-le")
    boundsheet_len = 4 + 8 + len(name)
    globals_len = len(bof_globals) + len(_biff(0x0042, b"\xb0\x04")) + boundsheet_len + 4
    globals_ = (
        bof_globals
        + _biff(0x0042, b"\xb0\x04")  # CODEPAGE: UTF-16
        + _biff(0x0085, struct.pack("<IBBBB", globals_len, 0, 0, 2, 1) + name)
        + _biff(0x000A, b"")
    )
    assert len(globals_) == globals_len
    stream = globals_ + sheet
    stream += b"\x00" * max(0, 4096 - len(stream))  # a regular (not mini) stream
    return _compound_file(stream)


def _compound_file(stream: bytes) -> bytes:
    """An OLE2 compound file holding one stream named Workbook (512-byte sectors)."""
    end, free, fat_mark, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    stream_sectors = -(-len(stream) // 512)
    dir_sector = stream_sectors
    fat_sector = stream_sectors + 1
    fat = [i + 1 for i in range(stream_sectors - 1)] + [end, end, fat_mark]
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBBIII", len(raw), kind, 1, none, none, child)
            + b"\x00" * 16
            + b"\x00" * 4
            + b"\x00" * 16
            + struct.pack("<III", start, size, 0)
        )

    directory = entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, none, 0, len(stream))
    directory = directory.ljust(512, b"\x00")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, dir_sector, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", fat_sector)
        + struct.pack("<I", free) * 108
    )
    assert len(header) == 512
    return (
        header
        + stream.ljust(stream_sectors * 512, b"\x00")
        + directory
        + struct.pack("<128I", *fat)
    )


def xls_merge_bomb() -> bytes:
    """A 5 KB XLS whose one MERGEDCELLS record covers 65,536 × 65,536 cells."""
    return xls([(0, 0, 1.0), (1, 0, 2.0)], [(1, 65535, 0, 65535)])


# --------------------------------------------------------------------------- CSV


def csv_wide_header(columns: int = 5_000_000, rows: int = 20) -> bytes:
    """A header line of five million commas, then short rows: each padded to its width."""
    header = "项目名称" + "," * (columns - 1) + "投资方\n"
    return (header + "芯片项目,某公司\n" * rows).encode()
