"""/api/v1/projects: list (ProjectFilterSet), detail, create, update, patch, delete, stage moves,
stage history and permission-aware totals; /api/v1/stages."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest
from django.utils.timezone import localdate as today
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from accounts.policy import investor_visibility_key, restrict, restriction_key
from core.api.auth import actor
from core.api.crud import (
    MAX_ID,
    Deleted,
    Page,
    PageQuery,
    create_with_form,
    delete_checked,
    filter_key,
    filter_query_schema,
    get_visible,
    paginate_cached,
    run_filterset,
    update_with_form,
)
from core.api.errors import ERROR_STATUSES, ApiError, ErrorOut
from core.api.schemas import visible_hints
from core.concurrency import StaleVersion
from core.context import change_context
from core.sqlcache import prepared_values
from ingest.dedupe import check_new_project
from projects.filtersets import ProjectFilterSet
from projects.forms import ProjectForm
from projects.models import Project, Stage, StageChange
from projects.schemas import (
    BRIEF_VALUES,
    DETAIL_VALUES,
    FULL_ONLY,
    FULL_RELATED,
    ProjectBrief,
    ProjectCreated,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    ProjectUpdate,
    StageChangeOut,
    StageMoveIn,
    TotalsOut,
    project_brief_row,
    project_out,
    project_out_row,
)
from projects.services import create_project, move_stage

router = Router(tags=["projects"])
stages_router = Router(tags=["stages"])

if TYPE_CHECKING:  # generated at import time; type checkers see the base
    ProjectQuery = PageQuery
else:
    ProjectQuery = filter_query_schema(ProjectFilterSet, "ProjectQuery")
ERRORS: dict[int, Any] = {code: ErrorOut for code in ERROR_STATUSES}
PK = Path(..., ge=1, le=MAX_ID)


def _full(pk: int) -> Project:
    return Project.objects.select_related(*FULL_RELATED).only(*FULL_ONLY).get(pk=pk)


@router.get("/", response={200: Page[ProjectBrief], **ERRORS}, summary="List projects")
def list_projects(request: HttpRequest, filters: Query[ProjectQuery]) -> Any:
    """Projects the user may see, filtered by the same FilterSet as the project list page."""
    user = actor(request)

    def build() -> QuerySet[Project]:
        # Codes resolved to ids first, so the (district, stage, …) indexes serve count and page.
        return run_filterset(
            request, ProjectFilterSet, restrict(Project, user, "view"), resolve_keys=True
        )

    # A filter on the investor also depends on whose investors the user may see (the owner's
    # own confidential projects), which the restriction key does not say.
    investors = (
        investor_visibility_key(user)
        if ProjectFilterSet.investor_params().intersection(request.GET)
        else None
    )
    return paginate_cached(
        # The stale filter compares with today's date.
        (
            "projects.list",
            restriction_key(user, Project, "view"),
            investors,
            filter_key(request),
            today(),
        ),
        build,
        page=filters.page,
        page_size=filters.page_size,
        render=lambda row: project_brief_row(row, user),
        values=BRIEF_VALUES,
    )


class TotalsQuery(ProjectQuery):
    by: str | None = Field(None, description="group by: stage, district, industry or zone")


_GROUPS = {
    "stage": ("stage__code", "stage__name_zh_hans"),
    "district": ("district__code", "district__name_zh_hans"),
    "industry": ("industry__code", "industry__name_zh_hans"),
    "zone": ("zone__slug", "zone__name_zh_hans"),
}


@router.get("/totals", response={200: TotalsOut, **ERRORS}, summary="Project totals")
def project_totals(request: HttpRequest, filters: Query[TotalsQuery]) -> Any:
    """Count and amount over the projects the user may aggregate, optionally grouped.

    District officers without the city-wide grant get totals over their own scope only.
    """
    by = filters.by
    if by is not None and by not in _GROUPS:
        raise ApiError(422, _("Unknown grouping."), fields={"by": [", ".join(_GROUPS)]})
    qs = restrict(Project, actor(request), "aggregate")
    qs = run_filterset(request, ProjectFilterSet, qs).order_by()
    zero = Decimal("0")
    totals = qs.aggregate(n=Count("pk"), amount=Coalesce(Sum("amount_cny"), zero))
    groups = []
    if by:
        key, name = _GROUPS[by]
        rows = (
            qs.values(key, name)
            .annotate(n=Count("pk"), amount=Coalesce(Sum("amount_cny"), zero))
            .order_by(key)
        )
        groups = [
            {
                "key": row[key] or "",
                "name": row[name] or "",
                "count": row["n"],
                "amount_cny": row["amount"],
            }
            for row in rows
        ]
    return {"count": totals["n"], "amount_cny": totals["amount"], "by": by, "groups": groups}


def _detail_query(pk: int, restricted: QuerySet[Project]) -> QuerySet[Project]:
    # order_by(): a lookup by primary key must not make the database walk an ordering index.
    return restricted.filter(pk=pk).order_by().values(*DETAIL_VALUES)[:1]


@router.get("/{id}", response={200: ProjectOut, **ERRORS}, summary="Get a project")
def get_project(request: HttpRequest, id: int = PK) -> Any:  # noqa: A002
    """One project the user may view (404 otherwise), read by one prepared query: its SQL,
    restriction included, is compiled once per restriction (core.sqlcache)."""
    user = actor(request)
    rows = prepared_values(
        ("projects.detail", restriction_key(user, Project, "view")),
        lambda pk: _detail_query(pk, restrict(Project, user, "view")),
        [(Project._meta.pk, id)],
    )
    if not rows:
        raise Http404
    return project_out_row(rows[0], user)


@router.post("/", response={201: ProjectCreated, **ERRORS}, summary="Create a project")
def create(request: HttpRequest, payload: ProjectIn) -> Any:
    """Validated by ProjectForm; the first stage is recorded by projects.services.

    The answer lists existing projects that may be the same one (same investor and
    district, amount within 10%, dates within 180 days); each pair also goes on the
    duplicate review list.
    """
    user = actor(request)

    def save(form: Any) -> Project:
        return create_project(user=user, **form.cleaned_data)

    project = create_with_form(request, Project, ProjectForm, payload.dict(), save=save)
    data = project_out(_full(project.pk), user)
    data["possible_duplicates"] = visible_hints(Project, user, check_new_project(project))
    return Status(201, data)


@router.put("/{id}", response={200: ProjectOut, **ERRORS}, summary="Replace a project")
def update(request: HttpRequest, payload: ProjectUpdate, id: int = PK) -> Any:  # noqa: A002
    data = payload.dict()
    project = update_with_form(
        request, Project, id, ProjectForm, data, version=data.pop("version"), partial=False
    )
    return project_out(_full(project.pk), actor(request))


@router.patch("/{id}", response={200: ProjectOut, **ERRORS}, summary="Change some fields")
def patch(request: HttpRequest, payload: ProjectPatch, id: int = PK) -> Any:  # noqa: A002
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    project = update_with_form(
        request, Project, id, ProjectForm, data, version=version, partial=True
    )
    return project_out(_full(project.pk), actor(request))


@router.delete("/{id}", response={200: Deleted, **ERRORS}, summary="Delete a project")
def delete(
    request: HttpRequest,
    id: int = PK,
    version: int = Query(..., ge=1, le=MAX_ID),  # noqa: A002
) -> Any:
    delete_checked(request, Project, id, version)
    return {"id": id, "deleted": True}


@router.post("/{id}/stage", response={200: ProjectOut, **ERRORS}, summary="Move to a stage")
def move(request: HttpRequest, payload: StageMoveIn, id: int = PK) -> Any:  # noqa: A002
    """Stage transitions go through projects.services.move_stage (the only place they happen)."""
    user = actor(request)
    if not restrict(Project, user, "view").filter(pk=id).exists():
        raise Http404
    if not restrict(Project, user, "change").filter(pk=id).exists():
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("You do not have permission to do this."))
    with (
        transaction.atomic(),
        change_context("api", request_id=getattr(request, "request_id", None), user=user),
    ):
        project = Project.objects.select_for_update(of=("self",)).get(pk=id)
        if project.version != payload.version:
            raise StaleVersion(project.version, payload.version)
        move_stage(
            project,
            payload.stage,
            on=payload.on,
            user=user,
            reason=payload.reason,
            note=payload.note,
            expected_version=payload.version,
        )
    return project_out(_full(id), user)


@router.get(
    "/{id}/stage-changes", response={200: list[StageChangeOut], **ERRORS}, summary="Stage history"
)
def stage_changes(request: HttpRequest, id: int = PK) -> Any:  # noqa: A002
    get_visible(request, Project, id)
    changes = (
        restrict(StageChange, actor(request), "view")
        .filter(project_id=id)
        .select_related("from_stage", "to_stage", "changed_by")
    )
    return [
        {
            "id": c.pk,
            "from_stage": c.from_stage.code if c.from_stage else None,
            "to_stage": c.to_stage.code,
            "effective_on": c.effective_on,
            "changed_at": c.changed_at,
            "changed_by": {"id": c.changed_by.pk, "username": c.changed_by.get_username()}
            if c.changed_by
            else None,
            "reason": c.reason,
            "request_id": c.request_id,
        }
        for c in changes
    ]


# ---------------------------------------------------------------------------------------------
# Stages (reference data, read-only over the API)


class StageOut(Schema):
    id: int
    code: str
    name: str
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    sequence: int
    is_won: bool
    is_lost: bool
    fold: bool
    requires_date: bool
    date_field: str


def _stage_out(stage: Stage) -> dict[str, Any]:
    return {
        "id": stage.pk,
        "code": stage.code,
        "name": stage.localized_name(),
        "name_zh_hans": stage.name_zh_hans,
        "name_zh_hant": stage.name_zh_hant,
        "name_en": stage.name_en,
        "sequence": stage.sequence,
        "is_won": stage.is_won,
        "is_lost": stage.is_lost,
        "fold": stage.fold,
        "requires_date": stage.requires_date,
        "date_field": stage.date_field,
    }


@stages_router.get("/", response={200: list[StageOut], **ERRORS}, summary="List stages")
def list_stages(request: HttpRequest) -> Any:
    return [_stage_out(s) for s in restrict(Stage, actor(request), "view").order_by("sequence")]


@stages_router.get("/{id}", response={200: StageOut, **ERRORS}, summary="Get a stage")
def get_stage(request: HttpRequest, id: int = PK) -> Any:  # noqa: A002
    return _stage_out(get_visible(request, Stage, id))
