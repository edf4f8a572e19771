"""Evaluated condition trees: the four states and one line of the trace per condition."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from knowledge.rules.model import Condition, FactValue, Field, Group, Leaf, Not


class State(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    CONFIRM = "confirm"

    @property
    def symbol(self) -> str:
        return {"pass": "✓", "fail": "✗", "unknown": "?", "confirm": "!"}[self.value]

    @property
    def label(self) -> str:
        return {
            "pass": "符合",
            "fail": "不符合",
            "unknown": "待补充",
            "confirm": "需向主管部门确认",
        }[self.value]


@dataclass(frozen=True, slots=True)
class TraceLine:
    """One evaluated condition: its state, the fact used and where the condition comes from."""

    depth: int
    node: Condition
    state: State
    tentative: bool | None  # truth value if every confirm threshold holds as written
    value: FactValue | None = None
    field: Field | None = None

    @property
    def text(self) -> str:
        return self.node.text

    @property
    def source(self) -> str:
        return self.node.source

    @property
    def path(self) -> str:
        return self.node.path

    @property
    def mark(self) -> str:
        """The symbol shown to users: a condition whose threshold must be confirmed shows
        what it gives as written, "✓ (标准待确认)" or "✗ (标准待确认)"."""
        if self.state is State.CONFIRM:
            return ("✓" if self.tentative else "✗") + " (标准待确认)"
        return self.state.symbol

    @property
    def is_leaf(self) -> bool:
        return isinstance(self.node, Leaf)

    @property
    def children(self) -> int:
        if isinstance(self.node, Group):
            return len(self.node.children)
        return 1 if isinstance(self.node, Not) else 0


@dataclass(frozen=True, slots=True)
class EvalNode:
    line: TraceLine
    kids: tuple[EvalNode, ...]
