from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from testing.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-long-enough-1")
    client = Client()
    client.force_login(user)
    return client


def test_every_registered_model_has_a_searchable_changelist(admin_client_logged_in: Client) -> None:
    make_project("后台检查项目")
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = admin_client_logged_in.get(url, {"q": "上海"})
        assert response.status_code == 200, url


def test_project_admin_filters_by_stage_and_district(admin_client_logged_in: Client) -> None:
    from geo.models import District

    make_project("徐汇项目", district="310104")
    make_project("嘉定项目", district="310114", stage="lead")
    url = reverse("admin:projects_project_changelist")
    xuhui = District.objects.get(code="310104")
    page = admin_client_logged_in.get(url, {"district__id__exact": xuhui.pk}).content.decode()
    assert "徐汇项目" in page and "嘉定项目" not in page
    page = admin_client_logged_in.get(url, {"stage__id__exact": 1}).content.decode()
    assert "嘉定项目" in page and "徐汇项目" not in page
    page = admin_client_logged_in.get(url, {"q": "嘉定"}).content.decode()
    assert "嘉定项目" in page and "徐汇项目" not in page


def test_admin_add_refuses_a_signed_project_without_its_date(
    admin_client_logged_in: Client,
) -> None:
    from projects.models import Project, Stage

    url = reverse("admin:projects_project_add")
    response = admin_client_logged_in.post(
        url,
        {
            "name": "后台无日期",
            "currency": "CNY",
            "priority": "B",
            "stage": Stage.objects.get(code="signed").pk,
            "counted_in_stats": "on",
            "stage_changes-TOTAL_FORMS": "0",
            "stage_changes-INITIAL_FORMS": "0",
            "paid_in-TOTAL_FORMS": "0",
            "paid_in-INITIAL_FORMS": "0",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "needs this date" in response.content.decode()
    assert not Project.objects.filter(name="后台无日期").exists()


def test_adding_a_company_by_hand_warns_about_and_queues_likely_duplicates(
    admin_client_logged_in: Client,
) -> None:
    from companies.models import Company
    from ingest.models import DuplicateSuggestion
    from testing.factories import make_company

    existing = make_company("华芯微电子(上海)有限公司")
    response = admin_client_logged_in.post(
        reverse("admin:companies_company_add"),
        {
            "name_zh_hans": "華芯微電子有限公司",
            "country": "CN",
            "aliases": "[]",
            "honour_links-TOTAL_FORMS": "0",
            "honour_links-INITIAL_FORMS": "0",
            "facilities-TOTAL_FORMS": "0",
            "facilities-INITIAL_FORMS": "0",
        },
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    new = Company.objects.get(name_zh_hans="華芯微電子有限公司")
    page = response.content.decode()
    assert "This company may already be recorded" in page
    assert f"/companies/{existing.pk}/" in page
    pair = DuplicateSuggestion.objects.get(kind="companies")
    assert (pair.first_id, pair.second_id) == (existing.pk, new.pk)
