"""Turn raw Figures into what people read: labels, yuan, rates, and drill-down links.

Used by the cockpit page, its JSON API and the bulletin, so the three always show the same
numbers. Drill-down links use ProjectFilterSet parameter names (projects/filtersets.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from analytics import counting
from analytics.figures import Figures, Pair, Totals
from geo.models import District, Zone
from projects.choices import Origin
from projects.models import Project, Stage
from taxonomy.models import BusinessActivity, Industry, ProjectType

PROJECT_LIST = "/projects/"


def yuan(fen: int) -> str:
    return str(counting.from_fen(fen))


def yi(fen: int) -> Decimal:
    """Fen → 亿元 with two decimals (for charts and text)."""
    return (Decimal(fen) / 100 / counting.YI).quantize(Decimal("0.01"))


def pct(value: Decimal | None) -> str | None:
    return None if value is None else "{:.1f}%".format(value * 100)


def drill(**params: Any) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return PROJECT_LIST + "?" + urlencode(clean)


def period_params(period: counting.Period) -> dict[str, str]:
    return {
        "signed_from": period.start.isoformat(),
        "signed_to": period.end.isoformat(),
        "counted_in_stats": "true",
    }


def _names(model: Any, ids: Any, language: str) -> dict[int, Any]:
    # Only the naming columns: reference rows carry large JSON keyword lists.
    fields = [f for f in _NAME_FIELDS if f in {x.name for x in model._meta.fields}]
    return {obj.pk: obj for obj in model.objects.filter(pk__in=list(ids)).only(*fields)}


_NAME_FIELDS = (
    "id", "code", "slug", "name_zh_hans", "name_zh_hant", "name_en", "parent", "level",
    "sort_order", "sequence", "is_lost", "is_won",
)  # fmt: skip


def _item(key: Any, label: str, pair: Pair, url: str, **extra: Any) -> dict[str, Any]:
    n, fen = pair
    return {
        "key": key,
        "label": label,
        "count": n,
        "amount_cny": yuan(fen),
        "amount_yi": float(yi(fen)),
        "url": url,
        **extra,
    }


def totals_dict(t: Totals) -> dict[str, Any]:
    rates = t.rates()
    return {
        "signed_count": t.signed_n,
        "signed_total_cny": yuan(t.signed_fen),
        "signed_total_yi": str(yi(t.signed_fen)),
        "major_count": t.major_n,
        "major_total_cny": yuan(t.major_fen),
        "major_total_yi": str(yi(t.major_fen)),
        "registered_count": t.registered_n,
        "started_count": t.started_n,
        "performing_count": t.performing_n,
        "contracted_total_cny": yuan(t.contracted_fen),
        "paid_in_total_cny": yuan(t.paid_in_fen),
        "performing_rate": None
        if rates["performing_rate"] is None
        else str(rates["performing_rate"]),
        "landing_rate": None if rates["landing_rate"] is None else str(rates["landing_rate"]),
        "start_rate": None if rates["start_rate"] is None else str(rates["start_rate"]),
        "funding_rate": None if rates["funding_rate"] is None else str(rates["funding_rate"]),
        "median_days_to_registration": t.median_reg_days,
    }


def kpi_cards(fig: Figures, options: counting.Options) -> list[dict[str, Any]]:
    cur, prev = fig.current, fig.previous
    base = period_params(options.period)
    threshold_yi = options.major_threshold / counting.YI
    cr, pr = cur.rates(), prev.rates()

    def card(key: str, label: str, value: Any, previous: Any, display: str, url: str,
             prev_display: str = "") -> dict[str, Any]:  # fmt: skip
        return {
            "key": key,
            "label": label,
            "value": value,
            "display": display,
            "previous": previous,
            "previous_display": prev_display,
            "change": pct(counting.change(value, previous))
            if isinstance(value, int | Decimal) and isinstance(previous, int | Decimal)
            else None,
            "url": url,
        }

    def money(fen: int) -> str:
        return _("{amount}亿元").format(amount=yi(fen))

    def rate(value: Decimal | None) -> str:
        return pct(value) or "—"

    stages = list(Stage.objects.filter(is_won=True).only("code", "sequence"))
    registered = ",".join(s.code for s in stages if s.sequence >= 50)
    started = ",".join(s.code for s in stages if s.sequence >= 60)
    median = cur.median_reg_days
    pmedian = prev.median_reg_days
    return [
        card("signed_count", _("Signed projects"), cur.signed_n, prev.signed_n,
             str(cur.signed_n), drill(**base), str(prev.signed_n)),
        card("signed_total", _("Signed investment"), yi(cur.signed_fen), yi(prev.signed_fen),
             money(cur.signed_fen), drill(**base), money(prev.signed_fen)),
        card("major_count", _("Major projects (≥{t}亿元)").format(t=counting.plain(threshold_yi)),
             cur.major_n, prev.major_n, str(cur.major_n),
             drill(**base, amount_min_yi=counting.plain(threshold_yi)), str(prev.major_n)),
        card("major_total", _("Major projects' investment"), yi(cur.major_fen),
             yi(prev.major_fen), money(cur.major_fen),
             drill(**base, amount_min_yi=counting.plain(threshold_yi)), money(prev.major_fen)),
        card("registered_count", _("Registered (落地)"), cur.registered_n, prev.registered_n,
             str(cur.registered_n), drill(**base, stage=registered), str(prev.registered_n)),
        card("started_count", _("Construction started (开工)"), cur.started_n, prev.started_n,
             str(cur.started_n), drill(**base, stage=started), str(prev.started_n)),
        card("performing_rate", _("履约率"), cr["performing_rate"], pr["performing_rate"],
             rate(cr["performing_rate"]), drill(**base), rate(pr["performing_rate"])),
        card("landing_rate", _("落地率"), cr["landing_rate"], pr["landing_rate"],
             rate(cr["landing_rate"]), drill(**base, stage=registered), rate(pr["landing_rate"])),
        card("start_rate", _("开工率"), cr["start_rate"], pr["start_rate"],
             rate(cr["start_rate"]), drill(**base, stage=started), rate(pr["start_rate"])),
        card("funding_rate", _("资金到位率"), cr["funding_rate"], pr["funding_rate"],
             rate(cr["funding_rate"]), drill(**base), rate(pr["funding_rate"])),
        card("median_days", _("Median days from signing to registration"),
             None if median is None else Decimal(str(median)),
             None if pmedian is None else Decimal(str(pmedian)),
             "—" if median is None else "{:g}".format(median), drill(**base, stage=registered),
             "—" if pmedian is None else "{:g}".format(pmedian)),
    ]  # fmt: skip


def industry_tree(fig: Figures, options: counting.Options, lang: str) -> list[dict[str, Any]]:
    """3+6 groups first, each with its categories (drill-down: industry=<codes>)."""
    base = period_params(options.period)
    cats = _names(Industry, [k for k in fig.by_industry if k], lang)
    groups: dict[int, dict[str, Any]] = {}
    parents = {
        i.pk: i
        for i in Industry.objects.filter(level=Industry.Level.GROUP).only(
            "code", "name_zh_hans", "name_zh_hant", "name_en", "sort_order", "level"
        )
    }
    unknown: Pair = fig.by_industry.get(0, (0, 0))
    for cat_id, pair in fig.by_industry.items():
        cat = cats.get(cat_id)
        if cat is None:
            continue
        group = parents.get(cat.parent_id or 0) if cat.level != Industry.Level.GROUP else cat
        gid = group.pk if group else 0
        entry = groups.setdefault(
            gid,
            {
                "key": group.code if group else "",
                "label": group.localized_name(lang) if group else _("other"),
                "count": 0,
                "fen": 0,
                "order": (
                    0 if group and group.code in counting.LEADING_GROUPS else 1,
                    group.sort_order if group else 9999,
                ),
                "children": [],
            },
        )
        entry["count"] += pair[0]
        entry["fen"] += pair[1]
        entry["children"].append(
            _item(cat.code, cat.localized_name(lang), pair, drill(**base, industry=cat.code))
        )
    out = []
    for entry in sorted(groups.values(), key=lambda e: e["order"]):
        entry["children"].sort(key=lambda c: (-c["count"], c["key"]))
        codes = ",".join(c["key"] for c in entry["children"])
        item = _item(entry["key"], entry["label"], (entry["count"], entry["fen"]),
                     drill(**base, industry=codes))  # fmt: skip
        item["children"] = entry["children"]
        item["leading"] = entry["order"][0] == 0
        out.append(item)
    if unknown[0]:
        out.append(_item("", _("industry not set"), unknown, drill(**base)))
    return out


def _sorted(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda i: (-i["count"], str(i["key"])))


def _labelled(
    pairs: dict[int, Pair],
    objects: dict[int, Any],
    code_attr: str,
    param: str,
    base: dict[str, str],
    lang: str,
) -> list[dict[str, Any]]:
    """Items keyed by an id, labelled by the object's localized name, linked by its code."""
    items = []
    for key, pair in pairs.items():
        obj = objects.get(key)
        code = getattr(obj, code_attr) if obj is not None else ""
        label = obj.localized_name(lang) if obj is not None else str(_("not set"))
        items.append(_item(code, label, pair, drill(**base, **{param: code or None})))
    return _sorted(items)


