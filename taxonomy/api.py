"""/api/v1/industries (read-only; the industry tree is loaded from reference files)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Path, Query, Router

from core.api.auth import actor
from core.api.crud import (
    MAX_ID,
    Page,
    PageQuery,
    filter_query_schema,
    get_visible,
    paginate,
    run_filterset,
)
from core.api.errors import ERROR_STATUSES, ErrorOut
from core.policy import restrict
from taxonomy.filtersets import IndustryFilterSet
from taxonomy.models import Industry
from taxonomy.schemas import IndustryOut, industry_out

router = Router(tags=["industries"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in ERROR_STATUSES}
if TYPE_CHECKING:  # generated at import time; type checkers see the base
    IndustryQuery = PageQuery
else:
    IndustryQuery = filter_query_schema(IndustryFilterSet, "IndustryQuery")


@router.get("/", response={200: Page[IndustryOut], **ERRORS}, summary="List industries")
def list_industries(request: HttpRequest, filters: Query[IndustryQuery]) -> Any:
    qs = restrict(Industry, actor(request), "view").select_related("parent")
    qs = run_filterset(request, IndustryFilterSet, qs)
    return paginate(qs, page=filters.page, page_size=filters.page_size, render=industry_out)


@router.get("/{id}", response={200: IndustryOut, **ERRORS}, summary="Get an industry")
def get_industry(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)) -> Any:  # noqa: A002
    return industry_out(get_visible(request, Industry, id))
