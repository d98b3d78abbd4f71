"""The cockpit's options form: period (month, quarter, YTD, custom), estimated toggle,
major-project threshold. Shared by the page, the JSON API and the bulletin page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics import counting
from core.bounds import MAX_YEAR, MIN_YEAR, date_range_message


def default_period(today: dt.date | None = None) -> counting.Period:
    """The last complete quarter: what a bulletin normally reports."""
    today = today or timezone.localdate()
    q = (today.month - 1) // 3  # quarters completed this year
    if q == 0:
        return counting.parse_period("{}Q4".format(today.year - 1))
    return counting.parse_period("{}Q{}".format(today.year, q))


def _month_or_date(text: str, end: bool) -> dt.date:
    text = text.strip()
    if len(text) == 7:  # YYYY-MM from <input type="month">
        year, month = int(text[:4]), int(text[5:])
        if not 1 <= month <= 12:
            raise ValueError(text)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(date_range_message(text))
        return counting.month_end(year, month) if end else dt.date(year, month, 1)
    return dt.date.fromisoformat(text)


class CockpitForm(forms.Form):
    KINDS = [
        ("month", _("month")),
        ("quarter", _("quarter")),
        ("ytd", _("year to date")),
        ("custom", _("custom")),
    ]
    period = forms.CharField(
        label=_("period"),
        required=False,
        help_text=_("2024Q1, 2024-03, 2024YTD05, 2024, or use from/to"),
    )
    start = forms.CharField(label=_("from"), required=False)
    end = forms.CharField(label=_("to"), required=False)
    estimated = forms.ChoiceField(
        label=_("estimated amounts"),
        choices=[("include", _("included")), ("exclude", _("excluded"))],
        required=False,
    )
    threshold = forms.DecimalField(
        label=_("major-project threshold (亿元)"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start") or "", data.get("end") or ""
        try:
            if start or end:
                if not (start and end):
                    raise forms.ValidationError(_("A custom period needs both from and to."))
                period = counting.within_bounds(
                    counting.Period(
                        _month_or_date(start, end=False), _month_or_date(end, end=True), "custom"
                    )
                )
            elif data.get("period"):
                period = counting.parse_period(data["period"])
            else:
                period = default_period()
        except ValueError as exc:
            raise forms.ValidationError(
                _("Unknown period: {error}").format(error=exc), code="period"
            ) from None
        data["period_obj"] = period
        return data

    def options(self, today: dt.date | None = None) -> counting.Options:
        """Valid form → counting.Options (call after is_valid())."""
        data = self.cleaned_data
        threshold = data.get("threshold") or Decimal("1")
        return counting.Options(
            period=data["period_obj"],
            include_estimated=data.get("estimated") != "exclude",
            major_threshold=threshold * counting.YI,
            today=today or timezone.localdate(),
        )