def present(fig: Figures, options: counting.Options, user: Any = None) -> dict[str, Any]:
    """Everything the page, API and bulletin show, JSON-ready."""
    lang = (get_language() or "zh-hans").lower()
    base = period_params(options.period)
    districts = _names(District, [k for k in fig.by_district if k], lang)
    zones = _names(Zone, [k for k in fig.by_zone if k], lang)
    types = _names(ProjectType, [k for k in fig.by_type if k], lang)
    activities = _names(BusinessActivity, [k for k in fig.by_activity if k], lang)
    stages = {
        s.pk: s
        for s in Stage.objects.only(
            "code", "sequence", "is_lost", "name_zh_hans", "name_zh_hant", "name_en"
        )
    }
    origin_labels = dict(Origin.choices)
    yellow, red = counting.stale_cutoffs(options.today)

    by_district = _labelled(fig.by_district, districts, "code", "district", base, lang)
    by_zone = [i for i in _labelled(fig.by_zone, zones, "slug", "zone", base, lang) if i["key"]]
    by_type = _labelled(fig.by_type, types, "code", "project_type", base, lang)
    by_activity = _labelled(fig.by_activity, activities, "code", "business_activity", base, lang)
    by_origin = _sorted([
        _item(k, str(origin_labels.get(k, _("not set"))), v, drill(**base, origin=k or None))
        for k, v in fig.by_origin.items()
    ])  # fmt: skip
    domestic = [i for i in by_origin if i["key"] != Origin.FOREIGN]
    by_country = _sorted([
        _item(k, k, v, drill(**base, origin=Origin.FOREIGN, source_country=k))
        for k, v in fig.by_country.items() if k
    ])  # fmt: skip
    band_items = []
    for key, low, high, label in counting.SIZE_BANDS:
        pair = fig.bands.get(key, (0, 0))
        band_items.append(
            _item(key, str(label), pair, drill(**base, amount_min_yi=low, amount_max_yi=high))
        )
    trend = [
        _item(
            "{}-{:02d}".format(m // 100, m % 100),
            "{}-{:02d}".format(m // 100, m % 100),
            pair,
            drill(
                signed_from=dt.date(m // 100, m % 100, 1).isoformat(),
                signed_to=counting.month_end(m // 100, m % 100).isoformat(),
                counted_in_stats="true",
            ),
        )
        for m, pair in sorted(fig.trend.items())
    ]
    ordered_stages = sorted(stages.values(), key=lambda s: s.sequence)
    funnel = []
    for s in ordered_stages:
        reached = sum(
            n for sid, n in fig.funnel.items()
            if sid in stages and not stages[sid].is_lost and stages[sid].sequence >= s.sequence
        )  # fmt: skip
        funnel.append({
            "key": s.code,
            "label": s.localized_name(lang),
            "count": fig.funnel.get(s.pk, 0),
            "reached": None if s.is_lost else reached,
            "url": drill(stage=s.code, counted_in_stats="true"),
        })  # fmt: skip
    projects = Project.objects.filter(pk__in=[pk for pk, _f in fig.top] + fig.stale_list)
    by_pk = {
        p.pk: p
        for p in projects.select_related("district").only(
            "name", "signed_on", "last_progress_on", "district__name_zh_hans",
            "district__name_zh_hant", "district__name_en",
        )
    }  # fmt: skip

    def brief(pk: int, fen: int | None = None) -> dict[str, Any]:
        p = by_pk.get(pk)
        return {
            "id": pk,
            "name": p.name if p else "",
            "district": p.district.localized_name(lang) if p and p.district else "",
            "signed_on": p.signed_on.isoformat() if p and p.signed_on else None,
            "last_progress_on": p.last_progress_on.isoformat()
            if p and p.last_progress_on
            else None,
            "amount_cny": yuan(fen) if fen is not None else None,
            "amount_yi": float(yi(fen)) if fen is not None else None,
            "url": "/projects/{}/".format(pk),
        }

    return {
        "rules_version": counting.RULES_VERSION,
        "rules": counting.rules_label(),
        "options": options.describe(),
        "period_label": options.period.label(lang),
        "compare_label": options.compare.label(lang),
        "path": fig.path,
        "kpis": {"current": totals_dict(fig.current), "previous": totals_dict(fig.previous)},
        "cards": kpi_cards(fig, options),
        "industry": industry_tree(fig, options, lang),
        "district": by_district,
        "zone": by_zone,
        "funnel": funnel,
        "project_type": by_type,
        "business_activity": by_activity,
        "origin": by_origin,
        "domestic": domestic,
        "country": by_country,
        "trend": trend,
        "bands": band_items,
        "top": [brief(pk, fen) for pk, fen in fig.top],
        "stale": {
            "yellow": fig.stale_yellow,
            "red": fig.stale_red,
            "yellow_before": yellow.isoformat(),
            "red_before": red.isoformat(),
            "yellow_url": drill(stale="yellow", counted_in_stats="true"),
            "red_url": drill(stale="red", counted_in_stats="true"),
            "projects": [brief(pk) for pk in fig.stale_list],
        },
    }
