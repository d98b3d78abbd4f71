"""Names lose invisible and control characters, dates stay within 1949–2100: one normaliser
and one range, applied by the forms, the API, the importer and the models alike (security
review, finding 18)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.utils import translation

from companies.models import Company
from core.fields import CalendarDateField, NameField
from core.models import NamedModel
from core.text import clean_name, fold
from events.models import Event
from ingest import engine
from partners.models import Partner
from projects.models import Project

pytestmark = pytest.mark.django_db

RLO, PDF, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"
ZWSP, ZWJ, WJ, BOM = "\u200b", "\u200d", "\u2060", "\ufeff"
HOSTILE = f"{BOM}\x00 上海{ZWSP}芯片{RLO}公司{PDF}{LRI}{PDI}\t有限{ZWJ}{WJ}\x1b\n"
CLEAN = "上海芯片公司 有限"


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_clean_name_removes_bidi_zero_width_and_control_characters() -> None:
    assert clean_name(HOSTILE) == CLEAN
    assert clean_name("  Siemens  Healthineers ") == "Siemens Healthineers"
    assert clean_name("比亚迪电子（深圳）有限公司") == "比亚迪电子（深圳）有限公司"
    assert clean_name("") == ""
    # Search keys ignore them too, so a name typed with them still finds the record.
    assert fold(f"比亚{ZWSP}迪{RLO}\x00") == fold("比亚迪")


def test_every_name_field_is_a_name_field() -> None:
    expected: list[Any] = [
        Project._meta.get_field("name"),
        Event._meta.get_field("name"),
        Event._meta.get_field("name_en"),
        Company._meta.get_field("name_zh_hans"),
    ]
    for model in apps.get_models():
        if issubclass(model, NamedModel):
            expected += [model._meta.get_field(n) for n in ("name_zh_hans", "name_zh_hant")]
            expected.append(model._meta.get_field("name_en"))
    assert all(isinstance(field, NameField) for field in expected), [
        f"{f.model.__name__}.{f.name}" for f in expected if not isinstance(f, NameField)
    ]


def test_every_date_field_of_every_model_is_bounded() -> None:
    plain = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if type(field) is models.DateField
    ]
    assert plain == [], "use core.fields.CalendarDateField"
    bounded = [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, CalendarDateField)
    ]
    assert len(bounded) > 15


def test_the_api_stores_clean_names_and_aliases(personas: dict[str, Any]) -> None:
    client = _client(personas["admin"])
    response = _post(
        client,
        "/api/v1/companies/",
        {"name_zh_hans": HOSTILE, "aliases": [f"芯{ZWSP}片", RLO, "芯片"], "country": "CN"},
    )
    assert response.status_code == 201, response.content
    company = Company.objects.get(pk=response.json()["id"])
    assert company.name_zh_hans == CLEAN
    assert company.aliases == ["芯片"]
    assert response.json()["name_zh_hans"] == CLEAN
    event = _post(
        client,
        "/api/v1/events/",
        {"name": f"推介会{RLO}", "kind": "conference", "date": "2024-05-01"},
    )
    assert event.status_code == 201, event.content
    assert Event.objects.get(pk=event.json()["id"]).name == "推介会"
    partner = _post(
        client, "/api/v1/partners/", {"name_zh_hans": f"{ZWSP}商会\x07", "kind": "chamber"}
    )
    assert partner.status_code == 201, partner.content
    assert Partner.objects.get(pk=partner.json()["id"]).name_zh_hans == "商会"


def test_a_name_of_invisible_characters_only_is_empty(personas: dict[str, Any]) -> None:
    response = _post(
        _client(personas["admin"]),
        "/api/v1/companies/",
        {"name_zh_hans": f"{RLO}{ZWSP}\x00", "country": "CN"},
    )
    assert response.status_code == 422
    assert "name_zh_hans" in response.json()["error"]["fields"]


def test_the_pages_store_clean_names(personas: dict[str, Any]) -> None:
    client = _client(personas["admin"])
    response = client.post(
        "/companies/new/",
        {"name_zh_hans": HOSTILE, "aliases": f"芯{ZWSP}片、{BOM}晶圆", "country": "CN"},
    )
    assert response.status_code == 302, response.content
    company = Company.objects.get(name_zh_hans=CLEAN)
    assert company.aliases == ["芯片", "晶圆"]


def test_the_models_clean_names_on_every_save() -> None:
    company = Company.objects.create(name_zh_hans=HOSTILE, aliases=[f"a{RLO}b"])
    company.refresh_from_db()
    assert company.name_zh_hans == CLEAN and company.aliases == ["ab"]
    Partner.objects.bulk_create([Partner(name_zh_hans=f"{RLO}协会", kind="chamber")])
    assert Partner.objects.filter(name_zh_hans="协会").exists()


def _ledger(*rows: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["项目编号", "项目名称", "投资方", "阶段", "签约时间"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("bulk", [False, True], ids=["row-by-row", "bulk"])
def test_the_importer_stores_clean_names_and_refuses_dates_outside_the_range(bulk: bool) -> None:
    _batch, plan = engine.import_file(
        _ledger(
            ["L-1", f"芯片{ZWSP}项目{RLO}", f"{BOM}澜启微{LRI}有限公司", "签约", "2024-03-29"],
            ["L-2", "老项目", "某公司", "签约", "1900-01-01"],
        ),
        "ledger.csv",
        "projects",
        skip_errors=True,
        bulk=bulk,
    )
    assert plan is not None
    assert [row.action for row in plan.rows] == ["create", "error"]
    assert any("1949-01-01" in e for e in plan.rows[1].errors), plan.rows[1].errors
    project = Project.objects.get(external_id="L-1")
    assert project.name == "芯片项目"
    assert project.investor is not None and project.investor.name_zh_hans == "澜启微有限公司"


@pytest.mark.parametrize("day", ["0001-01-01", "1948-12-31", "2101-01-01", "9999-12-31"])
def test_dates_outside_the_range_are_refused_by_the_api(personas: dict[str, Any], day: str) -> None:
    client = _client(personas["admin"])
    response = _post(
        client, "/api/v1/events/", {"name": "推介会", "kind": "conference", "date": day}
    )
    assert response.status_code == 422
    assert "1949-01-01" in response.json()["error"]["fields"]["date"][0]
    response = _post(
        client,
        "/api/v1/partners/",
        {"name_zh_hans": "商会", "kind": "chamber", "registered_on": day},
    )
    assert response.status_code == 422
    assert "registered_on" in response.json()["error"]["fields"]
    assert not Event.objects.exists() and not Partner.objects.filter(name_zh_hans="商会").exists()


def test_the_ends_of_the_range_are_accepted(personas: dict[str, Any]) -> None:
    client = _client(personas["admin"])
    for day in ("1949-01-01", "2100-12-31"):
        response = _post(
            client, "/api/v1/events/", {"name": f"会{day}", "kind": "conference", "date": day}
        )
        assert response.status_code == 201, response.content
    assert Event.objects.filter(date=dt.date(1949, 1, 1)).exists()


def test_a_stage_move_through_the_api_outside_the_range_is_422(personas: dict[str, Any]) -> None:
    from testing.factories import make_project

    project = make_project("阶段日期项目", stage="negotiating")
    response = _post(
        _client(personas["admin"]),
        f"/api/v1/projects/{project.pk}/stage",
        {"stage": "signed", "on": "0001-01-01", "version": project.version},
    )
    assert response.status_code == 422
    assert "1949-01-01" in response.json()["error"]["fields"]["date"][0]
