"""/api/v1/companies: list (CompanyFilterSet), detail, create, update, patch, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from accounts.policy import restrict
from companies.filtersets import CompanyFilterSet
from companies.models import Company
from companies.schemas import (
    COMPANY_FORM_FIELDS,
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

router = Router(tags=["companies"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in ERROR_STATUSES}
if TYPE_CHECKING:  # generated at import time; type checkers see the base
    CompanyQuery = PageQuery
else:
    CompanyQuery = filter_query_schema(CompanyFilterSet, "CompanyQuery")


class CompanyForm(forms.ModelForm):
    """Company edit form used by the API (model validation: credit code, country, parent)."""

    website = forms.URLField(required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Company
        fields = COMPANY_FORM_FIELDS


@router.get("/", response={200: Page[CompanyOut], **ERRORS}, summary="List companies")
def list_companies(request: HttpRequest, filters: Query[CompanyQuery]) -> Any:
    qs = run_filterset(request, CompanyFilterSet, restrict(Company, actor(request), "view"))
    return paginate(qs, page=filters.page, page_size=filters.page_size, render=company_out)


@router.get("/{id}", response={200: CompanyOut, **ERRORS}, summary="Get a company")
def get_company(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)) -> Any:  # noqa: A002
    return company_out(get_visible(request, Company, id))


@router.post("/", response={201: CompanyOut, **ERRORS}, summary="Create a company")
def create_company(request: HttpRequest, payload: CompanyIn) -> Any:
    return Status(201, company_out(create_with_form(request, Company, CompanyForm, payload.dict())))


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
