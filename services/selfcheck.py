"""The 资格自测 (eligibility self-check) as steps over the stored check state.

Each function runs in the caller's session (one transaction, in a worker thread via
``BotServices.db``) and returns the :class:`Step` to show next, or None when the button or
answer no longer fits the user's check (stale). The check asks one question at a time
(:func:`knowledge.rules.evaluate`'s missing fields in rule order), never the ones the
profile already answers, nor the ones answered 不清楚/跳过.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlmodel import Session

from knowledge.rules import Field, Rule, Verdict, evaluate
from knowledge.rules.model import FactValue
from services.eligibility import JsonScalar, Rules, checked_fact, facts_for
from storage import profiles
from storage.profiles import CheckState, CheckStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Step:
    """Where a check stands: the next question (``field``), or the result (``field`` None)."""

    state: CheckState
    rule: Rule
    field: Field | None
    verdict: Verdict
    prefilled: tuple[tuple[Field, FactValue], ...]  # facts taken from the profile
    number: int  # 1-based number of the question shown

    @property
    def finished(self) -> bool:
        return self.field is None

    @property
    def answered(self) -> dict[str, JsonScalar]:
        """The answers of this check that could go to the profile (不清楚 left out)."""
        return {k: v for k, v in self.state.answers.items() if v is not None}


def _step(session: Session, state: CheckState, rule: Rule, today: dt.date) -> Step:
    profile = profiles.get_profile(session, user_id=state.user_id)
    from_profile = facts_for(rule, profile.facts) if profile is not None else {}
    answered = facts_for(rule, {k: v for k, v in state.answers.items() if v is not None})
    skipped = {k for k, v in state.answers.items() if v is None}
    verdict = evaluate(rule, {**from_profile, **answered}, today=today)
    field = next((f for f in verdict.missing if f.id not in skipped), None)
    prefilled = tuple(
        (f, from_profile[f.id])
        for f in rule.fields
        if f.id in from_profile and f.id not in state.answers
    )
    return Step(state, rule, field, verdict, prefilled, len(state.asked) + 1)


def _save(session: Session, state: CheckState, step: Step, now: dt.datetime) -> Step:
    state.status = CheckStatus.DONE if step.finished else CheckStatus.ACTIVE
    profiles.save_check(session, state=state, now=now)
    return step


def _load(
    session: Session, rules: Rules, user_id: int, *statuses: str
) -> tuple[CheckState, Rule] | None:
    state = profiles.get_check(session, user_id=user_id)
    if state is None or (statuses and state.status not in statuses):
        return None
    rule = rules.rule(state.rule_id)
    return (state, rule) if rule is not None else None


def start(
    session: Session,
    rules: Rules,
    *,
    user_id: int,
    chat_id: int,
    rule: Rule,
    entry_id: str | None,
    now: dt.datetime,
    today: dt.date,
) -> Step:
    """Begin a check of ``rule`` (replacing the user's previous one)."""
    state = CheckState(user_id=user_id, chat_id=chat_id, rule_id=rule.id, entry_id=entry_id)
    log.info("self-check started: %s", rule.id)
    return _save(session, state, _step(session, state, rule, today), now)


def current(session: Session, rules: Rules, *, user_id: int, today: dt.date) -> Step | None:
    """The user's check as it stands (any status), without changing it."""
    found = _load(session, rules, user_id)
    return _step(session, *found, today) if found else None


def resume(
    session: Session, rules: Rules, *, user_id: int, chat_id: int, now: dt.datetime, today: dt.date
) -> Step | None:
    """继续: reactivate a paused check (its answers are kept); a finished one shows its result."""
    found = _load(session, rules, user_id)
    if found is None:
        return None
    state, rule = found
    state.chat_id = chat_id
    return _save(session, state, _step(session, state, rule, today), now)


def answer(
    session: Session,
    rules: Rules,
    *,
    user_id: int,
    field_id: str,
    value: JsonScalar | None,
    now: dt.datetime,
    today: dt.date,
) -> Step | None:
    """Record the answer to the current question (``None``: 不清楚/跳过) and move on.

    None when the user has no active check or ``field_id`` is not its current question."""
    found = _load(session, rules, user_id, CheckStatus.ACTIVE)
    if found is None:
        return None
    state, rule = found
    shown = _step(session, state, rule, today)
    if shown.field is None or shown.field.id != field_id:
        return None
    if value is not None and checked_fact(shown.field, value) is None:
        return None  # a value the field does not accept (forged): nothing changes
    state.answers[field_id] = value
    state.asked.append(field_id)
    return _save(session, state, _step(session, state, rule, today), now)


def back(
    session: Session,
    rules: Rules,
    *,
    user_id: int,
    field_id: str | None,
    now: dt.datetime,
    today: dt.date,
) -> Step | None:
    """上一步: forget the last answer and ask that question again. ``field_id`` is the
    question the button was shown with (None: on the result card). At the first question
    the step stays where it is."""
    found = _load(session, rules, user_id, CheckStatus.ACTIVE, CheckStatus.DONE)
    if found is None:
        return None
    state, rule = found
    shown = _step(session, state, rule, today)
    shown_id = shown.field.id if shown.field is not None else None
    if shown_id != field_id:
        return None
    if state.asked:
        previous = state.asked.pop()
        state.answers.pop(previous, None)
    return _save(session, state, _step(session, state, rule, today), now)


def pause(
    session: Session, *, user_id: int, now: dt.datetime, idle_since: dt.datetime | None = None
) -> bool:
    """Inactivity: an active check is paused (its answers kept for 继续). With
    ``idle_since``, only if the check has not moved on since then (another instance may
    have served the user after this one's timeout was set)."""
    state = profiles.get_check(session, user_id=user_id)
    if state is None or state.status != CheckStatus.ACTIVE:
        return False
    if idle_since is not None and state.updated_at is not None and state.updated_at > idle_since:
        return False
    state.status = CheckStatus.PAUSED
    profiles.save_check(session, state=state, now=now)
    return True


def cancel(session: Session, *, user_id: int) -> bool:
    """取消: the check and its answers are deleted."""
    return profiles.delete_check(session, user_id=user_id) > 0


def save_answers(
    session: Session, rules: Rules, *, user_id: int, rule_id: str, now: dt.datetime
) -> int | None:
    """Copy the finished check's answers into the profile; the number of facts saved, or
    None when the user's last check is not this finished one (stale)."""
    found = _load(session, rules, user_id, CheckStatus.DONE)
    if found is None or found[1].id != rule_id:
        return None
    state, rule = found
    facts = {
        field_id: value
        for field_id, value in state.answers.items()
        if value is not None and rule.has_field(field_id)
    }
    if facts:
        profiles.update_facts(session, user_id=user_id, facts=facts, now=now)
    return len(facts)
