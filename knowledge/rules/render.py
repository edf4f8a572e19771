"""Plain-text views of rules and verdicts (Chinese), for the CLI and the conversation."""

from __future__ import annotations

from knowledge.rules.answers import describe_value
from knowledge.rules.engine import DocUse, Validity, Verdict
from knowledge.rules.model import (
    BOOL_OPS,
    OP_SYMBOLS,
    Condition,
    Field,
    Group,
    Leaf,
    Not,
    Outcome,
    Rule,
)
from knowledge.rules.trace import TraceLine

_GROUP_LABELS = {"all_of": "同时满足", "any_of": "满足其一", "not": "不满足"}


def describe_leaf(leaf: Leaf, field: Field) -> str:
    """The comparison itself, e.g. "rd_ratio ≥ 3%", "district ≠ 武汉市以外"."""
    symbol = OP_SYMBOLS[leaf.op]
    if leaf.op in BOOL_OPS or leaf.value is None:
        return f"{field.id} {symbol}"
    if isinstance(leaf.value, tuple):
        shown = "、".join(describe_value(field, item) for item in leaf.value)
        return f"{field.id} {symbol} {{{shown}}}"
    return f"{field.id} {symbol} {describe_value(field, leaf.value)}"


def _node_label(node: Condition) -> str:
    if isinstance(node, Group):
        return _GROUP_LABELS[node.kind]
    if isinstance(node, Not):
        return _GROUP_LABELS["not"]
    return ""


def condition_lines(rule: Rule) -> list[str]:
    """The condition tree of a rule, one indented line per condition, with sources."""
    lines: list[str] = []

    def walk(node: Condition, depth: int) -> None:
        pad = "  " * depth
        if isinstance(node, Leaf):
            confirm = " [需确认]" if node.confirm else ""
            compare = describe_leaf(node, rule.field(node.field))
            lines.append(f"{pad}- {node.text}({compare}){confirm}")
            lines.append(f"{pad}  出处:{node.source or '(缺)'}")
            return
        label = _node_label(node)
        lines.append(f"{pad}{label}:{node.text}" if node.text else f"{pad}{label}:")
        if node.source:
            lines.append(f"{pad}  出处:{node.source}")
        children = [node.child] if isinstance(node, Not) else list(node.children)
        for child in children:
            walk(child, depth + 1)

    walk(rule.conditions, 0)
    return lines


def trace_line(line: TraceLine) -> str:
    """One line of a verdict's trace: "✓ 条件(您的回答:X)— 出处"."""
    pad = "  " * line.depth
    if not line.is_leaf:
        label = _node_label(line.node)
        text = f"{label}:{line.text}" if line.text else f"{label}:"
        return f"{pad}{line.mark} {text}"
    answer = ""
    if line.field is not None and line.value is not None:
        answer = f"(您的回答:{describe_value(line.field, line.value)})"
    source = f" — {line.source}" if line.source else ""
    return f"{pad}{line.mark} {line.text}{answer}{source}"


def document_text(use: DocUse) -> str:
    """What the verdict relied on, for users: the version and whether it is known to be
    the one in force."""
    doc = use.doc
    if use.superseded:
        later = doc.superseded_by or "新版本"
        return (
            f"按{doc.label}判断;{doc.superseded_from}起已有{later},"
            "本项目尚未收录新标准,结果仅供参考。"
        )
    if use.verified:
        return f"按{doc.label}判断。"
    return f"按{doc.label}判断;本项目未能核对它是否仍是现行版本。"


def documents_lines(verdict: Verdict) -> list[str]:
    """The versions a verdict used, one line each, headed by the evaluation date."""
    if not verdict.applicable:
        return [f"截至 {verdict.as_of},本项目没有收录适用的条件,无法判断。"]
    return [f"判断日期:{verdict.as_of}", *(document_text(use) for use in verdict.documents)]


def validity_text(verdict: Verdict) -> str:
    rule = verdict.rule
    if verdict.validity is Validity.NOT_YET_VALID:
        return f"该政策尚未生效(自 {rule.valid_from} 起)。"
    if verdict.validity is Validity.EXPIRED:
        return f"该政策已过有效期(至 {rule.valid_until})。"
    if verdict.validity is Validity.REVIEW:
        return f"依据的文件是 {rule.review_after} 之前的安排,现行政策可能已调整,请向主管部门确认。"
    return ""


def format_verdict(verdict: Verdict, *, with_trace: bool = True) -> str:
    """A complete plain-text answer for one rule."""
    rule = verdict.rule
    parts = [f"《{rule.title}》:{verdict.label}"]
    if verdict.message:
        parts.append(verdict.message)
    if validity_text(verdict):
        parts.append(validity_text(verdict))
    if verdict.to_confirm:
        parts.append("需向主管部门确认:")
        parts.extend(f"- {line.text}" for line in verdict.to_confirm)
        if verdict.tentative is Outcome.ELIGIBLE:
            parts.append("若上述标准经主管部门确认无误,则符合条件。")
        elif verdict.tentative is Outcome.NOT_ELIGIBLE:
            parts.append("若上述标准经主管部门确认无误,则暂不符合条件。")
    if verdict.missing:
        parts.append("还需要了解:")
        parts.extend(f"- {f.question}" for f in verdict.missing)
    if verdict.nearly_eligible:
        parts.append(f"只差一项:{verdict.blocking[0].text}")
    if with_trace:
        parts.append("\n".join(trace_line(line) for line in verdict.trace))
    parts.extend(documents_lines(verdict))
    parts.append(f"下一步:{rule.next_steps}")
    return "\n".join(parts)
