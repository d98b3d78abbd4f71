"""Money amounts and other quantities: a small grammar over normalised (NFKC, Simplified) text.

Values are :class:`decimal.Decimal` in the ORIGINAL currency (no exchange rates). Each amount is
typed by the phrase in front of (or right after) it, so that output values, revenue, registered
capital, subsidies and similar numbers are not mistaken for the investment.
All regexes are free of nested unbounded quantifiers so they run in linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# --------------------------------------------------------------------------- numerals

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def parse_cn_integer(s: str) -> int | None:
    """Parse a Chinese integer below 10^4 such as 三千四百三十五, 十四, 百, 一百二十."""
    if not s:
        return None
    total = 0
    cur: int | None = None
    for ch in s:
        if ch in _CN_DIGITS:
            if cur is not None and cur != 0:
                # "二五" style digit sequences are not a numeral we support inside amounts.
                return None
            cur = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if cur is None else cur) * _CN_UNITS[ch]
            cur = None
        else:
            return None
    if cur is not None:
        total += cur
    return total


def parse_number(s: str) -> Decimal | None:
    """Parse an Arabic (with thousands separators) or Chinese numeral, with 点 decimals."""
    s = s.replace(",", "").replace(" ", "")
    if not s:
        return None
    if s[0].isdigit():
        try:
            return Decimal(s)
        except InvalidOperation:
            return None
    if "点" in s:
        ip, _, fp = s.partition("点")
        i = parse_cn_integer(ip) if ip else 0
        if i is None or not fp or any(c not in _CN_DIGITS for c in fp):
            return None
        return Decimal(f"{i}.{''.join(str(_CN_DIGITS[c]) for c in fp)}")
    v = parse_cn_integer(s)
    return Decimal(v) if v is not None else None


# --------------------------------------------------------------------------- grammar

_NUM = (
    r"(?:\d{1,3}(?:,\d{3}){1,5}|\d{1,15})(?:\.\d{1,8})?"
    r"|[零〇一二两三四五六七八九十百千]{1,8}(?:点[零〇一二三四五六七八九]{1,4})?"
)
_MAG = r"万亿|千万|百万|十万|亿|万|兆"
_CUR_WORD = (
    r"元人民币|人民币元|人民币|新台币元|新台币|美元|美金|欧元|日元|日圆|港元|港币|英镑|瑞士法郎|瑞郎|"
    r"韩元|澳元|加元|新加坡元|卢布|兹罗提|福林|越南盾|卢比|泰铢|林吉特|元"
)
_ZH_QPRE = r"超过|超|逾|近|将近|接近|约|大约|不低于|不少于|至少|突破|最高"

ZH_AMOUNT = re.compile(
    # The lookahead lets the engine reject most positions with one character test.
    r"(?<![\d.])(?=[\d零〇一二两三四五六七八九十百千超逾近将接约大不至突最人新美港欧日])"
    rf"(?P<qpre>{_ZH_QPRE})?(?P<curpre>人民币|新台币|美元|港币|港元|欧元|日元)?"
    rf"(?P<num>{_NUM}) ?(?P<yu>余|多)?(?P<mag>{_MAG})?(?P<yu2>余|多)?"
    rf"(?:(?P<ryuan>元)?(?P<rsep>至|到|~|-|—|－)(?P<num2>{_NUM}) ?(?P<mag2>{_MAG})?)?"
    rf" ?(?P<cur>{_CUR_WORD})?(?P<qpost>以上|左右|上下|以下|以内)?"
)

_EN_SYM = (
    r"US\$|NT\$|HK\$|A\$|C\$|S\$|\$|€|£|¥|"
    r"(?:RMB|CNY|USD|EUR|GBP|JPY|HUF|PLN|CHF|HKD|TWD|SEK|NOK|DKK|KRW|INR|VND|CZK|RON|MXN|BRL|CAD|AUD|SGD)\b"
)
EN_AMOUNT = re.compile(
    r"(?P<qpre>more than|over|nearly|almost|about|approximately|around|roughly|some|at least|"
    r"up to|an estimated|close to|as much as)?\s?"
    rf"(?P<sym>{_EN_SYM})\s?(?P<num>\d{{1,3}}(?:,\d{{3}}){{1,5}}(?:\.\d{{1,8}})?|\d{{1,15}}(?:\.\d{{1,8}})?)"
    r"(?:\s?(?P<mag>trillion|billion|million|thousand|bn|mn|m|b|k)\b)?"
    r"|(?P<qpre2>more than|over|nearly|almost|about|approximately|around|some|at least|up to)?\s?"
    r"(?<![\d.,])(?P<num2>\d{1,3}(?:,\d{3}){1,5}(?:\.\d{1,8})?|\d{1,15}(?:\.\d{1,8})?)\s?"
    r"(?P<mag2>trillion|billion|million)?\s?"
    r"(?P<word>dollars|euros|yuan|renminbi|yen|pounds|zlotys|forints)\b",
    re.IGNORECASE,
)

_MAG_VAL = {
    "万亿": Decimal(10) ** 12,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "十万": Decimal(10) ** 5,
    "亿": Decimal(10) ** 8,
    "万": Decimal(10) ** 4,
    "兆": Decimal(10) ** 12,
    "trillion": Decimal(10) ** 12,
    "billion": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
    "b": Decimal(10) ** 9,
    "million": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "m": Decimal(10) ** 6,
    "thousand": Decimal(10) ** 3,
    "k": Decimal(10) ** 3,
}

_ZH_CUR = {
    "元": None,
    "元人民币": "CNY",
    "人民币元": "CNY",
    "人民币": "CNY",
    "新台币": "TWD",
    "新台币元": "TWD",
    "美元": "USD",
    "美金": "USD",
    "欧元": "EUR",
    "日元": "JPY",
    "日圆": "JPY",
    "港元": "HKD",
    "港币": "HKD",
    "英镑": "GBP",
    "瑞士法郎": "CHF",
    "瑞郎": "CHF",
    "韩元": "KRW",
    "澳元": "AUD",
    "加元": "CAD",
    "新加坡元": "SGD",
    "卢布": "RUB",
    "兹罗提": "PLN",
    "福林": "HUF",
    "越南盾": "VND",
    "卢比": "INR",
    "泰铢": "THB",
    "林吉特": "MYR",
}
_EN_CUR = {
    "US$": "USD",
    "$": "USD",
    "NT$": "TWD",
    "HK$": "HKD",
    "A$": "AUD",
    "C$": "CAD",
    "S$": "SGD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "rmb": "CNY",
    "dollars": "USD",
    "euros": "EUR",
    "yuan": "CNY",
    "renminbi": "CNY",
    "yen": "JPY",
    "pounds": "GBP",
    "zlotys": "PLN",
    "forints": "HUF",
}

_ZH_QUAL = {
    "超过": "over",
    "超": "over",
    "逾": "over",
    "突破": "over",
    "余": "over",
    "多": "over",
    "近": "nearly",
    "将近": "nearly",
    "接近": "nearly",
    "约": "approx",
    "大约": "approx",
    "左右": "approx",
    "上下": "approx",
    "不低于": "at_least",
    "不少于": "at_least",
    "至少": "at_least",
    "以上": "at_least",
    "最高": "upper",
    "以下": "upper",
    "以内": "upper",
}
_EN_QUAL = {
    "more than": "over",
    "over": "over",
    "nearly": "nearly",
    "almost": "nearly",
    "close to": "nearly",
    "about": "approx",
    "approximately": "approx",
    "around": "approx",
    "roughly": "approx",
    "some": "approx",
    "an estimated": "approx",
    "at least": "at_least",
    "up to": "upper",
    "as much as": "upper",
}


@dataclass
class Amount:
    """A money amount found in normalised text (offsets are into the normalised text)."""

    value: Decimal
    currency: str | None  # ISO 4217; None = bare 元 (resolved later from document context)
    qualifier: str | None  # over / nearly / approx / at_least / upper / None
    start: int
    end: int
    text: str
    kind: str = "unknown"  # investment, output, revenue, registered_capital, subsidy, ...
    is_range: bool = False
    explicit_currency: bool = False


def _zh_match_to_amount(m: re.Match[str], text: str) -> Amount | None:
    if not (m.group("mag") or m.group("cur") or m.group("curpre") or m.group("mag2")):
        return None  # a bare number (一, 2024) is never money; skip the parse
    num = parse_number(m.group("num"))
    if num is None:
        return None
    mag = m.group("mag")
    cur_word = m.group("cur")
    curpre = m.group("curpre")
    rsep = m.group("rsep")
    mag2 = m.group("mag2")
    if rsep and not mag and mag2:
        mag = mag2  # "5至8亿元": the lower bound takes the unit of the upper one
    if rsep and not (mag2 or cur_word):
        # "2024-2025" or "1至3月": not a money range; re-read without the range part.
        return None
    if not cur_word and not curpre:
        # Without a currency only 亿-scale numbers can be money ("投资额达12亿").
        if mag not in ("亿", "万亿"):
            return None
        before = text[max(0, m.start() - 6) : m.start()]
        if not re.search(
            r"投资额?(?:达|为|约|超过|逾)?$|投资总额(?:达|为)?$|总投资(?:达|为)?$", before
        ):
            return None
    if (
        not mag
        and cur_word in (None, "元", "人民币", "新台币", "美元", "港元", "港币", "欧元")
        and not (m.group("num")[0].isdigit())
    ):
        # A bare Chinese numeral with 元 and no magnitude (e.g. 一元) is never an investment.
        return None
    if cur_word == "兆" or (mag == "兆" and cur_word is None):
        return None
    value = num * _MAG_VAL[mag] if mag else num
    currency: str | None = None
    explicit = False
    if curpre:
        currency = _ZH_CUR.get(curpre)
        explicit = True
    if cur_word and _ZH_CUR.get(cur_word):
        currency = _ZH_CUR[cur_word]
        explicit = True
    qual: str | None = None
    qpre = m.group("qpre")
    if qpre in _ZH_QUAL:
        qual = _ZH_QUAL[qpre]
    if m.group("yu") or m.group("yu2"):
        qual = "over"
    qpost = m.group("qpost")
    if qpost in _ZH_QUAL:
        qual = _ZH_QUAL[qpost]
    if rsep:
        qual = "at_least"
    return Amount(
        value=value,
        currency=currency,
        qualifier=qual,
        start=m.start(),
        end=m.end(),
        text=m.group(0),
        is_range=bool(rsep),
        explicit_currency=explicit,
    )


def _en_match_to_amount(m: re.Match[str]) -> Amount | None:
    if m.group("num") is not None:
        num = parse_number(m.group("num"))
        mag = (m.group("mag") or "").lower()
        sym = m.group("sym")
        cur = _EN_CUR.get(sym) or _EN_CUR.get(sym.lower()) or sym.upper()
        qpre = (m.group("qpre") or "").lower()
    else:
        num = parse_number(m.group("num2"))
        mag = (m.group("mag2") or "").lower()
        word = m.group("word").lower()
        cur = _EN_CUR.get(word, "")
        qpre = (m.group("qpre2") or "").lower()
    if num is None or not cur:
        return None
    if mag in ("m", "b", "k") and m.group(0).rstrip()[-1:].isalpha() is False:
        mag = ""
    value = num * _MAG_VAL[mag] if mag else num
    return Amount(
        value=value,
        currency=cur,
        qualifier=_EN_QUAL.get(qpre),
        start=m.start(),
        end=m.end(),
        text=m.group(0).strip(),
        explicit_currency=True,
    )


# --------------------------------------------------------------------------- typing

_ZH_CUES: list[tuple[str, str]] = [
    ("固定资产投资", "fixed_asset_investment"),
    ("实际使用外资", "fdi_statistic"),
    ("实际利用外资", "fdi_statistic"),
    ("利用外资", "fdi_statistic"),
    ("到位外资", "fdi_statistic"),
    ("实到外资", "fdi_statistic"),
    ("注册外资", "fdi_statistic"),
    ("合同外资", "fdi_statistic"),
    ("注册资本", "registered_capital"),
    ("注册资金", "registered_capital"),
    ("实缴资本", "registered_capital"),
    ("资本额", "registered_capital"),
    ("年产值", "output"),
    ("产值", "output"),
    ("工业总产值", "output"),
    ("产出", "output"),
    ("营业收入", "revenue"),
    ("营收", "revenue"),
    ("销售收入", "revenue"),
    ("销售额", "revenue"),
    ("年销售", "revenue"),
    ("营业额", "revenue"),
    ("收入", "revenue"),
    ("销售", "revenue"),
    ("净利润", "profit"),
    ("利润", "profit"),
    ("税收", "tax"),
    ("纳税", "tax"),
    ("税金", "tax"),
    ("补贴", "subsidy"),
    ("奖励", "subsidy"),
    ("补助", "subsidy"),
    ("资助", "subsidy"),
    ("扶持", "subsidy"),
    ("奖补", "subsidy"),
    ("支持资金", "subsidy"),
    ("融资", "financing"),
    ("估值", "valuation"),
    ("市值", "valuation"),
    ("基金规模", "fund_size"),
    ("规模", "size"),
    ("用地", "land"),
    ("一期投资", "phase"),
    ("一期", "phase"),
    ("首期", "phase"),
    ("二期", "phase"),
    ("总投资金额", "investment"),
    ("总投资额", "investment"),
    ("总投资", "investment"),
    ("投资总额", "investment"),
    ("投资金额", "investment"),
    ("投资额", "investment"),
    ("拟投资", "investment"),
    ("计划投资", "investment"),
    ("预计投资", "investment"),
    ("意向投资", "investment"),
    ("协议投资", "investment"),
    ("签约资金", "investment"),
    ("签约金额", "investment"),
    ("合同金额", "investment"),
    ("追加投资", "investment"),
    ("增资额", "investment"),
    ("增资总额", "investment"),
    ("增资", "investment"),
    ("投资", "investment"),
    ("投入", "investment"),
    ("斥资", "investment"),
    ("耗资", "investment"),
    ("合计", "investment"),
    ("共计", "investment"),
    ("总额", "investment"),
]
_ZH_CUE_RE = re.compile(
    "|".join(re.escape(c) for c, _ in sorted(_ZH_CUES, key=lambda x: -len(x[0])))
)
_ZH_CUE_KIND = dict(_ZH_CUES)
_ZH_AFTER_RE = re.compile(
    r"^[^,;。]{0,8}?(奖励|补贴|补助|资助|扶持|规模|的一次性奖励|产值|营收|销售额|的开工补助)"
    r"|^(?:以上|以下)?(?:的)?(?:项目|重点项目|产业项目|重大项目|外资项目)"
)

_EN_NEG_BEFORE = re.compile(
    r"(revenue|revenues|sales|turnover|subsid\w*|grants?|incentives?|tax credits?|credits|"
    r"support|funding|wages?|salar\w*|profit|valuation|loan|abatement|fine|budget|market)"
    r"\W+(?:\w+\W+){0,3}$",
    re.IGNORECASE,
)
_EN_NEG_AFTER = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:in\s+)?(?:federal\s+|state\s+|conditional\s+|non-refundable\s+|cash\s+)?"
    r"(subsid\w*|grants?|incentives?|tax credits?|credits|support|funding|revenue|sales|"
    r"per hour|an hour|a year in|fund\b)",
    re.IGNORECASE,
)
_EN_INV_BEFORE = re.compile(
    r"(invest\w*|spend\w*|capex|capital expenditure|build\w*|plans?|on|at its|in|a|an|its|"
    r"adding|expansion|project|worth)\W+(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)
_EN_INV_AFTER = re.compile(
    r"^\W*(?:[\w-]+\W+){0,3}?(plant|facility|factory|fab|project|investment|expansion|site|"
    r"campus|center|centre|complex|mill|hub|of investment)",
    re.IGNORECASE,
)


def classify_zh(text: str, a: Amount) -> str:
    """Type an amount from the nearest cue in front of it, or a cue right after it."""
    after = text[a.end : a.end + 12]
    m_after = _ZH_AFTER_RE.search(after)
    if m_after and m_after.group(1):
        w = m_after.group(1)
        if "规模" in w:
            return "size"
        if "产值" in w:
            return "output"
        if "营收" in w or "销售" in w:
            return "revenue"
        return "subsidy"
    if (
        m_after
        and re.search(r"项目$", m_after.group(0))
        and (a.qualifier in ("at_least", "upper") or re.match(r"^(?:以上|以下)", after))
    ):
        return "threshold"
    lo = a.start
    while lo > 0 and a.start - lo < 18 and text[lo - 1] not in ",;。!?:\n":
        lo -= 1
    window = text[lo : a.start]
    best: tuple[int, str] | None = None
    for m in _ZH_CUE_RE.finditer(window):
        best = (m.end(), _ZH_CUE_KIND[m.group(0)])
    if best is not None:
        kind = best[1]
        if kind == "investment" and a.qualifier == "upper" and "最高" in a.text:
            return "subsidy"
        return kind
    if a.qualifier == "upper" and "最高" in a.text:
        return "subsidy"
    return "unknown"


def classify_en(text: str, a: Amount) -> str:
    before = text[max(0, a.start - 40) : a.start]
    after = text[a.end : a.end + 40]
    if re.match(r"^\s*\)", after) and re.search(
        r"\((?:about|approximately|around|or|roughly)?\s*$", before
    ):
        return "equivalent"
    if _EN_NEG_AFTER.search(after):
        return "subsidy" if not re.search(r"revenue|sales", after[:20], re.I) else "revenue"
    m = _EN_NEG_BEFORE.search(before)
    if m:
        w = m.group(1).lower()
        if w.startswith(("revenue", "sales", "turnover")):
            return "revenue"
        if w.startswith(("wage", "salar")):
            return "wage"
        return "subsidy"
    if re.search(r"first phase|phase one|initial phase", before, re.I):
        return "phase"
    if _EN_INV_AFTER.search(after) or _EN_INV_BEFORE.search(before):
        return "investment"
    return "unknown"


_WESTERN_HINT = re.compile(r"[$€£]|million|billion|\b(?:USD|EUR|GBP|CHF|HKD|JPY|RMB)\b", re.I)


def find_amounts(text: str, language: str) -> list[Amount]:
    """All money amounts in normalised ``text``, typed by context."""
    out: list[Amount] = []
    if language == "en":
        for m in EN_AMOUNT.finditer(text):
            a = _en_match_to_amount(m)
            if a is not None:
                lead = len(m.group(0)) - len(m.group(0).lstrip())
                a.start += lead
                a.kind = classify_en(text, a)
                out.append(a)
        # Chinese-style amounts can also appear in English text rarely; ignore them.
        return out
    for m in ZH_AMOUNT.finditer(text):
        if not m.group("num"):
            continue
        a = _zh_match_to_amount(m, text)
        if a is None:
            continue
        a.kind = classify_zh(text, a)
        out.append(a)
    # Western notation inside Chinese text ("US$5 million", "€30 million"); the regex is only
    # run when a cheap substring test says it can match.
    if not _WESTERN_HINT.search(text):
        out.sort(key=lambda x: x.start)
        return out
    covered: set[int] = set()
    for o in out:
        covered.update(range(o.start, o.end))
    for m in EN_AMOUNT.finditer(text):
        if m.group("num") is None or m.group("sym") in ("¥",):
            continue
        a = _en_match_to_amount(m)
        if a is None or not m.group("mag"):
            continue
        if any(i in covered for i in range(a.start, a.end)):
            continue
        a.kind = classify_zh(text, a)
        out.append(a)
    out.sort(key=lambda x: x.start)
    return out


# --------------------------------------------------------------------------- other quantities


@dataclass
class Quantity:
    """A non-money figure we recognise so it is not misread (jobs, capacity, area)."""

    kind: str  # jobs, capacity, area
    value: Decimal
    unit: str
    start: int
    end: int
    text: str


_QTY_ZH = re.compile(
    rf"(?<![\d.])(?P<num>{_NUM}) ?(?P<yu>余|多)?(?P<mag>万|亿)?(?P<yu2>余|多)?"
    r"(?P<unit>个就业岗位|个岗位|个就业机会|个职位|名员工|人|个|平方米|平米|亩|吨|万吨|件|套|台|GW|MW|GWh|公顷)"
)
_QTY_EN = re.compile(
    r"(?<![\d.,])(?P<num>\d{1,3}(?:,\d{3}){1,5}|\d{1,15}(?:\.\d{1,8})?)\s?"
    r"(?P<mag>million|thousand)?[\s-]?"
    r"(?P<unit>new jobs|jobs|workers|employees|people|square[\s-]feet|square[\s-]foot|sq ft|"
    r"acres|tonnes|tons|GWh|GW)\b",
    re.IGNORECASE,
)


def find_quantities(text: str, language: str) -> list[Quantity]:
    out: list[Quantity] = []
    rx = _QTY_EN if language == "en" else _QTY_ZH
    for m in rx.finditer(text):
        num = parse_number(m.group("num"))
        if num is None:
            continue
        mag = m.group("mag")
        if mag:
            num *= _MAG_VAL.get(mag.lower(), Decimal(1))
        unit = m.group("unit").lower()
        before = text[max(0, m.start() - 8) : m.start()]
        if language == "en":
            if "job" in unit or unit in ("workers", "employees", "people"):
                kind = "jobs"
            elif "feet" in unit or "foot" in unit or unit in ("sq ft", "acres"):
                kind = "area"
            else:
                kind = "capacity"
        else:
            if (
                "岗位" in unit
                or "就业" in unit
                or "职位" in unit
                or "员工" in unit
                or (unit in ("人", "个") and re.search(r"就业|员工|岗位|职工|人员", before))
            ):
                kind = "jobs"
            elif unit in ("平方米", "平米", "亩", "公顷"):
                kind = "area"
            elif unit in ("吨", "万吨", "件", "套", "台", "gw", "mw", "gwh"):
                kind = "capacity"
            else:
                continue
        out.append(Quantity(kind, num, unit, m.start(), m.end(), m.group(0)))
    return out
