"""Partial-match measures on an evaluated condition tree.

``support(root)`` → (passed, considered): leaves counted along the *best* path — every
child of an ``all_of``, the best-scoring alternative of an ``any_of`` (a failed alternative
does not count against a rule that another alternative satisfies), and a ``not`` as one
unit. A leaf counts as passed when it is ✓, or ! with a tentative ✓; ? counts as not passed.

``blockers(node, want=True)`` → the failed leaves that stop ``node`` from being true, along
the cheapest path (fewest failed leaves) through ``any_of`` alternatives. "Nearly eligible"
means exactly one blocker. Unknown (?) and confirm (!) leaves are never blockers.
"""

from __future__ import annotations

from knowledge.rules.model import Group, Not
from knowledge.rules.trace import EvalNode, State, TraceLine


def _ratio(pair: tuple[int, int]) -> tuple[float, int]:
    passed, considered = pair
    return (passed / considered if considered else 0.0, passed)


def _passed(node: EvalNode) -> bool:
    line = node.line
    return line.state is State.PASS or (line.state is State.CONFIRM and line.tentative is True)


def support(node: EvalNode) -> tuple[int, int]:
    """(passed, considered) leaves along the best path of ``node``."""
    if not node.kids or isinstance(node.line.node, Not):
        return (1 if _passed(node) else 0, 1)
    pairs = [support(kid) for kid in node.kids]
    assert isinstance(node.line.node, Group)
    if node.line.node.kind == "all_of":
        return (sum(p for p, _ in pairs), sum(c for _, c in pairs))
    best = pairs[0]
    for pair in pairs[1:]:
        if _ratio(pair) > _ratio(best):
            best = pair
    return best


def _cheapest(options: list[list[TraceLine]]) -> list[TraceLine]:
    best = options[0]
    for option in options[1:]:
        if len(option) < len(best):
            best = option
    return best


def blockers(node: EvalNode, *, want: bool) -> list[TraceLine]:
    """Decided leaves whose values keep ``node`` from being ``want``."""
    line = node.line
    if not node.kids:
        if line.state is State.PASS:
            return [] if want else [line]
        if line.state is State.FAIL:
            return [line] if want else []
        return []
    if isinstance(line.node, Not):
        return blockers(node.kids[0], want=not want)
    assert isinstance(line.node, Group)
    parts = [blockers(kid, want=want) for kid in node.kids]
    if (line.node.kind == "all_of") == want:
        return [item for part in parts for item in part]
    return _cheapest(parts)
