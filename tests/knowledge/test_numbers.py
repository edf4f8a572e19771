"""Numbers as people type them (knowledge.numbers)."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.numbers import (
    NumberParseError,
    Unit,
    format_number,
    parse_number,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("1.2亿", Unit.WAN_YUAN, "12000"),
        ("1.2亿", Unit.YUAN, "120000000"),
        ("1.2亿元", None, "120000000"),
        ("三千万", Unit.WAN_YUAN, "3000"),
        ("三千万", Unit.YUAN, "30000000"),
        ("500万元", Unit.WAN_YUAN, "500"),
        ("500万", Unit.YUAN, "5000000"),
        ("5000元", Unit.WAN_YUAN, "0.5"),
        ("3000", Unit.WAN_YUAN, "3000"),
        ("三千", Unit.WAN_YUAN, "3000"),
        ("1,200万", Unit.WAN_YUAN, "1200"),
        ("1,200.5", None, "1200.5"),
        ("0.5", None, "0.5"),
        (".5", None, "0.5"),
        ("约800万", Unit.WAN_YUAN, "800"),
        ("８００万", Unit.WAN_YUAN, "800"),
        ("５００万元", Unit.YUAN, "5000000"),
        ("800多万", Unit.WAN_YUAN, "800"),
        ("500w", Unit.WAN_YUAN, "500"),
        ("一点二亿", Unit.WAN_YUAN, "12000"),
        ("1亿2千万", Unit.WAN_YUAN, "12000"),
        ("12万3千", None, "123000"),
        ("3千5", None, "3500"),
        ("一万二", None, "12000"),
        ("两亿三千万", Unit.WAN_YUAN, "23000"),
        ("15%", Unit.PERCENT, "15"),
        ("15％", Unit.PERCENT, "15"),
        ("百分之十五", Unit.PERCENT, "15"),
        ("百分之15", Unit.PERCENT, "15"),
        ("4.5", Unit.PERCENT, "4.5"),
        ("千分之五", Unit.PERCENT, "0.5"),
        ("-5%", Unit.PERCENT, "-5"),
        ("负百分之五", Unit.PERCENT, "-5"),
        ("两年", Unit.YEAR, "2"),
        ("3年半", Unit.YEAR, "3.5"),
        ("一年半", Unit.YEAR, "1.5"),
        ("半年", Unit.YEAR, "0.5"),
        ("18个月", Unit.YEAR, "1.5"),
        ("两年多", Unit.YEAR, "2"),
        ("50人", Unit.PERSON, "50"),
        ("五十名", Unit.PERSON, "50"),
        ("1.2万人", Unit.PERSON, "12000"),
        (" 500 万 ", Unit.WAN_YUAN, "500"),
        ("500万。", Unit.WAN_YUAN, "500"),
    ],
)
def test_parse_number_forms(text: str, unit: Unit | None, expected: str) -> None:
    assert parse_number(text, unit=unit) == Decimal(expected)


def test_result_has_no_exponent_noise() -> None:
    assert str(parse_number("500万", unit=Unit.YUAN)) == "5000000"
    assert str(parse_number("1.50")) == "1.5"


@pytest.mark.parametrize(
    ("text", "approximate"),
    [
        ("约800万", True),
        ("800多万", True),
        ("500万以上", True),
        ("大概两千万", True),
        ("800万", False),
    ],
)
def test_approximate_flag(text: str, approximate: bool) -> None:
    quantity = parse_quantity(text, unit="万元")
    assert quantity.approximate is approximate
    assert quantity.unit is Unit.WAN_YUAN


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("", None),
        ("abc", None),
        ("万", None),
        ("1,2", None),
        ("5..5", Unit.PERCENT),
        ("500万", Unit.PERCENT),
        ("15%", Unit.WAN_YUAN),
        ("3年", Unit.WAN_YUAN),
        ("500万", Unit.YEAR),
        ("3.5人", Unit.PERSON),
        ("不到500万", Unit.WAN_YUAN),
        ("500万以下", Unit.WAN_YUAN),
        ("3千5万", None),
        ("9" * 30, None),
        ("x" * 200, None),
    ],
)
def test_garbage_raises_the_documented_error(text: str, unit: Unit | None) -> None:
    with pytest.raises(NumberParseError):
        parse_number(text, unit=unit)


def test_error_message_is_a_chinese_hint() -> None:
    with pytest.raises(NumberParseError, match=r"请输入数字,例如 500万 或 1\.2亿"):
        parse_number("好多钱")
    with pytest.raises(NumberParseError, match="百分比"):
        parse_number("很高", unit="%")
    with pytest.raises(NumberParseError, match="具体的数"):
        parse_number("不到500万", unit="万元")
    assert issubclass(NumberParseError, ValueError)


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        ("12000", Unit.WAN_YUAN, "1.2亿元"),
        ("500", Unit.WAN_YUAN, "500万元"),
        ("0.3", Unit.WAN_YUAN, "3000元"),
        ("123456789", Unit.YUAN, "1.23456789亿元"),
        ("15", Unit.PERCENT, "15%"),
        ("3.5", Unit.YEAR, "3.5年"),
        ("50", Unit.PERSON, "50人"),
        ("2.50", None, "2.5"),
    ],
)
def test_format_number(value: str, unit: Unit | None, shown: str) -> None:
    assert format_number(Decimal(value), unit) == shown


_AMOUNTS = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False
)


@given(value=_AMOUNTS, unit=st.sampled_from([None, *Unit]))
def test_format_then_parse_round_trips(value: Decimal, unit: Unit | None) -> None:
    if unit is Unit.PERSON:
        value = value.to_integral_value()
    assert parse_number(format_number(value, unit), unit=unit) == value


@given(value=st.integers(min_value=0, max_value=10**12))
def test_grouped_and_full_width_integers_round_trip(value: int) -> None:
    grouped = f"{value:,}"
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in str(value))
    assert parse_number(grouped) == value
    assert parse_number(full_width) == value


@given(value=st.integers(min_value=0, max_value=10**12 - 1))
def test_chinese_numerals_round_trip(value: int) -> None:
    assert parse_number(str(cn2an.an2cn(value))) == value


@given(wan=st.integers(min_value=1, max_value=99_999))
def test_wan_suffix_in_both_units(wan: int) -> None:
    assert parse_number(f"{wan}万", unit="万元") == wan
    assert parse_number(f"{wan}万元", unit="元") == wan * 10_000


@settings(max_examples=400)
@given(text=st.text(max_size=60))
def test_arbitrary_text_only_raises_number_parse_error(text: str) -> None:
    for unit in (None, *Unit):
        with contextlib.suppress(NumberParseError):
            parse_number(text, unit=unit)


_ALPHABET = st.sampled_from(
    list("0123456789.,万亿千百十一二两三四五六七八九零点半年元%人多约负-w个月以上下")
)


@settings(max_examples=400)
@given(text=st.text(alphabet=_ALPHABET, max_size=20))
def test_number_like_text_only_raises_number_parse_error(text: str) -> None:
    for unit in (None, *Unit):
        try:
            result = parse_number(text, unit=unit)
        except NumberParseError:
            continue
        assert result.is_finite()
