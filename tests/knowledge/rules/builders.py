"""Small helpers to build rules in code and rule directories on disk for the tests."""

from __future__ import annotations

import shutil
import textwrap
from decimal import Decimal
from pathlib import Path

from knowledge.numbers import Unit
from knowledge.rules import BUNDLED_RULES_DIR
from knowledge.rules.model import (
    Condition,
    FactValue,
    Field,
    FieldType,
    Group,
    Leaf,
    Not,
    Op,
    Outcome,
    Rule,
)

SHARED_FILES = ("_districts.yaml", "_industries.yaml", "_fields.yaml")


def yes_no(field_id: str) -> Field:
    return Field(field_id, f"{field_id}?", FieldType.YES_NO)


def number(field_id: str, unit: Unit | None = None) -> Field:
    return Field(field_id, f"{field_id}?", FieldType.NUMBER, unit=unit)


def leaf(
    field_id: str,
    op: Op,
    value: int | FactValue | tuple[FactValue, ...] | None = None,
    *,
    confirm: bool = False,
    text: str = "",
) -> Leaf:
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    return Leaf(field_id, op, value, text or f"{field_id} {op.value}", "测试出处", confirm)


def all_of(*children: Condition) -> Group:
    return Group("all_of", tuple(children))


def any_of(*children: Condition) -> Group:
    return Group("any_of", tuple(children))


def not_(child: Condition) -> Not:
    return Not(child)


def make_rule(fields: list[Field], conditions: Condition, rule_id: str = "demo") -> Rule:
    return Rule(
        id=rule_id,
        title="演示规则",
        fields=tuple(fields),
        conditions=conditions,
        outcomes={o: o.value for o in Outcome},
    )


def rules_dir(tmp_path: Path, **files: str) -> Path:
    """A rules directory with the bundled shared files and the given rule files."""
    directory = tmp_path / "rules"
    directory.mkdir(parents=True)
    for name in SHARED_FILES:
        shutil.copy(BUNDLED_RULES_DIR / name, directory / name)
    for name, text in files.items():
        (directory / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


MINIMAL = """\
id: mini
title: 最小规则
entries: [wh-sme-2023:2.5.20]
sources:
  - id: fixture
    title: 测试出处
    issuer: 测试用例(本项目编写的测试文件)
fields:
  - district
  - id: flag
    question: 是否满足?
    type: yes_no
conditions:
  all_of:
    - field: district
      ne: 武汉市以外
      text: 在武汉
      source: 《测试出处》第一条
    - field: flag
      is_true: true
      text: 满足
      source: 《测试出处》第二条
outcomes:
  eligible: 符合
  not_eligible: 不符合
  undetermined: 待定
cases:
  - name: 符合
    facts: {district: 江岸区, flag: true}
    expect: eligible
  - name: 不符合
    facts: {district: 江岸区, flag: false}
    expect: not_eligible
  - name: 待定
    facts: {district: 江岸区}
    expect: undetermined
    missing: [flag]
"""
