"""Small helpers that tests use to build explicit data (no hidden fixtures)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from companies.models import Company
from geo.models import District
from projects.models import Project, Stage
from projects.services import create_project
from taxonomy.models import Industry


def make_company(name: str = "示例科技有限公司", **fields: Any) -> Company:
    company = Company(name_zh_hans=name, **fields)
    company.full_clean()
    company.save()
    return company


def make_project(
    name: str = "示例项目",
    *,
    district: str | None = "310104",
    stage: str = "signed",
    amount_cny: Decimal | int | None = Decimal("100000000"),
    signed_on: dt.date | None = None,
    industry: str | None = "ic",
    investor: Company | None = None,
    **fields: Any,
) -> Project:
    stage_obj = Stage.objects.get(code=stage)
    if signed_on is None and stage_obj.is_won:
        signed_on = dt.date(2024, 3, 29)
    # Undated stages are entered on an early fixed day so later moves can be dated after it.
    stage_on = fields.pop("stage_on", signed_on or dt.date(2024, 1, 2))
    return create_project(
        stage_on=stage_on,
        name=name,
        investor=investor or make_company(f"{name}投资有限公司"),
        district=District.objects.get(code=district) if district else None,
        stage=stage_obj,
        amount_cny=Decimal(amount_cny) if amount_cny is not None else None,
        signed_on=signed_on,
        industry=Industry.objects.get(code=industry) if industry else None,
        **fields,
    )


def assert_warned_about_duplicate(response: Any, kind: str, existing: Any, new: Any) -> str:
    """A page answer (followed redirect) after saving `new` by hand: a success message, then
    one warning linking `existing`, and the pair queued on the duplicate review list.
    Returns the warning's text for further checks."""
    from django.urls import reverse

    from ingest.models import DuplicateSuggestion

    messages = list(response.context["messages"])
    assert [m.level_tag for m in messages] == ["success", "warning"]
    warning = str(messages[1])
    detail = "companies:detail" if kind == "companies" else "projects:detail"
    assert f'href="{reverse(detail, args=[existing.pk])}"' in warning
    first, second = sorted((existing.pk, new.pk))
    assert DuplicateSuggestion.objects.filter(
        kind=kind, first_id=first, second_id=second, status="open"
    ).exists()
    return warning
