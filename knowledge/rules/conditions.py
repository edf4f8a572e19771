"""Parsing the condition tree of a rule.

Groups::

    all_of: [...]          # or any_of: [...], or not: {...}
    text: 可选的说明
    source: 可选的出处

Leaves compare one field with a value (exactly one operator)::

    field: rd_ratio
    ge: 3                  # eq ne gt ge lt le in not_in | is_true: true | is_false: true
    text: 研发费用占营业收入比重不低于3%
    source: 《…》附件2(二)
    confirm: true          # optional: the threshold must be confirmed with the office
                           # (confirm: met — only a met comparison is uncertain)
    valid_from: 2022-06-01 # optional, on leaves and groups: the condition applies only
    valid_to: 2026-01-16   # in this period (both ends inclusive; dated thresholds)

Values are checked against the field: numbers for number fields, dates for date fields,
choice values for choice/district/industry fields, ``is_true``/``is_false`` (or ``eq``
with true/false) for yes_no fields. A missing ``source`` is allowed here and reported
by the lint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from knowledge.rules.errors import RuleLoadError
from knowledge.rules.model import (
    ALWAYS,
    BOOL_OPS,
    CHOICE_TYPES,
    ORDER_OPS,
    SET_OPS,
    Condition,
    FactValue,
    Field,
    FieldType,
    Group,
    Leaf,
    Not,
    Op,
    Period,
)
from knowledge.rules.parsing import check_keys, parse_date, text

Cite = Callable[[str], tuple[str, ...]]  # source text -> ids of the documents it cites
_GROUP_KEYS = {"all_of", "any_of", "not"}
_META_KEYS = {"text", "source", "valid_from", "valid_to"}


def _no_docs(source: str) -> tuple[str, ...]:
    return ()


def _period(raw: dict[str, Any], *, file: Path | None, where: str) -> Period:
    start = parse_date(raw.get("valid_from"), file=file, where=f"{where}.valid_from")
    end = parse_date(raw.get("valid_to"), file=file, where=f"{where}.valid_to")
    if start and end and start > end:
        raise RuleLoadError(f"valid_from {start} 晚于 valid_to {end}", file=file, where=where)
    return Period(start, end) if start or end else ALWAYS


_LEAF_KEYS = {"field", "confirm", *_META_KEYS, *(op.value for op in Op)}


def _scalar(field: Field, value: Any, *, file: Path | None, where: str) -> FactValue:
    if field.type is FieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise RuleLoadError(
                f"字段 {field.id} 是数字,比较值应为数字:{value!r}", file=file, where=where
            )
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise RuleLoadError(f"比较值不是数字:{value!r}", file=file, where=where) from None
        if not number.is_finite():
            raise RuleLoadError("比较值应为有限的数字", file=file, where=where)
        return number
    if field.type is FieldType.YES_NO:
        if not isinstance(value, bool):
            raise RuleLoadError(
                f"字段 {field.id} 是 是/否,比较值应为 true/false", file=file, where=where
            )
        return value
    if field.type is FieldType.DATE:
        if isinstance(value, str | dt.date):
            parsed = parse_date(value, file=file, where=where)
            if parsed is not None:
                return parsed
        raise RuleLoadError(f"字段 {field.id} 是日期,比较值应为 YYYY-MM-DD", file=file, where=where)
    if (
        not isinstance(value, str | int)
        or isinstance(value, bool)
        or field.choice(str(value)) is None
    ):
        options = "、".join(field.choice_values[:12])
        raise RuleLoadError(
            f"{value!r} 不是字段 {field.id} 的选项(可选:{options})", file=file, where=where
        )
    return str(value)


def _leaf(
    raw: dict[str, Any], fields: dict[str, Field], *, file: Path | None, where: str, cite: Cite
) -> Leaf:
    check_keys(raw, _LEAF_KEYS, file=file, where=where)
    field_id = str(raw["field"])
    field = fields.get(field_id)
    if field is None:
        raise RuleLoadError(f"条件引用了未定义的字段:{field_id}", file=file, where=where)
    ops = [op for op in Op if op.value in raw]
    if len(ops) != 1:
        names = " / ".join(op.value for op in Op)
        raise RuleLoadError(f"条件须有且只有一个比较({names})", file=file, where=where)
    op = ops[0]
    raw_value = raw[op.value]
    value: FactValue | tuple[FactValue, ...] | None
    if op in BOOL_OPS:
        if field.type is not FieldType.YES_NO:
            raise RuleLoadError(
                f"{op.value} 只用于 是/否 字段,{field_id} 是 {field.type.value}",
                file=file,
                where=where,
            )
        if raw_value is not True:
            raise RuleLoadError(f"{op.value} 的值应写 true", file=file, where=where)
        value = None
    elif op in SET_OPS:
        if field.type is FieldType.YES_NO or not isinstance(raw_value, list) or not raw_value:
            raise RuleLoadError(
                f"{op.value} 的值应为非空列表(不用于 是/否 字段)", file=file, where=where
            )
        value = tuple(_scalar(field, item, file=file, where=where) for item in raw_value)
    else:
        if op in ORDER_OPS and (field.type is FieldType.YES_NO or field.type in CHOICE_TYPES):
            raise RuleLoadError(f"{op.value} 只用于数字或日期字段", file=file, where=where)
        value = _scalar(field, raw_value, file=file, where=where)
    confirm = raw.get("confirm", False)
    met_only = confirm == "met"
    if met_only:
        confirm = True
    if not isinstance(confirm, bool):
        raise RuleLoadError("confirm 应为 true、false 或 met", file=file, where=where)
    source = text(raw, "source", file=file, where=where)
    return Leaf(
        field=field_id,
        op=op,
        value=value,
        text=text(raw, "text", file=file, where=where, required=True),
        source=source,
        confirm=confirm,
        confirm_met_only=met_only,
        path=where,
        period=_period(raw, file=file, where=where),
        docs=cite(source),
    )


def parse_condition(
    raw: Any,
    fields: dict[str, Field],
    *,
    file: Path | None,
    where: str = "conditions",
    cite: Cite = _no_docs,
) -> Condition:
    if not isinstance(raw, dict):
        raise RuleLoadError("条件应为表(all_of / any_of / not / field)", file=file, where=where)
    kinds = [key for key in (*sorted(_GROUP_KEYS), "field") if key in raw]
    if len(kinds) != 1:
        raise RuleLoadError(
            "条件须有且只有 all_of、any_of、not、field 之一", file=file, where=where
        )
    kind = kinds[0]
    if kind == "field":
        return _leaf(raw, fields, file=file, where=where, cite=cite)
    check_keys(raw, {kind, *_META_KEYS}, file=file, where=where)
    label = text(raw, "text", file=file, where=where)
    source = text(raw, "source", file=file, where=where)
    period = _period(raw, file=file, where=where)
    if kind == "not":
        child = parse_condition(raw["not"], fields, file=file, where=f"{where}.not", cite=cite)
        return Not(child=child, text=label, source=source, path=where, period=period)
    items = raw[kind]
    if not isinstance(items, list) or not items:
        raise RuleLoadError(f"{kind} 应为非空列表", file=file, where=where)
    children = tuple(
        parse_condition(item, fields, file=file, where=f"{where}.{kind}[{index}]", cite=cite)
        for index, item in enumerate(items)
    )
    return Group(kind=kind, children=children, text=label, source=source, path=where, period=period)
