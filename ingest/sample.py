"""A synthetic project ledger (台账) as an office would keep it, for benchmarks and tests.

Deterministic for a seed: N rows with external ids, investor names drawn from a pool of
N/3 companies (so imports create and reuse companies), amounts as numbers or text with
units, and dates in the spellings offices use.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator

HEADERS = [
    "项目编号",
    "项目名称",
    "投资方",
    "总投资(万元)",
    "所属区",
    "行业",
    "功能类型",
    "项目类型",
    "阶段",
    "签约时间",
    "注册时间",
    "开工时间",
    "投产时间",
    "优先级",
    "责任单位",
    "备注",
]
DISTRICTS = [
    "徐汇",
    "浦东新区",
    "310105",
    "静安区",
    "普陀",
    "虹口区",
    "杨浦",
    "闵行区",
    "宝山",
    "嘉定区",
    "金山",
    "松江区",
    "青浦",
    "奉贤区",
    "崇明",
    "黄浦区",
]
INDUSTRIES = ["集成电路", "生物医药", "人工智能", "ic.design", "电子信息", "新型显示"]
ACTIVITIES = ["总部", "研发中心", "制造/生产基地", "销售/营运中心", ""]
TYPES = ["新设/新建", "增资/扩建", "合资/合作", ""]
STAGES = ["签约", "注册落地", "开工", "投产运营", "在谈", "接洽", "线索"]
_A = "华中新海东南北星光明晨宇天泰恒瑞嘉德安康盛博远弘达信鼎鑫峰汇联创智云芯微"
_B = ["科技", "半导体", "生物", "医药", "电子", "智能", "新材料", "能源", "机器人", "数据"]
_FORM = ["有限公司", "股份有限公司", "(上海)有限公司", "集团有限公司"]


def company_name(rng: random.Random) -> str:
    core = "".join(rng.choice(_A) for _ in range(rng.randint(2, 4)))
    return core + rng.choice(_B) + rng.choice(_FORM)


def rows(n: int, seed: int = 7) -> Iterator[list[object]]:
    rng = random.Random(seed)
    pool = [company_name(rng) for _ in range(max(1, n // 3))]
    start = dt.date(2019, 1, 1)
    for i in range(n):
        stage = rng.choice(STAGES)
        level = STAGES.index(stage)  # 0 signed … 3 operating; 4+ not signed yet
        signed = start + dt.timedelta(days=rng.randint(0, 2000)) if level < 4 else None
        later = [
            signed + dt.timedelta(days=30 * k) if signed and level < 4 and level >= k else None
            for k in (1, 2, 3)
        ]
        style = i % 4
        date_cell = _spell(signed, style)
        wan = rng.randint(500, 2_000_000)
        amount: object = wan if i % 3 else f"{wan / 10000:g}亿元"
        yield [
            f"L{seed}-{i:07d}",
            f"{rng.choice(_B)}项目{i}",
            rng.choice(pool),
            amount,
            rng.choice(DISTRICTS),
            rng.choice(INDUSTRIES),
            rng.choice(ACTIVITIES),
            rng.choice(TYPES),
            stage,
            date_cell,
            *[_spell(day, style) for day in later],
            rng.choice("ABC"),
            "投资促进办公室",
            "",
        ]


def _spell(day: dt.date | None, style: int) -> object:
    if day is None:
        return None
    if style == 0:
        return day
    if style == 1:
        return f"{day.year}年{day.month}月{day.day}日"
    if style == 2:
        return f"{day.year}.{day.month}.{day.day}"
    return f"{day.year}/{day.month}/{day.day}"


def ledger_xlsx(n: int, seed: int = 7) -> bytes:
    """The ledger as XLSX bytes, written in openpyxl's streaming mode."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(["{n}个项目台账".format(n=n)])
    ws.append(HEADERS)
    for row in rows(n, seed):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
