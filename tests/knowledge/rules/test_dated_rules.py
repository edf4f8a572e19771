"""Dated rules: thresholds and condition sets with periods, documents superseded by a later
version, the versions a verdict names, and the sources lint. The programme in these tests
is a test fixture written by us (its figures are made up and belong to no real policy)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from knowledge.rules import Outcome, Rule, State, check_all, evaluate, format_verdict, load_rules
from knowledge.rules.lint import confirm_facts
from knowledge.rules.render import documents_lines
from tests.knowledge.rules.builders import rules_dir

# Test fixture: an employee cap of 300 until 2024-12-31, then 200 from 2025-01-01; a
# document superseded on 2026-01-01; an extra condition that only exists from 2025.
DATED = """\
id: dated
title: 测试用分期标准(测试夹具)
sources:
  - id: old
    title: 测试办法
    number: 测试发〔2020〕1号
    issuer: 测试机关(测试夹具)
    date: 2020-01-01
    in_force: confirmed
    superseded_from: 2026-01-01
    superseded_by: 《测试办法》(2026年修订)
  - id: new
    title: 测试补充通知
    number: 测试发〔2025〕2号
fields:
  - id: staff
    question: 职工人数?
    type: number
    unit: 人
  - id: certified
    question: 是否已认证?
    type: yes_no
conditions:
  all_of:
    - field: staff
      le: 300
      valid_to: 2024-12-31
      text: 职工不超过300人
      source: 《测试办法》(测试发〔2020〕1号)第一条
    - field: staff
      le: 200
      valid_from: 2025-01-01
      text: 职工不超过200人
      source: 《测试办法》(测试发〔2020〕1号)第一条(2025年起)
    - all_of:
        - field: certified
          is_true: true
          text: 已认证
          source: 测试发〔2025〕2号第二条
      valid_from: 2025-01-01
      text: 2025年起的新增条件
outcomes: {eligible: 符合, not_eligible: 不符合, undetermined: 待定}
cases:
  - name: 2024年250人符合
    today: 2024-06-30
    facts: {staff: 250}
    expect: eligible
  - name: 2025年250人不符合
    today: 2025-06-30
    facts: {staff: 250, certified: true}
    expect: not_eligible
