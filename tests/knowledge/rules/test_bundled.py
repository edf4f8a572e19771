"""The bundled programme rules: every YAML case runs as its own test; data quality checks."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.model import EntryView
from knowledge.rules import (
    Outcome,
    Rule,
    Severity,
    check_all,
    evaluate,
    lint,
    load_rules,
    run_case,
)
from knowledge.rules.check import bundled_entry_ids
from knowledge.rules.model import Case, FieldType, iter_conditions, iter_leaves

RULES = load_rules()
CASES = [(rule, case) for rule in RULES for case in rule.cases]


@pytest.mark.parametrize(
    ("rule", "case"), CASES, ids=[f"{rule.id}:{case.name}" for rule, case in CASES]
)
def test_yaml_case(rule: Rule, case: Case) -> None:
    result = run_case(rule, case)
    assert result.passed, "; ".join(result.problems)


def test_at_least_ten_programmes_with_three_cases_each() -> None:
    assert len(RULES) >= 10
    for rule in RULES:
        assert len(rule.cases) >= 3, rule.id
        outcomes = {case.expect for case in rule.cases}
        assert Outcome.UNDETERMINED in outcomes, rule.id
        assert Outcome.NOT_ELIGIBLE in outcomes, rule.id
        tentative = {case.tentative for case in rule.cases}
        assert Outcome.ELIGIBLE in outcomes or Outcome.ELIGIBLE in tentative, rule.id


def test_every_condition_has_text_and_source() -> None:
    for rule in RULES:
        for leaf in iter_leaves(rule.conditions):
            assert leaf.text, (rule.id, leaf.path)
            assert leaf.source.startswith("《"), (rule.id, leaf.path, leaf.source)


def test_confirm_conditions_say_what_to_confirm() -> None:
    for rule in RULES:
        for leaf in iter_leaves(rule.conditions):
            if leaf.confirm:
                assert "确认" in leaf.text, (rule.id, leaf.path)


def test_every_linked_entry_exists_in_the_bundled_kb(seed_views: list[EntryView]) -> None:
    ids = {view.entry_id for view in seed_views}
    assert bundled_entry_ids() == ids
    for rule in RULES:
        assert rule.entries, rule.id
        for entry in rule.entries:
            assert entry in ids, (rule.id, entry)


def test_bundled_rules_are_lint_clean() -> None:
    issues = lint(RULES, known_entries=bundled_entry_ids())
    assert [str(i) for i in issues if i.severity is Severity.ERROR] == []
    assert [str(i) for i in issues] == []


def test_check_all_on_the_bundled_directory_is_ok() -> None:
    report = check_all()
    assert report.ok, [f.error or [str(i) for i in f.issues] for f in report.files if not f.ok]
    assert len(report.cases) == len(CASES)
    assert all(case.passed for case in report.cases)


def test_shared_fields_mean_the_same_in_every_rule() -> None:
    seen: dict[str, tuple[object, ...]] = {}
    for rule in RULES:
        for field in rule.fields:
            assert seen.setdefault(field.id, field.signature()) == field.signature(), field.id


def test_districts_cover_wuhan_and_functional_zones() -> None:
    district = next(f for r in RULES for f in r.fields if f.type is FieldType.DISTRICT)
    values = set(district.choice_values)
    thirteen = {
        "江岸区", "江汉区", "硚口区", "汉阳区", "武昌区", "青山区", "洪山区",
        "东西湖区", "汉南区", "蔡甸区", "江夏区", "黄陂区", "新洲区",
    }  # fmt: skip
    assert thirteen <= values
    assert {"东湖新技术开发区", "武汉经济技术开发区", "武汉市以外"} <= values


def test_no_invented_amount_in_wuhan_plan_rules() -> None:
    """Rules that rest only on the seed must not carry numeric thresholds (it gives none)."""
    for rule in RULES:
        sources = {leaf.source for leaf in iter_leaves(rule.conditions)}
        if all("武汉市2023年中小企业工作要点" in s for s in sources):
            for leaf in iter_leaves(rule.conditions):
                assert rule.field(leaf.field).type is not FieldType.NUMBER, (rule.id, leaf.path)


def test_wuhan_plan_rules_need_review_after_2023() -> None:
    for rule in RULES:
        if any("wh-sme-2023:2." in e for e in rule.entries) and rule.valid_from is not None:
            assert rule.valid_from == dt.date(2023, 3, 31)
            assert rule.review_after == dt.date(2023, 12, 31)
            verdict = evaluate(rule, {}, today=dt.date(2026, 1, 1))
            assert verdict.validity.value == "review"


def test_every_node_has_a_path() -> None:
    for rule in RULES:
        for node in iter_conditions(rule.conditions):
            assert node.path.startswith("conditions"), rule.id
