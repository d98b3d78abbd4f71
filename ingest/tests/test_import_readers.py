"""Reading files: every format, encodings, title rows, merged cells, hidden rows, formulas,
and clear refusals for files that are not spreadsheets, empty, or too large."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from ingest.spreadsheet.readers import FileRefused, read_table
from testing import crafted_spreadsheets as crafted

pytestmark = pytest.mark.usefixtures("english")

CSV_TEXT = (
    "项目名称,投资方,总投资(亿元),所属区,签约时间\n"
    "芯片项目,澜启微(上海)半导体有限公司,5.2,徐汇,2024年3月29日\n"
)


def _xlsx(rows: Sequence[Sequence[object]], **options: object) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if options.get("merge"):
        ws.merge_cells(str(options["merge"]))
    if options.get("hide_row"):
        ws.row_dimensions[int(str(options["hide_row"]))].hidden = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_it_reads_a_utf8_csv() -> None:
    table = read_table(CSV_TEXT.encode("utf-8"), "projects")
    assert table.file_format == "csv"
    assert table.headers[0] == "项目名称"
    assert table.rows[0].values[1] == "澜启微(上海)半导体有限公司"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "gbk", "big5"])
def test_it_detects_the_encoding_of_a_csv(encoding: str) -> None:
    text = CSV_TEXT * 3
    if encoding == "big5":
        text = (
            "項目名稱,投資方,總投資(億元),所屬區\n"
            "晶片設計中心項目,臺灣積體電路製造股份有限公司,5.2,徐匯區\n"
            "研發總部項目,鴻海精密工業股份有限公司,10,浦東新區\n"
        ) * 3
    table = read_table(text.encode(encoding), "projects")
    assert table.headers[0] in ("项目名称", "項目名稱")
    assert table.rows[0].values[0] in ("芯片项目", "晶片設計中心項目")
    assert table.rows[0].values[3] in ("徐汇", "徐匯區")


def test_it_reads_a_semicolon_separated_csv() -> None:
    table = read_table(CSV_TEXT.replace(",", ";").encode(), "projects")
    assert table.rows[0].values[2] == "5.2"


def test_it_skips_title_rows_above_the_header() -> None:
    data = _xlsx([["2024年招商项目台账"], [], ["项目名称", "投资方", "所属区"], ["A", "B", "徐汇"]])
    table = read_table(data, "projects")
    assert table.header_row == 3
    assert table.rows[0].values == ["A", "B", "徐汇"]
    assert any("title" in w for w in table.warnings)


def test_it_fills_merged_cells_into_every_row_they_cover() -> None:
    data = _xlsx([["项目名称", "所属区"], ["A", "徐汇"], ["B", None], ["C", None]], merge="B2:B4")
    table = read_table(data, "projects")
    assert [r.values[1] for r in table.rows] == ["徐汇", "徐汇", "徐汇"]
    assert any("merged" in w for w in table.warnings)


def test_it_marks_hidden_rows() -> None:
    data = _xlsx([["项目名称"], ["shown"], ["hidden"]], hide_row=3)
    table = read_table(data, "projects")
    assert [(r.values[0], r.hidden) for r in table.rows] == [("shown", False), ("hidden", True)]


def test_it_notes_formulas_whose_value_was_never_computed() -> None:
    # openpyxl writes formulas without a cached value, as some generators do.
    data = _xlsx([["项目名称", "总投资(万元)"], ["A", "=1+1"], ["B", 7]])
    table = read_table(data, "projects")
    assert table.rows[0].uncomputed == ["B2"]
    assert table.rows[1].uncomputed == []


def test_hidden_rows_and_uncomputed_formulas_are_found_under_a_namespace_prefix() -> None:
    # calamine reads values only; the notes come from the sheet XML, whatever its prefix.
    def cell(ref: str, text: str) -> str:
        return f'<x:c r="{ref}" t="inlineStr"><x:is><x:t>{text}</x:t></x:is></x:c>'

    sheet = (
        f'<x:sheetData xmlns:x="{crafted.MAIN}">'
        f'<x:row r="1">{cell("A1", "项目名称")}{cell("B1", "总投资(万元)")}</x:row>'
        f'<x:row r="2">{cell("A2", "a")}<x:c r="B2"><x:f>1+1</x:f></x:c></x:row>'
        f'<x:row r="3" hidden="1">{cell("A3", "b")}<x:c r="B3"><x:v>5</x:v></x:c></x:row>'
        "</x:sheetData>"
    )
    table = read_table(crafted.xlsx(sheet), "projects")
    assert [(r.number, r.values, r.hidden, r.uncomputed) for r in table.rows] == [
        (2, ["a", None], False, ["B2"]),
        (3, ["b", 5], True, []),
    ]


def test_integral_numbers_are_ints_and_huge_ones_stay_floats() -> None:
    data = _xlsx([["项目名称", "a", "b", "c"], ["A", 5.0, 2.5, 1e300]])
    values = read_table(data, "projects").rows[0].values
    assert values == ["A", 5, 2.5, 1e300]
    assert [type(v) for v in values[1:]] == [int, float, float]


def test_a_workbook_without_its_package_relationships_is_refused_as_xlsx() -> None:
    good = _xlsx([["项目名称"], ["A"]])
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            if item.filename != "_rels/.rels":
                dst.writestr(item, src.read(item.filename))
    with pytest.raises(FileRefused, match="looks like XLSX but could not be read"):
        read_table(broken.getvalue(), "projects")


def test_it_reads_dates_and_numbers_as_typed_cells() -> None:
    data = _xlsx([["项目名称", "签约时间", "总投资"], ["A", dt.date(2024, 3, 29), 5.25]])
    row = read_table(data, "projects").rows[0]
    assert row.values[1] == dt.datetime(2024, 3, 29)
    assert row.values[2] == 5.25


def test_it_reads_the_first_sheet_that_has_data() -> None:
    wb = Workbook()
    wb.active.title = "empty"
    ws = wb.create_sheet("台账")
    ws.append(["项目名称"])
    ws.append(["A"])
    out = io.BytesIO()
    wb.save(out)
    table = read_table(out.getvalue(), "projects")
    assert table.sheet_name == "台账"
    assert any("empty" in w for w in table.warnings)


def test_it_refuses_a_file_that_is_not_a_spreadsheet() -> None:
    with pytest.raises(FileRefused, match="PDF"):
        read_table(b"%PDF-1.4 binary", "projects")
    with pytest.raises(FileRefused, match="not a spreadsheet"):
        read_table(bytes(range(256)) * 20, "projects")
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(FileRefused, match="Word"):
        read_table(docx.getvalue(), "projects")


def test_it_refuses_empty_files_and_sheets() -> None:
    with pytest.raises(FileRefused, match="empty"):
        read_table(b"", "projects")
    with pytest.raises(FileRefused, match="empty"):
        read_table(_xlsx([]), "projects")
    with pytest.raises(FileRefused, match="no data rows"):
        read_table(_xlsx([["项目名称", "投资方"]]), "projects")


def test_it_refuses_more_rows_than_the_limit(settings: object) -> None:
    settings.IMPORT_MAX_ROWS = 50  # type: ignore[attr-defined]
    text = "项目名称\n" + "".join(f"P{i}\n" for i in range(60))
    with pytest.raises(FileRefused, match="more than 50 rows"):
        read_table(text.encode(), "projects")
    data = _xlsx([["项目名称"], *[[f"P{i}"] for i in range(80)]])
    with pytest.raises(FileRefused, match="more than 50 rows"):
        read_table(data, "projects")


def test_it_refuses_a_damaged_workbook_with_the_format_named() -> None:
    good = _xlsx([["项目名称"], ["A"]])
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = b"<not xml"
            dst.writestr(item, data)
    with pytest.raises(FileRefused, match="XLSX"):
        read_table(broken.getvalue(), "projects")


# --------------------------------------------------------------------------- LibreOffice


def test_it_reads_xlsx_xls_and_ods_written_by_libreoffice(
    tmp_path: Path, soffice: Callable[[Path, str], Path]
) -> None:
    source = tmp_path / "ledger.csv"
    source.write_text(CSV_TEXT + "研发总部,比亞迪電子有限公司,10,浦东新区,2024.3.29\n", "utf-8")
    for fmt in ("xlsx", "xls", "ods"):
        table = read_table(soffice(source, fmt).read_bytes(), "projects")
        assert table.file_format == fmt
        assert table.headers == ["项目名称", "投资方", "总投资(亿元)", "所属区", "签约时间"]
        assert table.rows[0].values[:4] == ["芯片项目", "澜启微(上海)半导体有限公司", 5.2, "徐汇"]
        assert table.rows[1].values[1] == "比亞迪電子有限公司"
        assert len(table.rows) == 2


def test_a_million_row_file_is_refused_with_the_default_limit() -> None:
    data = "项目名称,所属区\n".encode() + b"P,X\n" * 1_000_001
    with pytest.raises(FileRefused, match="more than 200,000 rows"):
        read_table(data, "projects")
