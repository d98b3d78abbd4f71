"""The quarterly bulletin (招商工作简报): a written summary computed from the data.

`build(user, options, language)` returns a `Bulletin` — title, paragraphs and tables — in
zh-Hans, zh-Hant or English. Every number comes from the same figures as the cockpit
(analytics.queries under the viewer's "aggregate" restriction) or from restricted querysets;
nothing is typed in. Renderers (reports.renderers) turn it into Markdown, HTML, DOCX and PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import translation

from analytics import counting, queries, reconcile
from analytics.figures import Figures, Pair
from analytics.scope import scope_for
from core.text import to_traditional
from events.models import Event
from geo.models import District, Zone
from partners.models import Partner
from projects.models import Project
from taxonomy.models import Industry

LANGUAGES = ("zh-Hans", "zh-Hant", "en")

COUNTRIES_ZH = {
    "US": "美国", "DE": "德国", "JP": "日本", "HK": "中国香港", "SG": "新加坡", "FR": "法国",
    "KR": "韩国", "GB": "英国", "CH": "瑞士", "NL": "荷兰", "TW": "中国台湾", "MO": "中国澳门",
    "IT": "意大利", "SE": "瑞典", "DK": "丹麦", "CA": "加拿大", "AU": "澳大利亚", "IL": "以色列",
    "BE": "比利时", "AT": "奥地利", "FI": "芬兰", "ES": "西班牙", "IE": "爱尔兰", "LU": "卢森堡",
    "NO": "挪威", "SA": "沙特阿拉伯", "AE": "阿联酋", "MY": "马来西亚", "TH": "泰国",
    "IN": "印度", "ID": "印度尼西亚", "VN": "越南", "BR": "巴西", "NZ": "新西兰",
}  # fmt: skip
COUNTRIES_EN = {
    "US": "the United States", "DE": "Germany", "JP": "Japan", "HK": "Hong Kong SAR",
    "SG": "Singapore", "FR": "France", "KR": "South Korea", "GB": "the United Kingdom",
    "CH": "Switzerland", "NL": "the Netherlands", "TW": "Taiwan", "MO": "Macao SAR",
}  # fmt: skip


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Bulletin:
    """A bulletin ready to render; `facts` keeps the raw numbers the text was written from."""

    language: str
    title: str
    subtitle: str
    lead: str
    sections: list[Section]
    footnote: str
    facts: dict[str, Any]


# ---------------------------------------------------------------- wording helpers


def _yi_text(fen: int) -> str:
    value = (Decimal(fen) / 100 / counting.YI).quantize(Decimal("0.01"))
    return counting.plain(value) if value else "0"


def _money(fen: int, en: bool) -> str:
    if en:
        billions = (Decimal(fen) / 100 / Decimal(10**9)).quantize(Decimal("0.01"))
        whole, _dot, frac = counting.plain(billions).partition(".")
        return "RMB {:,}{} billion".format(int(whole), "." + frac if frac else "")
    return "{}亿元".format(_yi_text(fen))


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else "{:.1f}%".format(value * 100)


def _yoy(current: int, previous: int, en: bool) -> str:
    delta = counting.change(current, previous)
    if delta is None:
        return "no comparable figure last year" if en else "上年同期无可比数据"
    if en:
        if delta == 0:
            return "unchanged year on year"
        return "{} {:.1f}% year on year".format("up" if delta > 0 else "down", abs(delta) * 100)
    if delta == 0:
        return "与上年同期持平"
    return "同比{}{:.1f}%".format("增长" if delta > 0 else "下降", abs(delta) * 100)


def _threshold_words(threshold: Decimal, en: bool) -> str:
    yi = counting.plain(threshold / counting.YI)
    if en:
        return "of RMB {} hundred million or more".format(yi)
    return "亿元以上" if yi == "1" else "{}亿元以上".format(yi)


def _country(code: str, en: bool) -> str:
    return (COUNTRIES_EN if en else COUNTRIES_ZH).get(code, code)


def _join(items: list[str], en: bool) -> str:
    if not items:
        return ""
    if en:
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    return "、".join(items)


def _scope_name(user: Any, en: bool, lang: str) -> str:
    scope = scope_for(user)
    if scope.kind == "all":
        return "Shanghai" if en else "上海"
    if scope.kind == "areas":
        names = [d.localized_name(lang) for d in District.objects.filter(pk__in=scope.district_ids)]
        names += [z.localized_name(lang) for z in Zone.objects.filter(pk__in=scope.zone_ids)]
        if names:
            return _join(names, en)
    return "the projects in your remit" if en else "可见范围内"


# ---------------------------------------------------------------- sections


def _industries(fig: Figures, lang: str, en: bool) -> tuple[str, list[dict[str, Any]]]:
    cats = {i.pk: i for i in Industry.objects.filter(pk__in=[k for k in fig.by_industry if k])}
    ranked = sorted(
        ((cats[k], v) for k, v in fig.by_industry.items() if k in cats),
        key=lambda kv: (-kv[1][1], -kv[1][0], kv[0].code),
    )
    leading = [
        "{} ({} projects, {})".format(c.localized_name(lang), n, _money(f, en))
        if en
        else "{}（{}个、{}）".format(c.localized_name(lang), n, _money(f, en))
        for c, (n, f) in ranked[:3]
    ]
    groups = {g.code: g for g in Industry.objects.filter(code__in=counting.LEADING_GROUPS)}
    group_sums: dict[str, list[int]] = {code: [0, 0] for code in groups}
    for cat, (n, f) in ranked:
        parent = cat.parent_id
        for code, group in groups.items():
            if parent == group.pk:
                group_sums[code][0] += n
                group_sums[code][1] += f
    parts = []
    for code in counting.LEADING_GROUPS:
        if code not in groups:
            continue
        n, f = group_sums[code]
        name = groups[code].localized_name(lang)
        parts.append(
            "{}: {} projects, {}".format(name, n, _money(f, en))
            if en
            else "{}签约{}个、总投资{}".format(name, n, _money(f, en))
        )
    if not ranked:
        return ("No signed project has an industry yet." if en else "暂无分产业数据。"), []
    if en:
        text = "By industry, {} led. {}.".format(_join(leading, en), "; ".join(parts))
    else:
        text = "分产业看，{}位居前列；{}。".format(_join(leading, en), "；".join(parts))
    rows = [
        {"code": c.code, "name": c.localized_name(lang), "count": n, "fen": f}
        for c, (n, f) in ranked
    ]
    return text, rows


def _districts(
    fig: Figures, user: Any, options: counting.Options, lang: str, en: bool
) -> tuple[str, Table]:
    districts = {d.pk: d for d in District.objects.filter(pk__in=[k for k in fig.by_district if k])}
    ranked = sorted(
        ((districts[k], v) for k, v in fig.by_district.items() if k in districts),
        key=lambda kv: (-kv[1][1], -kv[1][0], kv[0].code or ""),
    )
    leaders = [
        "{} ({} projects, {})".format(d.localized_name(lang), n, _money(f, en))
        if en
        else "{}（{}个、{}）".format(d.localized_name(lang), n, _money(f, en))
        for d, (n, f) in ranked[:3]
    ]
    # Top projects per district, from rows the viewer may see.
    rows_qs = Project.objects.restrict(user, "view")
    top_ids = [pk for pk, _fen in fig.top]
    tops = {p.pk: p for p in rows_qs.filter(pk__in=top_ids).select_related("district", "industry")}
    per_district: dict[int, list[tuple[Project, int]]] = {}
    for pk, fen in fig.top:
        p = tops.get(pk)
        if p is not None:
            per_district.setdefault(p.district_id or 0, []).append((p, fen))
    table_rows: list[list[str]] = []
    for d, _pair in ranked:
        for p, fen in per_district.get(d.pk, [])[:3]:
            table_rows.append(
                [
                    d.localized_name(lang),
                    p.name,
                    p.industry.localized_name(lang) if p.industry else "",
                    _money(fen, en),
                    p.signed_on.isoformat() if p.signed_on else "",
                ]
            )
    if not ranked:
        text = "No project was signed in the period." if en else "本期无签约项目。"
    elif en:
        text = "By district, {} signed the most investment.".format(_join(leaders, en))
    else:
        text = "分区域看，{}位列前三。".format(_join(leaders, en))
    columns = (
        ["District", "Project", "Industry", "Investment", "Signed"]
        if en
        else ["区", "项目", "产业", "投资额", "签约日期"]
    )
    title = "Top projects by district" if en else "各区重点项目"
    return text, Table(title, columns, table_rows)


def _origin(fig: Figures, en: bool) -> str:
    foreign: Pair = fig.by_origin.get("foreign", (0, 0))
    total = fig.current.signed_n
    countries = sorted(
        ((k, v) for k, v in fig.by_country.items() if k), key=lambda kv: (-kv[1][0], kv[0])
    )
    names = [_country(k, en) for k, _v in countries[:5]]
    share = counting.ratio(foreign[0], total)
    if not foreign[0]:
        return "No foreign-funded project was signed." if en else "本期无外资项目签约。"
    if en:
        return (
            "Foreign-funded projects numbered {} ({} of the total) with {}, mainly from {}."
        ).format(foreign[0], _pct(share), _money(foreign[1], en), _join(names, en))
    return "外资项目{}个，占{}，总投资{}，主要来自{}。".format(
        foreign[0], _pct(share), _money(foreign[1], en), _join(names, en)
    )


def _partners(user: Any, options: counting.Options, lang: str, en: bool) -> tuple[str, int]:
    period = options.period
    new = Partner.objects.restrict(user, "view").filter(
        registered_on__gte=period.start, registered_on__lte=period.end
    )
    names = [p.localized_name(lang) for p in new.order_by("registered_on", "pk")[:5]]
    n_new = new.count()
    referring = (
        Project.objects.restrict(user, "aggregate")
        .filter(counting.counted_q(), referring_partner__isnull=False)
        .filter(signed_on__gte=period.start, signed_on__lte=period.end)
        .aggregate(n=Count("id"), partners=Count("referring_partner", distinct=True))
    )
    if en:
        text = "{} new partner organisations registered{}; partners referred {} of the "
        text += "projects signed, through {} partners."
        text = text.format(
            n_new, " ({})".format(_join(names, en)) if names else "",
            referring["n"], referring["partners"],
        )  # fmt: skip
    else:
        text = "新增全球招商合作伙伴{}家{}；合作伙伴引荐签约项目{}个，涉及合作伙伴{}家。".format(
            n_new, "（{}等）".format("、".join(names)) if names else "",
            referring["n"], referring["partners"],
        )  # fmt: skip
    return text, n_new


def _events(user: Any, options: counting.Options, lang: str, en: bool) -> tuple[str, Table, int]:
    period = options.period
    events = Event.objects.restrict(user, "view").filter(
        date__gte=period.start, date__lte=period.end
    )
    scoped = Project.objects.restrict(user, "aggregate").filter(counting.counted_q())
    ranked = list(
        events.annotate(
            signed=Count("projects", filter=Q(projects__in=scoped)),
        )
        .filter(signed__gt=0)
        .order_by("-signed", "date", "pk")[:5]
    )
    n_events = events.count()
    rows = []
    for event in ranked:
        rec = reconcile.reconcile_event(event, user, include_estimated=options.include_estimated)
        rows.append(
            [
                event.date.isoformat(),
                event.name_en if en and event.name_en else event.name,
                str(rec.recorded_count),
                _money(counting.to_fen(rec.recorded_total_cny) or 0, en),
                "—" if rec.announced_count is None else str(rec.announced_count),
                "—"
                if rec.announced_total_cny is None
                else _money(counting.to_fen(rec.announced_total_cny) or 0, en),
            ]
        )
    if en:
        text = "{} promotion events were held; the five with the most signings are listed below."
        text = text.format(n_events)
        columns = ["Date", "Event", "Recorded", "Recorded total", "Announced", "Announced total"]
        title = "Events and their signings"
    else:
        text = "举办各类招商活动{}场，签约项目最多的活动见下表。".format(n_events)
        columns = ["日期", "活动", "记录项目数", "记录总投资", "公布项目数", "公布总投资"]
        title = "招商活动及签约情况"
    return text, Table(title, columns, rows), n_events


# ---------------------------------------------------------------- the bulletin


def build(user: Any, options: counting.Options, language: str = "zh-Hans") -> Bulletin:
    """Write the bulletin for `user`'s view of `options.period` in `language`."""
    if language not in LANGUAGES:
        raise ValueError(
            "unknown language {!r}; expected one of {}".format(language, ", ".join(LANGUAGES))
        )
    en = language == "en"
    lang = "en" if en else "zh-hans"  # zh-Hant is converted from zh-Hans at the end
    with translation.override(lang):
        fig = queries.cockpit(user, options)
        cur, prev = fig.current, fig.previous
        where = _scope_name(user, en, lang)
        period = options.period.label(lang)
        threshold = _threshold_words(options.major_threshold, en)
        rates = cur.rates()
        if en:
            title = "Investment Promotion Bulletin, {}".format(period)
            subtitle = "Scope: {}".format(where)
            lead = (
                "In {period}, {where} signed {major_n} major investment projects {threshold} "
                "with total investment of {major_total} ({major_yoy} in number). Altogether "
                "{signed_n} projects were signed with {signed_total} ({signed_yoy} in number, "
                "investment {amount_yoy})."
            ).format(
                period=period, where=where, major_n=cur.major_n, threshold=threshold,
                major_total=_money(cur.major_fen, en),
                major_yoy=_yoy(cur.major_n, prev.major_n, en),
                signed_n=cur.signed_n, signed_total=_money(cur.signed_fen, en),
                signed_yoy=_yoy(cur.signed_n, prev.signed_n, en),
                amount_yoy=_yoy(cur.signed_fen, prev.signed_fen, en),
            )  # fmt: skip
            progress = (
                "Of these, {reg} have registered (landing rate {lr}), {started} have started "
                "construction (start rate {sr}); the performance rate is {pr} and paid-in "
                "capital reached {fr} of the contracted amount. The median time from signing "
                "to registration was {days} days."
            ).format(
                reg=cur.registered_n, lr=_pct(rates["landing_rate"]), started=cur.started_n,
                sr=_pct(rates["start_rate"]), pr=_pct(rates["performing_rate"]),
                fr=_pct(rates["funding_rate"]),
                days="—" if cur.median_reg_days is None else "{:g}".format(cur.median_reg_days),
            )  # fmt: skip
            headings = ["Overview", "Industries", "Districts and major projects",
                        "Origin of investment", "Partners", "Events"]  # fmt: skip
            footnote = (
                "Counting rules {v}: each project counts once, credited to its first signing; "
                "capital increases count the increment only; excluded and merged projects do "
                "not count; estimated amounts {est}. Major-project threshold: {t}. "
                "Compared with {cmp}. Computed {today}."
            ).format(
                v=counting.RULES_VERSION,
                est="included" if options.include_estimated else "excluded",
                t=_money(counting.to_fen(options.major_threshold) or 0, en),
                cmp=options.compare.label(lang), today=options.today.isoformat(),
            )  # fmt: skip
        else:
            title = "{}招商引资工作简报".format(period)
            subtitle = "统计范围：{}".format(where)
            lead = (
                "{period}，{where}共有{major_n}个{threshold}重点招商项目签约落地，总投资{major_total}，"
                "项目数{major_yoy}；全部签约项目{signed_n}个，总投资{signed_total}，"
                "项目数{signed_yoy}，投资额{amount_yoy}。"
            ).format(
                period=period, where=where, major_n=cur.major_n, threshold=threshold,
                major_total=_money(cur.major_fen, en),
                major_yoy=_yoy(cur.major_n, prev.major_n, en),
                signed_n=cur.signed_n, signed_total=_money(cur.signed_fen, en),
                signed_yoy=_yoy(cur.signed_n, prev.signed_n, en),
                amount_yoy=_yoy(cur.signed_fen, prev.signed_fen, en),
            )  # fmt: skip
            progress = (
                "从项目推进看，已注册落地{reg}个（落地率{lr}），已开工{started}个（开工率{sr}），"
                "履约率{pr}，资金到位率{fr}；签约至注册用时中位数{days}天。"
            ).format(
                reg=cur.registered_n, lr=_pct(rates["landing_rate"]), started=cur.started_n,
                sr=_pct(rates["start_rate"]), pr=_pct(rates["performing_rate"]),
                fr=_pct(rates["funding_rate"]),
                days="—" if cur.median_reg_days is None else "{:g}".format(cur.median_reg_days),
            )  # fmt: skip
            headings = ["总体情况", "产业分布", "区域分布与重点项目", "投资来源", "合作伙伴",
                        "招商活动"]  # fmt: skip
            footnote = (
                "统计口径（计数规则{v}）：项目按首次签约计一次；增资项目只计增量；不予认定及已合并的重复"
                "项目不计；估算金额{est}；重点项目门槛{t}；对比期为{cmp}；数据生成于{today}。"
            ).format(
                v=counting.RULES_VERSION,
                est="已计入" if options.include_estimated else "未计入",
                t=_money(counting.to_fen(options.major_threshold) or 0, en),
                cmp=options.compare.label(lang), today=options.today.isoformat(),
            )  # fmt: skip

        industry_text, industry_rows = _industries(fig, lang, en)
        district_text, district_table = _districts(fig, user, options, lang, en)
        partner_text, new_partners = _partners(user, options, lang, en)
        event_text, event_table, n_events = _events(user, options, lang, en)
        sections = [
            Section(headings[0], [progress]),
            Section(headings[1], [industry_text]),
            Section(headings[2], [district_text], [district_table]),
            Section(headings[3], [_origin(fig, en)]),
            Section(headings[4], [partner_text]),
            Section(headings[5], [event_text], [event_table] if event_table.rows else []),
        ]
    bulletin = Bulletin(
        language=language,
        title=title,
        subtitle=subtitle,
        lead=lead,
        sections=sections,
        footnote=footnote,
        facts={
            "rules_version": counting.RULES_VERSION,
            "options": options.describe(),
            "path": fig.path,
            "signed_count": cur.signed_n,
            "signed_total_cny": str(counting.from_fen(cur.signed_fen)),
            "major_count": cur.major_n,
            "major_total_cny": str(counting.from_fen(cur.major_fen)),
            "previous_signed_count": prev.signed_n,
            "previous_major_count": prev.major_n,
            "industries": industry_rows[:10],
            "new_partners": new_partners,
            "events": n_events,
        },
    )
    if language == "zh-Hant":
        bulletin = _to_traditional(bulletin)
    return bulletin


def _to_traditional(b: Bulletin) -> Bulletin:
    """zh-Hant: the zh-Hans text through OpenCC (names included), numbers untouched."""
    t = to_traditional
    return Bulletin(
        language=b.language,
        title=t(b.title),
        subtitle=t(b.subtitle),
        lead=t(b.lead),
        sections=[
            Section(
                t(s.heading),
                [t(p) for p in s.paragraphs],
                [
                    Table(
                        t(tb.title),
                        [t(c) for c in tb.columns],
                        [[t(cell) for cell in row] for row in tb.rows],
                    )
                    for tb in s.tables
                ],
            )
            for s in b.sections
        ],
        footnote=t(b.footnote),
        facts=b.facts,
    )
