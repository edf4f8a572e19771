"""The eligibility rules at run time: loaded once, looked up by id or by linked policy entry,
facts as they are stored (JSON), ``/match`` over a profile and the precise push matcher.

Facts are stored as JSON scalars keyed by field id: booleans, choice values, numbers as
decimal strings in the field's unit ("3000" for 3000 万元) and dates as ISO strings. The
engine (:func:`knowledge.rules.evaluate`) reads these forms directly; a stored fact that a
rule no longer accepts (a choice removed, a bound changed) is ignored, never an error.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

from knowledge.model import EntryView
from knowledge.rules import (
    BUNDLED_RULES_DIR,
    Field,
    FieldType,
    InvalidFact,
    Outcome,
    Rule,
    Validity,
    Verdict,
    answer_options,
    evaluate,
    load_rules,
)
from knowledge.rules.facts import coerce_fact
from knowledge.rules.model import FactValue
from storage import profiles

log = logging.getLogger(__name__)

JsonScalar = bool | str
MAX_REF_BYTES = 40  # a rule id in callback data; longer ids become "~" + a hash

# The facts a profile offers to edit directly, in this order (those no rule uses are left
# out). Every other field a check asks can be saved to the profile from a result card.
PROFILE_FIELDS: tuple[str, ...] = (
    "district",
    "industry",
    "is_sme",
    "is_four_above",
    "annual_revenue",
    "employees",
    "total_assets",
    "registered_years",
    "rd_ratio",
    "rd_expense",
    "is_specialized_sme",
    "invention_patent",
    "resident_enterprise",
    "abnormal_or_dishonest",
)


def fact_to_json(value: FactValue) -> JsonScalar:
    """A parsed fact as stored: bool, choice value, decimal string or ISO date."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def rule_ref(rule_id: str) -> str:
    if len(rule_id.encode("utf-8")) <= MAX_REF_BYTES:
        return rule_id
    return "~" + hashlib.sha1(rule_id.encode("utf-8")).hexdigest()[:12]


