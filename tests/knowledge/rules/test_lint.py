"""The lint on small broken rule directories."""

from __future__ import annotations

from pathlib import Path

from knowledge.rules import Issue, Severity, check_all, lint, load_rules
from tests.knowledge.rules.builders import MINIMAL, rules_dir

KNOWN = {"wh-sme-2023:2.5.20"}


def _codes(issues: list[Issue]) -> list[str]:
    return sorted(issue.code for issue in issues)


def _lint(tmp_path: Path, **files: str) -> list[Issue]:
    return lint(load_rules(rules_dir(tmp_path, **files)), known_entries=KNOWN)


def test_minimal_rule_is_clean(tmp_path: Path) -> None:
    assert _lint(tmp_path, mini=MINIMAL) == []


def test_unused_field(tmp_path: Path) -> None:
    text = MINIMAL.replace("  - district\n", "  - district\n  - is_sme\n")
    issues = _lint(tmp_path, mini=text)
    assert _codes(issues) == ["unused-field"]
    assert "is_sme" in issues[0].message
    assert str(issues[0]).startswith("[error] unused-field mini.yaml: fields:")


def test_condition_without_source(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "      text: 满足\n      source: 《测试出处》第二条\n", "      text: 满足\n"
    )
    issues = _lint(tmp_path, mini=text)
    assert _codes(issues) == ["missing-source"]
    assert issues[0].where == "conditions.all_of[1]"


def test_contradicting_cases(tmp_path: Path) -> None:
    text = MINIMAL + (
        "  - name: 矛盾\n    facts: {flag: false, district: 江岸区}\n    expect: eligible\n"
    )
    issues = _lint(tmp_path, mini=text)
    assert _codes(issues) == ["case-contradiction"]
    assert "不符合" in issues[0].message


def test_cases_with_unknown_fields_or_bad_values(tmp_path: Path) -> None:
    text = MINIMAL + (
        "  - name: 未知字段\n"
        "    facts: {district: 江岸区, flagg: true}\n"
        "    expect: undetermined\n"
        "    missing: [flag, other]\n"
        "  - name: 值不对\n"
        "    facts: {district: 火星区, flag: true}\n"
        "    expect: eligible\n"
    )
    issues = _lint(tmp_path, mini=text)
    assert _codes(issues) == ["case-invalid-fact", "case-unknown-field", "case-unknown-field"]


def test_unknown_entry_and_duplicate_ids(tmp_path: Path) -> None:
    other = MINIMAL.replace("entries: [wh-sme-2023:2.5.20]", "entries: [wh-sme-2023:9.9]")
    dup_field = other.replace("  - district\n", "  - district\n  - district\n")
    dup_case = dup_field.replace("  - name: 不符合", "  - name: 符合")
    issues = _lint(tmp_path, mini=MINIMAL, copy=dup_case)
    codes = _codes(issues)
    assert codes.count("duplicate-id") == 3  # rule id, field id, case name
    assert "unknown-entry" in codes
    assert "id-file-mismatch" in codes


def test_invalid_dates_and_missing_validity_source(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "entries: [wh-sme-2023:2.5.20]",
        "entries: [wh-sme-2023:2.5.20]\nvalid_from: 2024-01-01\nvalid_until: 2023-01-01",
    )
    assert _codes(_lint(tmp_path, mini=text)) == ["invalid-dates", "missing-validity-source"]


def test_review_after_outside_validity(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "entries: [wh-sme-2023:2.5.20]",
        "entries: [wh-sme-2023:2.5.20]\nvalid_from: 2024-01-01\nreview_after: 2023-06-01\n"
        "validity_source: 测试",
    )
    assert _codes(_lint(tmp_path, mini=text)) == ["invalid-dates"]


def test_next_steps_need_a_source(tmp_path: Path) -> None:
    text = MINIMAL.replace("outcomes:", "next_steps: 去某某窗口办理\noutcomes:")
    assert _codes(_lint(tmp_path, mini=text)) == ["missing-next-steps-source"]


def test_field_conflict_between_rules(tmp_path: Path) -> None:
    other = (
        MINIMAL.replace("id: mini", "id: other")
        .replace("    type: yes_no", ("    type: number\n    unit: 万元"))
        .replace("      is_true: true", "      ge: 1")
    )
    other = other.replace("flag: true}", "flag: 5}").replace("flag: false}", "flag: 0}")
    issues = _lint(tmp_path, mini=MINIMAL, other=other)
    assert _codes(issues) == ["field-conflict"]


def test_case_coverage_is_a_warning(tmp_path: Path) -> None:
    text = MINIMAL.split("  - name: 不符合")[0]
    issues = _lint(tmp_path, mini=text)
    assert _codes(issues) == ["case-coverage"]
    assert issues[0].severity is Severity.WARNING
    report = check_all(tmp_path / "rules", known_entries=KNOWN)
    assert report.ok  # warnings do not fail the check


def test_check_all_fails_on_failed_case_and_on_lint_error(tmp_path: Path) -> None:
    wrong = MINIMAL.replace("    missing: [flag]", "    missing: [district]")
    report = check_all(rules_dir(tmp_path, mini=wrong), known_entries=KNOWN)
    assert not report.ok
    (failed,) = report.files[0].failed_cases
    assert failed.id == "mini:待定"
    assert "缺少字段" in failed.problems[0]
    unknown = check_all(rules_dir(tmp_path / "b", mini=MINIMAL), known_entries=set())
    assert not unknown.ok
    assert [i.code for i in unknown.files[0].errors] == ["unknown-entry"]
