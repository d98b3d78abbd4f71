"""The one exception every spreadsheet check and reader raises for a file it will not read."""

from __future__ import annotations

from django.utils.translation import gettext as _


class FileRefused(ValueError):
    """The file as a whole cannot be read; the message says why."""


def too_many_rows(limit: int) -> FileRefused:
    return FileRefused(
        _(
            "The file has more than {limit} rows, the most one import takes. Split it into "
            "several files."
        ).format(limit=f"{limit:,}")
    )
