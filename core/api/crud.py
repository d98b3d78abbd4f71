"""Shared list/detail/create/update/delete logic for API endpoints.

Every operation reads rows through `Model.objects.restrict(user, action)` (via
accounts.policy.restrict), validates writes with the same Django form as the UI, checks the
optimistic-concurrency version and records the change under the request id and user.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Generic, TypeVar

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema, Status
from pydantic import BaseModel, Field, create_model

from core.api.auth import actor
from core.api.errors import ApiError
from core.api.schemas import Out
from core.bounds import MAX_ID
from core.concurrency import StaleVersion
from core.context import change_context
from core.policy import may, restrict, restrict_queryset

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)

# Ids beyond MAX_ID (core.bounds) cannot exist; refusing them in the schema keeps databases
# from overflowing.
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200


class Page(Out, Generic[T]):
    """One page of a list: `results` plus the counts needed to page through."""

    count: int
    page: int
    page_size: int
    pages: int
    results: list[T]


class VersionIn(Schema):
    version: int = Field(..., ge=1, le=MAX_ID, description="the version you read")


class Deleted(Schema):
    id: int
    deleted: bool = True


# ---------------------------------------------------------------------------------------------
# Query parameters generated from a FilterSet, so OpenAPI documents what the FilterSet accepts


class PageQuery(BaseModel):
    """Paging parameters; FilterSet parameters are added by `filter_query_schema`."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description="page number")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="rows per page")


def filter_query_schema(
    filterset_class: type[django_filters.FilterSet], name: str
) -> type[PageQuery]:
    """A query-parameter schema listing the FilterSet's parameters plus page and page_size.

    The values are validated by the FilterSet itself (the one the UI uses); the schema only
    documents them.
    """
    fields: dict[str, Any] = {}
    for fname, flt in filterset_class.base_filters.items():
        label = str(flt.label or fname)
        if isinstance(flt, django_filters.MultipleChoiceFilter):
            fields[fname] = (list[str] | None, Field(None, description=label))
        elif isinstance(flt, django_filters.OrderingFilter):
            choices = [c for c, _label in flt.field.choices if c]
            fields[fname] = (
                str | None,
                Field(None, description="{}: {}".format(label, ", ".join(choices))),
            )
        else:
            fields[fname] = (str | None, Field(None, description=label))
    return create_model(name, __base__=PageQuery, **fields)


def run_filterset(
    request: HttpRequest,
    filterset_class: type[django_filters.FilterSet],
    queryset: QuerySet[Any],
    **options: Any,
) -> QuerySet[Any]:
    """Apply the FilterSet to request.GET; invalid values answer 422 naming the parameter.

    `options` go to the FilterSet's constructor (e.g. ProjectFilterSet's `resolve_keys`).
    """
    filterset = filterset_class(
        request.GET, queryset=queryset, request=request, user=actor(request), **options
    )
    if not filterset.is_valid():
        raise ApiError(
            422,
            _("Some filter values are not valid."),
            fields={k: [str(m) for m in v] for k, v in filterset.errors.items()},
        )
    return filterset.qs


def _page(count: int, page: int, page_size: int, results: list[Any]) -> dict[str, Any]:
    pages = (count + page_size - 1) // page_size
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "pages": pages,
        "results": results,
    }


