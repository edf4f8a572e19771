"""Static checks over loaded rules: ``lint(rules, known_entries=...) -> list[Issue]``.

Errors (make ``policybot rules check`` fail):

* ``duplicate-id`` — two rules with one id, a field listed twice, two cases with one name;
* ``id-file-mismatch`` — the id is not the file name;
* ``unused-field`` — a field that no condition uses;
* ``missing-source`` — a leaf condition without ``source``;
* ``missing-validity-source`` / ``missing-next-steps-source`` — dates or next steps without
  where they come from;
* ``invalid-dates`` — valid_from after valid_until, review_after outside the validity;
* ``unknown-entry`` — a linked entry id that the knowledge base does not have;
* ``case-unknown-field`` — a case names a field the rule does not have;
* ``case-invalid-fact`` — a case fact of the wrong type or range;
* ``case-contradiction`` — two cases with the same input and different expected outcomes;
* ``case-validity-without-today`` — a case checks validity but gives no ``today``;
* ``field-conflict`` — one field id with different type/unit/choices in two rules (profiles
  share answers between rules, so a field id must mean the same everywhere);
* ``unknown-citation`` — a source (of a condition, the dates or the next steps) cites a
  document (《title》 or 文号) that is not in the programme's ``sources`` block;
* ``uncited-source`` — a condition's source names no document at all;
* ``internal-note`` — a source shown to users carries a note for the team ("未核对", "TODO");
  say it in the user's terms ("条款位置待核对") or cite precisely;
* ``duplicate-id`` also covers two ``sources`` entries with one id.

Warnings: ``case-coverage`` — no case for one of eligible / not eligible / undetermined
(for a rule that can only be confirmed, a case with ``tentative: eligible`` counts);
``unused-source`` — a ``sources`` entry that nothing cites.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from knowledge.rules.facts import InvalidFact, coerce_fact
from knowledge.rules.model import (
    NEXT_STEPS_DEFAULT,
    Field,
    Leaf,
    Outcome,
    Rule,
    iter_conditions,
    iter_leaves,
)
from knowledge.rules.sources import citations, cited

_INTERNAL_NOTE = re.compile(r"未核对|TODO|FIXME|XXX|待查|内部")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    code: str
    message: str
    rule_id: str = ""
    where: str = ""
    file: Path | None = None
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        spot = ": ".join(
            p for p in (self.file.name if self.file else self.rule_id, self.where) if p
        )
        return f"[{self.severity.value}] {self.code} {spot}: {self.message}"


def _issue(
    rule: Rule, code: str, message: str, where: str = "", severity: Severity = Severity.ERROR
) -> Issue:
    return Issue(code, message, rule.id, where, rule.file, severity)


def _fields_and_dates(rule: Rule) -> list[Issue]:
    issues: list[Issue] = []
    for field_id, count in Counter(rule.field_ids).items():
        if count > 1:
            issues.append(
                _issue(rule, "duplicate-id", f"字段 {field_id} 出现 {count} 次", "fields")
            )
    used = {leaf.field for leaf in iter_leaves(rule.conditions)}
    for field in rule.fields:
        if field.id not in used:
            issues.append(
                _issue(rule, "unused-field", f"字段 {field.id} 没有被任何条件使用", "fields")
            )
    for leaf in iter_leaves(rule.conditions):
        if not leaf.source:
            issues.append(_issue(rule, "missing-source", f"条件“{leaf.text}”没有出处", leaf.path))
    start, end, review = rule.valid_from, rule.valid_until, rule.review_after
    if start and end and start > end:
        issues.append(_issue(rule, "invalid-dates", f"valid_from {start} 晚于 valid_until {end}"))
    if review and ((start and review < start) or (end and review > end)):
        issues.append(_issue(rule, "invalid-dates", f"review_after {review} 不在有效期内"))
    if (start or end or review) and not rule.validity_source:
        issues.append(_issue(rule, "missing-validity-source", "写了日期但没有 validity_source"))
    if rule.file is not None and rule.file.stem != rule.id:
        issues.append(
            _issue(rule, "id-file-mismatch", f"id {rule.id} 与文件名 {rule.file.name} 不一致")
        )
    return issues


def _cases(rule: Rule) -> list[Issue]:
    issues: list[Issue] = []
    fields = {f.id: f for f in rule.fields}
    for name, count in Counter(case.name for case in rule.cases).items():
        if count > 1:
            issues.append(_issue(rule, "duplicate-id", f"案例名 {name} 出现 {count} 次", "cases"))
    seen: dict[tuple[object, ...], tuple[str, Outcome]] = {}
    for case in rule.cases:
        named = [*case.facts, *(case.missing or ()), *(case.to_confirm or ())]
        for field_id in dict.fromkeys(named):
            if field_id not in fields:
                issues.append(_issue(rule, "case-unknown-field", f"未知字段 {field_id}", case.path))
        for field_id, value in case.facts.items():
            field: Field | None = fields.get(field_id)
            if field is not None and value is not None:
                try:
                    coerce_fact(field, value)
                except InvalidFact as exc:
                    issues.append(_issue(rule, "case-invalid-fact", str(exc), case.path))
        if case.validity is not None and case.today is None:
            issues.append(
                _issue(rule, "case-validity-without-today", "检查 validity 需要写 today", case.path)
            )
        key = (tuple(sorted((k, repr(v)) for k, v in case.facts.items())), case.today)
        if key in seen and seen[key][1] is not case.expect:
            issues.append(
                _issue(
                    rule,
                    "case-contradiction",
                    f"与案例 {seen[key][0]} 输入相同,但预期结果不同",
                    case.path,
                )
            )
        seen.setdefault(key, (case.name, case.expect))
    covered = {case.expect for case in rule.cases}
    if any(case.tentative is Outcome.ELIGIBLE for case in rule.cases):
        covered.add(Outcome.ELIGIBLE)
    lacking = [o.value for o in Outcome if o not in covered]
    if lacking:
        issues.append(
            _issue(
                rule,
                "case-coverage",
                f"缺少这些结果的案例:{', '.join(lacking)}",
                "cases",
                severity=Severity.WARNING,
            )
        )
    return issues


def _across(rules: Sequence[Rule], known_entries: Collection[str] | None) -> list[Issue]:
    issues: list[Issue] = []
    first: dict[str, Rule] = {}
    signatures: dict[str, tuple[Rule, Field]] = {}
    for rule in rules:
        if rule.id in first:
            issues.append(
                _issue(rule, "duplicate-id", f"规则 id {rule.id} 与 {first[rule.id].file} 重复")
            )
        first.setdefault(rule.id, rule)
        if not rule.next_steps_source and rule.next_steps != NEXT_STEPS_DEFAULT:
            issues.append(_issue(rule, "missing-next-steps-source", "next_steps 没有出处"))
        for entry in rule.entries:
            if known_entries is not None and entry not in known_entries:
                issues.append(_issue(rule, "unknown-entry", f"知识库中没有条目 {entry}", "entries"))
        for field in rule.fields:
            other = signatures.get(field.id)
            if other is None:
                signatures[field.id] = (rule, field)
            elif other[1].signature() != field.signature():
                issues.append(
                    _issue(
                        rule,
                        "field-conflict",
                        f"字段 {field.id} 与规则 {other[0].id} 中的同名字段类型/单位/选项不同",
                        "fields",
                    )
                )
    return issues


def _cited_texts(rule: Rule) -> list[tuple[str, str, bool]]:
    """(where, source text, is a condition leaf) of every source the rule shows."""
    texts = [
        (node.path, node.source, isinstance(node, Leaf))
        for node in iter_conditions(rule.conditions)
        if node.source
    ]
    if rule.validity_source:
        texts.append(("validity_source", rule.validity_source, False))
    if rule.next_steps_source:
        texts.append(("next_steps_source", rule.next_steps_source, False))
    return texts


def _sources(rule: Rule) -> list[Issue]:
    issues: list[Issue] = []
    for doc_id, count in Counter(doc.id for doc in rule.sources).items():
        if count > 1:
            issues.append(_issue(rule, "duplicate-id", f"出处文件 id {doc_id} 出现 {count} 次"))
    used: set[str] = set()
    for where, source, is_leaf in _cited_texts(rule):
        found, unknown = cited(source, rule.sources)
        used.update(found)
        for name in unknown:
            issues.append(
                _issue(
                    rule,
                    "unknown-citation",
                    f"引用的文件 {name} 不在本项目的 sources 中(请补充标题、文号、机关、日期)",
                    where,
                )
            )
        titles, numbers = citations(source)
        if is_leaf and not titles and not numbers:
            issues.append(_issue(rule, "uncited-source", f"出处“{source}”没有写明文件", where))
        note = _INTERNAL_NOTE.search(source)
        if note:
            issues.append(
                _issue(
                    rule,
                    "internal-note",
                    f"出处含内部备注“{note.group(0)}”,请改为用户能看懂的说法或准确引用",
                    where,
                )
            )
    for doc in rule.sources:
        if doc.id not in used:
            issues.append(
                _issue(
                    rule,
                    "unused-source",
                    f"出处文件 {doc.id} 没有被引用",
                    "sources",
                    severity=Severity.WARNING,
                )
            )
    return issues


def confirm_facts(rule: Rule) -> list[Leaf]:
    """The conditions marked ``confirm`` (thresholds the project could not cite for sure)."""
    return [leaf for leaf in iter_leaves(rule.conditions) if leaf.confirm]


def lint(rules: Sequence[Rule], *, known_entries: Collection[str] | None = None) -> list[Issue]:
    """Every issue found in ``rules``; ``known_entries`` enables the entry-id check."""
    issues = _across(rules, known_entries)
    for rule in rules:
        issues.extend(_fields_and_dates(rule))
        issues.extend(_cases(rule))
        issues.extend(_sources(rule))
    return issues
