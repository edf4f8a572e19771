"""The pure eligibility engine: ``evaluate(rule, facts, today=...)`` → :class:`Verdict`.

Every condition gets one of four states:

* ✓ ``PASS`` / ✗ ``FAIL`` — decided by the facts;
* ? ``UNKNOWN`` — a fact it needs is missing;
* ! ``CONFIRM`` — a ``confirm: true`` leaf that the facts *would* decide, but whose threshold
  could not be cited with certainty: "需向主管部门确认". Its ``tentative`` result (what the
  comparison gives with the stated threshold) is kept.

Each node is evaluated twice with strong Kleene logic (true / false / unknown): *firm*,
with confirm leaves counted as unknown, and *tentative*, with confirm leaves counted as
their comparison result. A node is ✓/✗ when its firm value is decided, ! when only its
tentative value is decided (it rests on a threshold to confirm), and ? otherwise. So
``any_of`` is ✓ if a child is ✓; ``all_of`` is ✗ if a child is ✗; an ``any_of`` with a !
child that tentatively passes is !, not ? (its other alternatives are not asked).

The verdict is eligible (root ✓), not eligible (root ✗) or undetermined (root ? or !).
Undetermined verdicts list the missing fields that could still change the result (the
unknown leaves not masked by a decided sibling) and the confirm leaves that matter.
Adding a fact never undoes a decision: ? may become ✓, ✗ or !, and ! may become the ✓/✗
it tentatively was; ✓ and ✗ never change.

Rules are dated, as OpenFisca's parameters are: a condition (a threshold or a whole set)
may carry a period (``valid_from``/``valid_to``), and a check is evaluated *as of* a date
(``today``; the bot uses today in Asia/Shanghai). Conditions outside their period are left
out, so a superseded threshold stops applying on its own and its successor takes over. A
condition citing a document that a later version superseded by that date counts as a
threshold to confirm (the project may not have the new figures). The verdict names the
documents (versions) it used and whether each is known to be the one in force.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from knowledge.rules.facts import coerce_facts
from knowledge.rules.model import (
    OUTCOME_LABELS,
    Condition,
    FactValue,
    Field,
    InForce,
    Leaf,
    Not,
    Op,
    Outcome,
    Rule,
    SourceDoc,
    iter_leaves,
)
from knowledge.rules.scoring import blockers, support
from knowledge.rules.trace import EvalNode, State, TraceLine


class Validity(StrEnum):
    IN_FORCE = "in_force"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVIEW = "review"  # past ``review_after``: the source may have been replaced


SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai_today() -> dt.date:
    """The default evaluation date: today in Asia/Shanghai (where the programmes apply)."""
    return dt.datetime.now(SHANGHAI).date()


@dataclass(frozen=True, slots=True)
class DocUse:
    """A document a verdict relied on, as of the evaluation date."""

    doc: SourceDoc
    superseded: bool  # a later version had been published by then

    @property
    def verified(self) -> bool:
        return self.doc.in_force is InForce.CONFIRMED and not self.superseded


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: Rule
    outcome: Outcome
    trace: tuple[TraceLine, ...]  # every condition, depth first
    missing: tuple[Field, ...]  # fields still needed (rule order); empty unless undetermined
    to_confirm: tuple[TraceLine, ...]  # confirm leaves that matter for the result
    tentative: Outcome | None  # outcome if the confirm thresholds hold as written
    blocking: tuple[TraceLine, ...]  # failed leaves that make the rule fail (cheapest path)
    passed: int
    considered: int
    validity: Validity
    values: Mapping[str, FactValue]
    as_of: dt.date = dt.date.min
    documents: tuple[DocUse, ...] = ()  # the versions used, in citation order
    applicable: bool = True  # False: no condition applies at ``as_of``

    @property
    def score(self) -> float:
        """Share of the leaves on the best path that are satisfied (see scoring.support)."""
        return self.passed / self.considered if self.considered else 0.0

    @property
    def nearly_eligible(self) -> bool:
        """Not eligible because of exactly one failed condition (named in ``blocking``)."""
        return self.outcome is Outcome.NOT_ELIGIBLE and len(self.blocking) == 1

    @property
    def confirm_only(self) -> bool:
        """Undetermined only because of thresholds to confirm with the office."""
        return self.outcome is Outcome.UNDETERMINED and self.applicable and not self.missing

    @property
    def in_force(self) -> bool:
        return self.validity is Validity.IN_FORCE

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    @property
    def message(self) -> str:
        return self.rule.outcomes.get(self.outcome, "")


def validity_of(rule: Rule, today: dt.date) -> Validity:
    if rule.valid_from is not None and today < rule.valid_from:
        return Validity.NOT_YET_VALID
    if rule.valid_until is not None and today > rule.valid_until:
        return Validity.EXPIRED
    if rule.review_after is not None and today > rule.review_after:
        return Validity.REVIEW
    return Validity.IN_FORCE


_ORDER: dict[Op, Callable[[Any, Any], Any]] = {
    Op.GT: operator.gt,
    Op.GE: operator.ge,
    Op.LT: operator.lt,
    Op.LE: operator.le,
}


def _compare(leaf: Leaf, value: FactValue) -> bool:
    op, target = leaf.op, leaf.value
    if op is Op.IS_TRUE:
        return value is True
    if op is Op.IS_FALSE:
        return value is False
    if op is Op.EQ:
        return value == target
    if op is Op.NE:
        return value != target
    if op is Op.IN:
        return isinstance(target, tuple) and value in target
    if op is Op.NOT_IN:
        return isinstance(target, tuple) and value not in target
    return bool(_ORDER[op](value, target))


def _kleene(values: list[bool | None], *, conjunction: bool) -> bool | None:
    absorbing = not conjunction  # False absorbs a conjunction, True a disjunction
    if absorbing in values:
        return absorbing
    return None if None in values else conjunction


def _firm(state: State) -> bool | None:
    return {State.PASS: True, State.FAIL: False}.get(state)


def _state(firm: bool | None, tentative: bool | None) -> State:
    if firm is not None:
        return State.PASS if firm else State.FAIL
    return State.UNKNOWN if tentative is None else State.CONFIRM


def in_force_tree(node: Condition, day: dt.date) -> Condition | None:
    """The condition tree as it applies on ``day``: conditions outside their period left
    out (a group left without children goes too); None when nothing applies."""
    if not node.period.covers(day):
        return None
    if isinstance(node, Leaf):
        return node
    if isinstance(node, Not):
        child = in_force_tree(node.child, day)
        return None if child is None else replace(node, child=child)
    kept = [c for c in (in_force_tree(child, day) for child in node.children) if c is not None]
    if not kept:
        return None
    if len(kept) == len(node.children):
        return node
    return replace(node, children=tuple(kept))


def _superseded(rule: Rule, leaf: Leaf, day: dt.date) -> bool:
    """Every document the condition cites has a later version by ``day`` (a condition
    that a current document also gives stays firm)."""
    docs = [doc for doc in (rule.source_doc(doc_id) for doc_id in leaf.docs) if doc]
    return bool(docs) and all(doc.superseded_on(day) for doc in docs)


def _walk(
    node: Condition, rule: Rule, values: Mapping[str, FactValue], depth: int, day: dt.date
) -> EvalNode:
    if isinstance(node, Leaf):
        field = rule.field(node.field)
        value = values.get(node.field)
        if value is None:
            line = TraceLine(depth, node, State.UNKNOWN, None, None, field)
        else:
            result = _compare(node, value)
            confirm = (node.confirm and (result or not node.confirm_met_only)) or _superseded(
                rule, node, day
            )
            state = State.CONFIRM if confirm else (State.PASS if result else State.FAIL)
            line = TraceLine(depth, node, state, result, value, field)
        return EvalNode(line, ())
    if isinstance(node, Not):
        kid = _walk(node.child, rule, values, depth + 1, day)
        firm = _firm(kid.line.state)
        tentative = None if kid.line.tentative is None else not kid.line.tentative
        state = _state(None if firm is None else not firm, tentative)
        return EvalNode(TraceLine(depth, node, state, tentative), (kid,))
    kids = tuple(_walk(child, rule, values, depth + 1, day) for child in node.children)
    conjunction = node.kind == "all_of"
    firm = _kleene([_firm(k.line.state) for k in kids], conjunction=conjunction)
    tentative = _kleene([k.line.tentative for k in kids], conjunction=conjunction)
    state = _state(firm, tentative)
    return EvalNode(TraceLine(depth, node, state, tentative), kids)


def _flatten(node: EvalNode) -> list[TraceLine]:
    return [node.line, *(line for kid in node.kids for line in _flatten(kid))]


def _unknown_leaves(node: EvalNode) -> list[TraceLine]:
    """Unanswered leaves reachable through undecided (?) nodes: the questions that matter."""
    if node.line.state is not State.UNKNOWN:
        return []
    if not node.kids:
        return [node.line]
    return [line for kid in node.kids for line in _unknown_leaves(kid)]


def _confirm_leaves(node: EvalNode) -> list[TraceLine]:
    """Confirm (!) leaves the result rests on: below ? nodes, and below ! nodes the children
    that agree with its tentative value."""
    line = node.line
    if line.state is State.CONFIRM and not node.kids:
        return [line]
    if line.state is State.UNKNOWN:
        kids = [k for k in node.kids if k.line.state in (State.UNKNOWN, State.CONFIRM)]
    elif line.state is State.CONFIRM:
        wanted = _supporting_value(node)
        kids = [
            k for k in node.kids if k.line.state is State.CONFIRM and k.line.tentative == wanted
        ]
    else:
        return []
    return [leaf for kid in kids for leaf in _confirm_leaves(kid)]


def _supporting_value(parent: EvalNode) -> bool | None:
    """The tentative value a child needs to support its parent's tentative value."""
    tentative = parent.line.tentative
    if isinstance(parent.line.node, Not):
        return None if tentative is None else not tentative
    return tentative