def paginate(
    queryset: QuerySet[Any],
    *,
    page: int,
    page_size: int,
    render: Callable[[Any], Any],
    values: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """One page of `queryset`, rendered row by row.

    With `values`, rows are read as dicts of those columns (related ones included) instead
    of model instances; the count still runs on the plain queryset, without their joins.
    """
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    count = queryset.count()
    start = (page - 1) * page_size
    rows_qs = queryset.values(*values) if values else queryset
    rows = list(rows_qs[start : start + page_size]) if start < count else []
    return _page(count, page, page_size, [render(row) for row in rows])


def _is_total(ordering: Sequence[Any]) -> bool:
    """Whether an ordering ends with the primary key, so that it orders every row."""
    return bool(ordering) and str(ordering[-1]).lstrip("-") in {"pk", "id"}


def page_values(
    queryset: QuerySet[Any], start: int, size: int, values: tuple[str, ...]
) -> QuerySet[Any]:
    """`queryset.values(*values)[start:start + size]`, read as a deferred join when the
    ordering is total: the page's keys first, from the filtered and ordered index alone,
    then the joins for those rows only. With a plain OFFSET the database evaluates every
    skipped row's joins too (docs/benchmarks/api.md). Same
    rows in the same order; an ordering with ties keeps the plain form, where the page's
    rows are whatever the database picks among the ties."""
    query = queryset.query
    ordering: Sequence[Any] = query.order_by or (
        (query.get_meta().ordering or ()) if query.default_ordering else ()
    )
    if query.extra_order_by or not _is_total(ordering):
        return queryset.values(*values)[start : start + size]
    keys = queryset.values("pk")[start : start + size]
    return queryset.filter(pk__in=keys).values(*values)


# Counts of cached list shapes: {(list key, table stamps): count}. Per process, bounded.
_COUNTS: dict[Hashable, int] = {}
_COUNTS_MAX = 4096
_PAGING = frozenset({"page", "page_size"})


def filter_key(request: HttpRequest) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The request's query parameters other than paging, in a canonical order."""
    return tuple(
        sorted((k, tuple(request.GET.getlist(k))) for k in request.GET if k not in _PAGING)
    )


def paginate_cached(
    key: Hashable,
    build: Callable[[], QuerySet[Any]],
    *,
    page: int,
    page_size: int,
    render: Callable[[Any], Any],
    values: tuple[str, ...],
) -> dict[str, Any]:
    """`paginate(build(), ...)`, with the count and the page's SQL kept between requests.

    `key` must name everything `build` depends on (restriction, filters, date) except the
    data. The count is kept under the table stamps of core.stamps (any write to a table the
    query reads makes it miss), the page's compiled SQL under the same stamps (codes in
    the filters were resolved to ids against that data). Where stamps are not kept (inside
    a transaction) or the query reads an unstamped table, this is plain `paginate`.
    """
    from core import stamps
    from core.sqlcache import prepared_values

    data_stamps = stamps.current()
    if data_stamps is None:
        return paginate(build(), page=page, page_size=page_size, render=render, values=values)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    full_key = (key, data_stamps)
    count = _COUNTS.get(full_key)
    if count is None:
        queryset = build()
        try:
            sql, _params = queryset.query.sql_with_params()
        except EmptyResultSet:  # e.g. a code that names nothing: no rows, no tables read
            sql = ""
        if not stamps.reads_only_stamped(sql, data_stamps):
            return paginate(queryset, page=page, page_size=page_size, render=render, values=values)
        count = queryset.count()
        if len(_COUNTS) >= _COUNTS_MAX:
            _COUNTS.clear()
        _COUNTS[full_key] = count
    start = (page - 1) * page_size
    rows: list[dict[str, Any]] = []
    if start < count:
        rows = prepared_values(
            (full_key, start, page_size),
            lambda: page_values(build(), start, page_size, values),
        )
    return _page(count, page, page_size, [render(row) for row in rows])


# ---------------------------------------------------------------------------------------------
# Single objects


def get_visible(request: HttpRequest, model: type[M], pk: int, qs: QuerySet[M] | None = None) -> M:
    """The row if the user may view it, else 404 (never reveal that a hidden row exists)."""
    base = qs if qs is not None else model._default_manager.all()
    # order_by() drops the model's default ordering: a lookup by primary key must not make
    # the database walk an ordering index.
    rows = list(restrict_queryset(base, actor(request), "view").filter(pk=pk).order_by()[:1])
    if not rows:
        raise Http404
    return rows[0]


def require(request: HttpRequest, model: type[models.Model], action: str) -> None:
    """403 unless the user may do `action` on at least some rows of `model`."""
    if not may(actor(request), model, action):
        raise PermissionDenied(_("You do not have permission to do this."))


def _lock_for(request: HttpRequest, model: type[M], pk: int, action: str) -> M:
    user = actor(request)
    if not restrict(model, user, "view").filter(pk=pk).exists():
        raise Http404
    rows = restrict(model, user, action).filter(pk=pk)
    if not rows.exists():
        raise PermissionDenied(_("You do not have permission to do this."))
    locked = model._default_manager.select_for_update(of=("self",)).filter(pk=pk).order_by().first()
    if locked is None:  # pragma: no cover - deleted between the two queries
        raise Http404
    return locked


def _form_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, models.Model):
        return value.pk
    return value


