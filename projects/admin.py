from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from ingest.dedupe import check_new_project, warn_about_duplicates
from projects.forms import ProjectForm
from projects.models import PaidInCapital, Project, Stage, StageChange
from projects.services import record_initial_stage


@admin.register(Stage)
class StageAdmin(SimpleHistoryAdmin):
    list_display = ("sequence", "code", "name_zh_hans", "is_won", "is_lost", "fold", "date_field")
    list_display_links = ("code",)
    ordering = ("sequence",)


class StageChangeInline(admin.TabularInline):
    model = StageChange
    fk_name = "project"
    extra = 0
    can_delete = False
    readonly_fields = (
        "from_stage",
        "to_stage",
        "effective_on",
        "changed_by",
        "reason",
        "changed_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # stage moves go through projects.services.move_stage


class PaidInCapitalInline(admin.TabularInline):
    model = PaidInCapital
    extra = 0


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    form = ProjectForm
    list_display = (
        "name",
        "investor",
        "district",
        "industry",
        "stage",
        "amount_cny",
        "signed_on",
        "priority",
        "counted_in_stats",
    )
    list_filter = (
        "stage",
        "district",
        "priority",
        "origin",
        "counted_in_stats",
        "confidential",
        "is_synthetic",
        "industry__parent",
        "project_type",
    )
    search_fields = (
        "name",
        "investor__name_zh_hans",
        "investor__search_key",
        "amount_text",
        "external_id",
    )
    date_hierarchy = "signed_on"
    list_select_related = ("investor", "district", "industry", "stage")
    autocomplete_fields = (
        "investor",
        "ultimate_parent",
        "duplicate_of",
        "expands",
        "signing_event",
        "referring_partner",
    )
    raw_id_fields = ("owner",)
    inlines = (StageChangeInline, PaidInCapitalInline)
    readonly_fields = ("version", "stage_entered_on", "created_at", "updated_at")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class WriterProjectForm(form):  # type: ignore[valid-type, misc]
            """ProjectForm checks relations against the writer (core.forms.ScopedModelForm)."""

            def __init__(self, *args: Any, **form_kwargs: Any) -> None:
                form_kwargs.setdefault("user", user)
                super().__init__(*args, **form_kwargs)

        return WriterProjectForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # After creation the stage moves only through the stage service.
            fields += ["stage", "signed_on", "registered_on", "construction_on", "operating_on"]
        return fields

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        adding = obj.pk is None
        stage = obj.stage
        day = getattr(obj, stage.date_field) if stage.date_field else None
        if adding:
            obj.stage_entered_on = day or timezone.localdate()
            obj.last_progress_on = obj.stage_entered_on
        super().save_model(request, obj, form, change)
        if adding:
            record_initial_stage(
                obj, on=obj.stage_entered_on or timezone.localdate(), user=request.user
            )
            # Created by hand: the same duplicate check as the API, import and news review.
            warn_about_duplicates(request, "projects", check_new_project(obj))
