"""``check_all(directory)``: load every rule file, run every case and the lint."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.importing.views import read_manifest_views
from knowledge.rules.catalog import load_catalog
from knowledge.rules.engine import evaluate
from knowledge.rules.errors import RuleLoadError
from knowledge.rules.facts import InvalidFact
from knowledge.rules.lint import Issue, Severity, lint
from knowledge.rules.loader import BUNDLED_RULES_DIR, load_rule_file, rule_files
from knowledge.rules.model import Case, Rule

log = logging.getLogger(__name__)

SEEDS_DIR = Path(__file__).resolve().parents[1] / "data" / "seeds"
# Cases that check no validity do not depend on the date; this one keeps runs reproducible.
CASE_DEFAULT_TODAY = dt.date(2023, 6, 30)


@dataclass(frozen=True, slots=True)
class CaseResult:
    rule_id: str
    case: Case
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def id(self) -> str:
        return f"{self.rule_id}:{self.case.name}"


@dataclass(slots=True)
class FileReport:
    path: Path
    rule: Rule | None = None
    error: str | None = None
    cases: list[CaseResult] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def failed_cases(self) -> list[CaseResult]:
        return [c for c in self.cases if not c.passed]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return self.error is None and not self.failed_cases and not self.errors


@dataclass(slots=True)
class CheckReport:
    directory: Path
    files: list[FileReport] = field(default_factory=list)
    error: str | None = None  # the shared files could not be read

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.files) and all(f.ok for f in self.files)

    @property
    def rules(self) -> list[Rule]:
        return [f.rule for f in self.files if f.rule is not None]

    @property
    def cases(self) -> list[CaseResult]:
        return [c for f in self.files for c in f.cases]


def bundled_entry_ids(seeds_dir: Path = SEEDS_DIR) -> frozenset[str]:
    """Entry ids of the bundled knowledge base (every seed manifest)."""
    ids: set[str] = set()
    for manifest in sorted(seeds_dir.glob("*.yaml")):
        ids.update(view.entry_id for view in read_manifest_views(manifest))
    return frozenset(ids)


def run_case(rule: Rule, case: Case) -> CaseResult:
    """Evaluate one case of a rule and compare with what it expects."""
    try:
        verdict = evaluate(rule, case.facts, today=case.today or CASE_DEFAULT_TODAY)
    except InvalidFact as exc:
        return CaseResult(rule.id, case, (f"事实无效:{exc}",))
    problems: list[str] = []
    if verdict.outcome is not case.expect:
        problems.append(f"结果为 {verdict.outcome.value},预期 {case.expect.value}")
    if case.missing is not None:
        got = [f.id for f in verdict.missing]
        if set(got) != set(case.missing):
            problems.append(f"缺少字段为 {got},预期 {list(case.missing)}")
    if case.to_confirm is not None:
        confirm = sorted({line.field.id for line in verdict.to_confirm if line.field})
        if set(confirm) != set(case.to_confirm):
            problems.append(f"需确认字段为 {confirm},预期 {sorted(case.to_confirm)}")
    if case.tentative is not None and verdict.tentative is not case.tentative:
        got_tentative = verdict.tentative.value if verdict.tentative else None
        problems.append(f"暂定结果为 {got_tentative},预期 {case.tentative.value}")
    if case.validity is not None and verdict.validity.value != case.validity:
        problems.append(f"有效性为 {verdict.validity.value},预期 {case.validity}")
    return CaseResult(rule.id, case, tuple(problems))


def check_all(
    directory: Path = BUNDLED_RULES_DIR, *, known_entries: Collection[str] | None = None
) -> CheckReport:
    """Load and validate every rule file, run its cases, and lint all rules together.

    ``known_entries`` defaults to the bundled knowledge base's entry ids.
    """
    report = CheckReport(directory=directory)
    if not directory.is_dir():
        report.error = f"目录不存在:{directory}"
        return report
    try:
        catalog = load_catalog(directory)
    except RuleLoadError as exc:
        report.error = str(exc)
        return report
    for path in rule_files(directory):
        file_report = FileReport(path=path)
        report.files.append(file_report)
        try:
            file_report.rule = load_rule_file(path, catalog=catalog)
        except RuleLoadError as exc:
            log.info("rule file %s failed to load: %s", path.name, exc)
            file_report.error = str(exc)
            continue
        file_report.cases = [run_case(file_report.rule, case) for case in file_report.rule.cases]
    entries = bundled_entry_ids() if known_entries is None else known_entries
    by_file = {f.path: f for f in report.files}
    for issue in lint(report.rules, known_entries=entries):
        target = by_file.get(issue.file) if issue.file else None
        if target is not None:
            target.issues.append(issue)
    if not report.files:
        report.error = f"目录中没有规则文件(*.yaml):{directory}"
    return report
