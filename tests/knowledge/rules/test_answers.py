"""Reading free-text answers for a field (knowledge.rules.answers)."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.numbers import Unit
from knowledge.rules import (
    AnswerError,
    State,
    answer_options,
    describe_value,
    evaluate,
    load_rules,
    parse_answer,
)
from knowledge.rules.model import Choice, Field, FieldType

RULES = {rule.id: rule for rule in load_rules()}
DISTRICT = RULES["small-to-scale"].field("district")
INDUSTRY = RULES["small-to-scale"].field("industry")
REVENUE = RULES["tech-sme"].field("annual_revenue")
SHARE = RULES["high-tech-enterprise"].field("tech_staff_ratio")
YEARS = RULES["high-tech-enterprise"].field("registered_years")
FLAG = Field("flag", "?", FieldType.YES_NO)
KIND = Field(
    "kind",
    "?",
    FieldType.CHOICE,
    choices=(Choice("企业", "企业"), Choice("个体工商户", "个体工商户", ("个体户",))),
)
DATE = Field("since", "?", FieldType.DATE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("是", True), ("是的。", True), ("有", True), ("对", True), ("yes", True), ("Y", True),
     ("否", False), ("不是", False), ("没有", False), ("无", False), ("不属于", False),
     ("没有被列入", False), ("已经转了", True)],
)  # fmt: skip
def test_yes_no(text: str, expected: bool) -> None:
    assert parse_answer(FLAG, text) is expected


@pytest.mark.parametrize("text", ["不知道", "不清楚", "不太清楚", "跳过", "不确定。"])
def test_unsure_answers_leave_the_field_unanswered(text: str) -> None:
    assert parse_answer(FLAG, text) is None
    assert parse_answer(REVENUE, text) is None


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        (DISTRICT, "江岸区", "江岸区"),
        (DISTRICT, "江岸", "江岸区"),
        (DISTRICT, "光谷", "东湖新技术开发区"),
        (DISTRICT, "我们在东湖高新区", "东湖新技术开发区"),
        (DISTRICT, "经开区", "武汉经济技术开发区"),
        (DISTRICT, "外地", "武汉市以外"),
        (INDUSTRY, "制造业", "C"),
        (INDUSTRY, "c", "C"),
        (INDUSTRY, "软件", "I"),
        (KIND, "2", "个体工商户"),
        (KIND, "个体户", "个体工商户"),
    ],
)
def test_choices(field: Field, text: str, expected: str) -> None:
    assert parse_answer(field, text) == expected


def test_ambiguous_or_unknown_choice_lists_options() -> None:
    with pytest.raises(AnswerError, match="江岸区"):
        parse_answer(DISTRICT, "火星")
    with pytest.raises(AnswerError, match="请从这些选项中选择"):
        parse_answer(KIND, "3")


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        (REVENUE, "1.2亿", Decimal(12000)),
        (REVENUE, "三千万", Decimal(3000)),
        (REVENUE, "800", Decimal(800)),
        (SHARE, "百分之十五", Decimal(15)),
        (YEARS, "3年半", Decimal("3.5")),
    ],
)
def test_numbers_in_the_field_unit(field: Field, text: str, expected: Decimal) -> None:
    assert parse_answer(field, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019年成立的", Decimal("6.91")),  # a year alone counts from its last day
        ("2019年", Decimal("6.91")),
        ("2019", Decimal("6.91")),
        ("于2019年5月注册", Decimal("7.50")),
        ("2019-05-01", Decimal("7.58")),
        ("2025年12月6日成立", Decimal("1.00")),  # exactly one year on the day
        ("2025-12-07", Decimal("0.91")),  # one day short of a year
        ("3年", Decimal(3)),  # years as such still read as years
        # said relative to the date: 去年 is 2025, counted from its last day
        ("我们去年刚成立", Decimal("0.91")),
        ("去年成立的", Decimal("0.91")),
        ("公司是前年3月注册的", Decimal("2.66")),  # 2024-03-31 to 2026-12-06
        ("大前年", Decimal("2.91")),
        ("今年才开业", Decimal("0.00")),
        ("三年前成立的", Decimal(3)),
        ("两年半前注册", Decimal("2.5")),
    ],
)
def test_a_founding_year_or_date_becomes_years_as_of_the_date(text: str, expected: Decimal) -> None:
    assert parse_answer(YEARS, text, today=dt.date(2026, 12, 6)) == expected


def test_founding_dates_in_the_future_or_invalid_are_refused() -> None:
    with pytest.raises(AnswerError, match="2030年晚于今年"):
        parse_answer(YEARS, "2030年", today=dt.date(2026, 12, 6))
    with pytest.raises(AnswerError, match="晚于今天"):
        parse_answer(YEARS, "2026-12-07", today=dt.date(2026, 12, 6))
    with pytest.raises(AnswerError, match="有效的日期"):
        parse_answer(YEARS, "2019年2月30日", today=dt.date(2026, 12, 6))


def test_the_founding_year_decides_high_tech_eligibility_by_the_evaluation_date() -> None:
    rule = RULES["high-tech-enterprise"]
    day = dt.date(2026, 12, 6)
    young = parse_answer(YEARS, "2026年成立的", today=day)
    older = parse_answer(YEARS, "2019年成立的", today=day)
    lines = {}
    for name, years in (("young", young), ("older", older)):
        verdict = evaluate(rule, {"registered_years": years}, today=day)
        lines[name] = next(x for x in verdict.trace if x.field and x.field.id == "registered_years")
    assert lines["young"].state is State.FAIL and lines["older"].state is State.PASS


def test_number_errors_are_chinese_hints() -> None:
    with pytest.raises(AnswerError, match="请输入金额"):
        parse_answer(REVENUE, "很多")
    with pytest.raises(AnswerError, match="不能大于 100%"):
        parse_answer(SHARE, "150%")
    with pytest.raises(AnswerError, match="不能小于 0万元"):
        parse_answer(REVENUE, "-5万")


def test_dates() -> None:
    assert parse_answer(DATE, "2023年5月1日") == dt.date(2023, 5, 1)
    assert parse_answer(DATE, "2023/5/1") == dt.date(2023, 5, 1)
    assert parse_answer(DATE, "２０２３-０５-０１") == dt.date(2023, 5, 1)
    with pytest.raises(AnswerError, match="请输入日期"):
        parse_answer(DATE, "2023-02-30")


def test_empty_answer_is_refused() -> None:
    with pytest.raises(AnswerError):
        parse_answer(FLAG, "  ")
    with pytest.raises(AnswerError, match="是"):
        parse_answer(FLAG, "也许吧")


def test_describe_and_options() -> None:
    assert describe_value(FLAG, True) == "是"
    assert describe_value(REVENUE, Decimal(12000)) == "1.2亿元"
    assert describe_value(INDUSTRY, "C") == "制造业"
    assert describe_value(DATE, dt.date(2023, 5, 1)) == "2023-05-01"
    assert [c.label for c in answer_options(FLAG)] == ["是", "否"]
    assert answer_options(KIND) == KIND.choices
    assert Field("n", "?", FieldType.NUMBER, unit=Unit.PERSON).unit is Unit.PERSON


@settings(max_examples=200)
@given(text=st.text(max_size=30))
def test_any_text_gives_a_value_none_or_answer_error(text: str) -> None:
    for field in (FLAG, DISTRICT, INDUSTRY, REVENUE, SHARE, YEARS, KIND, DATE):
        with contextlib.suppress(AnswerError):
            parse_answer(field, text)
