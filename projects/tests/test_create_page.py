"""The "new project" page: the API's validation and stage service, the officer's scope,
permissions, and the duplicate warning after creating a project that may already exist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from geo.models import District
from ingest.models import DuplicateSuggestion
from projects.forms import ProjectForm
from projects.models import Project, Stage, StageChange
from testing.factories import assert_warned_about_duplicate, make_company, make_project

pytestmark = pytest.mark.django_db

EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}
XUHUI, JIADING = "310104", "310114"


def _client(client: Client, personas: dict[str, Any], persona: str) -> Client:
    client.force_login(personas[persona])
    return client


def _data(**changes: Any) -> dict[str, Any]:
    """What a browser sends for an untouched form (defaults and checked boxes), changed."""
    form = ProjectForm(user=None)
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is True:
            data[name] = "on"
        elif value not in (None, False, ""):
            data[name] = value
    data.update(
        {
            "name": "徐汇手工录入项目",
            "stage": Stage.objects.get(code="signed").pk,
            "district": District.objects.get(code=XUHUI).pk,
            "signed_on": "2025-03-01",
        }
    )
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# ---- the list button and the permission ------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "analyst", "officer_xuhui"])
def test_users_who_may_add_projects_see_the_button_and_the_form(
    client: Client, personas: dict[str, Any], persona: str
) -> None:
    _client(client, personas, persona)
    html = client.get(reverse("projects:list"), **EN).content.decode()
    assert f'href="{reverse("projects:create")}"' in html
    assert "New project" in html
    response = client.get(reverse("projects:create"), **EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="name"' in page and 'name="stage"' in page
    assert "Create project" in page


@pytest.mark.parametrize("persona", ["partner", "viewer"])
def test_users_who_may_not_add_projects_get_403_and_no_button(
    client: Client, personas: dict[str, Any], persona: str
) -> None:
    _client(client, personas, persona)
    html = client.get(reverse("projects:list")).content.decode()
    assert reverse("projects:create") not in html
    assert client.get(reverse("projects:create")).status_code == 403
    response = client.post(reverse("projects:create"), _data(name="越权项目"))
    assert response.status_code == 403
    assert not Project.objects.filter(name="越权项目").exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client) -> None:
    response = client.get(reverse("projects:create"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_an_officer_is_offered_only_the_districts_of_the_scope(
    client: Client, personas: dict[str, Any]
) -> None:
    _client(client, personas, "officer_xuhui")
    form = client.get(reverse("projects:create"), **EN).context["form"]
    assert [d.code for d in form.fields["district"].queryset] == [XUHUI]
    assert form["district"].value() == District.objects.get(code=XUHUI).pk
    _client(client, personas, "admin")
    form = client.get(reverse("projects:create"), **EN).context["form"]
    assert form.fields["district"].queryset.filter(code=JIADING).exists()


# ---- creating --------------------------------------------------------------------------


def test_an_officer_creates_a_project_in_the_district(
    client: Client, personas: dict[str, Any]
) -> None:
    investor = make_company("手工录入投资有限公司")
    _client(client, personas, "officer_xuhui")
    response = client.post(
        reverse("projects:create"),
        _data(investor=investor.pk, amount_cny="300000000"),
        HTTP_X_REQUEST_ID="req-new-project-1",
        **EN,
    )
    project = Project.objects.get(name="徐汇手工录入项目")
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:detail", args=[project.pk])
    assert project.district is not None and project.district.code == XUHUI
    assert project.investor == investor
    assert project.stage.code == "signed"
    assert project.signed_on == dt.date(2025, 3, 1)
    # The first stage is recorded by the stage service, as for every other way in.
    change = StageChange.objects.get(project=project)
    assert change.from_stage is None
    assert change.to_stage.code == "signed"
    assert change.effective_on == dt.date(2025, 3, 1)
    assert change.changed_by == personas["officer_xuhui"]
    record = project.history.get()
    assert record.history_type == "+"
    assert record.history_user == personas["officer_xuhui"]
    assert record.request_id == "req-new-project-1"
    assert record.change_source == "web"
    page = client.get(response["Location"], **EN)
    assert [str(m) for m in page.context["messages"]] == ["Project saved."]
    assert not DuplicateSuggestion.objects.exists()


def test_a_signed_stage_without_its_date_is_refused_with_the_error_shown(
    client: Client, personas: dict[str, Any]
) -> None:
    _client(client, personas, "officer_xuhui")
    response = client.post(reverse("projects:create"), _data(signed_on=""), **EN)
    assert response.status_code == 200
    assert "signed_on" in response.context["form"].errors
    html = response.content.decode()
    assert "Please correct the fields marked below." in html
    assert "has-error" in html
    assert "needs this date" in html
    assert not Project.objects.exists()
    assert not StageChange.objects.exists()


def test_a_project_cannot_start_as_lost(client: Client, personas: dict[str, Any]) -> None:
    _client(client, personas, "analyst")
    lost = Stage.objects.filter(is_lost=True).first()
    assert lost is not None
    response = client.post(reverse("projects:create"), _data(stage=lost.pk), **EN)
    assert response.status_code == 200
    assert "stage" in response.context["form"].errors
    assert not Project.objects.exists()


def test_an_officer_cannot_create_a_project_in_another_district(
    client: Client, personas: dict[str, Any]
) -> None:
    _client(client, personas, "officer_xuhui")
    jiading = District.objects.get(code=JIADING)
    response = client.post(reverse("projects:create"), _data(district=jiading.pk), **EN)
    # Not offered, so refused as an invalid choice.
    assert response.status_code == 200
    assert "district" in response.context["form"].errors
    # Without a district the project would be outside the scope too: refused after saving,
    # and the transaction leaves nothing behind.
    response = client.post(reverse("projects:create"), _data(district=""), **EN)
    assert response.status_code == 403
    assert not Project.objects.exists()
    assert not StageChange.objects.exists()


def test_the_other_districts_officer_is_refused_too(
    client: Client, personas: dict[str, Any]
) -> None:
    _client(client, personas, "officer_jiading")
    response = client.post(reverse("projects:create"), _data(), **EN)
    assert response.status_code == 200
    assert "district" in response.context["form"].errors
    assert not Project.objects.exists()


# ---- the duplicate warning ---------------------------------------------------------------


def test_a_near_duplicate_shows_a_warning_and_is_queued_for_review(
    client: Client, personas: dict[str, Any]
) -> None:
    investor = make_company("示例半导体有限公司")
    existing = make_project(
        "示例半导体研发中心",
        investor=investor,
        amount_cny=Decimal("500000000"),
        signed_on=dt.date(2024, 3, 29),
    )
    _client(client, personas, "officer_xuhui")
    response = client.post(
        reverse("projects:create"),
        _data(
            name="示例半导体研发中心项目",
            investor=investor.pk,
            amount_cny="520000000",
            signed_on="2024-06-27",
        ),
        follow=True,
        **EN,
    )
    created = Project.objects.get(name="示例半导体研发中心项目")
    assert response.redirect_chain == [(reverse("projects:detail", args=[created.pk]), 302)]
    warning = assert_warned_about_duplicate(response, "projects", existing, created)
    assert "This project may already be recorded" in warning
    assert "示例半导体研发中心" in warning
    assert f'href="{reverse("ingest:duplicates")}?kind=projects"' in warning
    html = response.content.decode()
    assert 'class="message message-warning"' in html


def test_a_hint_the_user_may_not_view_is_not_shown(
    client: Client, personas: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The duplicate finder is unscoped; the page keeps only hints the user may view."""
    import core.api.schemas as schemas  # where ingest.dedupe.check_and_warn looks it up

    investor = make_company("示例半导体有限公司")
    existing = make_project("示例半导体研发中心", investor=investor, amount_cny=Decimal("5e8"))

    def no_view(model: Any, user: Any, hints: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert [h["id"] for h in hints] == [existing.pk]
        return []

    monkeypatch.setattr(schemas, "visible_hints", no_view)
    _client(client, personas, "analyst")
    response = client.post(
        reverse("projects:create"),
        _data(
            name="示例半导体研发中心项目",
            investor=investor.pk,
            amount_cny="520000000",
            signed_on="2024-04-15",
        ),
        follow=True,
        **EN,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
