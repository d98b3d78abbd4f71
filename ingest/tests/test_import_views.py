"""The /data/ screens: upload → mapping → dry run → commit → rollback, the error file,
access for other users, and the duplicate review list with merge and undo."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from ingest.models import DuplicateSuggestion, ImportBatch, MergeRecord
from projects.models import Project
from testing.factories import make_company, make_project
from testing.personas import create_personas

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CSV = (
    "项目编号,项目名称,投资方,投资额(万元),区域,产业,进展,签约日期,联系人\n"
    "L-1,芯片设计中心,澜启微(上海)半导体有限公司,52000,徐汇,集成电路,签约,2024/3/29,张三\n"
    "L-2,坏行,某公司,abc,火星区,集成电路,签约,2024.3.29,李四\n"
)


@pytest.fixture
def people() -> dict[str, Any]:
    return create_personas()


def _upload(client: Any, data: str = CSV) -> ImportBatch:
    upload = SimpleUploadedFile("台账.csv", data.encode("gb18030"), content_type="text/csv")
    response = client.post("/data/", {"file": upload, "kind": "projects"})
    assert response.status_code == 302
    return ImportBatch.objects.latest("pk")


def test_the_full_import_flow_through_the_screens(client: Any, people: dict[str, Any]) -> None:
    client.force_login(people["admin"])
    assert client.get("/data/").status_code == 200
    batch = _upload(client)
    assert batch.headers[1] == "项目名称" and "8" not in batch.mapping  # 联系人 is not mapped
    page = client.get(f"/data/batches/{batch.pk}/")
    assert page.status_code == 200 and "项目名称" in page.content.decode()
    mapping = {f"col_{i}": key for i, key in batch.mapping.items()}
    response = client.post(f"/data/batches/{batch.pk}/mapping/", mapping)
    batch.refresh_from_db()
    assert response.status_code == 302 and batch.status == ImportBatch.Status.PLANNED
    assert (batch.rows_created, batch.rows_error) == (1, 1)
    page = client.get(f"/data/batches/{batch.pk}/?action=error").content.decode()
    assert "火星区" in page and "E3" in page
    errors = client.get(f"/data/batches/{batch.pk}/errors.xlsx")
    sheet = load_workbook(io.BytesIO(errors.content)).active
    assert sheet.cell(row=2, column=1).value == 3 and "火星区" in sheet.cell(row=2, column=2).value
    client.post(f"/data/batches/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PLANNED and Project.objects.count() == 0
    client.post(f"/data/batches/{batch.pk}/mapping/", {**mapping, "skip_errors": "on"})
    client.post(f"/data/batches/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Project.objects.get().amount_cny == 520000000
    client.post(f"/data/batches/{batch.pk}/rollback/")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK and Project.objects.count() == 0


def test_a_non_spreadsheet_upload_says_why(client: Any, people: dict[str, Any]) -> None:
    client.force_login(people["admin"])
    upload = SimpleUploadedFile("x.pdf", b"%PDF-1.4 ...", content_type="application/pdf")
    client.post("/data/", {"file": upload, "kind": "projects"})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert "PDF" in client.get(f"/data/batches/{batch.pk}/").content.decode()


def test_the_mapping_step_refuses_one_field_for_two_columns(
    client: Any, people: dict[str, Any]
) -> None:
    client.force_login(people["admin"])
    batch = _upload(client)
    client.post(f"/data/batches/{batch.pk}/mapping/", {"col_1": "name", "col_2": "name"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UPLOADED


def test_others_cannot_see_a_batch_and_viewers_cannot_import(
    client: Any, people: dict[str, Any]
) -> None:
    client.force_login(people["officer_xuhui"])
    batch = _upload(client)
    client.force_login(people["officer_jiading"])
    assert client.get(f"/data/batches/{batch.pk}/").status_code == 404
    assert client.post(f"/data/batches/{batch.pk}/rollback/").status_code == 404
    client.force_login(people["admin"])
    assert client.get(f"/data/batches/{batch.pk}/").status_code == 200
    client.force_login(people["viewer"])
    upload = SimpleUploadedFile("a.csv", CSV.encode(), content_type="text/csv")
    assert client.post("/data/", {"file": upload, "kind": "projects"}).status_code == 403
    client.logout()
    assert client.get("/data/").status_code == 302


def test_the_duplicate_review_merges_and_undoes(client: Any, people: dict[str, Any]) -> None:
    a = make_company("比亚迪电子有限公司")
    b = make_company("比亞迪電子(上海)有限公司")
    client.force_login(people["admin"])
    client.post("/data/duplicates/scan/", {"kind": "companies"})
    suggestion = DuplicateSuggestion.objects.get(kind="companies")
    page = client.get("/data/duplicates/?kind=companies").content.decode()
    assert "比亞迪電子(上海)有限公司" in page and str(suggestion.score) in page
    client.post(f"/data/duplicates/{suggestion.pk}/merge/", {"keep": "first"})
    b.refresh_from_db()
    assert b.duplicate_of_id == a.pk
    record = MergeRecord.objects.get()
    client.post(f"/data/merges/{record.pk}/undo/")
    b.refresh_from_db()
    assert b.duplicate_of_id is None
    client.post(f"/data/duplicates/{suggestion.pk}/dismiss/")
    assert DuplicateSuggestion.objects.get().status == "dismissed"
    client.post("/data/duplicates/scan/", {"kind": "companies"})
    assert DuplicateSuggestion.objects.get().status == "dismissed"  # decisions are kept


def test_an_officer_only_reviews_projects_in_their_district(
    client: Any, people: dict[str, Any]
) -> None:
    investor = make_company("比亚迪电子有限公司")
    make_project("研发总部", investor=investor, district="310104")
    make_project("研发总部项目", investor=investor, district="310104")
    call_command("dedupe", kind="projects", stdout=io.StringIO())
    assert DuplicateSuggestion.objects.filter(kind="projects").count() == 1
    client.force_login(people["officer_xuhui"])
    assert "研发总部项目" in client.get("/data/duplicates/?kind=projects").content.decode()
    client.force_login(people["officer_jiading"])
    assert "研发总部项目" not in client.get("/data/duplicates/?kind=projects").content.decode()
    suggestion = DuplicateSuggestion.objects.get()
    assert client.post(f"/data/duplicates/{suggestion.pk}/merge/").status_code == 404


def test_the_dedupe_command_reports_and_can_dry_run() -> None:
    make_company("比亚迪电子有限公司")
    make_company("比亞迪電子有限公司")
    out = io.StringIO()
    call_command("dedupe", kind="companies", dry_run=True, stdout=out)
    assert "1 pairs" in out.getvalue() and DuplicateSuggestion.objects.count() == 0
    call_command("dedupe", kind="companies", stdout=out)
    assert DuplicateSuggestion.objects.count() == 1


def test_the_template_download_has_the_importer_headers(
    client: Any, people: dict[str, Any]
) -> None:
    client.force_login(people["viewer"])
    response = client.get("/data/template/projects.xlsx")
    headers = [c.value for c in load_workbook(io.BytesIO(response.content)).active[1]]
    assert "项目名称" in headers and "总投资(万元)" in headers
