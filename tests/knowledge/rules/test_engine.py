"""Unit tests of the engine: states, confirm, missing fields, next question, scoring."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from knowledge.numbers import Unit
from knowledge.rules import (
    InvalidFact,
    Outcome,
    State,
    Validity,
    evaluate,
    next_field,
)
from knowledge.rules.model import Choice, Field, FieldType, Leaf, Op
from tests.knowledge.rules.builders import (
    all_of,
    any_of,
    leaf,
    make_rule,
    not_,
    number,
    yes_no,
)

TODAY = dt.date(2024, 5, 1)
A, B, C = yes_no("a"), yes_no("b"), yes_no("c")
REVENUE = number("revenue", Unit.WAN_YUAN)


def test_all_of_three_way() -> None:
    rule = make_rule([A, B], all_of(leaf("a", Op.IS_TRUE), leaf("b", Op.IS_FALSE)))
    assert evaluate(rule, {"a": True, "b": False}, today=TODAY).outcome is Outcome.ELIGIBLE
    assert evaluate(rule, {"a": True, "b": True}, today=TODAY).outcome is Outcome.NOT_ELIGIBLE
    verdict = evaluate(rule, {"a": True}, today=TODAY)
    assert verdict.outcome is Outcome.UNDETERMINED
    assert [f.id for f in verdict.missing] == ["b"]


def test_a_failed_leaf_masks_missing_siblings() -> None:
    rule = make_rule([A, B], all_of(leaf("a", Op.IS_TRUE), leaf("b", Op.IS_TRUE)))
    verdict = evaluate(rule, {"b": False}, today=TODAY)
    assert verdict.outcome is Outcome.NOT_ELIGIBLE
    assert verdict.missing == ()
    assert next_field(rule, {"b": False}) is None


def test_any_of_and_not() -> None:
    rule = make_rule([A, B], any_of(leaf("a", Op.IS_TRUE), not_(leaf("b", Op.IS_TRUE))))
    assert evaluate(rule, {"b": False}, today=TODAY).outcome is Outcome.ELIGIBLE
    assert evaluate(rule, {"a": False, "b": True}, today=TODAY).outcome is Outcome.NOT_ELIGIBLE
    verdict = evaluate(rule, {"b": True}, today=TODAY)
    assert [f.id for f in verdict.missing] == ["a"]


@pytest.mark.parametrize(
    ("op", "target", "value", "expected"),
    [
        (Op.EQ, 5, 5, True),
        (Op.NE, 5, 5, False),
        (Op.GT, 5, 5, False),
        (Op.GE, 5, 5, True),
        (Op.LT, 5, "4.99", True),
        (Op.LE, 5, 6, False),
        (Op.GE, 1000, "1.2亿", True),
        (Op.LE, 20000, "2亿元", True),
        (Op.GT, 20000, "2亿元", False),
    ],
)
def test_number_comparisons(op: Op, target: int, value: object, expected: bool) -> None:
    rule = make_rule([REVENUE], leaf("revenue", op, target))
    outcome = evaluate(rule, {"revenue": value}, today=TODAY).outcome
    assert outcome is (Outcome.ELIGIBLE if expected else Outcome.NOT_ELIGIBLE)


def test_in_and_not_in_on_choices() -> None:
    field = Field("kind", "?", FieldType.CHOICE, choices=(Choice("x", "X"), Choice("y", "Y")))
    rule = make_rule([field], all_of(leaf("kind", Op.IN, ("x",)), leaf("kind", Op.NOT_IN, ("y",))))
    assert evaluate(rule, {"kind": "x"}, today=TODAY).outcome is Outcome.ELIGIBLE
    assert evaluate(rule, {"kind": "Y"}, today=TODAY).outcome is Outcome.NOT_ELIGIBLE


def test_dates_compare() -> None:
    field = Field("since", "?", FieldType.DATE)
    rule = make_rule([field], leaf("since", Op.LE, dt.date(2022, 1, 1)))
    assert evaluate(rule, {"since": dt.date(2021, 5, 1)}, today=TODAY).outcome is Outcome.ELIGIBLE
    assert evaluate(rule, {"since": "2023-01-01"}, today=TODAY).outcome is Outcome.NOT_ELIGIBLE


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (yes_no("a"), "yes"),
        (number("n"), True),
        (number("n"), "很多"),
        (Field("d", "?", FieldType.DATE), dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        (Field("d", "?", FieldType.DATE), "01/02/2024"),
        (Field("k", "?", FieldType.CHOICE, choices=(Choice("x", "X"),)), "z"),
        (Field("n", "?", FieldType.NUMBER, minimum=Decimal(0)), -1),
        (Field("n", "?", FieldType.NUMBER, maximum=Decimal(100)), 101),
    ],
)
def test_invalid_facts_raise(field: Field, value: object) -> None:
    rule = make_rule([field], _probe(field))
    with pytest.raises(InvalidFact):
        evaluate(rule, {field.id: value}, today=TODAY)


def _probe(field: Field) -> Leaf:
    if field.type is FieldType.YES_NO:
        return leaf(field.id, Op.IS_TRUE)
    if field.type is FieldType.CHOICE:
        return leaf(field.id, Op.EQ, "x")
    if field.type is FieldType.DATE:
        return leaf(field.id, Op.LE, dt.date(2020, 1, 1))
    return leaf(field.id, Op.LE, 1)


def test_unknown_and_none_facts_are_ignored() -> None:
    rule = make_rule([A], leaf("a", Op.IS_TRUE))
    verdict = evaluate(rule, {"a": None, "other": object()}, today=TODAY)
    assert verdict.outcome is Outcome.UNDETERMINED
    assert dict(verdict.values) == {}


def test_confirm_leaf_reports_need_to_confirm_with_tentative_result() -> None:
    rule = make_rule(
        [A, REVENUE], all_of(leaf("a", Op.IS_TRUE), leaf("revenue", Op.GE, 1000, confirm=True))
    )
    verdict = evaluate(rule, {"a": True, "revenue": 2000}, today=TODAY)
    assert verdict.outcome is Outcome.UNDETERMINED
    assert verdict.missing == ()
    assert verdict.confirm_only
    assert verdict.tentative is Outcome.ELIGIBLE
    assert [line.field.id for line in verdict.to_confirm if line.field] == ["revenue"]
    assert verdict.trace[-1].state is State.CONFIRM
    assert verdict.trace[-1].tentative is True
    low = evaluate(rule, {"a": True, "revenue": 10}, today=TODAY)
    assert low.tentative is Outcome.NOT_ELIGIBLE
    assert low.outcome is Outcome.UNDETERMINED
    firm = evaluate(rule, {"a": False, "revenue": 2000}, today=TODAY)
    assert firm.outcome is Outcome.NOT_ELIGIBLE


def test_confirm_alternative_that_tentatively_passes_is_not_asked_further() -> None:
    rule = make_rule(
        [REVENUE, B],
        any_of(leaf("revenue", Op.GE, 1000, confirm=True), leaf("b", Op.IS_TRUE)),
    )
    verdict = evaluate(rule, {"revenue": 2000}, today=TODAY)
    assert verdict.outcome is Outcome.UNDETERMINED and verdict.missing == ()
    assert next_field(rule, {"revenue": 2000}) is None
    assert evaluate(rule, {"revenue": 2000, "b": True}, today=TODAY).outcome is Outcome.ELIGIBLE
    failing = evaluate(rule, {"revenue": 10}, today=TODAY)
    assert [f.id for f in failing.missing] == ["b"]


def test_next_field_follows_rule_order_and_skips_known_facts() -> None:
    rule = make_rule(
        [C, B, A], all_of(leaf("a", Op.IS_TRUE), leaf("b", Op.IS_TRUE), leaf("c", Op.IS_TRUE))
    )
    first = next_field(rule, {})
    assert first is not None and first.id == "c"
    second = next_field(rule, {"c": True})
    assert second is not None and second.id == "b"
    assert next_field(rule, {"a": True, "b": True, "c": True}) is None


def test_next_field_skips_fields_that_cannot_change_the_verdict() -> None:
    rule = make_rule([A, B], any_of(leaf("a", Op.IS_TRUE), leaf("b", Op.IS_TRUE)))
    assert next_field(rule, {"a": True}) is None
    chosen = next_field(rule, {"a": False})
    assert chosen is not None and chosen.id == "b"


def test_nearly_eligible_names_the_single_failed_leaf() -> None:
    rule = make_rule(
        [A, B, C],
        all_of(
            leaf("a", Op.IS_TRUE, text="甲"),
            leaf("b", Op.IS_TRUE, text="乙"),
            leaf("c", Op.IS_TRUE),
        ),
    )
    verdict = evaluate(rule, {"a": True, "b": False, "c": True}, today=TODAY)
    assert verdict.nearly_eligible
    assert [line.text for line in verdict.blocking] == ["乙"]
    assert verdict.passed == 2 and verdict.considered == 3
    assert verdict.score == pytest.approx(2 / 3)
    two = evaluate(rule, {"a": False, "b": False, "c": True}, today=TODAY)
    assert not two.nearly_eligible and len(two.blocking) == 2


def test_blocking_takes_the_cheapest_alternative() -> None:
    rule = make_rule(
        [A, B, C],
        any_of(
            all_of(leaf("a", Op.IS_TRUE), leaf("b", Op.IS_TRUE)), leaf("c", Op.IS_TRUE, text="丙")
        ),
    )
    verdict = evaluate(rule, {"a": False, "b": False, "c": False}, today=TODAY)
    assert [line.text for line in verdict.blocking] == ["丙"]
    negated = make_rule([A], not_(leaf("a", Op.IS_TRUE, text="甲")))
    assert [line.text for line in evaluate(negated, {"a": True}, today=TODAY).blocking] == ["甲"]


def test_score_counts_the_best_alternative_only() -> None:
    rule = make_rule(
        [A, B, C],
        all_of(leaf("a", Op.IS_TRUE), any_of(leaf("b", Op.IS_TRUE), leaf("c", Op.IS_TRUE))),
    )
    verdict = evaluate(rule, {"a": True, "b": False, "c": True}, today=TODAY)
    assert verdict.outcome is Outcome.ELIGIBLE
    assert (verdict.passed, verdict.considered) == (2, 2)


def test_trace_lists_every_condition_with_value_and_source() -> None:
    rule = make_rule([A, REVENUE], all_of(leaf("a", Op.IS_TRUE), leaf("revenue", Op.GE, 5)))
    verdict = evaluate(rule, {"revenue": "1.2亿"}, today=TODAY)
    assert [line.depth for line in verdict.trace] == [0, 1, 1]
    assert [line.state.symbol for line in verdict.trace] == ["?", "?", "✓"]
    assert verdict.trace[2].value == Decimal(12000)
    assert verdict.trace[2].source == "测试出处"
    assert verdict.values == {"revenue": Decimal(12000)}


@pytest.mark.parametrize(
    ("today", "validity"),
    [
        (dt.date(2023, 1, 1), Validity.NOT_YET_VALID),
        (dt.date(2023, 3, 31), Validity.IN_FORCE),
        (dt.date(2023, 12, 31), Validity.IN_FORCE),
        (dt.date(2024, 6, 1), Validity.REVIEW),
        (dt.date(2025, 1, 1), Validity.EXPIRED),
    ],
)
def test_validity_dates(today: dt.date, validity: Validity) -> None:
    from dataclasses import replace

    rule = replace(
        make_rule([A], leaf("a", Op.IS_TRUE)),
        valid_from=dt.date(2023, 3, 31),
        review_after=dt.date(2023, 12, 31),
        valid_until=dt.date(2024, 12, 31),
    )
    verdict = evaluate(rule, {"a": True}, today=today)
    assert verdict.validity is validity
    assert verdict.in_force is (validity is Validity.IN_FORCE)
    assert verdict.outcome is Outcome.ELIGIBLE  # the outcome does not depend on the date
