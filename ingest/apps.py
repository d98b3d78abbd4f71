from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ingest"

    def ready(self) -> None:
        from core import files
        from ingest.models import ImportBatch, visible_batches

        # An uploaded ledger is downloaded by its uploader and by those who may see every
        # batch (administrators): the same rule as the batch page.
        files.register(
            files.StoredFiles(
                prefix="imports/",
                model=ImportBatch,
                field="file",
                visible=visible_batches,
                download_name=lambda batch: batch.file_name,
                content_types=files.ATTACHMENT_CONTENT_TYPES,
                expire=_expire,
            )
        )


def _expire(cutoff: Any, dry_run: bool) -> list[str]:
    from ingest.engine import expire_files

    return expire_files(cutoff, dry_run=dry_run)
