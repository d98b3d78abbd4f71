from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from analytics import counting, reconcile
from evidence.models import Candidate, Evidence, SourceDocument
from testing.factories import make_project

pytestmark = pytest.mark.django_db

TEXT = "本次活动共签约3个项目，总投资30亿元。星澜科技有限公司拟投资10亿元在徐汇区建设总部。"


def statement(document: SourceDocument) -> Candidate:
    start = TEXT.index("共签约")
    return Candidate.objects.create(
        document=document,
        ordinal=0,
        kind=Candidate.Kind.AGGREGATE,
        record={"count": 3, "total": "3000000000", "currency": "CNY", "text": TEXT[:18]},
        spans={},
        start=start,
        end=start + 16,
        confidence=0.9,
        extractor="rules-test",
    )


def test_a_news_statement_is_compared_with_the_projects_accepted_from_its_article(
    personas: dict[str, Any],
) -> None:
    document = SourceDocument.objects.create(
        text=TEXT, language="zh-hans", published_on=dt.date(2024, 3, 29)
    )
    candidate = statement(document)
    project = make_project("星澜总部", district="310104", amount_cny=Decimal("1000000000"))
    Evidence.objects.create(
        document=document,
        project=project,
        field="amount",
        value="10亿元",
        start=TEXT.index("10亿元"),
        end=TEXT.index("10亿元") + 4,
        sentence=TEXT,
        extractor="rules-test",
        confidence=0.9,
    )
    make_project("无关项目", district="310104")  # not from this article

    analyst = personas["analyst"]
    period = counting.Period(dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert list(reconcile.statements_in(analyst, period)) == [candidate]
    result = reconcile.reconcile_statement(candidate, analyst)
    assert (result.announced_count, result.announced_total_cny) == (3, Decimal("3000000000"))
    assert (result.recorded_count, result.recorded_total_cny) == (1, Decimal("1000000000"))
    assert result.count_difference == 2

    # An officer of another district sees the statement's projects only within their scope.
    other = reconcile.reconcile_statement(candidate, personas["officer_jiading"])
    assert other.recorded_count == 0


def test_the_reconciliation_page_lists_news_statements(personas: dict[str, Any]) -> None:
    from django.test import Client

    document = SourceDocument.objects.create(
        text=TEXT, language="zh-hans", published_on=dt.date(2024, 3, 29)
    )
    statement(document)
    client = Client()
    client.force_login(personas["analyst"])
    page = client.get("/cockpit/reconciliation/", {"period": "2024Q1"}).content.decode()
    assert TEXT[:18] in page
    assert "3000000000" in page.replace(",", "")