def form_data(values: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """Turn API values into the data dict a Django form expects."""
    return {name: _form_value(values[name]) for name in fields if name in values}


def _raise_form_errors(form: forms.BaseForm) -> None:
    raise ApiError(
        422,
        _("The record is not valid."),
        fields={k: [str(m) for m in v] for k, v in form.errors.items()},
    )


def _check_scope_after_write(request: HttpRequest, obj: models.Model, action: str) -> None:
    # A write must leave the row inside the writer's scope: an officer cannot create a
    # project in, or move one to, another district.
    if not restrict(type(obj), actor(request), action).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("The result would be outside what you may edit."))


def create_with_form(
    request: HttpRequest,
    model: type[M],
    form_class: type[forms.ModelForm[Any]],
    values: Mapping[str, Any],
    *,
    save: Callable[[forms.ModelForm[Any]], M] | None = None,
) -> M:
    """Validate `values` with `form_class`, save, and refuse results outside the user's scope."""
    require(request, model, "add")
    user = actor(request)
    fields = list(form_class.base_fields)
    with (
        transaction.atomic(),
        change_context("api", request_id=getattr(request, "request_id", None), user=user),
    ):
        # The form checks every relation against what the user may point at (404s and
        # hidden rows answer alike; core.forms.restrict_relations).
        form = form_class(data=form_data(values, fields), user=user)  # type: ignore[call-arg]
        if not form.is_valid():
            _raise_form_errors(form)
        obj = save(form) if save is not None else form.save()
        _check_scope_after_write(request, obj, "add")
    return obj


def update_with_form(
    request: HttpRequest,
    model: type[M],
    pk: int,
    form_class: type[forms.ModelForm[Any]],
    values: Mapping[str, Any],
    *,
    version: int,
    partial: bool,
) -> M:
    """PUT (all fields) or PATCH (given fields) through the form, refusing stale versions."""
    user = actor(request)
    fields = list(form_class.base_fields)
    with (
        transaction.atomic(),
        change_context("api", request_id=getattr(request, "request_id", None), user=user),
    ):
        obj = _lock_for(request, model, pk, "change")
        stored = getattr(obj, "version", None)
        if stored is not None and stored != version:
            raise StaleVersion(stored, version)
        if partial:
            current = model_to_dict(obj, fields=fields)
            current.update({k: v for k, v in values.items() if k in fields})
            data = form_data(current, fields)
        else:
            data = form_data(values, fields)
        form = form_class(data=data, instance=obj, user=user)  # type: ignore[call-arg]
        if not form.is_valid():
            _raise_form_errors(form)
        saved = form.save()
        _check_scope_after_write(request, saved, "change")
    return saved


def delete_checked(request: HttpRequest, model: type[models.Model], pk: int, version: int) -> None:
    user = actor(request)
    with (
        transaction.atomic(),
        change_context("api", request_id=getattr(request, "request_id", None), user=user),
    ):
        obj = _lock_for(request, model, pk, "delete")
        stored = getattr(obj, "version", None)
        if stored is not None and stored != version:
            raise StaleVersion(stored, version)
        obj.delete()


# ---------------------------------------------------------------------------------------------
# A standard resource: list, detail, create, replace, patch, delete


