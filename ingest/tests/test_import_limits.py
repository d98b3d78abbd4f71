"""Small crafted files must not exhaust memory: each is refused before any reader runs,
with a message that names the limit, while the reader runs in a child process whose
address space may grow by 600 MB at most.

Before ingest/spreadsheet/limits.py, every file below took the child to its 600 MB cap
(3.5 GB resident without one) and the MemoryError came back as "could not be read: ".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ingest.spreadsheet.limits import Limits, check, check_csv
from ingest.spreadsheet.readers import FileRefused, read_table
from testing import crafted_spreadsheets as crafted
from testing.memory import run_capped

pytestmark = pytest.mark.usefixtures("english")

#: What a refused file may take while it is checked.
PEAK_MB = 100

BOMBS: list[tuple[str, Callable[[], bytes], str]] = [
    ("xlsx mergeCell A2:XFD1048576", crafted.xlsx_merge_bomb, "merged range A2:XFD1048576"),
    (
        "xlsx cell at column ZZZZZZZ",
        crafted.xlsx_far_column,
        "Cell ZZZZZZZ2 lies beyond column 1,024",
    ),
    (
        "xlsx unpacking to 1.5 GiB",
        lambda: crafted.xlsx_zip_bomb(state_true_size=True),
        "unpacks to more than 300 MB",
    ),
    (
        "xlsx unpacking to 1.5 GiB while its directory says 1 KB",
        lambda: crafted.xlsx_zip_bomb(state_true_size=False),
        "unpacks to more than the 1,024 bytes its directory states",
    ),
    ("ods cell repeated over 10^9 columns", crafted.ods_column_repeat, "beyond column 1,024"),
    (
        "ods row of 1,000 cells repeated 10^6 times",
        crafted.ods_row_repeat,
        "more than 200,000 rows",
    ),
    ("ods cell spanning 10^9 rows", crafted.ods_span, "merged range A2:ALL1000000001"),
    ("xls MERGEDCELLS over 65,536 × 65,536", crafted.xls_merge_bomb, "outside the 65,536 rows"),
    ("csv header of 5,000,000 columns", crafted.csv_wide_header, "5,000,000 columns, more than"),
]


@pytest.mark.parametrize(("label", "build", "message"), BOMBS, ids=[b[0] for b in BOMBS])
def test_a_crafted_file_is_refused_before_it_takes_memory(
    label: str, build: Callable[[], bytes], message: str
) -> None:
    data = build()
    assert len(data) < 6_000_000, label  # small files, all of them
    outcome = run_capped(read_table, data, "projects", cap_mb=600)
    assert outcome.error == "FileRefused", (label, outcome)
    assert message in outcome.message, (label, outcome.message)
    assert outcome.peak_mb < PEAK_MB, (label, outcome.peak_mb)


def test_the_refusal_names_the_configured_limit(settings: Any) -> None:
    settings.IMPORT_MAX_COLUMNS = 40
    settings.IMPORT_MAX_UNZIPPED_MB = 1
    wide = crafted.xlsx(
        f'<sheetData>{crafted.HEADER_ROW}<row r="2"><c r="AP2"><v>1</v></c></row></sheetData>'
    )
    with pytest.raises(FileRefused, match="Cell AP2 lies beyond column 40"):
        read_table(wide, "projects")
    big = crafted.xlsx(f"<sheetData>{crafted.HEADER_ROW}</sheetData>" + " " * (2 * 1024 * 1024))
    with pytest.raises(FileRefused, match="unpacks to more than 1 MB"):
        read_table(big, "projects")


def test_an_import_beyond_a_limit_fails_the_batch_with_the_limit(db: Any, settings: Any) -> None:
    # (A real bomb is not imported in the test process: before the fix it would take the
    # machine's memory. A limit lowered for the test shows the same path.)
    from ingest import engine
    from ingest.models import ImportBatch

    settings.IMPORT_MAX_COLUMNS = 20
    data = crafted.xlsx(
        f'<sheetData>{crafted.HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is>'
        '</c><c r="Z2"><v>1</v></c></row></sheetData>'
    )
    batch, plan = engine.import_file(data, "台账.xlsx", "projects")
    assert plan is None and batch.status == ImportBatch.Status.FAILED
    assert "Cell Z2 lies beyond column 20" in batch.message


# --------------------------------------------------------------------------- what still reads


def _limits(**kw: int) -> Limits:
    values = {
        "unzipped_bytes": 300 << 20,
        "zip_ratio": 200,
        "max_rows": 200_000,
        "columns": 1024,
        "cells": 10_000_000,
    }
    values.update(kw)
    return Limits(**values)


def test_ordinary_merges_hidden_rows_and_blank_repeats_pass() -> None:
    # LibreOffice fills a sheet with blank rows and columns repeated to its edges.
    data = crafted.ods(
        '<table:table-row><table:table-cell office:value-type="string"><text:p>A</text:p>'
        '</table:table-cell><table:table-cell table:number-columns-repeated="16383"/>'
        '</table:table-row><table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    table = read_table(data, "projects")
    assert [r.values[0] for r in table.rows] == ["A"]
    merged = crafted.xlsx(
        f'<sheetData>{crafted.HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is>'
        '</c></row><row r="3"><c r="A3"/></row></sheetData><mergeCells count="1">'
        '<mergeCell ref="A2:A3"/></mergeCells>'
    )
    assert [r.values for r in read_table(merged, "projects").rows] == [["x"], ["x"]]


def test_empty_styled_cells_far_out_do_not_count_as_content() -> None:
    data = crafted.xlsx(
        f'<sheetData>{crafted.HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is>'
        '</c><c r="XFD2" s="1"/></row></sheetData>'
    )
    check(data, "xlsx", _limits())


@pytest.mark.parametrize(
    ("ref", "refused"),
    [
        ("A2", False),
        ("AMK2", True),
        ("AMJ2", False),
        ("a5000", False),
        ("zzzz2", True),
        ("A1048577", True),
    ],
)
def test_cell_references_in_any_spelling_are_placed_at_least_as_far_as_a_reader_would(
    ref: str, refused: bool
) -> None:
    data = crafted.xlsx(
        f'<sheetData><row r="2"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    )
    if refused:
        with pytest.raises(FileRefused, match="beyond"):
            check(data, "xlsx", _limits())
    else:
        check(data, "xlsx", _limits())


def test_cells_without_references_count_their_place_in_the_row() -> None:
    cells = '<c t="inlineStr"><is><t>x</t></is></c>' * 1025
    data = crafted.xlsx(f"<sheetData><row>{cells}</row></sheetData>")
    with pytest.raises(FileRefused, match="Cell AMK1 lies beyond column 1,024"):
        check(data, "xlsx", _limits())


def test_prefixed_elements_are_the_same_elements() -> None:
    ns = crafted.MAIN
    sheet = (
        f'<x:worksheet xmlns:x="{ns}"><x:sheetData><x:row r="2"><x:c r="ZZZ2"><x:v>1</x:v>'
        "</x:c></x:row></x:sheetData></x:worksheet>"
    )
    data = crafted.xlsx("", crafted.member("xl/worksheets/sheet1.xml", sheet))
    with pytest.raises(FileRefused, match="Cell ZZZ2 lies beyond"):
        check(data, "xlsx", _limits())


def test_a_sheet_named_only_in_the_workbook_relationships_is_checked_too() -> None:
    sheet = (
        f'<worksheet xmlns="{crafted.MAIN}"><sheetData><row r="1"><c r="ZZZ1"><v>1</v></c>'
        "</row></sheetData></worksheet>"
    )
    rels = crafted.member(
        "xl/_rels/workbook.xml.rels",
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="/xl/elsewhere.xml"/></Relationships>',
    )
    data = crafted.zip_file(
        [
            crafted.member("xl/workbook.xml", f'<workbook xmlns="{crafted.MAIN}"/>'),
            rels,
            crafted.member("xl/elsewhere.xml", sheet),
        ]
    )
    with pytest.raises(FileRefused, match="Cell ZZZ1"):
        check(data, "xlsx", _limits())


def test_xml_with_a_dtd_or_entities_is_refused() -> None:
    sheet = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
        f'<worksheet xmlns="{crafted.MAIN}"><sheetData/></worksheet>'
    )
    data = crafted.xlsx("", crafted.member("xl/worksheets/sheet1.xml", sheet))
    with pytest.raises(FileRefused, match="DTD"):
        check(data, "xlsx", _limits())


def test_a_member_compressed_beyond_the_ratio_is_refused() -> None:
    blank = " " * (4 << 20)
    sheet = f'<worksheet xmlns="{crafted.MAIN}"><sheetData>{blank}</sheetData></worksheet>'
    data = crafted.xlsx("", crafted.member("xl/worksheets/sheet1.xml", sheet))
    with pytest.raises(FileRefused, match=r"compressed \d+:1, more than the 200:1"):
        check(data, "xlsx", _limits())


def test_the_sheet_as_read_may_not_exceed_the_cell_limit() -> None:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="J{r}"><v>1</v></c></row>' for r in range(1, 12)
    )
    data = crafted.xlsx(f"<sheetData>{rows}</sheetData>")
    with pytest.raises(FileRefused, match="11 rows × 10 columns, more than the 100 cells"):
        check(data, "xlsx", _limits(cells=100))


# --------------------------------------------------------------------------- CSV


def _dialect(**kw: Any) -> Any:
    class Dialect(csv.excel):
        pass

    for key, value in kw.items():
        setattr(Dialect, key, value)
    return Dialect


def test_csv_delimiters_inside_quoted_fields_do_not_count() -> None:
    text = 'name,notes\nA,"' + "," * 5000 + '"\nB,"say ""hi"", ok"\n'
    check_csv(text, _dialect(), _limits())
    rows = list(csv.reader(io.StringIO(text)))
    assert [len(r) for r in rows] == [2, 2, 2]


@pytest.mark.parametrize(
    "text",
    [
        'a,x"' + "," * 2000 + '"\n',  # a quote inside a field does not open a quoted field
        '"a""' + "," * 2000 + "\n",  # unterminated: the rest of the file would be counted
    ],
)
def test_csv_quotes_that_csv_does_not_take_as_quoting_do_not_hide_delimiters(text: str) -> None:
    with pytest.raises(FileRefused, match="columns, more than the 1,024"):
        check_csv(text, _dialect(), _limits())


def test_csv_without_doubled_quotes_is_read_as_csv_reads_it() -> None:
    # With doublequote off, "a""b,,, closes the field at the second quote: csv sees the
    # commas after it as delimiters, and so must the check.
    text = '"a""b' + "," * 2000 + '"\n'
    dialect = _dialect(doublequote=False)
    assert len(next(csv.reader(io.StringIO(text), dialect))) > 1024
    with pytest.raises(FileRefused, match="columns"):
        check_csv(text, dialect, _limits())


def test_a_csv_cell_longer_than_the_csv_field_limit_is_refused_with_a_message() -> None:
    data = ("项目名称,投资方\n" + '"' + "x" * 200_000 + '",y\n').encode()
    with pytest.raises(FileRefused, match="more than 131,072 characters"):
        read_table(data, "projects")


def test_a_zip_with_a_huge_directory_is_refused_before_it_is_listed() -> None:
    # zipfile builds an object per directory entry; 10,001 entry signatures are enough.
    data = b"PK\x03\x04" + b"PK\x01\x02" * 10_001
    with pytest.raises(FileRefused, match="more than 10,000 parts"):
        read_table(data, "projects")


# --------------------------------------------------------------------------- damaged files


def _seed_files() -> dict[str, bytes]:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["项目名称", "总投资(亿元)", "所属区"])
    ws.append(["A", 5.2, "徐汇"])
    ws.append(["B", None, None])
    ws.merge_cells("C2:C3")
    out = io.BytesIO()
    wb.save(out)
    return {
        "xlsx": out.getvalue(),
        "ods": crafted.ods(
            '<table:table-row><table:table-cell office:value-type="string"><text:p>x</text:p>'
            "</table:table-cell></table:table-row>"
        ),
        "xls": crafted.xls([(0, 0, 1.0), (1, 0, 2.0)], [(1, 2, 0, 1)]),
        "csv": '项目名称,投资方\n"a,b",c\n'.encode(),
    }


SEEDS = _seed_files()


@given(
    kind=st.sampled_from(sorted(SEEDS)),
    edits=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 2), st.binary(max_size=12)),
        min_size=1,
        max_size=8,
    ),
)
@hypothesis_settings(max_examples=300, derandomize=True, deadline=None)
def test_a_damaged_spreadsheet_is_refused_with_a_message_never_a_crash(
    kind: str, edits: list[tuple[float, int, bytes]]
) -> None:
    # Before: damaged ZIP directories raised ValueError or NotImplementedError out of the
    # format detection (a 500 on the upload page).
    data = bytearray(SEEDS[kind])
    for where, how, chunk in edits:
        pos = int(where * len(data)) if data else 0
        if how == 0:
            data[pos : pos + len(chunk)] = chunk  # overwrite
        elif how == 1:
            del data[pos : pos + 1 + len(chunk)]
        else:
            data[pos:pos] = chunk
    try:
        read_table(bytes(data), "projects")
    except FileRefused as exc:
        assert str(exc)


@pytest.mark.parametrize("build", [crafted.xlsx_merge_bomb, crafted.xlsx_far_column])
def test_calamine_is_not_reached_by_an_xlsx_the_limits_refuse(
    build: Callable[[], bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    # calamine allocates a sheet's whole used range (and its merged ranges) when it loads
    # the sheet, so the reader-independent checks must refuse such a file before it runs.
    import python_calamine

    def opened(*_args: object) -> None:
        raise AssertionError("calamine opened a file the limits should have refused")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", opened)
    with pytest.raises(FileRefused, match=r"merged range|beyond"):
        read_table(build(), "projects")
