"""Cell parsing and header matching: amounts with units, dates, booleans, synonyms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ingest.spreadsheet.cells import (
    AMOUNT_DECIMAL_PLACES,
    AMOUNT_MAX_DIGITS,
    MAX_AMOUNT,
    CellError,
    Unit,
    parse_amount,
    parse_bool,
    parse_date,
)
from ingest.spreadsheet.headers import auto_mapping, match_header, split_unit

YI = Decimal(100_000_000)
WAN = Decimal(10_000)


@pytest.mark.parametrize(
    ("cell", "unit", "yuan"),
    [
        ("5.2亿元", None, Decimal("520000000.00")),
        ("52000万元", None, Decimal("520000000.00")),
        ("52,000", Unit(WAN), Decimal("520000000.00")),
        (52000, Unit(WAN), Decimal("520000000.00")),
        (5.2, Unit(YI), Decimal("520000000.00")),
        ("5.2", Unit(YI), Decimal("520000000.00")),
        ("５．２亿元", None, Decimal("520000000.00")),  # full-width digits
        ("1,234,567.89", None, Decimal("1234567.89")),
        ("约50亿元", None, Decimal("5000000000.00")),
        ("3亿", Unit(WAN), Decimal("300000000.00")),  # the cell's unit wins over the column's
    ],
)
def test_it_reads_amounts_with_the_unit_from_the_cell_or_the_header(
    cell: object, unit: Unit | None, yuan: Decimal
) -> None:
    amount = parse_amount(cell, unit)
    assert amount is not None
    assert amount.cny == yuan


def test_it_marks_qualified_amounts_as_estimated_and_keeps_the_text() -> None:
    amount = parse_amount("约50亿元")
    assert amount is not None and amount.estimated and amount.text == "约50亿元"


def test_it_keeps_foreign_currency_amounts_in_their_currency() -> None:
    amount = parse_amount("1.5亿美元")
    assert amount is not None
    assert (amount.currency, amount.value, amount.cny) == ("USD", Decimal("150000000.00"), None)


@pytest.mark.parametrize("cell", ["abc", "5.2亿公斤", "1,23,4", "-5"])
def test_it_rejects_what_is_not_an_amount(cell: str) -> None:
    with pytest.raises(CellError):
        parse_amount(cell)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1e999", "largest amount"),
        ("99999999999999999999999亿元", "largest amount"),
        (10**30, "largest amount"),
        (1e308, "largest amount"),
        (Decimal("1000000000000000000"), "largest amount"),
        (float("inf"), "not a finite amount"),
        (float("-inf"), "not a finite amount"),
        (float("nan"), "not a finite amount"),
        (Decimal("NaN"), "not a finite amount"),
        ("NaN", "not an amount"),
        ("inf", "not an amount"),
        (-5, "negative"),
        (-0.5, "negative"),
        ("-3亿元", "negative"),
    ],
)
@pytest.mark.usefixtures("english")
def test_it_refuses_amounts_that_are_not_finite_negative_or_too_large_to_store(
    cell: object, message: str
) -> None:
    # Before: 1e999 from a number cell, 10**30 or "99999999999999999999999亿元" raised
    # decimal.InvalidOperation (a 500 on the web, a traceback from the command), NaN passed.
    with pytest.raises(CellError, match=message):
        parse_amount(cell, Unit(YI))


def test_the_largest_amount_fits_every_money_column() -> None:
    from django.db import models

    from events.models import Event
    from projects.models import PaidInCapital, Project

    money = [
        f
        for model in (Project, PaidInCapital, Event)
        for f in model._meta.get_fields()
        if isinstance(f, models.DecimalField)
    ]
    assert len(money) >= 6
    for field in money:
        assert (field.max_digits, field.decimal_places) == (
            AMOUNT_MAX_DIGITS,
            AMOUNT_DECIMAL_PLACES,
        ), field
    assert parse_amount(str(MAX_AMOUNT)) is not None
    assert parse_amount("9999999999亿元") is not None  # 10^18 yuan minus one 亿 still fits


def test_scientific_notation_as_spreadsheets_write_it_into_csv_is_read() -> None:
    amount = parse_amount("1.5E+08")
    assert amount is not None and amount.cny == Decimal("150000000.00")


def test_an_empty_amount_cell_is_none() -> None:
    assert parse_amount("") is None and parse_amount(None) is None and parse_amount("—") is None


@pytest.mark.parametrize(
    "cell",
    [
        "2024年3月29日",
        "2024.3.29",
        "2024/3/29",
        "2024-03-29",
        "20240329",
        45380,  # the spreadsheet serial number of 2024-03-29
        45380.0,
        dt.datetime(2024, 3, 29, 0, 0),
        dt.date(2024, 3, 29),
        "２０２４年３月２９日",
    ],
)
def test_it_reads_the_date_spellings_offices_use(cell: object) -> None:
    assert parse_date(cell) == dt.date(2024, 3, 29)


def test_a_month_alone_is_the_first_of_the_month() -> None:
    assert parse_date("2024年3月") == dt.date(2024, 3, 1)


@pytest.mark.parametrize("cell", ["2024年2月30日", "明年", "2024.13.1", -3])
def test_it_rejects_what_is_not_a_date(cell: object) -> None:
    with pytest.raises(CellError):
        parse_date(cell)


@pytest.mark.parametrize(("cell", "value"), [("是", True), ("否", False), ("Y", True), (0, False)])
def test_it_reads_yes_and_no(cell: object, value: bool) -> None:
    assert parse_bool(cell) is value


def test_it_rejects_a_boolean_it_cannot_read() -> None:
    with pytest.raises(CellError):
        parse_bool("也许")


@pytest.mark.parametrize(
    ("header", "key", "multiplier"),
    [
        ("投资额(亿元)", "amount", YI),
        ("总投资（万元）", "amount", WAN),
        ("投资总额/万元", "amount", WAN),
        ("Total investment (100m)", "amount", YI),
        ("投资主体", "investor", None),
        ("企业名称", "investor", None),
        ("所属区", "district", None),
        ("区域", "district", None),
        ("产业", "industry", None),
        ("进展", "stage", None),
        ("签约时间", "signed_on", None),
        ("Project name", "name", None),
        ("項目名稱", "name", None),  # Traditional spelling
    ],
)
def test_headers_map_by_synonym_with_their_unit(
    header: str, key: str, multiplier: Decimal | None
) -> None:
    found, unit = match_header("projects", header)
    assert found == key
    assert (unit.multiplier if unit else None) == multiplier


def test_an_unknown_header_maps_to_nothing_and_a_row_number_column_is_ignored() -> None:
    assert match_header("projects", "联系人电话")[0] is None
    assert auto_mapping("projects", ["序号", "项目名称", "项目名称"]) == {1: "name"}


def test_split_unit_leaves_a_header_without_unit_alone() -> None:
    assert split_unit("项目名称") == ("项目名称", None)
