from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from evidence.models import Candidate, Evidence, SourceDocument


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ("field", "value", "start", "end", "extractor", "confidence", "project")
    raw_id_fields = ("project", "company", "event")


@admin.register(SourceDocument)
class SourceDocumentAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "publisher", "published_on", "language", "status", "created_at")
    list_filter = ("language", "status", "publisher")
    search_fields = ("title", "url", "publisher", "content_hash", "text")
    readonly_fields = ("content_hash",)
    inlines = (EvidenceInline,)


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ("field", "value", "document", "project", "extractor", "confidence")
    list_filter = ("field", "extractor")
    search_fields = ("value", "sentence")
    raw_id_fields = ("document", "project", "company", "event")


@admin.register(Candidate)
class CandidateAdmin(SimpleHistoryAdmin):
    """Read-mostly view of what the extractor proposed; reviewing happens at /review/."""

    list_display = ("__str__", "kind", "status", "document", "confidence", "reviewed_by")
    list_filter = ("kind", "status", "extractor")
    search_fields = ("record__investor", "document__title", "review_note")
    raw_id_fields = ("document", "project", "event", "reviewed_by")
    readonly_fields = ("record", "spans", "start", "end", "ordinal", "extractor")
