"""The company page: names, aliases, honours, facilities and projects with totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from companies.models import CompanyHonour, Facility
from taxonomy.models import Honour
from testing.factories import make_company, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(client: Client) -> Client:
    from testing.personas import create_personas

    client.force_login(create_personas()["analyst"])
    return client


def test_the_company_page_shows_names_honours_facilities_and_totals(
    analyst: Client, django_assert_max_num_queries: Any
) -> None:
    company = make_company(
        "上海瞻芯电子科技股份有限公司", aliases=["瞻芯电子"], name_en="InventChip"
    )
    honour = Honour.objects.first()
    assert honour is not None
    CompanyHonour.objects.create(company=company, honour=honour, year=2023)
    Facility.objects.create(company=company, kind="rd_centre", name="临港研发中心")
    make_project("瞻芯一期", investor=company, amount_cny=Decimal("1000000000"))
    make_project("瞻芯二期", investor=company, amount_cny=Decimal("500000000"), stage="lead")
    with django_assert_max_num_queries(12):
        response = analyst.get(reverse("companies:detail", args=[company.pk]))
    html = response.content.decode()
    for text in ("瞻芯电子", "InventChip", "上海瞻芯電子科技股份有限公司", "临港研发中心"):
        assert text in html
    assert honour.localized_name() in html or honour.name_zh_hans in html
    assert response.context["total_count"] == 2
    assert response.context["total_amount"] == Decimal("1500000000")
    assert response.context["won_count"] == 1


def test_the_company_list_searches_folded_names(analyst: Client) -> None:
    make_company("比亚迪电子", name_en="BYD Electronic")
    make_company("其他公司")
    html = analyst.get(reverse("companies:list"), {"q": "比亞迪"}).content.decode()
    assert "比亚迪电子" in html
    assert "其他公司" not in html


def test_an_unknown_company_is_404(analyst: Client) -> None:
    assert analyst.get(reverse("companies:detail", args=[999999])).status_code == 404
