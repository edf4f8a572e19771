"""Checking and normalising the facts given to the engine (one value per field id).

Facts come from a user profile or from the conversation (see
:func:`knowledge.rules.answers.parse_answer`); they may also come from YAML cases.
Accepted per field type:

* number — ``int`` / ``float`` / ``Decimal`` (not ``bool``), or text such as "1.2亿" read by
  :func:`knowledge.numbers.parse_number` in the field's unit;
* yes_no — ``bool``;
* choice / district / industry — a choice value (or its label);
* date — ``datetime.date`` (not ``datetime``) or ISO text "2023-05-01".

``None`` means "not answered". Keys that are not fields of the rule are ignored, so one
profile can be evaluated against every rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from knowledge.numbers import NumberParseError, format_number, parse_number
from knowledge.rules.model import CHOICE_TYPES, FactValue, Field, FieldType, Rule


class InvalidFact(ValueError):
    """A fact has the wrong type or is out of range for its field (message in Chinese)."""


def _number(field: Field, value: object) -> Decimal:
    if isinstance(value, bool):
        raise InvalidFact(f"{field.id}:应为数字,不是是/否。")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise InvalidFact(f"{field.id}:无法识别的数字 {value!r}。") from exc
    elif isinstance(value, str):
        try:
            number = parse_number(value, unit=field.unit)
        except NumberParseError as exc:
            raise InvalidFact(f"{field.id}:{exc}") from exc
    else:
        raise InvalidFact(f"{field.id}:应为数字。")
    if not number.is_finite():
        raise InvalidFact(f"{field.id}:应为有限的数字。")
    if field.minimum is not None and number < field.minimum:
        raise InvalidFact(f"{field.id}:不能小于 {format_number(field.minimum, field.unit)}。")
    if field.maximum is not None and number > field.maximum:
        raise InvalidFact(f"{field.id}:不能大于 {format_number(field.maximum, field.unit)}。")
    return number


def _choice(field: Field, value: object) -> str:
    if isinstance(value, str):
        text = value.strip()
        for choice in field.choices:
            if text in (choice.value, choice.label):
                return choice.value
    options = "、".join(c.label for c in field.choices[:8])
    raise InvalidFact(f"{field.id}:{value!r} 不是可选项(可选:{options}…)。")


def _date(field: Field, value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        raise InvalidFact(f"{field.id}:应为日期(不含时间)。")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise InvalidFact(f"{field.id}:日期格式应为 YYYY-MM-DD。") from exc
    raise InvalidFact(f"{field.id}:应为日期。")


def coerce_fact(field: Field, value: object) -> FactValue:
    """The comparable form of one fact; raises :class:`InvalidFact`."""
    if field.type is FieldType.NUMBER:
        return _number(field, value)
    if field.type is FieldType.YES_NO:
        if not isinstance(value, bool):
            raise InvalidFact(f"{field.id}:应为 是/否(true/false)。")
        return value
    if field.type in CHOICE_TYPES:
        return _choice(field, value)
    return _date(field, value)


def coerce_facts(rule: Rule, facts: Mapping[str, object]) -> dict[str, FactValue]:
    """The rule's facts, checked and normalised; unanswered (``None``) and unknown keys dropped."""
    values: dict[str, FactValue] = {}
    for field in rule.fields:
        raw = facts.get(field.id)
        if raw is not None:
            values[field.id] = coerce_fact(field, raw)
    return values