def register_crud(
    router: Any,
    *,
    model: type[models.Model],
    form_class: type[forms.ModelForm[Any]],
    filterset_class: type[django_filters.FilterSet],
    out_schema: type[Out],
    in_schema: type[Schema],
    update_schema: type[Schema],
    patch_schema: type[Schema],
    render: Callable[[Any], dict[str, Any]],
    label: str,
) -> None:
    """Add the six standard operations for `model` to `router`.

    The functions are built here, so their annotations are set explicitly (ninja reads
    them to build the OpenAPI document and to validate input).
    """
    from ninja import Path, Query

    from core.api.errors import ERROR_STATUSES, ErrorOut

    errors: dict[int, Any] = {code: ErrorOut for code in ERROR_STATUSES}
    query_schema = filter_query_schema(filterset_class, f"{model.__name__}Query")
    path_id = Path(..., ge=1, le=MAX_ID)

    def list_rows(request: HttpRequest, filters: Any) -> Any:
        qs = run_filterset(request, filterset_class, restrict(model, actor(request), "view"))
        return paginate(qs, page=filters.page, page_size=filters.page_size, render=render)

    list_rows.__annotations__ = {
        "request": HttpRequest,
        "filters": Query[query_schema],  # type: ignore[misc,valid-type]
        "return": Any,
    }

    def get_row(request: HttpRequest, id: int = path_id) -> Any:  # noqa: A002
        return render(get_visible(request, model, id))

    get_row.__annotations__ = {"request": HttpRequest, "id": int, "return": Any}

    def create_row(request: HttpRequest, payload: Any) -> Any:
        return Status(201, render(create_with_form(request, model, form_class, payload.dict())))

    create_row.__annotations__ = {"request": HttpRequest, "payload": in_schema, "return": Any}

    def update_row(request: HttpRequest, payload: Any, id: int = path_id) -> Any:  # noqa: A002
        data = payload.dict()
        version = data.pop("version")
        saved = update_with_form(
            request, model, id, form_class, data, version=version, partial=False
        )
        return render(saved)

    update_row.__annotations__ = {
        "request": HttpRequest,
        "payload": update_schema,
        "id": int,
        "return": Any,
    }

    def patch_row(request: HttpRequest, payload: Any, id: int = path_id) -> Any:  # noqa: A002
        data = payload.dict(exclude_unset=True)
        version = data.pop("version")
        saved = update_with_form(
            request, model, id, form_class, data, version=version, partial=True
        )
        return render(saved)

    patch_row.__annotations__ = {
        "request": HttpRequest,
        "payload": patch_schema,
        "id": int,
        "return": Any,
    }

    def delete_row(
        request: HttpRequest,
        id: int = path_id,  # noqa: A002
        version: int = Query(..., ge=1, le=MAX_ID),
    ) -> Any:
        delete_checked(request, model, id, version)
        return {"id": id, "deleted": True}

    delete_row.__annotations__ = {"request": HttpRequest, "id": int, "version": int, "return": Any}

    name = model.__name__.lower()
    for fn, verb in (
        (list_rows, "list"),
        (get_row, "get"),
        (create_row, "create"),
        (update_row, "update"),
        (patch_row, "patch"),
        (delete_row, "delete"),
    ):
        fn.__name__ = f"{verb}_{name}"
        fn.__qualname__ = fn.__name__
    page_schema = Page[out_schema]  # type: ignore[valid-type]
    router.get("/", response={200: page_schema, **errors}, summary=f"List {label}")(list_rows)
    router.get("/{id}", response={200: out_schema, **errors}, summary=f"Get one of {label}")(
        get_row
    )
    router.post("/", response={201: out_schema, **errors}, summary=f"Create in {label}")(create_row)
    router.put("/{id}", response={200: out_schema, **errors}, summary=f"Replace in {label}")(
        update_row
    )
    router.patch("/{id}", response={200: out_schema, **errors}, summary=f"Change in {label}")(
        patch_row
    )
    router.delete("/{id}", response={200: Deleted, **errors}, summary=f"Delete from {label}")(
        delete_row
    )
