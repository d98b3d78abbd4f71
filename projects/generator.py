"""Seeded generator of SYNTHETIC projects so every screen and benchmark has data.

Everything it writes carries `is_synthetic=True` (companies, partners, events, projects), and
names are invented from syllables, never taken from real firms. Distributions are shaped like
Shanghai's ledgers: Pudong-heavy districts, the 3+6 industries leading, many small projects and
a long tail of 百亿级 ones, and stage dates that follow each other in order.

It writes with `core.bulk.BulkWriter` (executemany) rather than the ORM, so a million projects
take minutes, not hours; synthetic rows get no per-row history records (see docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from companies.models import Company
from companies.validators import ALPHABET, credit_code_check_char
from core.bulk import (
    BulkWriter,
    analyze,
    check_references,
    deferred_indexes,
    fast_sqlite_writes,
    next_id,
    reset_sequences,
)
from core.text import fold, to_traditional
from events.models import Event
from geo.models import District, Zone
from partners.models import Partner
from projects.models import Project, Stage, StageChange
from taxonomy.models import BusinessActivity, Industry, ProjectType

T = TypeVar("T")

# Invented brand syllables (two are joined); no real company is named on purpose.
SYLLABLES = tuple(
    "华瑞启辰芯澜弘锐晟越拓远海岳峰鼎恒泰盛达融创智源睿驰迈凯诺博"
    "嘉禾锦朗翔宇航星辉耀卓维昕易捷新宏元天和联科众信德隆汇合晶微"
)
TRADES = {
    "ic": ["半导体", "微电子", "芯片科技", "集成电路"],
    "biomed": ["生物医药", "医药科技", "生物技术", "医疗器械"],
    "ai": ["智能科技", "人工智能", "机器人", "数据科技"],
    "electronics": ["电子", "光电科技", "通信技术"],
    "life_health": ["健康科技", "医疗科技"],
    "auto": ["汽车科技", "新能源汽车", "动力电池", "汽车零部件"],
    "high_end_equipment": ["智能装备", "精密机械", "航空科技", "储能科技"],
    "advanced_materials": ["新材料", "化学", "复合材料"],
    "fashion_consumer": ["消费品", "时尚", "食品"],
    "digital_economy": ["数字科技", "网络科技", "云计算"],
    "green_low_carbon": ["新能源", "环保科技", "氢能科技"],
    "services": ["投资管理", "供应链管理", "金融服务", "商务咨询"],
}
SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
FOREIGN = (
    ("US", 0.22),
    ("DE", 0.14),
    ("JP", 0.14),
    ("HK", 0.14),
    ("SG", 0.08),
    ("FR", 0.07),
    ("KR", 0.06),
    ("GB", 0.05),
    ("CH", 0.04),
    ("NL", 0.03),
    ("TW", 0.03),
)
EN_TRADES = ("Technology", "Biotech", "Energy", "Materials", "Electronics", "Medical")
EN_BRANDS = ("Nova", "Helix", "Vertex", "Aster", "Lumen", "Orbis", "Kestrel", "Solenne", "Tarn")
DISTRICT_WEIGHTS = {
    "310115": 24,
    "310112": 9,
    "310114": 8,
    "310113": 7,
    "310117": 7,
    "310118": 6,
    "310120": 6,
    "310104": 5,
    "310106": 4,
    "310105": 4,
    "310101": 4,
    "310107": 3,
    "310109": 3,
    "310110": 3,
    "310116": 4,
    "310151": 3,
}
INDUSTRY_GROUP_WEIGHTS = {
    "ic": 10,
    "biomed": 10,
    "ai": 9,
    "electronics": 7,
    "life_health": 5,
    "auto": 8,
    "high_end_equipment": 9,
    "advanced_materials": 6,
    "fashion_consumer": 4,
    "digital_economy": 8,
    "green_low_carbon": 6,
    "metaverse": 1,
    "smart_terminal": 2,
    "future_health": 1,
    "future_intelligence": 1,
    "future_energy": 1,
    "future_space": 1,
    "future_materials": 1,
    "finance": 3,
    "trade_consumption": 3,
    "shipping_logistics": 2,
    "professional_services": 2,
    "culture_media": 1,
    "real_estate_construction": 1,
}
STAGE_WEIGHTS = {
    "lead": 14,
    "contacted": 10,
    "negotiating": 14,
    "signed": 25,
    "registered": 15,
    "construction": 10,
    "operating": 8,
    "lost": 4,
}
YI = 100_000_000
LARGE_LOAD = 50_000  # from this size on, indexes are rebuilt after the load instead of per row


def _weighted(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> Callable[[], T]:
    cum: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    import bisect

    def pick() -> T:
        return items[bisect.bisect_right(cum, rng.random() * total)]

    return pick


def random_credit_code(rng: random.Random) -> str:
    # 9 = registered by the market regulator, 1 = enterprise; region 310xxx (Shanghai).
    body = "91" + "310" + rng.choice("01") + f"{rng.randrange(100):02d}"
    body += "".join(rng.choice(ALPHABET) for _ in range(17 - len(body)))
    return body + credit_code_check_char(body)


@dataclass
class GenerateResult:
    companies: int
    projects: int
    stage_changes: int
    events: int
    partners: int


def _amount(rng: random.Random) -> Decimal:
    # Log-normal around 2亿 with a long tail; rounded like published figures.
    value = math.exp(rng.gauss(math.log(2 * YI), 1.3))
    value = min(max(value, 5_000_000), 500 * YI)
    unit = 1_000_000 if value < YI else 10_000_000
    return Decimal(round(value / unit) * unit)


def _amount_text(amount: Decimal) -> str:
    yi = amount / YI
    if yi >= 1:
        return f"{yi.normalize():f}亿元"
    return f"{(amount / 10_000).normalize():f}万元"


def generate(projects: int, seed: int, *, today: dt.date | None = None) -> GenerateResult:
    """Write `projects` synthetic projects (and the companies, events, partners they need)."""
    if projects < 0:
        raise ValueError("the number of projects cannot be negative")
    with fast_sqlite_writes(), transaction.atomic():
        if projects < LARGE_LOAD:
            return _generate(projects, seed, today)
        with deferred_indexes(Company, Project, StageChange):
            return _generate(projects, seed, today)


def _generate(projects: int, seed: int, today: dt.date | None) -> GenerateResult:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    now = timezone.now()

    stages = {s.code: s for s in Stage.objects.all()}
    missing = set(STAGE_WEIGHTS) - set(stages)
    if missing:
        raise RuntimeError(f"stages missing from the database: {sorted(missing)}; run migrate")
    districts = {d.code: d for d in District.objects.filter(kind=District.Kind.DISTRICT) if d.code}
    if len(districts) < 16:
        raise RuntimeError("reference data missing: run `zhaoshang load_reference` first")
    zones_by_district: dict[int, list[int]] = {}
    for zone in Zone.objects.exclude(district=None):
        zones_by_district.setdefault(zone.district_id or 0, []).append(zone.pk)
    industries = list(Industry.objects.exclude(level=Industry.Level.GROUP))
    by_top: dict[str, list[Industry]] = {}
    for industry in industries:
        by_top.setdefault(industry.code.split(".")[0], []).append(industry)
    activities = list(BusinessActivity.objects.filter(parent=None).values_list("pk", flat=True))
    types = {t.code: t.pk for t in ProjectType.objects.all()}

    pick_district = _weighted(
        rng, list(DISTRICT_WEIGHTS), [DISTRICT_WEIGHTS[c] for c in DISTRICT_WEIGHTS]
    )
    tops = [c for c in INDUSTRY_GROUP_WEIGHTS if c in by_top]
    pick_top = _weighted(rng, tops, [INDUSTRY_GROUP_WEIGHTS[c] for c in tops])
    pick_stage = _weighted(rng, list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values()))
    pick_country = _weighted(rng, [c for c, _ in FOREIGN], [w for _, w in FOREIGN])
    type_codes = [
        c for c in ("new", "expansion", "relocation", "joint_venture", "acquisition") if c in types
    ]
    pick_type = _weighted(rng, type_codes, [70, 15, 6, 6, 3][: len(type_codes)])

    # Partners and events first: projects refer to them.
    n_partners = 0 if projects == 0 else min(60, max(5, projects // 2000))
    partner_ids = _make_partners(rng, n_partners, now)
    n_events = 0 if projects == 0 else min(1500, max(3, projects // 400))
    event_rows = _make_events(rng, n_events, today, districts, now)

    # Companies: about one per three projects, reused by several projects like real groups.
    n_companies = max(1, projects // 3) if projects else 0
    company_ids, company_trade = _make_companies(rng, n_companies, now)

    project_writer = BulkWriter(Project, PROJECT_COLUMNS, batch=5000)
    change_writer = BulkWriter(StageChange, CHANGE_COLUMNS, batch=10000)
    first_project = next_id(Project)
    start_day = today - dt.timedelta(days=4 * 365)
    span_days = (today - start_day).days
    order = [
        "lead",
        "contacted",
        "negotiating",
        "signed",
        "registered",
        "construction",
        "operating",
    ]
    stage_ids = {code: stages[code].pk for code in stages}
    changes = 0

    for offset in range(projects):
        pid = first_project + offset
        company_index = rng.randrange(n_companies)
        investor = company_ids[company_index]
        top = company_trade[company_index] if rng.random() < 0.8 else pick_top()
        industry = rng.choice(by_top.get(top) or by_top[pick_top()])
        dcode = pick_district()
        district = districts[dcode]
        zone_choices = zones_by_district.get(district.pk)
        zone_id = rng.choice(zone_choices) if zone_choices and rng.random() < 0.35 else None
        stage_code = pick_stage()
        amount = _amount(rng)
        estimated = rng.random() < 0.08
        foreign = rng.random() < 0.22
        origin = (
            "foreign"
            if foreign
            else rng.choice(("out_of_province", "out_of_province", "in_city", "in_province"))
        )
        country = pick_country() if foreign else ""
        ptype = pick_type()

        # Pick the latest milestone in the last four years, then walk back along the path so
        # dates increase stage by stage and none lies in the future.
        reached = order.index(stage_code) if stage_code != "lost" else rng.randrange(0, 4)
        path = order[: reached + 1] + (["lost"] if stage_code == "lost" else [])
        day = start_day + dt.timedelta(days=rng.randrange(span_days))
        dates: dict[str, dt.date] = {}
        for code in reversed(path):
            dates[code] = day
            gap = (
                rng.randrange(20, 200)
                if code in ("signed", "registered")
                else rng.randrange(30, 320)
            )
            day -= dt.timedelta(days=gap)
        last_day = dates[path[-1]]
        previous = None
        for code in path:
            change_writer.add(
                (
                    pid,
                    stage_ids[previous] if previous else None,
                    stage_ids[code],
                    dates[code],
                    now,
                    "",
                )
            )
            previous = code
            changes += 1

        counted = rng.random() > 0.03
        name = f"{_brand_of(company_index, rng)}{industry.name_zh_hans}{rng.choice(PROJECT_WORDS)}"
        project_writer.add(
            (
                pid,
                now,
                now,
                1,
                name,
                investor,
                origin,
                country,
                rng.random() < 0.04,
                amount,
                amount,
                "CNY",
                ("约" if estimated else "") + _amount_text(amount),
                estimated,
                amount
                if stage_code in ("signed", "registered", "construction", "operating")
                else None,
                (amount / 7).quantize(Decimal("1")) if foreign else None,
                (amount * Decimal("0.4")).quantize(Decimal("1")) if ptype == "expansion" else None,
                district.pk,
                zone_id,
                industry.pk,
                rng.choice(activities) if activities else None,
                types[ptype],
                stage_ids[stage_code],
                last_day,
                dates.get("signed"),
                dates.get("registered"),
                dates.get("construction"),
                dates.get("operating"),
                last_day,
                False,
                False,
                "项目方调整投资计划" if stage_code == "lost" else "",
                rng.choices("ABC", weights=(2, 5, 3))[0],
                "",
                rng.choice(("news", "partner", "event", "visit", "enquiry", "existing")),
                (
                    partner_ids[rng.randrange(len(partner_ids))]
                    if partner_ids and rng.random() < 0.06
                    else None
                ),
                _event_for(rng, event_rows, dates.get("signed")),
                counted,
                "" if counted else "不符合亿元以上项目认定口径",
                True,
            )
        )
    project_writer.flush()
    change_writer.flush()
    check_references(Company, Partner, Event, Project, StageChange)
    reset_sequences(Company, Partner, Event, Project, StageChange)
    analyze(Company, Partner, Event, Project, StageChange)
    return GenerateResult(n_companies, projects, changes, n_events, n_partners)


PROJECT_WORDS = ("项目", "总部项目", "研发中心项目", "生产基地项目", "扩产项目", "创新中心项目")
PROJECT_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "version",
    "name",
    "investor_id",
    "origin",
    "source_country",
    "confidential",
    "amount_cny",
    "amount_original",
    "currency",
    "amount_text",
    "amount_is_estimated",
    "contracted_amount_cny",
    "foreign_capital_usd",
    "increment_cny",
    "district_id",
    "zone_id",
    "industry_id",
    "business_activity_id",
    "project_type_id",
    "stage_id",
    "stage_entered_on",
    "signed_on",
    "registered_on",
    "construction_on",
    "operating_on",
    "last_progress_on",
    "on_hold",
    "withdrawn",
    "lost_reason",
    "priority",
    "owner_unit",
    "lead_source",
    "referring_partner_id",
    "signing_event_id",
    "counted_in_stats",
    "exclusion_reason",
    "is_synthetic",
)
CHANGE_COLUMNS = (
    "project_id",
    "from_stage_id",
    "to_stage_id",
    "effective_on",
    "changed_at",
    "reason",
)

_brands: list[str] = []


def _brand_of(index: int, rng: random.Random) -> str:
    return _brands[index] if index < len(_brands) else rng.choice(SYLLABLES) * 2


def _make_companies(
    rng: random.Random, count: int, now: dt.datetime
) -> tuple[list[int], list[str]]:
    writer = BulkWriter(
        Company,
        (
            "id",
            "created_at",
            "updated_at",
            "version",
            "name_zh_hans",
            "name_zh_hant",
            "name_en",
            "aliases",
            "search_key",
            "credit_code",
            "country",
            "website",
            "notes",
            "is_synthetic",
        ),
        batch=5000,
    )
    first = next_id(Company)
    ids: list[int] = []
    trades: list[str] = []
    _brands.clear()
    seen: set[str] = (
        set(Company.objects.values_list("name_zh_hans", flat=True)) if first > 1 else set()
    )
    taken_codes: set[str | None] = (
        set(Company.objects.exclude(credit_code=None).values_list("credit_code", flat=True))
        if first > 1
        else set()
    )
    trade_keys = list(TRADES)
    for i in range(count):
        trade_key = rng.choice(trade_keys)
        brand = rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
        region = "上海" if rng.random() < 0.6 else ""
        name = f"{region}{brand}{rng.choice(TRADES[trade_key])}{rng.choice(SUFFIXES)}"
        if name in seen:
            name = f"{region}{brand}{rng.choice(SYLLABLES)}{rng.choice(TRADES[trade_key])}有限公司"
        if name in seen:
            name = f"{brand}{i}号{rng.choice(TRADES[trade_key])}有限公司"
        seen.add(name)
        hant = to_traditional(name)
        english = (
            f"{rng.choice(EN_BRANDS)} {brand and 'Tech'} Co., Ltd." if rng.random() < 0.2 else ""
        )
        code = random_credit_code(rng) if rng.random() < 0.5 else None
        if code is not None:
            # A run into a database that already holds companies must not reuse their codes.
            while code in taken_codes:
                code = random_credit_code(rng)
            taken_codes.add(code)
        writer.add(
            (
                first + i,
                now,
                now,
                1,
                name,
                hant,
                english,
                [brand],
                "|".join(
                    dict.fromkeys(
                        k for k in (fold(name), fold(hant), fold(english), fold(brand)) if k
                    )
                ),
                code,
                "CN",
                "",
                "",
                True,
            )
        )
        ids.append(first + i)
        trades.append(trade_key)
        _brands.append(brand)
    writer.flush()
    return ids, trades


def _make_partners(rng: random.Random, count: int, now: dt.datetime) -> list[int]:
    kinds = [k for k, _ in Partner.Kind.choices]
    first = next_id(Partner)
    existing = set(Partner.objects.values_list("name_zh_hans", flat=True))
    writer = BulkWriter(
        Partner,
        (
            "id",
            "created_at",
            "updated_at",
            "version",
            "name_zh_hans",
            "name_zh_hant",
            "name_en",
            "kind",
            "country",
            "year_joined",
            "domains",
            "contact",
            "notes",
            "is_synthetic",
        ),
    )
    ids = []
    for i in range(count):
        name = f"{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}合作伙伴(合成){first + i}号"
        if name in existing:
            continue
        writer.add(
            (
                first + i,
                now,
                now,
                1,
                name,
                to_traditional(name),
                f"Synthetic Partner {first + i}",
                rng.choice(kinds),
                rng.choice(("CN", "US", "DE", "JP", "SG")),
                rng.randrange(2019, 2026),
                [],
                "",
                "",
                True,
            )
        )
        ids.append(first + i)
    writer.flush()
    return ids


def _make_events(
    rng: random.Random,
    count: int,
    today: dt.date,
    districts: dict[str, District],
    now: dt.datetime,
) -> list[tuple[int, dt.date]]:
    first = next_id(Event)
    writer = BulkWriter(
        Event,
        (
            "id",
            "created_at",
            "updated_at",
            "version",
            "name",
            "name_en",
            "kind",
            "date",
            "venue",
            "organiser",
            "district_id",
            "announced_project_count",
            "announced_total_cny",
            "announced_total_text",
            "notes",
            "is_synthetic",
        ),
    )
    rows: list[tuple[int, dt.date]] = []
    codes = list(districts)
    for i in range(count):
        day = today - dt.timedelta(days=rng.randrange(4 * 365))
        district = districts[rng.choice(codes)]
        writer.add(
            (
                first + i,
                now,
                now,
                1,
                f"{day.year}年{district.short_name}重点项目集中签约活动(合成){i + 1}",
                "",
                rng.choice(("signing", "conference", "cloud_signing", "roadshow")),
                day,
                "",
                f"{district.name_zh_hans}投资促进办公室",
                district.pk,
                None,
                None,
                "",
                "",
                True,
            )
        )
        rows.append((first + i, day))
    writer.flush()
    rows.sort(key=lambda r: r[1])
    return rows


def _event_for(
    rng: random.Random, events: list[tuple[int, dt.date]], signed: dt.date | None
) -> int | None:
    if signed is None or not events or rng.random() > 0.3:
        return None
    import bisect

    index = bisect.bisect_left(events, signed, key=lambda r: r[1])
    if index < len(events) and events[index][1] == signed:
        return events[index][0]
    # Credit to the nearest earlier event within a month; otherwise none.
    if index and (signed - events[index - 1][1]).days <= 30:
        return events[index - 1][0]
    return None


def describe(result: GenerateResult) -> dict[str, Any]:
    return result.__dict__.copy()
