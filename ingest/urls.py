from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from ingest import views

app_name = "ingest"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("import/", views.index, name="import"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/mapping/", views.batch_mapping, name="batch_mapping"),
    path("batches/<int:pk>/commit/", views.batch_commit, name="batch_commit"),
    path("batches/<int:pk>/rollback/", views.batch_rollback, name="batch_rollback"),
    path("batches/<int:pk>/cancel/", views.batch_cancel, name="batch_cancel"),
    path("batches/<int:pk>/errors.xlsx", views.batch_errors, name="batch_errors"),
    path("template/<str:kind>.xlsx", views.template_file, name="template"),
    path("export/projects.<str:fmt>", views.export_projects, name="export_projects"),
    path("export/companies.<str:fmt>", views.export_companies, name="export_companies"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/scan/", views.duplicates_scan, name="duplicates_scan"),
    path("duplicates/<int:pk>/merge/", views.duplicate_merge, name="duplicate_merge"),
    path("duplicates/<int:pk>/dismiss/", views.duplicate_dismiss, name="duplicate_dismiss"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
]
