"""Loading rule files: what loads, and clear errors (file and spot) for what does not."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.numbers import Unit
from knowledge.rules import RuleLoadError, check_all, load_rule_file, load_rules, parse_rule
from knowledge.rules.catalog import load_catalog
from knowledge.rules.loader import BUNDLED_RULES_DIR
from knowledge.rules.model import FieldType, Leaf, Op
from tests.knowledge.rules.builders import MINIMAL, rules_dir


def test_minimal_rule_loads_with_shared_fields(tmp_path: Path) -> None:
    directory = rules_dir(tmp_path, mini=MINIMAL)
    (rule,) = load_rules(directory)
    assert rule.id == "mini"
    assert rule.field_ids == ("district", "flag")
    district = rule.field("district")
    assert district.type is FieldType.DISTRICT
    assert "东湖新技术开发区" in district.choice_values
    assert rule.file == directory / "mini.yaml"
    assert [case.name for case in rule.cases] == ["符合", "不符合", "待定"]
    assert rule.valid_from is None and rule.validity_source == ""


def test_values_are_typed_from_the_field(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        """  - id: flag
    question: 是否满足?
    type: yes_no""",
        """  - id: flag
    question: 收入?
    type: number
    unit: 万元
    min: 0""",
    ).replace("      is_true: true\n      text: 满足", "      ge: 1000\n      text: 满足")
    rule = load_rule_file(rules_dir(tmp_path, mini=text) / "mini.yaml")
    assert rule.field("flag").unit is Unit.WAN_YUAN
    assert rule.field("flag").minimum == Decimal(0)
    leaf = rule.conditions.children[1]  # type: ignore[union-attr]
    assert isinstance(leaf, Leaf)
    assert leaf.op is Op.GE and leaf.value == Decimal(1000)
    assert leaf.path == "conditions.all_of[1]"


def test_long_chinese_texts_are_unfolded(tmp_path: Path) -> None:
    text = MINIMAL.replace("title: 最小规则", "title: >-\n  最小\n  规则")
    rule = load_rule_file(rules_dir(tmp_path, mini=text) / "mini.yaml")
    assert rule.title == "最小规则"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "      ne: 武汉市以外",
            "      ne: 火星区",
            r"mini\.yaml: conditions\.all_of\[0\]: '火星区' 不是字段 district 的选项",
        ),
        ("      is_true: true", "      ge: 3", r"conditions\.all_of\[1\]: ge 只用于数字或日期字段"),
        (
            "      is_true: true",
            "      is_true: true\n      eq: true",
            r"conditions\.all_of\[1\]: 条件须有且只有一个比较",
        ),
        (
            "    - field: flag",
            "    - field: nope",
            r"conditions\.all_of\[1\]: 条件引用了未定义的字段:nope",
        ),
        ("      text: 满足\n", "", r"conditions\.all_of\[1\]: 缺少 text"),
        ("    type: yes_no", "    type: bool", r"fields\[1\]\(flag\): type 应为 choice \| yes_no"),
        ("  - district\n", "  - districts\n", r"fields\[0\]: 未知的共享字段:districts"),
        ("    expect: eligible\n", "    expect: yes\n", r"cases\[0\]\(符合\)\.expect: 结果应为"),
        ("title: 最小规则", "title: 最小规则\ntitel: 拼错", r"mini\.yaml: 未知的键:titel"),
        ("id: mini", "id: Mini Rule", r"id: id 只能用小写字母"),
        (
            "entries: [wh-sme-2023:2.5.20]",
            "entries: [wh-sme-2023:2.5.20]\nvalid_from: 2023-02-30",
            r"mini\.yaml: 日期无效",
        ),
        ("  undetermined: 待定\n", "", r"outcomes: 缺少 undetermined"),
        (
            "conditions:\n  all_of:",
            "conditions:\n  all_of: []\n  old:",
            r"conditions: 未知的键|all_of 应为非空列表",
        ),
        ("  - id: flag\n", "  - id: district\n", r"字段 district 已在 _fields\.yaml 中定义"),
        ("id: mini", "id: [mini", r"mini\.yaml: 第 \d+ 行: YAML 格式错误"),
    ],
)
def test_errors_name_file_and_spot(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in MINIMAL
    directory = rules_dir(tmp_path, mini=MINIMAL.replace(old, new, 1))
    with pytest.raises(RuleLoadError, match=message) as info:
        load_rule_file(directory / "mini.yaml")
    assert info.value.file == directory / "mini.yaml"


def test_check_all_reports_load_errors_per_file(tmp_path: Path) -> None:
    broken = MINIMAL.replace("id: mini", "id: broken").replace("    type: yes_no", "    type: bool")
    directory = rules_dir(tmp_path, mini=MINIMAL, broken=broken)
    report = check_all(directory, known_entries={"wh-sme-2023:2.5.20"})
    assert not report.ok
    by_name = {f.path.name: f for f in report.files}
    assert by_name["mini.yaml"].ok
    assert by_name["broken.yaml"].error is not None
    assert "broken.yaml: fields[1](flag): type 应为" in by_name["broken.yaml"].error


def test_check_all_on_missing_or_empty_directory(tmp_path: Path) -> None:
    assert check_all(tmp_path / "nope").error is not None
    empty = tmp_path / "empty"
    empty.mkdir()
    report = check_all(empty, known_entries=set())
    assert not report.ok and report.error is not None


def test_shared_files_are_not_rules_and_are_validated(tmp_path: Path) -> None:
    directory = rules_dir(tmp_path, mini=MINIMAL)
    (directory / "_fields.yaml").write_text("fields:\n  - id: xx\n    type: yes_no\n", "utf-8")
    with pytest.raises(RuleLoadError, match=r"_fields\.yaml: fields\[0\]\(xx\): 缺少 question"):
        load_catalog(directory)
    report = check_all(directory, known_entries=set())
    assert report.error is not None and "_fields.yaml" in report.error


def test_choice_field_needs_choices(tmp_path: Path) -> None:
    text = MINIMAL.replace("    type: yes_no", "    type: choice")
    with pytest.raises(RuleLoadError, match=r"fields\[1\]\(flag\)\.choices: 应为非空的选项列表"):
        load_rule_file(rules_dir(tmp_path, mini=text) / "mini.yaml")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
_BASE = yaml.safe_load(MINIMAL)
CATALOG = load_catalog(BUNDLED_RULES_DIR)


def _spots(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    spots = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            spots.extend(_spots(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            spots.extend(_spots(item, (*path, index)))
    return spots


_SPOTS = [spot for spot in _spots(_BASE) if spot]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(spot=st.sampled_from(_SPOTS), junk=_JSON)
def test_any_malformed_value_gives_a_load_error(spot: tuple[object, ...], junk: object) -> None:
    raw = copy.deepcopy(_BASE)
    target = raw
    for key in spot[:-1]:
        target = target[key]
    target[spot[-1]] = junk
    try:
        parse_rule(raw, catalog=CATALOG)
    except RuleLoadError as exc:
        assert str(exc)
