"""Template helpers for the workspace: money in 亿元/万元, names, staleness, query strings."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import policy

register = template.Library()

YI = Decimal("100000000")
WAN = Decimal("10000")


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _grouped(number: Decimal, places: int) -> str:
    quant = Decimal(1).scaleb(-places)
    return "{:,.{p}f}".format(number.quantize(quant, rounding=ROUND_HALF_UP), p=places)


def format_yuan(value: Any, language: str | None = None) -> str:
    """Yuan as officers read them: 亿元 from 1亿 up, 万元 below, "¥…bn / m" in English.

    Money stays Decimal all the way (no float rounding surprises on a 百亿级 total).
    """
    amount = _as_decimal(value)
    if amount is None:
        return "—"
    lang = (language or get_language() or "zh-hans").lower()
    if lang.startswith("en"):
        if abs(amount) >= Decimal("1000000000"):
            return "¥{}bn".format(_grouped(amount / Decimal("1000000000"), 2))
        if abs(amount) >= Decimal("1000000"):
            return "¥{}m".format(_grouped(amount / Decimal("1000000"), 1))
        return "¥{}".format(_grouped(amount, 0))
    yi, wan = ("億元", "萬元") if lang in {"zh-hant", "zh-tw", "zh-hk"} else ("亿元", "万元")
    if abs(amount) >= YI:
        return _grouped(amount / YI, 2) + yi
    if abs(amount) >= WAN:
        return _grouped(amount / WAN, 0) + wan
    return _grouped(amount, 0) + "元"


@register.filter
def yuan(value: Any) -> str:
    return format_yuan(value)


@register.filter
def localname(obj: Any) -> str:
    """The record's name in the current language (NamedModel.localized_name)."""
    if obj is None:
        return ""
    named = getattr(obj, "localized_name", None)
    return named() if callable(named) else str(obj)


def staleness(last_progress_on: dt.date | None, today: dt.date | None = None) -> str:
    """ "red", "yellow" or "" for a project's last progress date (settings thresholds)."""
    if last_progress_on is None:
        return ""
    # Same boundaries as ProjectFilterSet.filter_stale (last progress *before* the cutoff).
    days = ((today or timezone.localdate()) - last_progress_on).days
    if days > settings.STALE_RED_DAYS:
        return "red"
    if days > settings.STALE_YELLOW_DAYS:
        return "yellow"
    return ""


@register.filter
def stale_class(project: Any) -> str:
    """CSS class for a project's staleness; closed projects (lost, operating) never go stale."""
    stage = getattr(project, "stage", None)
    if stage is not None and (stage.is_lost or stage.fold or stage.code == "operating"):
        return ""
    level = staleness(getattr(project, "last_progress_on", None))
    return "stale-{}".format(level) if level else ""


@register.filter
def days_since(day: dt.date | None) -> int | None:
    if day is None:
        return None
    return (timezone.localdate() - day).days


@register.simple_tag(takes_context=True)
def query(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (None removes them).

    Used by sort headers and pagination so that filters stay in the URL.
    """
    request = context.get("request")
    params: QueryDict = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return "?" + encoded if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_link(context: dict[str, Any], key: str) -> str:
    """Query string that sorts by `key`, toggling the direction when it is already active."""
    request = context.get("request")
    current = request.GET.get("ordering", "") if request is not None else ""
    target = "-" + key if current == key else key
    return query(context, ordering=target, page=None)


@register.simple_tag(takes_context=True)
def sort_state(context: dict[str, Any], key: str) -> str:
    request = context.get("request")
    current = request.GET.get("ordering", "") if request is not None else ""
    if current == key:
        return "asc"
    if current == "-" + key:
        return "desc"
    return ""


# ---- access helpers (views import these too) ------------------------------------------


def can_see_investor(user: Any, project: Any) -> bool:
    """Whether `user` may see the investor of `project` (the policy's rule)."""
    return policy.can_see_investor(user, project)


def can(user: Any, perm: str) -> bool:
    """Global permission check (the policy's capabilities)."""
    return policy.can(user, perm)


@register.filter
def investor_visible(project: Any, user: Any) -> bool:
    return can_see_investor(user, project)


@register.simple_tag
def stage_label(stage: Any) -> str:
    return stage.localized_name() if stage is not None else _("unknown")


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None