class Rules:
    """The loaded programmes, indexed by id, callback ref, linked entry and field id."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._by_ref = {rule_ref(rule.id): rule for rule in self.rules}
        self._by_entry: dict[str, list[Rule]] = {}
        self._fields: dict[str, Field] = {}
        for rule in self.rules:
            for entry_id in rule.entries:
                self._by_entry.setdefault(entry_id, []).append(rule)
            for field in rule.fields:
                self._fields.setdefault(field.id, field)

    def rule(self, rule_id: str) -> Rule | None:
        found = self._by_ref.get(rule_ref(rule_id))
        return found if found is not None and found.id == rule_id else None

    def by_ref(self, ref: str) -> Rule | None:
        """The rule a callback ref stands for, or None (stale or forged)."""
        return self._by_ref.get(ref)

    def for_entry(self, entry_id: str) -> tuple[Rule, ...]:
        return tuple(self._by_entry.get(entry_id, ()))

    def field(self, field_id: str) -> Field | None:
        return self._fields.get(field_id)

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(self._fields.values())

    def profile_fields(self) -> tuple[Field, ...]:
        """The fields a profile offers to edit (see ``PROFILE_FIELDS``)."""
        return tuple(self._fields[i] for i in PROFILE_FIELDS if i in self._fields)

    def known_facts(self, raw: Mapping[str, object]) -> list[tuple[Field, FactValue]]:
        """The stored facts that some rule understands, profile fields first."""
        order = [*PROFILE_FIELDS, *(i for i in self._fields if i not in PROFILE_FIELDS)]
        known: list[tuple[Field, FactValue]] = []
        for field_id in order:
            field = self._fields.get(field_id)
            if field is None or raw.get(field_id) is None:
                continue
            value = checked_fact(field, raw[field_id])
            if value is not None:
                known.append((field, value))
        return known


def checked_fact(field: Field, raw: object) -> FactValue | None:
    """The comparable value of a stored fact, or None when the field no longer accepts it."""
    try:
        return coerce_fact(field, raw)
    except InvalidFact:
        log.warning("ignoring a stored fact the field %s no longer accepts", field.id)
        return None


def facts_for(rule: Rule, raw: Mapping[str, object]) -> dict[str, FactValue]:
    """The facts of ``raw`` that ``rule`` uses and accepts (invalid ones dropped)."""
    facts: dict[str, FactValue] = {}
    for field in rule.fields:
        if raw.get(field.id) is not None:
            value = checked_fact(field, raw[field.id])
            if value is not None:
                facts[field.id] = value
    return facts


@functools.cache
def _load(directory: Path) -> Rules:
    rules = Rules(load_rules(directory))
    log.info("loaded %d eligibility rule(s)", len(rules.rules))
    return rules


def bundled_rules(directory: Path = BUNDLED_RULES_DIR) -> Rules:
    """The rules of ``directory``, loaded once per process."""
    return _load(directory)


def has_rules_for(entry_id: str) -> bool:
    """Whether a 资格自测 exists for the policy entry (a bundled rule links it)."""
    return bool(bundled_rules().for_entry(entry_id))


# ------------------------------------------------------------------ /match


@dataclass(frozen=True, slots=True)
class MatchReport:
    """Every programme against one profile, by outcome (each list best first)."""

    eligible: tuple[Verdict, ...]
    nearly: tuple[Verdict, ...]  # not eligible because of one condition (verdict.blocking)
    to_confirm: tuple[Verdict, ...]  # undetermined only because of thresholds to confirm
    undetermined: tuple[Verdict, ...]  # facts missing (verdict.missing)
    not_eligible: tuple[Verdict, ...]

    @property
    def total(self) -> int:
        return sum(
            len(group)
            for group in (
                self.eligible,
                self.nearly,
                self.to_confirm,
                self.undetermined,
                self.not_eligible,
            )
        )


def match_profile(rules: Rules, raw: Mapping[str, object], *, today: dt.date) -> MatchReport:
    """``/match`` (政策体检): run every programme against the stored facts."""
    groups: dict[str, list[Verdict]] = {k: [] for k in ("ok", "near", "confirm", "open", "no")}
    verdicts = [evaluate(rule, facts_for(rule, raw), today=today) for rule in rules.rules]
    verdicts.sort(key=lambda v: (0 if v.in_force else 1, -v.score, v.rule.id))
    for verdict in verdicts:
        if verdict.outcome is Outcome.ELIGIBLE:
            groups["ok"].append(verdict)
        elif verdict.nearly_eligible:
            groups["near"].append(verdict)
        elif verdict.confirm_only:
            groups["confirm"].append(verdict)
        elif verdict.outcome is Outcome.UNDETERMINED:
            groups["open"].append(verdict)
        else:
            groups["no"].append(verdict)
    return MatchReport(
        eligible=tuple(groups["ok"]),
        nearly=tuple(groups["near"]),
        to_confirm=tuple(groups["confirm"]),
        undetermined=tuple(groups["open"]),
        not_eligible=tuple(groups["no"]),
    )


def fits(verdict: Verdict) -> bool:
    """A programme fits a profile: eligible (or eligible once the thresholds to confirm hold
    as written), and the policy is neither expired nor not yet in force."""
    if verdict.validity in (Validity.EXPIRED, Validity.NOT_YET_VALID):
        return False
    if verdict.outcome is Outcome.ELIGIBLE:
        return True
    return verdict.confirm_only and verdict.tentative is Outcome.ELIGIBLE


# ------------------------------------------------------------------ precise push


def _shanghai_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


class ProfileRuleMatcher:
    """``services.push.ProfileMatcher`` on enterprise profiles: a subscriber of
    "符合我企业档案的政策" gets an entry when a rule linked to it fits their profile.
    Entries no rule links match nobody (nothing is guessed)."""

    def __init__(
        self, rules: Rules | None = None, *, today: Callable[[], dt.date] = _shanghai_today
    ) -> None:
        self._rules = rules
        self._today = today

    @property
    def rules(self) -> Rules:
        return self._rules or bundled_rules()

    def users_for(
        self, session: Session, entry: EntryView, user_ids: Sequence[int]
    ) -> Collection[int]:
        linked = self.rules.for_entry(entry.entry_id)
        if not linked or not user_ids:
            return ()
        today = self._today()
        found = profiles.profiles_of(session, user_ids=user_ids)
        return [
            user_id
            for user_id in user_ids
            if (profile := found.get(user_id)) is not None
            and _fits_any(linked, profile.facts, today)
        ]


def _fits_any(rules: Iterable[Rule], raw: Mapping[str, object], today: dt.date) -> bool:
    return any(fits(evaluate(rule, facts_for(rule, raw), today=today)) for rule in rules)


def option_fact(field: Field, index: int) -> JsonScalar | None:
    """The fact of the ``index``-th button of ``answer_options(field)`` (None: no such
    button). Yes/no buttons stand for booleans."""
    options = answer_options(field)
    if not 0 <= index < len(options):
        return None
    value = options[index].value
    if field.type is FieldType.YES_NO:
        return value == "true"
    return value