def _outcome(state: State) -> Outcome:
    if state is State.PASS:
        return Outcome.ELIGIBLE
    if state is State.FAIL:
        return Outcome.NOT_ELIGIBLE
    return Outcome.UNDETERMINED


def _documents(rule: Rule, tree: Condition, day: dt.date) -> tuple[DocUse, ...]:
    ids: list[str] = []
    for leaf in iter_leaves(tree):
        ids.extend(doc_id for doc_id in leaf.docs if doc_id not in ids)
    docs = [doc for doc in (rule.source_doc(doc_id) for doc_id in ids) if doc is not None]
    return tuple(DocUse(doc, doc.superseded_on(day)) for doc in docs)


def evaluate(rule: Rule, facts: Mapping[str, object], *, today: dt.date) -> Verdict:
    """Evaluate ``rule`` on ``facts`` (field id → value; see :mod:`knowledge.rules.facts`)
    as of the date ``today``: the conditions in force that day, and the validity of the
    programme that day.

    Raises :class:`knowledge.rules.facts.InvalidFact` for a value of the wrong type or range.
    """
    values = coerce_facts(rule, facts)
    tree = in_force_tree(rule.conditions, today)
    if tree is None:
        return Verdict(
            rule=rule,
            outcome=Outcome.UNDETERMINED,
            trace=(),
            missing=(),
            to_confirm=(),
            tentative=None,
            blocking=(),
            passed=0,
            considered=0,
            validity=validity_of(rule, today),
            values=values,
            as_of=today,
            applicable=False,
        )
    root = _walk(tree, rule, values, 0, today)
    outcome = _outcome(root.line.state)
    unknown_ids = {line.field.id for line in _unknown_leaves(root) if line.field}
    missing = tuple(f for f in rule.fields if f.id in unknown_ids)
    to_confirm = tuple(_confirm_leaves(root))
    tentative: Outcome | None = None
    if outcome is Outcome.UNDETERMINED and to_confirm and root.line.tentative is not None:
        tentative = Outcome.ELIGIBLE if root.line.tentative else Outcome.NOT_ELIGIBLE
    blocking: tuple[TraceLine, ...] = ()
    if outcome is Outcome.NOT_ELIGIBLE:
        blocking = tuple(blockers(root, want=True))
    passed, considered = support(root)
    return Verdict(
        rule=rule,
        outcome=outcome,
        trace=tuple(_flatten(root)),
        missing=missing,
        to_confirm=to_confirm,
        tentative=tentative,
        blocking=blocking,
        passed=passed,
        considered=considered,
        validity=validity_of(rule, today),
        values=values,
        as_of=today,
        documents=_documents(rule, tree, today),
    )


def next_field(
    rule: Rule, facts: Mapping[str, object], *, today: dt.date | None = None
) -> Field | None:
    """The first unanswered field (in the rule's order) that could still change the verdict
    (as of ``today``, by default today in Asia/Shanghai).

    ``None`` when the verdict is decided or only thresholds to confirm remain. Facts already
    known (e.g. from the user's profile) are never asked again.
    """
    verdict = evaluate(rule, facts, today=today or shanghai_today())
    return verdict.missing[0] if verdict.missing else None
