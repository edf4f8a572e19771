"""``policybot rules``: check, show and evaluate the eligibility rules (a typer sub-app).

Needs no settings and no database: it reads rule files only. ``rules eval`` runs the same
engine path as the bot's 资格自测: answers read as typed answers are read
(:func:`knowledge.rules.answers.answers_to_facts`), then :func:`knowledge.rules.evaluate`
as of a date."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from bot.cli.context import err, fail, out
from knowledge.rules import (
    BUNDLED_RULES_DIR,
    AnswerError,
    CheckReport,
    FileReport,
    Outcome,
    Rule,
    RuleLoadError,
    Severity,
    Verdict,
    check_all,
    condition_lines,
    evaluate,
    format_verdict,
    load_rules,
)
from knowledge.rules.answers import answers_to_facts, describe_value
from knowledge.rules.engine import shanghai_today
from knowledge.rules.lint import confirm_facts
from knowledge.rules.render import document_text

app = typer.Typer(help="政策适用规则:检查、列出、查看", no_args_is_help=True, add_completion=False)
log = logging.getLogger(__name__)

_OUTCOME_NAMES = {
    Outcome.ELIGIBLE: "符合",
    Outcome.NOT_ELIGIBLE: "不符合",
    Outcome.UNDETERMINED: "待定",
}


def _print_file(report: FileReport) -> None:
    name = report.path.name
    if report.error is not None:
        err.print(f"{name}: 错误 {report.error}", markup=False, style="red")
        return
    passed = sum(1 for case in report.cases if case.passed)
    status = "ok" if report.ok else "FAIL"
    line = f"{name}: {status}  案例 {passed}/{len(report.cases)} 通过"
    if report.issues:
        line += f",lint 问题 {len(report.issues)}"
    out.print(line, markup=False, style="green" if report.ok else "red")
    for case in report.failed_cases:
        err.print(f"  ✗ {case.id}: {';'.join(case.problems)}", markup=False, style="red")
    for issue in report.issues:
        target = err if issue.severity is Severity.ERROR else out
        target.print(f"  {issue}", markup=False, style="yellow")
    if report.rule is not None:
        for leaf in confirm_facts(report.rule):
            out.print(f"  需确认:{leaf.text} — {leaf.source}", markup=False)


def _summary(report: CheckReport) -> str:
    cases = report.cases
    passed = sum(1 for case in cases if case.passed)
    broken = sum(1 for f in report.files if f.error is not None)
    errors = sum(len(f.errors) for f in report.files)
    return (
        f"{len(report.files)} 个规则文件({broken} 个无法加载),"
        f"案例 {passed} 个通过、{len(cases) - passed} 个失败,lint 错误 {errors} 个"
    )


@app.command("check")
def check(
    directory: Annotated[
        Path | None, typer.Argument(help="规则目录(默认为内置的 knowledge/data/rules)")
    ] = None,
) -> None:
    """加载全部规则文件,运行每个案例和 lint;有任何失败时退出码非 0。"""
    report = check_all(directory or BUNDLED_RULES_DIR)
    if report.error is not None:
        err.print(f"错误:{report.error}", markup=False, style="red")
        raise typer.Exit(1)
    for file_report in report.files:
        _print_file(file_report)
    summary = _summary(report)
    if report.ok:
        out.print(summary, markup=False)
        return
    err.print(summary, markup=False, style="red")
    raise typer.Exit(1)


def _load(directory: Path | None) -> list[Rule]:
    try:
        return load_rules(directory or BUNDLED_RULES_DIR)
    except RuleLoadError as exc:
        err.print(f"错误:{exc}", markup=False, style="red")
        raise typer.Exit(1) from None


_DIR_OPTION = typer.Option("--dir", help="规则目录(默认为内置目录)")


@app.command("list")
def list_rules(directory: Annotated[Path | None, _DIR_OPTION] = None) -> None:
    """列出全部规则的 id 和名称。"""
    for rule in _load(directory):
        out.print(f"{rule.id:<24} {rule.title}", markup=False)


def _show_fields(rule: Rule) -> None:
    out.print("问题(字段):", markup=False, style="bold")
    for field in rule.fields:
        unit = f",单位 {field.unit.value}" if field.unit else ""
        out.print(f"- {field.id}({field.type.value}{unit}):{field.question}", markup=False)
        if field.choices and field.type.value == "choice":
            labels = "、".join(c.label for c in field.choices)
            out.print(f"    选项:{labels}", markup=False)
        if field.minimum is not None or field.maximum is not None:
            low = describe_value(field, field.minimum) if field.minimum is not None else "—"
            high = describe_value(field, field.maximum) if field.maximum is not None else "—"
            out.print(f"    范围:{low} ~ {high}", markup=False)
        if field.help:
            out.print(f"    说明:{field.help}", markup=False)


@app.command("show")
def show(
    rule_id: Annotated[str, typer.Argument(help="规则 id,例如 high-tech-enterprise")],
    directory: Annotated[Path | None, _DIR_OPTION] = None,
) -> None:
    """显示一条规则:问题、条件及出处、结果和下一步。"""
    rules = {rule.id: rule for rule in _load(directory)}
    rule = rules.get(rule_id)
    if rule is None:
        err.print(f"错误:没有规则 {rule_id}(可用:{', '.join(sorted(rules))})", markup=False)
        raise typer.Exit(1)
    out.print(f"{rule.title}({rule.id})", markup=False, style="bold")
    if rule.summary:
        out.print(rule.summary, markup=False)
    out.print(f"关联条目:{', '.join(rule.entries) or '(无)'}", markup=False)
    start = rule.valid_from.isoformat() if rule.valid_from else "未写明"
    end = rule.valid_until.isoformat() if rule.valid_until else "未写明"
    out.print(f"有效期:{start} 至 {end}", markup=False)
    if rule.review_after:
        out.print(f"需复核日期:{rule.review_after.isoformat()} 之后", markup=False)
    if rule.validity_source:
        out.print(f"有效期出处:{rule.validity_source}", markup=False)
    _show_fields(rule)
    out.print("条件:", markup=False, style="bold")
    for line in condition_lines(rule):
        out.print(line, markup=False)
    out.print("结果:", markup=False, style="bold")
    for outcome, text in rule.outcomes.items():
        out.print(f"- {_OUTCOME_NAMES[outcome]}:{text}", markup=False)
    source = f"(出处:{rule.next_steps_source})" if rule.next_steps_source else ""
    out.print(f"下一步:{rule.next_steps}{source}", markup=False)
    out.print(f"案例:{len(rule.cases)} 个", markup=False)


def _read_answers(source: str) -> dict[str, Any]:
    """Answers as JSON or YAML (a mapping field id → value) from a file or ``-`` (stdin)."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"无法读取回答文件 {source}:{exc}")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        fail(f"回答不是有效的 JSON/YAML:{str(exc).splitlines()[0]}")
    if data is None:
        return {}
    if not isinstance(data, dict):
        fail("回答应为“字段: 值”的表(JSON 对象或 YAML 映射)")
    return {str(key): value for key, value in data.items()}


