"""/api/v1/companies: list (CompanyFilterSet), detail, create, update, patch, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from accounts.policy import restrict
from companies.filtersets import CompanyFilterSet
from companies.forms import CompanyForm
from companies.models import Company
from companies.schemas import (
    CompanyCreated,
    CompanyIn,
    CompanyOut,
    CompanyPatch,
    CompanyUpdate,
    company_out,
)
from core.api.auth import actor
from core.api.crud import (
    MAX_ID,
    Deleted,
    Page,
    PageQuery,
    create_with_form,
    delete_checked,
    filter_query_schema,
    get_visible,
    paginate,
    run_filterset,
    update_with_form,
)
from core.api.errors import ERROR_STATUSES, ErrorOut
from core.api.schemas import visible_hints
from ingest.dedupe import check_new_company

router = Router(tags=["companies"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in ERROR_STATUSES}
if TYPE_CHECKING:  # generated at import time; type checkers see the base
    CompanyQuery = PageQuery
else:
    CompanyQuery = filter_query_schema(CompanyFilterSet, "CompanyQuery")


@router.get("/", response={200: Page[CompanyOut], **ERRORS}, summary="List companies")
def list_companies(request: HttpRequest, filters: Query[CompanyQuery]) -> Any:
    qs = run_filterset(request, CompanyFilterSet, restrict(Company, actor(request), "view"))
    return paginate(qs, page=filters.page, page_size=filters.page_size, render=company_out)


@router.get("/{id}", response={200: CompanyOut, **ERRORS}, summary="Get a company")
def get_company(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)) -> Any:  # noqa: A002
    return company_out(get_visible(request, Company, id))


@router.post("/", response={201: CompanyCreated, **ERRORS}, summary="Create a company")
def create_company(request: HttpRequest, payload: CompanyIn) -> Any:
    """Validated by CompanyForm. The answer lists existing companies that may be the same
    (names across scripts, widths, legal forms and region brackets, English name, credit
    code); each pair also goes on the duplicate review list."""
    company = create_with_form(request, Company, CompanyForm, payload.dict())
    data = company_out(company)
    data["possible_duplicates"] = visible_hints(Company, actor(request), check_new_company(company))
    return Status(201, data)


@router.put("/{id}", response={200: CompanyOut, **ERRORS}, summary="Replace a company")
def update_company(
    request: HttpRequest,
    payload: CompanyUpdate,
    id: int = Path(..., ge=1, le=MAX_ID),  # noqa: A002
) -> Any:
    data = payload.dict()
    version = data.pop("version")
    return company_out(
        update_with_form(request, Company, id, CompanyForm, data, version=version, partial=False)
    )


@router.patch("/{id}", response={200: CompanyOut, **ERRORS}, summary="Change some fields")
def patch_company(
    request: HttpRequest,
    payload: CompanyPatch,
    id: int = Path(..., ge=1, le=MAX_ID),  # noqa: A002
) -> Any:
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return company_out(
        update_with_form(request, Company, id, CompanyForm, data, version=version, partial=True)
    )


@router.delete("/{id}", response={200: Deleted, **ERRORS}, summary="Delete a company")
def delete_company(
    request: HttpRequest,
    id: int = Path(..., ge=1, le=MAX_ID),  # noqa: A002
    version: int = Query(..., ge=1, le=MAX_ID),
) -> Any:
    delete_checked(request, Company, id, version)
    return {"id": id, "deleted": True}
