"""`zhaoshang cleanup_uploads [--days N] [--dry-run]`: delete stored files nothing needs.

Run it daily (cron or a systemd timer). Files of import batches older than N days go
(the batches keep their record and rows; one still waiting for its import is cancelled);
files under a registered place (core.files.register) that no record names and that are
older than N days go too — left over by an interrupted upload. Attachments are records
and stay. Files elsewhere under MEDIA_ROOT are listed, never deleted.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.files import owners


class Command(BaseCommand):
    help = "Delete uploaded files that no record needs any more (old import files, orphans)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=30, help="keep files younger than this (default 30)"
        )
        parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")

    def handle(self, *args: Any, **opts: Any) -> None:
        days: int = opts["days"]
        if days < 1:
            raise CommandError("--days must be at least 1")
        dry_run: bool = opts["dry_run"]
        cutoff = timezone.now() - dt.timedelta(days=days)
        deleted: list[str] = []
        for owner in owners():
            if owner.expire is not None:
                deleted += owner.expire(cutoff, dry_run)
        root = Path(settings.MEDIA_ROOT)
        known = {
            name
            for owner in owners()
            for name in owner.model._default_manager.exclude(**{owner.field: ""}).values_list(
                owner.field, flat=True
            )
        }
        prefixes = tuple(owner.prefix for owner in owners())
        strangers: list[str] = []
        for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []:
            name = path.relative_to(root).as_posix()
            if not name.startswith(prefixes):
                strangers.append(name)
            elif name not in known and path.stat().st_mtime < cutoff.timestamp():
                deleted.append(name)
                if not dry_run:
                    default_storage.delete(name)
        verb = "would delete" if dry_run else "deleted"
        for name in deleted:
            self.stdout.write(f"{verb} {name}")
        self.stdout.write(f"{verb} {len(deleted)} files older than {days} days")
        for name in strangers:
            self.stdout.write(f"not a registered place, left alone: {name}")
        if not dry_run:
            _remove_empty_folders(root, prefixes)


def _remove_empty_folders(root: Path, prefixes: tuple[str, ...]) -> None:
    for prefix in prefixes:
        base = root / prefix
        if not base.exists():
            continue
        for folder, _dirs, _files in sorted(os.walk(base), key=lambda w: -len(w[0])):
            if folder != str(base) and not os.listdir(folder):
                os.rmdir(folder)
