"""Parsing field definitions (the questions a rule may ask).

A field is a mapping::

    id: rd_ratio            # lower case, digits, _
    question: 上年度研发费用占营业收入的比重是多少?
    type: number            # choice | yes_no | number | district | industry | date
    unit: "%"               # number only: 元 | 万元 | % | 年 | 人 (omit for a plain number)
    min: 0                  # number only, optional
    max: 100
    choices: [...]          # choice only (district/industry take theirs from the catalog)
    help: 研发费用按会计口径……
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge.numbers import Unit
from knowledge.rules.errors import RuleLoadError
from knowledge.rules.model import Field, FieldType
from knowledge.rules.parsing import check_keys, parse_choices, text

if TYPE_CHECKING:
    from knowledge.rules.catalog import Catalog

FIELD_ID = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
_KEYS = {"id", "question", "type", "unit", "min", "max", "choices", "help"}


def _bound(raw: Any, key: str, *, file: Path | None, where: str) -> Decimal | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RuleLoadError(f"{key} 应为数字", file=file, where=where)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise RuleLoadError(f"{key} 应为数字:{value}", file=file, where=where) from None
    if not number.is_finite():
        raise RuleLoadError(f"{key} 应为有限的数字", file=file, where=where)
    return number


def parse_field(raw: Any, *, catalog: Catalog, file: Path | None, where: str) -> Field:
    if not isinstance(raw, dict):
        raise RuleLoadError("字段应为含 id、question、type 的表", file=file, where=where)
    check_keys(raw, _KEYS, file=file, where=where)
    field_id = text(raw, "id", file=file, where=where, required=True)
    if not FIELD_ID.match(field_id):
        raise RuleLoadError(
            f"字段 id 只能用小写字母、数字和 _(以字母开头):{field_id}", file=file, where=where
        )
    spot = f"{where}({field_id})"
    question = text(raw, "question", file=file, where=spot, required=True)
    try:
        kind = FieldType(text(raw, "type", file=file, where=spot, required=True))
    except ValueError:
        options = " | ".join(t.value for t in FieldType)
        raise RuleLoadError(f"type 应为 {options}", file=file, where=spot) from None
    unit: Unit | None = None
    if raw.get("unit") is not None:
        if kind is not FieldType.NUMBER:
            raise RuleLoadError("只有 number 字段可以有 unit", file=file, where=spot)
        try:
            unit = Unit(str(raw["unit"]))
        except ValueError:
            options = " | ".join(u.value for u in Unit)
            raise RuleLoadError(f"unit 应为 {options}", file=file, where=spot) from None
    minimum = _bound(raw, "min", file=file, where=spot)
    maximum = _bound(raw, "max", file=file, where=spot)
    if (minimum is not None or maximum is not None) and kind is not FieldType.NUMBER:
        raise RuleLoadError("只有 number 字段可以有 min/max", file=file, where=spot)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise RuleLoadError("min 不能大于 max", file=file, where=spot)
    if kind is FieldType.CHOICE:
        choices = parse_choices(raw.get("choices"), file=file, where=f"{spot}.choices")
    elif "choices" in raw:
        raise RuleLoadError("只有 choice 字段可以写 choices", file=file, where=spot)
    elif kind is FieldType.DISTRICT:
        choices = catalog.districts
    elif kind is FieldType.INDUSTRY:
        choices = catalog.industries
    else:
        choices = ()
    if kind in (FieldType.DISTRICT, FieldType.INDUSTRY) and not choices:
        raise RuleLoadError(
            f"缺少 {kind.value} 的选项数据(_districts/_industries.yaml)", file=file, where=spot
        )
    return Field(
        id=field_id,
        question=question,
        type=kind,
        unit=unit,
        choices=choices,
        minimum=minimum,
        maximum=maximum,
        help=text(raw, "help", file=file, where=spot),
    )
