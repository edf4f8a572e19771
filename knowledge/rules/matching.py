"""Evaluating a profile against many rules at once (for ``/match``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence

from knowledge.rules.engine import Verdict, evaluate, shanghai_today
from knowledge.rules.model import Field, Outcome, Rule


def _rank(verdict: Verdict) -> tuple[int, int, float, str]:
    if verdict.outcome is Outcome.ELIGIBLE:
        order = 0
    elif verdict.confirm_only:
        order = 1
    elif verdict.outcome is Outcome.UNDETERMINED:
        order = 2
    else:
        order = 3
    return (0 if verdict.in_force else 1, order, -verdict.score, verdict.rule.id)


def evaluate_all(
    rules: Sequence[Rule], facts: Mapping[str, object], *, today: dt.date
) -> list[Verdict]:
    """Verdicts for every rule, best first: in force before out of force, then eligible,
    to-confirm only, undetermined, not eligible; ties by score (higher first) and id."""
    return sorted((evaluate(rule, facts, today=today) for rule in rules), key=_rank)


def next_question(
    rules: Sequence[Rule], facts: Mapping[str, object], *, today: dt.date | None = None
) -> Field | None:
    """The field that the most still-undetermined rules need (first asked on ties), as of
    ``today`` (by default today in Asia/Shanghai).

    Asking it next settles as many programmes as possible with one question.
    """
    counts: Counter[str] = Counter()
    first: dict[str, Field] = {}
    day = today or shanghai_today()
    for rule in rules:
        verdict = evaluate(rule, facts, today=day)
        for field in verdict.missing:
            counts[field.id] += 1
            first.setdefault(field.id, field)
    if not counts:
        return None
    order = list(first)
    best = max(order, key=lambda field_id: (counts[field_id], -order.index(field_id)))
    return first[best]
