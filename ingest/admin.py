"""Read-only admin views of import batches, merges and duplicate suggestions (for support)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ingest.models import DuplicateSuggestion, ExternalRef, ImportBatch, MergeRecord


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(_ReadOnly):
    list_display = (
        "pk",
        "file_name",
        "kind",
        "status",
        "rows_total",
        "rows_created",
        "rows_updated",
        "rows_error",
        "created_by",
        "created_at",
    )
    list_filter = ("kind", "status")
    search_fields = ("file_name", "file_hash")


@admin.register(MergeRecord)
class MergeRecordAdmin(_ReadOnly):
    list_display = (
        "pk",
        "kind",
        "merged_id",
        "survivor_id",
        "created_by",
        "created_at",
        "undone_at",
    )
    list_filter = ("kind",)


@admin.register(DuplicateSuggestion)
class DuplicateSuggestionAdmin(_ReadOnly):
    list_display = ("pk", "kind", "first_id", "second_id", "score", "status", "found_at")
    list_filter = ("kind", "status")


@admin.register(ExternalRef)
class ExternalRefAdmin(_ReadOnly):
    list_display = ("kind", "external_id", "object_id", "batch")
    search_fields = ("external_id",)