def _json_value(value: object) -> object:
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)  # Decimal: exact, as text


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    """A verdict for machines: outcome, missing fields, the trace with sources, versions."""
    rule = verdict.rule
    return {
        "rule": rule.id,
        "title": rule.title,
        "as_of": verdict.as_of.isoformat(),
        "outcome": verdict.outcome.value,
        "label": verdict.label,
        "tentative": verdict.tentative.value if verdict.tentative else None,
        "applicable": verdict.applicable,
        "validity": verdict.validity.value,
        "missing": [{"field": f.id, "question": f.question} for f in verdict.missing],
        "to_confirm": [
            {"field": line.field.id if line.field else None, "text": line.text}
            for line in verdict.to_confirm
        ],
        "trace": [
            {
                "depth": line.depth,
                "leaf": line.is_leaf,
                "field": line.field.id if line.field else None,
                "text": line.text,
                "state": line.state.value,
                "mark": line.mark,
                "value": _json_value(line.value),
                "source": line.source,
            }
            for line in verdict.trace
        ],
        "documents": [
            {
                "title": use.doc.title,
                "number": use.doc.number,
                "issuer": use.doc.issuer,
                "date": use.doc.date,
                "url": use.doc.url,
                "superseded": use.superseded,
                "verified_in_force": use.verified,
                "note": document_text(use),
            }
            for use in verdict.documents
        ],
        "message": verdict.message,
        "next_steps": rule.next_steps,
    }


@app.command("eval")
def eval_rule(
    rule_id: Annotated[str, typer.Argument(help="规则 id,例如 tech-sme")],
    answers: Annotated[
        str,
        typer.Option(
            "--answers", help="回答文件(JSON 或 YAML:字段 → 值,数字可写“1.2亿”);- 为标准输入"
        ),
    ],
    date: Annotated[
        str | None, typer.Option("--date", help="按哪一天的规定判断(YYYY-MM-DD,默认上海今天)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    directory: Annotated[Path | None, _DIR_OPTION] = None,
) -> None:
    """按回答判断一条规则:符合 / 不符合 / 待定、还缺的回答、逐项核对及出处。"""
    rules = {rule.id: rule for rule in _load(directory)}
    rule = rules.get(rule_id)
    if rule is None:
        fail(f"没有规则 {rule_id}(可用:{', '.join(sorted(rules))})")
    try:
        day = dt.date.fromisoformat(date) if date else shanghai_today()
    except ValueError:
        fail(f"日期应为 YYYY-MM-DD:{date}", code=2)
    raw = _read_answers(answers)
    unknown = sorted(key for key in raw if not rule.has_field(key))
    if unknown:
        err.print(f"提示:规则 {rule.id} 不使用这些字段,已忽略:{', '.join(unknown)}", markup=False)
    try:
        facts = answers_to_facts(rule.fields, raw, today=day)
    except AnswerError as exc:
        fail(f"回答无法识别:{exc}")
    verdict = evaluate(rule, facts, today=day)
    if as_json:
        typer.echo(json.dumps(verdict_json(verdict), ensure_ascii=False, indent=2))
        return
    out.print(format_verdict(verdict), markup=False)
