"""Property-based tests of the engine on random condition trees (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.rules import Outcome, State, evaluate, next_field
from knowledge.rules.model import Condition, Op, Rule
from tests.knowledge.rules.builders import all_of, any_of, leaf, make_rule, not_, number, yes_no

TODAY = dt.date(2024, 1, 1)
FLAGS = ("f0", "f1", "f2")
NUMBERS = ("n0", "n1")
FIELDS = [*(yes_no(f) for f in FLAGS), *(number(n) for n in NUMBERS)]
VALUES: dict[str, st.SearchStrategy[object]] = {
    **{f: st.booleans() for f in FLAGS},
    **{n: st.integers(min_value=0, max_value=10) for n in NUMBERS},
}


def _trees(confirm: st.SearchStrategy[bool]) -> st.SearchStrategy[Condition]:
    flags = st.builds(
        lambda name, op, c: leaf(name, op, confirm=c),
        st.sampled_from(FLAGS),
        st.sampled_from([Op.IS_TRUE, Op.IS_FALSE]),
        confirm,
    )
    numbers = st.builds(
        lambda name, op, value, c: leaf(name, op, value, confirm=c),
        st.sampled_from(NUMBERS),
        st.sampled_from([Op.EQ, Op.NE, Op.GT, Op.GE, Op.LT, Op.LE]),
        st.integers(min_value=0, max_value=10),
        confirm,
    )

    def extend(children: st.SearchStrategy[Condition]) -> st.SearchStrategy[Condition]:
        groups = st.lists(children, min_size=1, max_size=3)
        return st.one_of(
            groups.map(lambda xs: all_of(*xs)),
            groups.map(lambda xs: any_of(*xs)),
            children.map(not_),
        )

    return st.recursive(st.one_of(flags, numbers), extend, max_leaves=8)


PLAIN_RULES = _trees(st.just(False)).map(lambda tree: make_rule(FIELDS, tree))
ANY_RULES = _trees(st.booleans()).map(lambda tree: make_rule(FIELDS, tree))
FACTS = st.fixed_dictionaries({}, optional=VALUES)
FULL_FACTS = st.fixed_dictionaries(VALUES)


@settings(max_examples=300)
@given(rule=PLAIN_RULES, facts=FACTS)
def test_undetermined_exactly_when_a_needed_field_is_missing(
    rule: Rule, facts: dict[str, object]
) -> None:
    verdict = evaluate(rule, facts, today=TODAY)
    assert (verdict.outcome is Outcome.UNDETERMINED) == bool(verdict.missing)
    assert all(f.id not in facts for f in verdict.missing)
    assert verdict.to_confirm == () and verdict.tentative is None


@settings(max_examples=300)
@given(rule=ANY_RULES, facts=FACTS)
def test_undetermined_is_explained_by_missing_fields_or_confirmations(
    rule: Rule, facts: dict[str, object]
) -> None:
    verdict = evaluate(rule, facts, today=TODAY)
    undetermined = verdict.outcome is Outcome.UNDETERMINED
    assert undetermined == bool(verdict.missing or verdict.to_confirm)
    if undetermined and not verdict.missing:
        assert verdict.confirm_only and verdict.tentative is not None
    chosen = next_field(rule, facts)
    assert (chosen is None) == (not verdict.missing)
    if chosen is not None:
        assert chosen == verdict.missing[0] and chosen.id not in facts


@settings(max_examples=300)
@given(rule=ANY_RULES, facts=FACTS, extra=FULL_FACTS)
def test_adding_facts_never_undoes_a_decision(
    rule: Rule, facts: dict[str, object], extra: dict[str, object]
) -> None:
    before = evaluate(rule, facts, today=TODAY)
    after = evaluate(rule, {**extra, **facts}, today=TODAY)
    for old, new in zip(before.trace, after.trace, strict=True):
        if old.state in (State.PASS, State.FAIL):
            assert new.state is old.state
        elif old.state is State.CONFIRM:
            assert new.state is not State.UNKNOWN
            assert new.tentative is old.tentative
    if before.outcome is not Outcome.UNDETERMINED:
        assert after.outcome is before.outcome


@settings(max_examples=200)
@given(rule=ANY_RULES, facts=FACTS, noise=st.dictionaries(st.text(min_size=1), st.integers()))
def test_unrelated_facts_change_nothing(
    rule: Rule, facts: dict[str, object], noise: dict[str, object]
) -> None:
    unrelated = {f"x_{key}": value for key, value in noise.items()}
    before = evaluate(rule, facts, today=TODAY)
    after = evaluate(rule, {**unrelated, **facts}, today=TODAY)
    assert after.outcome is before.outcome
    assert [line.state for line in after.trace] == [line.state for line in before.trace]
    assert after.missing == before.missing


@settings(max_examples=300)
@given(rule=PLAIN_RULES, facts=FACTS, extra=FULL_FACTS)
def test_fields_not_reported_missing_cannot_change_the_verdict(
    rule: Rule, facts: dict[str, object], extra: dict[str, object]
) -> None:
    before = evaluate(rule, facts, today=TODAY)
    needed = {f.id for f in before.missing}
    irrelevant = {k: v for k, v in extra.items() if k not in needed and k not in facts}
    after = evaluate(rule, {**facts, **irrelevant}, today=TODAY)
    assert after.outcome is before.outcome
    assert after.missing == before.missing


@settings(max_examples=300)
@given(rule=ANY_RULES, facts=FULL_FACTS)
def test_all_fields_given_is_never_undetermined_unless_confirm_only(
    rule: Rule, facts: dict[str, object]
) -> None:
    verdict = evaluate(rule, facts, today=TODAY)
    assert verdict.missing == ()
    assert next_field(rule, facts) is None
    if verdict.outcome is Outcome.UNDETERMINED:
        assert verdict.to_confirm and verdict.tentative is not None
    if not rule.has_confirm:
        assert verdict.outcome is not Outcome.UNDETERMINED


@settings(max_examples=200)
@given(rule=ANY_RULES, facts=FACTS)
def test_scores_and_blockers_are_consistent(rule: Rule, facts: dict[str, object]) -> None:
    verdict = evaluate(rule, facts, today=TODAY)
    assert 0.0 <= verdict.score <= 1.0
    if verdict.outcome is Outcome.NOT_ELIGIBLE:
        assert verdict.blocking
        assert all(line.is_leaf and line.state is not State.UNKNOWN for line in verdict.blocking)
    else:
        assert verdict.blocking == ()
    if verdict.outcome is Outcome.ELIGIBLE and not rule.has_confirm:
        assert verdict.score == 1.0


@settings(max_examples=200)
@given(rule=PLAIN_RULES, facts=FULL_FACTS)
def test_one_question_at_a_time_reaches_a_verdict(rule: Rule, facts: dict[str, object]) -> None:
    known: dict[str, object] = {}
    for _ in range(len(FIELDS) + 1):
        chosen = next_field(rule, known)
        if chosen is None:
            break
        known[chosen.id] = facts[chosen.id]
    final = evaluate(rule, known, today=TODAY)
    assert final.outcome is evaluate(rule, facts, today=TODAY).outcome
