"""Parallel planning and the faster paths of the importer give the results of the plain ones.

* the plan of forked workers is the in-process plan, row for row (actions, errors with their
  cells and row numbers, warnings in order, before-images, the instances and the new
  companies), whichever way the rows are split between the planners;
* a row a worker cannot plan without the database, a worker that dies and a process with
  other threads running all fall back to in-process planning;
* the forms with hoisted validation, the template-copied instances and the plain-value
  inserts match Django's own forms, ``Model()`` and ``insert_objects``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.forms.models import modelform_factory

from companies.models import Company
from ingest import engine
from ingest.bulkwrite import insert_objects, insert_values
from ingest.forms import ImportCompanyForm, ImportProjectForm
from ingest.models import ImportBatch, ImportRow
from projects.models import Project, StageChange
from testing.factories import make_company, make_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = [
    "项目编号",
    "项目名称",
    "投资方",
    "统一社会信用代码",
    "总投资(亿元)",
    "所属区",
    "行业",
    "阶段",
    "签约时间",
    "注册时间",
]
CODE = "91310000MA1FL8XQ37"  # a valid credit code (check digit included)


def csv_bytes(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def tricky_rows() -> list[list[Any]]:
    """Rows exercising every state one row leaves for the next: repeated external ids and
    targets, new investors spelled several ways (one first refused for a bad code), known
    investors, project duplicates within the file and with the database, updates of
    existing and merged projects, and errors in cells, forms and companies."""
    new_names = [
        "华星科技有限公司",
        "華星科技有限公司",  # the same company in Traditional: reuses the first
        "星辰(上海)半导体有限公司",
        "星辰（上海）半导体有限公司",  # full-width brackets: the same key
        "远航智能有限公司",
        "泰恒生物医药有限公司",
    ]
    districts = ["徐汇", "浦东新区", "310105", "闸北", "嘉定区"]
    stages = ["签约", "在谈", "注册落地", "", "接洽"]
    rows: list[list[Any]] = []
    for i in range(90):
        name = new_names[i % len(new_names)]
        code = ""
        if i == 4:
            code = "123"  # refused: 远航智能 is not created by this row
        elif i == 16:
            code = "9131000MA1FL8XQ3"  # refused again later, when the company is known
        stage = stages[i % len(stages)]
        signed = f"2024年{1 + i % 12}月{1 + i % 27}日" if stage in ("签约", "注册落地") else ""
        registered = f"2024-{1 + i % 12:02d}-28" if stage == "注册落地" else ""
        rows.append(
            [
                f"N-{i}",
                f"项目{i % 7}",
                name,
                code,
                f"{1 + (i % 5) / 10}",
                districts[i % len(districts)],
                "集成电路" if i % 2 else "ic.design",
                stage,
                signed,
                registered,
            ]
        )
    # Known investors: by name, by code with another name, by a code nobody has.
    rows += [
        [
            "K-1",
            "研发总部",
            "比亚迪电子有限公司",
            "",
            "5",
            "浦东新区",
            "",
            "签约",
            "2024-03-01",
            "",
        ],
        [
            "K-2",
            "研发总部项目",
            "比亚迪电子有限公司",
            "",
            "5.2",
            "浦东新区",
            "",
            "签约",
            "2024-04-01",
            "",
        ],
        ["K-3", "二期", "另一个名字", CODE, "1", "徐汇", "", "在谈", "", ""],
        ["K-4", "三期", "", "91310000MA1FL8XQ3X", "1", "徐汇", "", "在谈", "", ""],
        ["K-5", "四期", "（保密）", "", "1", "徐汇", "", "在谈", "", ""],
        [
            "K-6",
            "芯片设计中心",
            "澜启微(上海)半导体有限公司",
            "",
            "5.2",
            "徐汇",
            "",
            "签约",
            "2024-02-20",
            "",
        ],
    ]
    # Errors in cells and in the form.
    rows += [
        ["X-1", "坏行", "某公司", "", "abc", "火星区", "集成电路", "签约", "2024.3.32", ""],
        ["X-2", "", "某公司", "", "1", "徐汇", "", "在谈", "", ""],
        ["X-3", "没有签约日", "某公司", "", "1", "徐汇", "", "签约", "", ""],
    ]
    # Updates: of existing projects, twice of one, of a merged one, and repeated ids.
    rows += [
        [
            "E-1",
            "已有项目一",
            "比亚迪电子有限公司",
            "",
            "7",
            "浦东新区",
            "",
            "签约",
            "2024-03-01",
            "",
        ],
        ["E-2", "已有项目二", "", "", "3", "徐汇", "", "注册落地", "2024-03-01", "2024-05-06"],
        ["E-3", "已有项目三", "", "", "", "徐汇", "", "", "", ""],
        ["M-1", "被合并的项目", "", "", "2", "徐汇", "", "签约", "2024-03-29", ""],
        ["N-3", "重复编号", "华星科技有限公司", "", "1", "徐汇", "", "在谈", "", ""],
        [
            "E-1",
            "再次更新",
            "比亚迪电子有限公司",
            "",
            "8",
            "浦东新区",
            "",
            "签约",
            "2024-03-01",
            "",
        ],
        ["N-70", "又一个重复编号", "华星科技有限公司", "", "1", "徐汇", "", "在谈", "", ""],
    ]
    # Split round-robin between the parent and one worker (rows 107, 109, 111 to the
    # worker): R-1 again is an error before its investor is read, so 中远 is first created
    # by R-2; 宏图 is refused by a worker that does not know the parent already creates it.
    rows += [
        ["R-1", "甲", "前程有限公司", "", "1", "徐汇", "", "在谈", "", ""],
        ["R-1", "乙", "中远有限公司", "", "1", "徐汇", "", "在谈", "", ""],
        ["R-3", "丙", "宏图有限公司", "", "1", "徐汇", "", "在谈", "", ""],
        ["R-2", "丁", "中远有限公司", "", "1", "徐汇", "", "在谈", "", ""],
        ["R-4", "戊", "其他有限公司", "", "1", "徐汇", "", "在谈", "", ""],
        ["R-5", "己", "宏图有限公司", "123", "1", "徐汇", "", "在谈", "", ""],
    ]
    return rows


@pytest.fixture
def database() -> dict[str, Any]:
    byd = make_company("比亚迪电子有限公司")
    make_company("某某科技有限公司", credit_code=CODE)
    lanqi = make_company("澜启微(上海)半导体有限公司")
    make_project(
        "芯片设计中心项目",
        investor=lanqi,
        amount_cny=Decimal("5e8"),
        signed_on=dt.date(2024, 2, 1),
    )
    e1 = make_project("已有项目一", investor=byd, district="310115", external_id="E-1")
    make_project("已有项目二", external_id="E-2")
    make_project("已有项目三", external_id="E-3", stage="negotiating", amount_cny=None)
    survivor = make_project("合并后的项目", external_id="M-0")
    merged = make_project("被合并的项目", external_id="M-1")
    merged.duplicate_of = survivor
    merged.save()
    return {"byd": byd, "e1": e1, "survivor": survivor}


def snapshot(plan: engine.Plan) -> tuple[list[Any], dict[str, Any]]:
    """Everything a plan holds that the commit and the batch rows use."""
    rows = []
    for r in plan.rows:
        instance = None
        if r.instance is not None:
            values = {
                k: v
                for k, v in r.instance.__dict__.items()
                if k not in ("_state", "validate_constraints")
            }
            cache = {
                k: (type(v).__name__, v.pk) if v is not None else None
                for k, v in r.instance._state.fields_cache.items()
            }
            instance = (
                type(r.instance).__name__,
                values,
                cache,
                r.instance._state.adding,
                r.instance._state.db,
                "validate_constraints" in r.instance.__dict__,
            )
        rows.append(
            (
                r.number,
                r.row.number,
                str(r.action),
                r.errors,
                r.warnings,
                instance,
                r.before,
                r.changed,
                (r.stage_move[0].pk, r.stage_move[1]) if r.stage_move else None,
                r.stage_on,
                r.new_company_key,
                r.external_id,
                r.object_id,
                r.values,
            )
        )
    companies = {
        key: {k: v for k, v in c.__dict__.items() if k not in ("_state", "validate_constraints")}
        for key, c in plan.new_companies.items()
    }
    return rows, companies


def round_robin(planner: Any, shares: list[float]) -> list[int]:
    return [n % len(shares) for n in range(len(planner.table.rows))]


def all_to_workers(planner: Any, shares: list[float]) -> list[int]:
    return [1 + n % (len(shares) - 1) for n in range(len(planner.table.rows))]


def blocks(planner: Any, shares: list[float]) -> list[int]:
    size = -(-len(planner.table.rows) // len(shares))
    return [len(shares) - 1 - n // size for n in range(len(planner.table.rows))]


@pytest.fixture
def parallel(settings: Any) -> None:
    settings.IMPORT_PARALLEL_MIN_ROWS = 0


@pytest.mark.usefixtures("parallel")
@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("split", [None, round_robin, all_to_workers, blocks])
def test_the_parallel_plan_is_the_in_process_plan_row_for_row(
    database: dict[str, Any], monkeypatch: Any, workers: int, split: Any
) -> None:
    table = engine.read(csv_bytes(tricky_rows()), "projects")
    expected = snapshot(engine.plan(table, "projects", workers=1))
    if split is not None:
        monkeypatch.setattr(engine, "_partition", split)
    adopted: list[Any] = []
    real_adopt = engine._adopt_row

    def spy(planner: Any, packed: Any, row: Any, *args: Any) -> Any:
        adopted.append((row.number, packed is None))
        return real_adopt(planner, packed, row, *args)

    monkeypatch.setattr(engine, "_adopt_row", spy)
    replanned: list[int] = []
    real_plan_row = engine.ProjectPlanner.plan_row

    def plan_row(planner: Any, row: Any, *args: Any) -> Any:
        replanned.append(row.number)
        return real_plan_row(planner, row, *args)

    monkeypatch.setattr(engine.ProjectPlanner, "plan_row", plan_row)  # counts the parent's
    got = snapshot(engine.plan(table, "projects", workers=workers))
    assert got[1] == expected[1]
    for mine, theirs in zip(got[0], expected[0], strict=True):
        assert mine == theirs
    assert adopted, "no row was planned by a worker"
    if split is round_robin and workers == 2:
        # What a worker could not know: the parent plans those rows again.
        numbers = {r.values[0]: r.number for r in table.rows}
        again = {n for n, _none in adopted} & set(replanned)
        assert {numbers["R-2"], numbers["R-5"]} <= again
    # The merged project's survivor is read from the database: a worker leaves that row to
    # the parent (its connection is cut off), which plans it the ordinary way.
    merged_row = next(r.number for r in table.rows if r.values[0] == "M-1")
    assert (merged_row, True) in adopted or merged_row not in {n for n, _ in adopted}


def test_the_tricky_file_exercises_what_it_should(database: dict[str, Any]) -> None:
    plan = engine.plan(engine.read(csv_bytes(tricky_rows()), "projects"), "projects", workers=1)
    by_ext: dict[str, list[engine.RowResult]] = {}
    for r in plan.rows:
        by_ext.setdefault(r.external_id or str(r.row.values[0]), []).append(r)
    text = [" ".join(r.errors + r.warnings) for r in plan.rows]
    assert any("already appears in row" in t for t in text)
    assert any("already changes this project" in t for t in text)
    assert any("was merged into" in t for t in text)
    assert any("row" in w and "of this file" in w for r in plan.rows for w in r.warnings)
    assert any("Possible duplicate of project #" in w for r in plan.rows for w in r.warnings)
    assert any("Investor:" in e for e in plan.rows[4].errors)  # the refused credit code
    assert plan.rows[16].action != ImportRow.Action.ERROR  # the company is known by then
    assert "former district" in " ".join(plan.rows[3].warnings)
    assert {r.action for r in plan.rows} >= {"create", "update", "error"}
    # Traditional and full-width spellings reuse the company of the first spelling.
    assert plan.rows[1].new_company_key == plan.rows[0].new_company_key
    assert plan.rows[3].new_company_key == plan.rows[2].new_company_key
    names = {c.name_zh_hans for c in plan.new_companies.values()}
    assert {"华星科技有限公司", "星辰(上海)半导体有限公司", "远航智能有限公司"} <= names
    assert "華星科技有限公司" not in names and "星辰（上海）半导体有限公司" not in names


@pytest.mark.usefixtures("parallel")
def test_an_import_planned_in_parallel_writes_what_an_in_process_one_writes(
    database: dict[str, Any], settings: Any
) -> None:
    rows = [r for r in tricky_rows() if not r[0].startswith(("X-", "E-", "M-", "K-5"))]
    rows = [r for i, r in enumerate(rows) if r[0] not in ("N-3", "N-70") or i < 10]

    def written(batch: ImportBatch) -> dict[str, Any]:
        ids = [i for i in batch.rows.values_list("object_id", flat=True) if i is not None]
        skip = {"id", "created_at", "updated_at", "investor_id"}
        projects = [
            {k: v for k, v in p.items() if k not in skip}
            | {"investor": Company.objects.get(pk=p["investor_id"]).name_zh_hans}
            for p in Project.objects.filter(pk__in=ids).order_by("external_id").values()
        ]
        changes = list(
            StageChange.objects.filter(project_id__in=ids)
            .order_by("project__external_id")
            .values_list("project__external_id", "to_stage", "effective_on", "from_stage")
        )
        history = Project.history.filter(request_id=batch.request_id).count()
        companies = sorted(
            Company.objects.filter(pk__in=batch.rows.values("created_company_id")).values_list(
                "name_zh_hans", "name_zh_hant", "search_key", "credit_code", "country"
            )
        )
        stored = list(
            batch.rows.order_by("number").values_list(
                "number", "action", "errors", "warnings", "values", "changed_fields"
            )
        )
        counts = (batch.rows_created, batch.rows_updated, batch.rows_error)
        return {
            "projects": projects,
            "changes": changes,
            "history": history,
            "companies": companies,
            "rows": stored,
            "counts": (*counts, batch.companies_created),
        }

    settings.IMPORT_WORKERS = 1
    first, _plan = engine.import_file(csv_bytes(rows), "a.csv", "projects", skip_errors=True)
    assert first.status == ImportBatch.Status.COMMITTED, first.message
    before = written(first)
    engine.rollback(first, user=None)
    settings.IMPORT_WORKERS = 2
    second, _plan = engine.import_file(csv_bytes(rows), "a.csv", "projects", skip_errors=True)
    assert second.status == ImportBatch.Status.COMMITTED, second.message
    assert written(second) == before
    assert before["counts"][0] > 50 and before["companies"]
    # Imported again (in parallel too): the external ids find the projects, which are
    # unchanged; only a row refused before for its investor's credit code is created now
    # that a later row of the file has created that investor.
    known = set(Project.objects.values_list("external_id", flat=True))
    count = Project.objects.count()
    third, plan = engine.import_file(csv_bytes(rows), "a.csv", "projects", skip_errors=True)
    assert plan is not None and third.status == ImportBatch.Status.COMMITTED
    assert all(r.action in ("skip", "error") for r in plan.rows if r.external_id in known)
    assert [r.external_id for r in plan.rows if r.action == "create"] == ["N-4"]
    assert Project.objects.count() == count + 1


@pytest.mark.usefixtures("parallel")
def test_a_worker_that_dies_leaves_its_rows_to_the_parent(
    database: dict[str, Any], monkeypatch: Any
) -> None:
    import os

    table = engine.read(csv_bytes(tricky_rows()), "projects")
    expected = snapshot(engine.plan(table, "projects", workers=1))

    def die(*args: Any) -> None:
        os._exit(3)

    monkeypatch.setattr(engine, "_worker_main", die)
    monkeypatch.setattr(engine, "_partition", round_robin)
    assert snapshot(engine.plan(table, "projects", workers=2)) == expected


@pytest.mark.usefixtures("parallel")
def test_with_other_threads_running_the_plan_is_made_in_process(
    database: dict[str, Any], monkeypatch: Any
) -> None:
    def refuse(*args: Any) -> None:
        raise AssertionError("forked with a thread running")

    monkeypatch.setattr(engine, "_plan_parallel", refuse)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        plan = engine.plan(engine.read(csv_bytes(tricky_rows()), "projects"), "projects", workers=2)
    finally:
        stop.set()
        thread.join()
    assert len(plan.rows) == len(tricky_rows())


def test_small_files_are_planned_in_process(database: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.setattr(engine, "_plan_parallel", None)  # calling it would fail
    engine.plan(engine.read(csv_bytes(tricky_rows()), "projects"), "projects", workers=2)


# --------------------------------------------------------------------------- faster paths


PROJECT_DATA: list[dict[str, Any]] = [
    {"name": "项目", "stage": "signed", "signed_on": dt.date(2024, 3, 1), "amount_cny": "5"},
    {"name": "项目", "stage": "signed", "signed_on": None, "amount_cny": "5"},  # needs a date
    {"name": "", "stage": "negotiating", "amount_cny": "-1"},  # no name, negative amount
    {"name": "x" * 400, "stage": "lead", "currency": "CNYX", "priority": "Z"},
    {"name": "项目", "stage": "negotiating", "amount_cny": "5", "currency": "usd"},
    {"name": "项目", "stage": "signed", "signed_on": "2024-03-01", "priority": "A"},
    {"name": "项目", "stage": "lost"},  # a new project cannot start as lost
    {"name": "项目", "stage": "lead", "district": "999999"},  # unknown choice
    {"name": "项目", "stage": "signed", "signed_on": dt.date(2024, 3, 1), "amount_cny": "5"},
]


def _project_data(stage_pks: dict[str, int], raw: dict[str, Any]) -> dict[str, Any]:
    data = dict(raw)
    data["stage"] = stage_pks[data["stage"]]
    return data


def _state(form: Any) -> tuple[Any, ...]:
    instance = {k: v for k, v in form.instance.__dict__.items() if not k.startswith("_")}
    instance.pop("validate_constraints", None)
    return (
        form.is_valid(),
        {k: [str(e) for e in v] for k, v in form.errors.items()},
        dict(form.cleaned_data),
        instance,
        dict(form.initial),
    )


def test_the_planner_forms_validate_exactly_as_the_stock_forms() -> None:
    from projects.models import Stage

    stage_pks = {s.code: s.pk for s in Stage.objects.all()}
    fields = ["name", "stage", "signed_on", "amount_cny", "currency", "priority", "district"]
    stock: Any = modelform_factory(Project, form=ImportProjectForm, fields=fields)
    fast = modelform_factory(Project, form=engine._PlannerProjectForm, fields=fields)
    pool = engine.FormPool({}, None)
    fresh = engine._Fresh(Project)
    for _round in range(2):  # the second round runs on memos and cached initial values
        for raw in PROJECT_DATA:
            data = _project_data(stage_pks, raw)
            mine = pool.bind(fast, dict(data), fresh(), fresh=True)
            theirs = stock(data=dict(data), instance=Project(), fk_cache={}, user=None)
            assert _state(mine) == _state(theirs), raw
            assert mine._exclusions() == mine._get_validation_exclusions()
    company_fields = ("name_zh_hans", "credit_code", "country")
    stock_company: Any = modelform_factory(Company, form=ImportCompanyForm, fields=company_fields)
    for data in (
        {"name_zh_hans": " 某公司 ", "credit_code": CODE.lower(), "country": "CN"},
        {"name_zh_hans": "某公司", "credit_code": "123", "country": "CN"},
        {"name_zh_hans": "", "credit_code": "", "country": "C"},
    ):
        mine = pool.bind(
            engine._NEW_INVESTOR_FORM, dict(data), engine._Fresh(Company)(), fresh=True
        )
        theirs = stock_company(data=dict(data), instance=Company(), fk_cache={}, user=None)
        assert _state(mine) == _state(theirs), data


def test_a_template_copy_is_a_new_instance() -> None:
    for model in (Project, Company):
        made = engine._Fresh(model)
        a, b = made(), model()
        assert list(a.__dict__) == list(b.__dict__)
        assert {k: v for k, v in a.__dict__.items() if k != "_state"} == {
            k: v for k, v in b.__dict__.items() if k != "_state"
        }
        assert a._state.adding and a._state.db is None
    first, second = engine._Fresh(Company)(), engine._Fresh(Company)()
    assert first.aliases == [] and first.aliases is not second.aliases  # a callable default


def test_plain_value_inserts_store_what_instance_inserts_store() -> None:
    batch = ImportBatch.objects.create(kind="projects", file_name="x.csv")
    values = [
        (batch.pk, 3, "create", [], ["注意"], ["a", "b"], 7, None, [], 2, None),
        (batch.pk, 4, "update", ["错"], [], [], None, {"name": "旧"}, ["name"], None, 5),
    ]
    insert_values(ImportRow, engine._IMPORT_ROW_FIELDS, values)
    insert_objects(
        ImportRow,
        [ImportRow(**dict(zip(engine._IMPORT_ROW_FIELDS, v, strict=True))) for v in values],
    )
    stored = [
        {k: v for k, v in row.items() if k != "id"}
        for row in ImportRow.objects.order_by("id").values()
    ]
    assert stored[:2] == stored[2:]
    project = make_project("某项目")
    fields = ("project_id", "to_stage_id", "effective_on", "request_id")
    insert_values(StageChange, fields, [(project.pk, project.stage_id, dt.date(2024, 1, 2), "r")])
    insert_objects(
        StageChange,
        [
            StageChange(
                project=project,
                to_stage=project.stage,
                effective_on=dt.date(2024, 1, 2),
                request_id="r",
            )
        ],
    )
    changes = list(
        StageChange.objects.filter(request_id="r")
        .order_by("id")
        .values("project", "from_stage", "to_stage", "effective_on", "changed_by", "reason", "note")
    )
    assert changes[0] == changes[1]


@pytest.mark.parametrize("scan_from", [0, 10**9])
def test_projects_named_by_external_id_are_found_either_way(
    database: dict[str, Any], monkeypatch: Any, scan_from: int
) -> None:
    monkeypatch.setattr(engine, "SCAN_EXTERNAL_IDS_FROM", scan_from)
    rows = [[f"Z-{i}", "某项目", "", "", "", "", "", "", "", ""] for i in range(50)]
    rows += [
        ["E-2", "x", "", "", "", "", "", "", "", ""],
        ["M-1", "y", "", "", "", "", "", "", "", ""],
    ]
    table = engine.read(csv_bytes(rows), "projects")
    planner = engine.ProjectPlanner(table, engine.default_mapping("projects", table), None)
    found = planner._existing["ext"]
    assert sorted(found) == ["E-2", "M-1"]
    assert all(
        p.external_id == ext and "stage" in p._state.fields_cache for ext, p in found.items()
    )


def test_the_stored_cell_texts_are_the_cleaned_cells() -> None:
    from ingest.spreadsheet.cells import clean_text

    cells: list[Any] = [None, " 徐汇\u3000", "'=SUM(A1)", 5.0, 5.5, 7, True, dt.date(2024, 3, 1)]
    cells += [
        dt.datetime(2024, 3, 1),
        dt.datetime(2024, 3, 1, 9, 30),
        Decimal("1.50"),
        "",
        "e\u0301",
    ]
    texts: dict[Any, str] = {}
    for _round in range(2):  # the second time from what the first one remembered
        assert engine._cell_texts(cells, texts) == [clean_text(v) for v in cells]


def test_inserts_watched_by_an_execute_wrapper_go_through_django_and_store_the_same() -> None:
    from django.db import connection

    batch = ImportBatch.objects.create(kind="projects", file_name="x.csv")
    row: tuple[Any, ...] = (
        batch.pk,
        3,
        "create",
        [],
        ["注意"],
        ["a", "%s", "100%"],
        7,
        None,
        [],
        2,
        None,
    )
    insert_values(ImportRow, engine._IMPORT_ROW_FIELDS, [row])
    seen: list[str] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        insert_values(ImportRow, engine._IMPORT_ROW_FIELDS, [row])
    assert any(sql.startswith("INSERT INTO") for sql in seen)
    stored = [
        {k: v for k, v in r.items() if k != "id"} for r in ImportRow.objects.order_by("id").values()
    ]
    assert stored[0] == stored[1] and stored[0]["values"] == ["a", "%s", "100%"]
