"""Parsing single spreadsheet cells: amounts with units, dates, booleans and plain text.

Cells arrive as whatever the reader produced (str, int, float, Decimal, date, datetime or
None). Every parser returns a Python value or raises :class:`CellError` with a message that
names the problem, so that the importer can report it per row.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext as _

from core.text import to_simplified


class CellError(ValueError):
    """A cell whose content cannot be read as the type its column needs."""


# --------------------------------------------------------------------------- text


def clean_text(value: object) -> str:
    """A cell as text: numbers without a spurious ".0", whitespace trimmed, NFC."""
    if type(value) is str:  # most cells: the same steps as below, without the type tests
        text = unicodedata.normalize("NFC", value)
        if text[:1] == "'" and text[1:2] in FORMULA_TRIGGERS:
            text = text[1:]
        return text.replace("\u3000", " ").strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFC", str(value))
    if text[:1] == "'" and text[1:2] in FORMULA_TRIGGERS:
        text = text[1:]  # our exporter's formula-injection escape
    return text.replace("\u3000", " ").strip()


#: A text cell starting with one of these is run as a formula by spreadsheet programs; the
#: exporter puts a ' in front and the importer takes it away again.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@lru_cache(maxsize=65536)
def normal(text: str) -> str:
    """NFKC + Simplified, spaces removed: the form in which we compare units and keywords."""
    return re.sub(r"\s+", "", to_simplified(unicodedata.normalize("NFKC", text)))


# --------------------------------------------------------------------------- amounts

YUAN = Decimal(1)
#: Multipliers to yuan (or to the unit of the currency) for magnitude words.
MAGNITUDES: dict[str, Decimal] = {
    "": Decimal(1),
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万": Decimal(10_000),
    "万元": Decimal(10_000),
    "百万": Decimal(1_000_000),
    "百万元": Decimal(1_000_000),
    "千万": Decimal(10_000_000),
    "千万元": Decimal(10_000_000),
    "亿": Decimal(100_000_000),
    "亿元": Decimal(100_000_000),
    "万亿": Decimal(1_000_000_000_000),
    "万亿元": Decimal(1_000_000_000_000),
}
CURRENCY_WORDS: dict[str, str] = {
    "人民币": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "美元": "USD",
    "美金": "USD",
    "usd": "USD",
    "us$": "USD",
    "$": "USD",
    "欧元": "EUR",
    "eur": "EUR",
    "€": "EUR",
    "日元": "JPY",
    "日圆": "JPY",
    "jpy": "JPY",
    "英镑": "GBP",
    "gbp": "GBP",
    "£": "GBP",
    "港元": "HKD",
    "港币": "HKD",
    "hkd": "HKD",
    "¥": "CNY",
}
_EN_MAGNITUDES: dict[str, Decimal] = {
    "k": Decimal(1000),
    "thousand": Decimal(1000),
    "m": Decimal(1_000_000),
    "mn": Decimal(1_000_000),
    "million": Decimal(1_000_000),
    "bn": Decimal(1_000_000_000),
    "b": Decimal(1_000_000_000),
    "billion": Decimal(1_000_000_000),
    "100m": Decimal(100_000_000),
    "10k": Decimal(10_000),
}
_QUALIFIERS = (
    "约",
    "逾",
    "超",
    "超过",
    "近",
    "达",
    "共",
    "合计",
    "总计",
    "不少于",
    "以上",
    "左右",
    "余",
)
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
#: Scientific notation as spreadsheet programs write large numbers into CSV (1.5E+08).
_EXPONENT = re.compile(r"^e[+-]?\d{1,6}$")

#: The money columns are DecimalField(max_digits=20, decimal_places=2) (projects.models,
#: checked by a test): at most 18 digits before the point. A larger cell is a row error,
#: not a database error.
AMOUNT_MAX_DIGITS = 20
AMOUNT_DECIMAL_PLACES = 2
MAX_AMOUNT = Decimal(10) ** (AMOUNT_MAX_DIGITS - AMOUNT_DECIMAL_PLACES) - Decimal("0.01")


@dataclass(frozen=True)
class Unit:
    """A column's or cell's money unit: a multiplier and a currency."""

    multiplier: Decimal = YUAN
    currency: str = "CNY"
    explicit: bool = False  # whether the text named the unit at all

    def label(self) -> str:
        words = {v: k for k, v in MAGNITUDES.items() if k.endswith("元") or k == ""}
        base = words.get(self.multiplier, str(self.multiplier))
        if self.currency != "CNY":
            base = base.removesuffix("元") + self.currency
        return base or "元"


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> Unit | None:
    """Read a unit such as 亿元, 万元, 万美元, USD m, 100M CNY; None when it is not one."""
    t = normal(text).lower().strip("()[]（）【】:：/")
    if not t:
        return None
    currency = "CNY"
    for word, iso in sorted(CURRENCY_WORDS.items(), key=lambda kv: -len(kv[0])):
        if word in t:
            currency = iso
            t = t.replace(word, "")
            break
    t = t.strip().strip("()").strip()
    if t in MAGNITUDES:
        return Unit(MAGNITUDES[t], currency, explicit=True)
    if t.endswith("元") and t[:-1] in MAGNITUDES:
        return Unit(MAGNITUDES[t[:-1]], currency, explicit=True)
    if t in _EN_MAGNITUDES:
        return Unit(_EN_MAGNITUDES[t], currency, explicit=True)
    if currency != "CNY" and t == "":
        return Unit(YUAN, currency, explicit=True)
    if t == "" and text.strip():
        return Unit(YUAN, currency, explicit=True)
    return None


@dataclass(frozen=True)
class Amount:
    """A parsed money cell: the value in its currency, in yuan when CNY, and the text."""

    value: Decimal  # in units of `currency`
    currency: str
    text: str
    estimated: bool

    @property
    def cny(self) -> Decimal | None:
        return self.value if self.currency == "CNY" else None


def _to_decimal(raw: object) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        # repr() gives the shortest string that round-trips, so 5.2 stays 5.2.
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        return raw
    return None


def parse_amount(raw: object, column_unit: Unit | None = None) -> Amount | None:
    """Read a money cell such as "5.2亿元", "52000万元", "52,000" or 52000.

    A cell without a unit takes the column's unit (from a header such as 投资额(万元));
    a cell with its own unit keeps it. Returns None for an empty cell.
    """
    column_unit = column_unit or Unit()
    number = _to_decimal(raw)
    if number is not None:
        value = _checked(number * column_unit.multiplier if number.is_finite() else number, raw)
        return Amount(_quantize(value), column_unit.currency, "", False)
    text = clean_text(raw)
    if not text or text in {"-", "—", "/", "无", "N/A", "n/a"}:
        return None
    t = normal(text).lower()
    estimated = any(q in t for q in _QUALIFIERS)
    for q in sorted(_QUALIFIERS, key=len, reverse=True):
        t = t.replace(q, "")
    t = t.replace("，", ",")
    match = re.match(r"^([+-]?[\d,]*\.?\d+)(.*)$", t)
    if not match:
        raise CellError(_("“{text}” is not an amount.").format(text=text))
    digits, rest = match.group(1), match.group(2).strip()
    if "," in digits and not _NUMBER.match(digits):
        raise CellError(_("“{text}” has misplaced thousands separators.").format(text=text))
    exponent = _EXPONENT.match(rest)
    if exponent:  # 1.5e8: the exponent belongs to the number, not a unit
        digits, rest = digits + exponent.group(0), ""
    try:
        number = Decimal(digits.replace(",", ""))
    except InvalidOperation:
        raise CellError(_("“{text}” is not an amount.").format(text=text)) from None
    unit = column_unit
    if rest:
        cell_unit = parse_unit(rest)
        if cell_unit is None:
            raise CellError(
                _("“{text}” has a unit that is not understood: “{unit}”.").format(
                    text=text, unit=rest
                )
            )
        unit = cell_unit
    value = _checked(number * unit.multiplier, text)
    return Amount(_quantize(value), unit.currency, text if rest or estimated else "", estimated)


def _checked(value: Decimal, raw: object) -> Decimal:
    """The amount if the money columns can hold it; a CellError naming the cell otherwise."""
    text = raw if isinstance(raw, str) else str(raw)
    if not value.is_finite():
        raise CellError(_("“{text}” is not a finite amount.").format(text=text))
    if value < 0:
        raise CellError(_("An amount cannot be negative (“{text}”).").format(text=text))
    if value > MAX_AMOUNT:
        raise CellError(
            _("“{text}” is more than the largest amount that can be stored ({limit}).").format(
                text=text, limit="{:,.2f}".format(MAX_AMOUNT)
            )
        )
    return value


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- dates

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 given Excel's leap-year bug
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})[./\-](\d{1,2})[./\-](\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})年(\d{1,2})月$"),
    re.compile(r"^(\d{4})[./\-](\d{1,2})$"),
)


def parse_date(raw: object) -> dt.date | None:
    """Read 2024年3月29日, 2024.3.29, 2024/3/29, 2024-03-29, 20240329 or a serial number.

    A month alone (2024年3月) is the first of that month. Returns None for an empty cell.
    """
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        return _from_serial(float(raw), str(raw))
    text = normal(clean_text(raw))
    if not text:
        return None
    text = re.sub(r"[T ]?\d{1,2}:\d{2}(:\d{2})?$", "", text)  # a time of day we do not keep
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            return _ymd(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    for pattern in _MONTH_PATTERNS:
        m = pattern.match(text)
        if m:
            return _ymd(int(m.group(1)), int(m.group(2)), 1, text)
    if re.match(r"^\d+(\.\d+)?$", text):
        return _from_serial(float(text), text)
    raise CellError(_("“{text}” is not a date.").format(text=clean_text(raw)))


def _ymd(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(_("“{text}” is not a valid date.").format(text=text)) from None


def _from_serial(serial: float, text: str) -> dt.date:
    # Serials from 1 (1900-01-01) up to 2958465 (9999-12-31); ledgers live well inside.
    if not 1 <= serial < 2958466:
        raise CellError(_("“{text}” is not a date.").format(text=text))
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


# --------------------------------------------------------------------------- booleans

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "对", "有", "x"}
_FALSE = {"否", "n", "no", "false", "0", "×", "无", "不", "不是"}


def parse_bool(raw: object) -> bool | None:
    """Read 是/否, yes/no, true/false, 1/0, √; None for an empty cell."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    text = normal(clean_text(raw)).lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("“{text}” is neither yes (是) nor no (否).").format(text=clean_text(raw)))
