"""Fuzzing the number parser (``knowledge.numbers``): arbitrary Unicode, Chinese
numerals mixed with 万/亿/元/%/年 and the other units, full-width and non-ASCII digits,
exponents, NaN/Infinity spellings and inputs of thousands of characters.

Properties, for every unit: ``parse_quantity`` returns a finite ``Decimal`` (a whole one
for head counts, at most ``MAX_DIGITS`` digits before the point) that ``format_number``
shows in a form it reads back, or raises ``NumberParseError`` with a Chinese hint; never
another exception, and every call returns within a second, even on 5,000 characters.

``POLICYBOT_FUZZ_SCALE`` multiplies the numbers of examples (default 1: about 5 s).
"""

from __future__ import annotations

import os
import re
import time
from decimal import Decimal

import cn2an
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from knowledge.numbers import (
    MAX_DIGITS,
    NumberParseError,
    Quantity,
    Unit,
    format_number,
    parse_quantity,
)

SCALE = float(os.environ.get("POLICYBOT_FUZZ_SCALE", "1"))
UNITS: tuple[Unit | None, ...] = (None, *Unit)
CJK = re.compile(r"[\u4e00-\u9fff]")
SECONDS = 1.0


def examples(n: int) -> int:
    return max(1, int(n * SCALE))


FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PIECES = st.sampled_from(
    [
        *"0123456789", *"０１２３４５６７８９", *"٣۴߅१৩๓፲²³¹⁴½⅓Ⅻ〇", ".", ",", "，", "．",
        *"零〇一二两三四五六七八九十百千万亿壹贰貮叁肆伍陆柒捌玖拾佰仟点半",
        "万", "亿", "万元", "亿元", "元", "块", "块钱", "人民币", "%", "％", "‰", "个百分点",
        "百分之", "千分之", "年", "周年", "个月", "月", "人", "名", "位", "个人", "w", "W", "k",
        "约", "大约", "近", "多", "余", "以上", "左右", "出头", "不到", "以下", "负", "-", "−",
        "+", "e", "E", "e+", "E-", "x", "NaN", "nan", "sNaN", "Infinity", "inf", "-Infinity",
        "∞", " ", "\u3000", "\t", "\n", "\x00", "\u200b", "。", "!", "~", "、", "(", ")",
    ]
)  # fmt: skip
NUMBER_LIKE = st.lists(PIECES, max_size=25).map("".join)
REPEATED = st.sampled_from(["9", "九", "1", "0", "万", "亿", "1万", "九千九百", "0.", "e9", " "])
PREFIXES = st.sampled_from(["", "约", "-", "百分之", "1e", "0."])
SUFFIXES = st.sampled_from(["", "万", "元", "%", "年", "人", "以上"])
HUGE = st.one_of(  # about 5,000 characters
    REPEATED.map(lambda piece: piece * (5000 // len(piece))),
    st.builds(lambda prefix, suffix: prefix + "9" * 5000 + suffix, PREFIXES, SUFFIXES),
    st.lists(PIECES, min_size=1, max_size=20).map(lambda pieces: ("".join(pieces) * 5000)[:5000]),
)
FULL_WIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")
ARABIC = st.one_of(
    st.integers(0, 10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),  # "1E+5", "NaN", "sNaN"
    st.floats().map(repr),  # "1e+300", "nan", "inf"
    st.integers(0, 10**12).map(lambda n: f"{n:,}"),
)
DIGITS = st.one_of(
    ARABIC,
    ARABIC.map(lambda text: text.translate(FULL_WIDTH)),
    st.integers(0, 10**12 - 1).map(lambda n: str(cn2an.an2cn(n))),
    st.integers(0, 10**8).map(lambda n: str(cn2an.an2cn(n, "up"))),  # 壹贰叁
)
WELL_FORMED = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(["", "", "约", "大概", "近", "-", "负", "百分之", "千分之", "不到"]),
    DIGITS,
    st.sampled_from(["", "", "万", "亿", "千", "百", "w", "k", "万亿", "点五"]),
    st.sampled_from(["", "元", "万元", "块", "%", "‰", "个百分点", "年", "个月", "人", "名", "半"]),
    st.sampled_from(["", "", "左右", "以上", "多", "出头", "以下", "。", " "]),
)
TEXTS = st.one_of(st.text(max_size=80), NUMBER_LIKE, WELL_FORMED, WELL_FORMED, HUGE)


def parse(text: str, unit: Unit | None) -> Quantity | None:
    """The quantity, or None for the documented error; anything else fails the test."""
    start = time.perf_counter()
    try:
        return parse_quantity(text, unit=unit)
    except NumberParseError as exc:
        assert CJK.search(str(exc)), f"not a hint for the user: {exc!r}"
        return None
    finally:
        elapsed = time.perf_counter() - start
        assert elapsed < SECONDS, f"{elapsed:.2f} s for {len(text)} characters"


@settings(FUZZ, max_examples=examples(1500))
@given(text=TEXTS)
@example(text="9" * 5000)
@example(text="九" * 5000)
@example(text="1e5")
@example(text="1E+999999")
@example(text="NaN")
@example(text="-Infinity")
@example(text="1.5亿" + "亿" * 30)
@example(text="百分之" + "九" * 40)
@example(text="0." + "0" * 36 + "1")
@example(text="１２３,４５６．７８万元")
@example(text="7个月")  # 7/12 年: was 60 digits, too long to read back
@example(text="9" * 24 + ".1234567")
def test_numbers_are_parsed_or_refused(text: str) -> None:
    for unit in UNITS:
        quantity = parse(text, unit)
        event(f"{unit or 'no unit'}: {'refused' if quantity is None else 'parsed'}")
        if quantity is None:
            continue
        value = quantity.value
        assert isinstance(value, Decimal) and value.is_finite(), value
        assert quantity.unit is unit
        assert value.adjusted() <= MAX_DIGITS, value
        if unit is Unit.PERSON:
            assert value == value.to_integral_value()
        shown = format_number(value, unit)
        again = parse(shown, unit)
        assert again is not None and again.value == value, (text, unit, shown)