"""


def _rule(tmp_path: Path, text: str = DATED) -> Rule:
    return load_rules(rules_dir(tmp_path, dated=text))[0]


def test_a_threshold_change_applies_on_its_date(tmp_path: Path) -> None:
    rule = _rule(tmp_path)
    before = evaluate(rule, {"staff": 250}, today=dt.date(2024, 12, 31))
    after = evaluate(rule, {"staff": 250, "certified": True}, today=dt.date(2025, 1, 1))
    assert before.outcome is Outcome.ELIGIBLE
    assert [line.text for line in before.trace if line.is_leaf] == ["职工不超过300人"]
    assert after.outcome is Outcome.NOT_ELIGIBLE
    assert [line.text for line in after.blocking] == ["职工不超过200人"]
    # the condition set that starts in 2025 is asked only from then on
    assert evaluate(rule, {"staff": 150}, today=dt.date(2024, 6, 1)).outcome is Outcome.ELIGIBLE
    pending = evaluate(rule, {"staff": 150}, today=dt.date(2025, 6, 1))
    assert pending.outcome is Outcome.UNDETERMINED
    assert [f.id for f in pending.missing] == ["certified"]


def test_superseded_document_makes_its_thresholds_to_confirm(tmp_path: Path) -> None:
    rule = _rule(tmp_path)
    facts = {"staff": 150, "certified": True}
    firm = evaluate(rule, facts, today=dt.date(2025, 12, 31))
    assert firm.outcome is Outcome.ELIGIBLE
    assert [(u.doc.id, u.superseded, u.verified) for u in firm.documents] == [
        ("old", False, True),
        ("new", False, False),
    ]
    later = evaluate(rule, facts, today=dt.date(2026, 1, 1))
    assert later.outcome is Outcome.UNDETERMINED
    assert later.tentative is Outcome.ELIGIBLE and later.confirm_only
    staff = next(
        line for line in later.trace if line.field is not None and line.field.id == "staff"
    )
    assert staff.state is State.CONFIRM and staff.mark == "✓ (标准待确认)"
    lines = documents_lines(later)
    assert lines[0] == "判断日期:2026-01-01"
    assert "2026-01-01起已有《测试办法》(2026年修订),本项目尚未收录新标准" in lines[1]
    assert "本项目未能核对它是否仍是现行版本" in lines[2]
    # a hard ✗ still decides, whatever else is to be confirmed
    failed = evaluate(rule, {"staff": 150, "certified": False}, today=dt.date(2026, 1, 1))
    assert failed.outcome is Outcome.NOT_ELIGIBLE
    assert "✗ 已认证" in format_verdict(failed)


def test_nothing_in_force_is_said_not_guessed(tmp_path: Path) -> None:
    text = DATED.replace(
        "      le: 300\n      valid_to: 2024-12-31", "      le: 300\n      valid_from: 2030-01-01"
    )
    text = text.replace(
        "      valid_from: 2025-01-01\n      text: 职工不超过200人",
        "      valid_from: 2030-01-01\n      text: 职工不超过200人",
    )
    text = text.replace(
        "      valid_from: 2025-01-01\n      text: 2025年起",
        "      valid_from: 2030-01-01\n      text: 2025年起",
    )
    rule = _rule(tmp_path, text)
    verdict = evaluate(rule, {"staff": 1}, today=dt.date(2024, 1, 1))
    assert verdict.outcome is Outcome.UNDETERMINED and not verdict.applicable
    assert not verdict.confirm_only
    assert documents_lines(verdict) == ["截至 2024-01-01,本项目没有收录适用的条件,无法判断。"]


def test_cases_run_at_their_date_and_citations_must_be_listed(tmp_path: Path) -> None:
    report = check_all(rules_dir(tmp_path, dated=DATED), known_entries=set())
    assert report.ok, [(c.id, c.problems) for c in report.cases] + [
        str(i) for f in report.files for i in f.issues
    ]
    unlisted = DATED.replace("source: 测试发〔2025〕2号第二条", "source: 测试发〔2025〕9号第二条")
    unlisted = unlisted.replace("第一条(2025年起)", "第一条(2025年起;条款序号未核对)")
    unlisted = unlisted.replace(
        "source: 《测试办法》(测试发〔2020〕1号)第一条\n", "source: 第一条\n"
    )
    report = check_all(rules_dir(tmp_path / "b", dated=unlisted), known_entries=set())
    assert not report.ok
    codes = sorted(issue.code for f in report.files for issue in f.errors)
    assert codes == ["internal-note", "uncited-source", "unknown-citation"]
    assert any("测试发〔2025〕9号" in str(i) for f in report.files for i in f.issues)


def test_confirm_met_only_fails_firmly_outside_the_listed_values(tmp_path: Path) -> None:
    [rule] = [r for r in load_rules() if r.id == "small-to-scale"]
    farm = evaluate(
        rule,
        {"district": "蔡甸区", "is_four_above": False, "industry": "A"},
        today=dt.date(2023, 6, 1),
    )
    assert farm.outcome is Outcome.NOT_ELIGIBLE
    building = next(line for line in farm.trace if line.is_leaf and "建筑业" in line.text)
    assert building.state is State.FAIL and building.mark == "✗"
    assert not farm.to_confirm and "标准待确认" not in format_verdict(farm)
    builder = evaluate(
        rule,
        {"district": "蔡甸区", "is_four_above": False, "industry": "E"},
        today=dt.date(2023, 6, 1),
    )
    assert [line.field.id for line in builder.to_confirm if line.field] == ["industry"]
    assert [leaf.field for leaf in confirm_facts(rule)] == ["industry"]
