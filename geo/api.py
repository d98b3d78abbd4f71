"""/api/v1/districts and /api/v1/zones (read-only; reference data is loaded from files)."""

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
from geo.filtersets import DistrictFilterSet, ZoneFilterSet
from geo.models import District, Zone
from geo.schemas import DistrictOut, ZoneOut, district_out, zone_out

districts_router = Router(tags=["districts"])
zones_router = Router(tags=["zones"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in ERROR_STATUSES}
if TYPE_CHECKING:  # generated at import time; type checkers see the base
    DistrictQuery = PageQuery
else:
    DistrictQuery = filter_query_schema(DistrictFilterSet, "DistrictQuery")
if TYPE_CHECKING:  # generated at import time; type checkers see the base
    ZoneQuery = PageQuery
else:
    ZoneQuery = filter_query_schema(ZoneFilterSet, "ZoneQuery")


@districts_router.get("/", response={200: Page[DistrictOut], **ERRORS}, summary="List districts")
def list_districts(request: HttpRequest, filters: Query[DistrictQuery]) -> Any:
    qs = restrict(District, actor(request), "view").select_related("successor")
    qs = run_filterset(request, DistrictFilterSet, qs)
    return paginate(qs, page=filters.page, page_size=filters.page_size, render=district_out)


@districts_router.get("/{id}", response={200: DistrictOut, **ERRORS}, summary="Get a district")
def get_district(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)) -> Any:  # noqa: A002
    return district_out(get_visible(request, District, id))


@zones_router.get("/", response={200: Page[ZoneOut], **ERRORS}, summary="List zones")
def list_zones(request: HttpRequest, filters: Query[ZoneQuery]) -> Any:
    qs = restrict(Zone, actor(request), "view").select_related("district", "parent")
    qs = run_filterset(request, ZoneFilterSet, qs.prefetch_related("districts"))
    return paginate(qs, page=filters.page, page_size=filters.page_size, render=zone_out)


@zones_router.get("/{id}", response={200: ZoneOut, **ERRORS}, summary="Get a zone")
def get_zone(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)) -> Any:  # noqa: A002
    return zone_out(get_visible(request, Zone, id))
