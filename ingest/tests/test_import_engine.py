"""The import engine: dry run, commit, re-import by external id, rollback, atomicity,
history with the batch id, company resolution, duplicates, permissions and the command."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from companies.models import Company
from ingest import engine
from ingest.models import ExternalRef, ImportBatch
from projects.models import Project, StageChange
from testing.factories import make_company, make_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = [
    "项目编号",
    "项目名称",
    "投资方",
    "总投资(亿元)",
    "所属区",
    "行业",
    "阶段",
    "签约时间",
    "注册时间",
]


def ledger(*rows: list[Any], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


ROW_A = [
    "L-1",
    "芯片设计中心",
    "澜启微(上海)半导体有限公司",
    "5.2",
    "徐汇",
    "集成电路",
    "签约",
    "2024年3月29日",
    "",
]
ROW_B = [
    "L-2",
    "研发总部",
    "比亞迪電子有限公司",
    "52000万元",
    "浦东新区",
    "ic.design",
    "在谈",
    "",
    "",
]


def run(data: bytes, *, dry_run: bool = False, **kw: Any) -> tuple[ImportBatch, engine.Plan]:
    batch, plan = engine.import_file(
        data, "ledger.csv", kw.pop("kind", "projects"), dry_run=dry_run, **kw
    )
    assert plan is not None, batch.message
    return batch, plan


def test_a_dry_run_reports_each_row_and_writes_nothing() -> None:
    bad = ["L-3", "坏行", "某公司", "abc", "火星区", "集成电路", "签约", "2024.3.29", ""]
    batch, plan = run(ledger(ROW_A, ROW_B, bad), dry_run=True)
    assert [r.action for r in plan.rows] == ["create", "create", "error"]
    errors = plan.rows[2].errors
    assert any("D4" in e and "not an amount" in e for e in errors)
    assert any("E4" in e and "Unknown district" in e for e in errors)
    assert batch.status == ImportBatch.Status.PLANNED
    assert (batch.rows_created, batch.rows_error) == (2, 1)
    assert Project.objects.count() == 0 and Company.objects.count() == 0


def test_commit_creates_projects_with_stage_history_and_the_batch_id_in_history() -> None:
    batch, _plan = run(ledger(ROW_A, ROW_B))
    assert batch.status == ImportBatch.Status.COMMITTED
    a = Project.objects.get(external_id="L-1")
    assert a.amount_cny == Decimal("520000000.00")
    assert a.district is not None and a.industry is not None and a.investor is not None
    assert a.district.code == "310104" and a.industry.code == "ic"
    assert a.stage.code == "signed" and a.signed_on == dt.date(2024, 3, 29)
    assert a.stage_entered_on == dt.date(2024, 3, 29)
    assert a.investor.name_zh_hans == "澜启微(上海)半导体有限公司"
    b = Project.objects.get(external_id="L-2")
    assert b.amount_cny == Decimal("520000000.00") and b.amount_text == "52000万元"
    change = StageChange.objects.get(project=a)
    assert change.from_stage is None and change.to_stage.code == "signed"
    assert change.request_id == batch.request_id
    record = a.history.get()
    assert (record.request_id, record.change_source) == (batch.request_id, "import")
    assert a.investor.history.get().request_id == batch.request_id
    assert batch.file_hash and batch.rows_created == 2 and batch.companies_created == 2


def test_reimporting_with_external_ids_updates_instead_of_duplicating() -> None:
    run(ledger(ROW_A, ROW_B))
    changed = [*ROW_A]
    changed[3] = "6"
    _batch, plan = run(ledger(changed, ROW_B))
    assert [r.action for r in plan.rows] == ["update", "skip"]
    assert Project.objects.count() == 2
    assert Project.objects.get(external_id="L-1").amount_cny == Decimal("600000000.00")
    assert plan.rows[0].changed == ["amount_cny"]
    _again, plan = run(ledger(changed, ROW_B))
    assert [r.action for r in plan.rows] == ["skip", "skip"]
    assert Project.objects.get(external_id="L-1").history.count() == 2


def test_a_stage_change_on_reimport_goes_through_move_stage() -> None:
    run(ledger(ROW_A))
    moved = [*ROW_A]
    moved[6], moved[8] = "注册落地", "2024-05-06"
    batch, plan = run(ledger(moved))
    assert plan.rows[0].action == "update"
    project = Project.objects.get(external_id="L-1")
    assert project.stage.code == "registered"
    assert project.registered_on == dt.date(2024, 5, 6)
    last = project.stage_changes.order_by("-id").first()
    assert last is not None and last.from_stage is not None
    assert last.from_stage.code == "signed"
    assert last.effective_on == dt.date(2024, 5, 6) and last.request_id == batch.request_id


def test_a_batch_with_errors_imports_nothing_unless_told_to_skip_them() -> None:
    bad = [*ROW_B]
    bad[4] = "火星区"
    with pytest.raises(engine.ImportRefused, match="1 rows have errors"):
        run(ledger(ROW_A, bad))
    assert Project.objects.count() == 0
    failed = ImportBatch.objects.get()
    assert failed.status == ImportBatch.Status.FAILED and failed.rows_error == 1
    batch, _plan = run(ledger(ROW_A, bad), skip_errors=True)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert list(Project.objects.values_list("external_id", flat=True)) == ["L-1"]


def test_the_commit_is_atomic_when_a_later_row_fails_while_writing() -> None:
    run(ledger(ROW_A))
    future = [*ROW_A]
    future[6], future[8] = "注册落地", (dt.date.today() + dt.timedelta(days=30)).isoformat()
    new = [*ROW_B]
    new[0] = "L-9"
    with pytest.raises(engine.ImportRefused, match="future"):
        run(ledger(new, future))
    assert not Project.objects.filter(external_id="L-9").exists()
    assert Project.objects.get(external_id="L-1").stage.code == "signed"


def test_rollback_removes_what_was_created_and_restores_what_was_changed() -> None:
    _first, _plan = run(ledger(ROW_A))
    changed = [*ROW_A]
    changed[3] = "7"
    changed[6], changed[8] = "注册落地", "2024-05-06"
    second, _plan = run(ledger(changed, ROW_B))
    assert Project.objects.count() == 2
    engine.rollback(second, user=None)
    second.refresh_from_db()
    assert second.status == ImportBatch.Status.ROLLED_BACK
    assert list(Project.objects.values_list("external_id", flat=True)) == ["L-1"]
    project = Project.objects.get()
    assert project.amount_cny == Decimal("520000000.00") and project.stage.code == "signed"
    assert project.registered_on is None
    assert project.stage_changes.count() == 1
    assert not Company.objects.filter(name_zh_hans="比亞迪電子有限公司").exists()
    with pytest.raises(engine.ImportRefused, match="Only an imported batch"):
        engine.rollback(second, user=None)


def test_rollback_is_refused_when_a_record_changed_after_the_import() -> None:
    batch, _plan = run(ledger(ROW_A))
    project = Project.objects.get()
    project.description = "edited by hand"
    project.save()
    with pytest.raises(engine.ImportRefused, match="changed after the import"):
        engine.rollback(batch, user=None)
    assert Project.objects.filter(pk=project.pk).exists()


def test_investors_link_to_existing_companies_by_credit_code_or_spelling() -> None:
    existing = make_company("比亚迪电子有限公司")
    coded = make_company("某某科技有限公司", credit_code="91310000MA1FL8XQ37")
    row_c = ["L-3", "C", "另一个名字", "1", "徐汇", "", "在谈", "", ""]
    header = [*HEADER, "统一社会信用代码"]
    batch, _plan = run(ledger([*ROW_B, ""], [*row_c, "91310000MA1FL8XQ37"], header=header))
    assert Project.objects.get(external_id="L-2").investor_id == existing.pk
    assert Project.objects.get(external_id="L-3").investor_id == coded.pk
    assert batch.companies_created == 0


def test_a_new_investor_is_created_once_and_near_duplicates_are_flagged() -> None:
    make_company("澜启微半导体有限公司")
    again = [*ROW_A]
    again[0], again[1] = "L-5", "二期"
    batch, plan = run(ledger(ROW_A, again))
    assert batch.companies_created == 1
    assert Company.objects.filter(name_zh_hans="澜启微(上海)半导体有限公司").count() == 1
    assert any("Possible duplicate of company" in w for w in plan.rows[0].warnings)


def test_a_project_like_an_existing_one_is_flagged_as_a_possible_duplicate() -> None:
    investor = make_company("澜启微(上海)半导体有限公司")
    existing = make_project(
        "芯片设计中心项目",
        investor=investor,
        amount_cny=Decimal("5e8"),
        signed_on=dt.date(2024, 2, 1),
    )
    _batch, plan = run(ledger(ROW_A), dry_run=True)
    assert any(f"project #{existing.pk}" in w for w in plan.rows[0].warnings)


def test_bulk_and_row_by_row_writes_store_the_same_values() -> None:
    rows = [ROW_A, ROW_B]
    run(ledger(*rows), bulk=False)
    renamed = [[f"X{r[0]}", *r[1:]] for r in rows]
    run(ledger(*renamed), bulk=True)
    skip = {"id", "created_at", "updated_at", "external_id"}
    for row in rows:
        slow = Project.objects.filter(external_id=row[0]).values().get()
        fast = Project.objects.filter(external_id="X" + row[0]).values().get()
        assert {k: v for k, v in slow.items() if k not in skip} == {
            k: v for k, v in fast.items() if k not in skip
        }
        s = StageChange.objects.filter(project__external_id=row[0]).values_list(
            "to_stage", "effective_on"
        )
        f = StageChange.objects.filter(project__external_id="X" + row[0]).values_list(
            "to_stage", "effective_on"
        )
        assert list(s) == list(f)
    assert Project.history.filter(request_id__startswith="import-").count() == 4


def test_hidden_rows_are_skipped_and_a_merged_header_title_is_ignored() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["台账"])
    ws.merge_cells("A1:C1")
    ws.append(HEADER)
    ws.append(ROW_A)
    ws.append(ROW_B)
    ws.row_dimensions[4].hidden = True
    out = io.BytesIO()
    wb.save(out)
    _batch, plan = run(out.getvalue())
    assert [r.action for r in plan.rows] == ["create", "skip"]
    assert "Hidden row" in plan.rows[1].warnings[0]


def test_an_officer_cannot_import_into_another_district() -> None:
    from testing.personas import create_personas

    officer = create_personas()["officer_jiading"]
    with pytest.raises(engine.ImportRefused, match="outside your districts"):
        run(ledger(ROW_A), user=officer)
    assert Project.objects.count() == 0
    jiading = [*ROW_A]
    jiading[4] = "嘉定区"
    batch, _plan = run(ledger(jiading), user=officer)
    district = Project.objects.get().district
    assert batch.created_by == officer and district is not None and district.code == "310114"


def test_a_company_list_creates_updates_and_remembers_external_ids() -> None:
    header = ["企业编号", "企业名称", "英文名称", "统一社会信用代码", "别名"]
    data = ledger(
        ["C-1", "比亚迪电子有限公司", "BYD Electronic", "", "比亚迪电子、BYDE"],
        ["C-2", "某某科技有限公司", "", "91310000MA1FL8XQ37", ""],
        header=header,
    )
    _batch, plan = run(data, kind="companies")
    assert [r.action for r in plan.rows] == ["create", "create"]
    byd = Company.objects.get(name_zh_hans="比亚迪电子有限公司")
    assert byd.aliases == ["比亚迪电子", "BYDE"] and byd.name_en == "BYD Electronic"
    assert ExternalRef.objects.get(external_id="C-1").object_id == byd.pk
    renamed = ledger(
        ["C-1", "比亚迪电子股份有限公司", "BYD Electronic", "", "比亚迪电子、BYDE"], header=header
    )
    _batch, plan = run(renamed, kind="companies")
    assert plan.rows[0].action == "update"
    byd.refresh_from_db()
    assert (
        byd.name_zh_hans == "比亚迪电子股份有限公司" and "比亚迪电子股份有限公司" in byd.search_key
    )
    bad = ledger(["C-3", "坏代码公司", "", "123", ""], header=header)
    _batch, plan = run(bad, kind="companies", dry_run=True)
    assert plan.rows[0].action == "error" and "18 characters" in plan.rows[0].errors[0]


def test_a_file_that_is_not_a_spreadsheet_fails_the_batch_with_the_reason() -> None:
    batch, plan = engine.import_file(b"%PDF-1.4", "x.pdf", "projects")
    assert plan is None and batch.status == ImportBatch.Status.FAILED and "PDF" in batch.message


def test_without_a_name_column_the_file_is_refused() -> None:
    batch, plan = engine.import_file(ledger(["x"], header=["所属区"]), "x.csv", "projects")
    assert plan is None and "project name" in batch.message


def test_the_import_command_dry_runs_and_imports(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_bytes(ledger(ROW_A, ROW_B))
    out = io.StringIO()
    call_command("import", str(path), kind="projects", dry_run=True, stdout=out)
    assert "would create 2" in out.getvalue() and Project.objects.count() == 0
    call_command("import", str(path), kind="projects", stdout=out)
    assert Project.objects.count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_bytes(ledger(["L-7", "x", "y", "abc", "徐汇", "", "在谈", "", ""]))
    with pytest.raises(CommandError, match="rows have errors"):
        call_command("import", str(bad), kind="projects", stdout=io.StringIO())


def test_a_ledger_saved_by_libreoffice_imports_like_any_other(tmp_path: Path, soffice: Any) -> None:
    source = tmp_path / "ledger.csv"
    source.write_bytes(ledger(ROW_A, ROW_B))
    for fmt in ("xls", "xlsx"):
        path = soffice(source, fmt)
        _batch, plan = run(path.read_bytes())
        assert [r.action for r in plan.rows] == (
            ["create", "create"] if fmt == "xls" else ["skip", "skip"]
        ), [r.errors for r in plan.rows]
    project = Project.objects.get(external_id="L-1")
    assert project.amount_cny == Decimal("520000000.00")
    assert project.signed_on == dt.date(2024, 3, 29)


def test_two_rows_of_one_file_for_the_same_project_are_flagged() -> None:
    make_company("比亚迪电子有限公司")
    first = ["L-1", "研发总部", "比亚迪电子有限公司", "5", "浦东新区", "", "签约", "2024-03-01", ""]
    second = [
        "L-2",
        "研发总部项目",
        "比亚迪电子有限公司",
        "5.2",
        "浦东新区",
        "",
        "签约",
        "2024-04-01",
        "",
    ]
    _batch, plan = run(ledger(first, second), dry_run=True)
    assert any("row 2 of this file" in w for w in plan.rows[1].warnings), plan.rows[1].warnings


# --------------------------------------------------------------------------- absurd cells

ABSURD_AMOUNTS = ["1e999", "NaN", "inf", "99999999999999999999999亿元", "-5"]


def _absurd_rows() -> list[list[Any]]:
    rows = []
    for i, amount in enumerate(ABSURD_AMOUNTS):
        row = [*ROW_A]
        row[0], row[3] = f"X-{i}", amount
        rows.append(row)
    return rows


def test_absurd_amount_cells_are_row_errors_that_name_the_cell_and_value() -> None:
    # Before: "99999999999999999999999亿元" raised decimal.InvalidOperation out of the
    # engine (a 500 on the web, a traceback from the command).
    batch, plan = run(ledger(*_absurd_rows()), dry_run=True)
    assert [r.action for r in plan.rows] == ["error"] * len(ABSURD_AMOUNTS)
    for number, (row, amount) in enumerate(zip(plan.rows, ABSURD_AMOUNTS, strict=True), 2):
        assert any(e.startswith(f"D{number} (") and amount in e for e in row.errors), row.errors
    assert "largest amount" in plan.rows[3].errors[0]
    assert batch.status == ImportBatch.Status.PLANNED and Project.objects.count() == 0


def test_number_cells_that_are_infinite_not_a_number_or_no_date_are_row_errors() -> None:
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    # openpyxl will not write inf or NaN: write markers and put the crafted values into the
    # sheet XML, as a hand-made file can hold them.
    for i, (amount, signed) in enumerate([(111111, 1), (222222, 1), (1e308, 1), (5.2, 1e300)]):
        ws.append(
            [f"N-{i}", "芯片设计中心", "澜启微(上海)半导体有限公司", amount, "徐汇", "", "签约"]
        )
        ws.cell(row=i + 2, column=8, value=signed * 45380).number_format = "yyyy-mm-dd"
    plain = io.BytesIO()
    wb.save(plain)
    crafted = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(crafted, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            data = data.replace(b"<v>111111</v>", b"<v>1e999</v>")
            dst.writestr(item, data.replace(b"<v>222222</v>", b"<v>NaN</v>"))
    # Before: the date cell 1e300 (× 45380) refused the whole file ("could not be read"),
    # and the infinite amount raised decimal.InvalidOperation.
    _batch, plan = run(crafted.getvalue(), dry_run=True)
    assert [r.action for r in plan.rows] == ["error"] * 4
    errors = [" | ".join(r.errors) for r in plan.rows]
    assert "D2 (" in errors[0] and "finite" in errors[0], errors[0]
    assert "D3 (" in errors[1] and "finite" in errors[1], errors[1]
    assert "D4 (" in errors[2] and "largest amount" in errors[2], errors[2]
    assert "H5 (" in errors[3] and "not a date" in errors[3], errors[3]


def test_the_import_command_prints_one_line_per_bad_row_and_exits_non_zero(
    tmp_path: Path,
) -> None:
    path = tmp_path / "absurd.csv"
    path.write_bytes(ledger(*_absurd_rows()))
    out = io.StringIO()
    with pytest.raises(CommandError, match="rows have errors"):
        call_command("import", str(path), kind="projects", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("row ")]
    assert [line.split(":")[0] for line in lines] == [f"row {n}" for n in range(2, 7)]
    assert Project.objects.count() == 0
