"""The ranges every value typed by a user must fall in: ids and calendar dates.

One place for the bounds so that filters, forms, model fields, the API schemas, the period
parser of the cockpit and the importer refuse the same values with the same message, long
before a database or `datetime` overflows (an id of 20 digits, the year 1 or 9999).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: Ids beyond this cannot exist (and JavaScript can still hold them exactly).
MAX_ID = 2**53

#: Investment-promotion records start with the People's Republic; nothing is planned past 2100.
MIN_DATE = dt.date(1949, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
MIN_YEAR, MAX_YEAR = MIN_DATE.year, MAX_DATE.year

DATE_RANGE_MESSAGE = _("Use a date between {min} and {max}; {value} is outside.")


def parse_id(text: str) -> int | None:
    """`text` as a record id (ASCII digits, 1..MAX_ID), or None when it cannot be one.

    str.isdigit() alone also accepts "²" or "١", which int() refuses or reads as another
    number; a 20-digit id overflows the database."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 16:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def date_range_message(value: Any) -> str:
    return str(DATE_RANGE_MESSAGE).format(
        min=MIN_DATE.isoformat(), max=MAX_DATE.isoformat(), value=value
    )


def in_calendar(value: dt.date) -> bool:
    """Whether a date (or the date of a datetime) lies within MIN_DATE..MAX_DATE."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return MIN_DATE <= day <= MAX_DATE


def validate_calendar_date(value: dt.date | None) -> None:
    """Model and form validator: the date lies within MIN_DATE..MAX_DATE."""
    if value is not None and not in_calendar(value):
        raise ValidationError(date_range_message(value.isoformat()), code="date_range")


def check_calendar_date(value: dt.date) -> dt.date:
    """The date itself, or ValueError naming the range (for parsers outside forms)."""
    if not in_calendar(value):
        raise ValueError(date_range_message(value.isoformat()))
    return value
