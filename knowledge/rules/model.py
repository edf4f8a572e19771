"""Eligibility rules as data: fields to ask, a condition tree with sources, outcomes, cases.

A rule is loaded from ``knowledge/data/rules/<id>.yaml`` (see :mod:`knowledge.rules.loader`)
and evaluated by :func:`knowledge.rules.engine.evaluate`. Everything here is immutable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from knowledge.numbers import Unit

NEXT_STEPS_DEFAULT = "请向所在区中小企业主管部门或企业服务专员咨询具体申报方式"


class FieldType(StrEnum):
    CHOICE = "choice"
    YES_NO = "yes_no"
    NUMBER = "number"
    DISTRICT = "district"
    INDUSTRY = "industry"
    DATE = "date"


# Field types whose facts are one of ``Field.choices`` (by value).
CHOICE_TYPES = frozenset({FieldType.CHOICE, FieldType.DISTRICT, FieldType.INDUSTRY})


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"
    IN = "in"
    NOT_IN = "not_in"
    IS_TRUE = "is_true"
    IS_FALSE = "is_false"


ORDER_OPS = frozenset({Op.GT, Op.GE, Op.LT, Op.LE})
SET_OPS = frozenset({Op.IN, Op.NOT_IN})
BOOL_OPS = frozenset({Op.IS_TRUE, Op.IS_FALSE})
OP_SYMBOLS: dict[Op, str] = {
    Op.EQ: "=",
    Op.NE: "≠",
    Op.GT: ">",
    Op.GE: "≥",
    Op.LT: "<",
    Op.LE: "≤",
    Op.IN: "∈",
    Op.NOT_IN: "∉",
    Op.IS_TRUE: "= 是",
    Op.IS_FALSE: "= 否",
}


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    UNDETERMINED = "undetermined"


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.ELIGIBLE: "符合",
    Outcome.NOT_ELIGIBLE: "不符合",
    Outcome.UNDETERMINED: "待定",
}


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    aliases: tuple[str, ...] = ()


# A fact value as the engine compares it (after coercion).
FactValue = bool | Decimal | str | dt.date


@dataclass(frozen=True, slots=True)
class Field:
    """One question the assistant may ask; its answer is the fact ``facts[id]``."""

    id: str
    question: str
    type: FieldType
    unit: Unit | None = None
    choices: tuple[Choice, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    help: str = ""

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    def signature(self) -> tuple[object, ...]:
        """What must agree when two rules use the same field id (for shared profiles)."""
        return (self.type, self.unit, self.choice_values)


@dataclass(frozen=True, slots=True)
class Period:
    """When a condition (a threshold, a condition set) applies: both ends inclusive, None
    for open. A condition outside its period at the evaluation date is left out."""

    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )

    @property
    def bounded(self) -> bool:
        return self.valid_from is not None or self.valid_to is not None


ALWAYS = Period()


class InForce(StrEnum):
    """What the project knows about a document being the version in force."""

    CONFIRMED = "confirmed"  # checked against a public source (see ``SourceDoc.note``)
    UNVERIFIED = "unverified"  # the project could not check whether a later version exists


@dataclass(frozen=True, slots=True)
class SourceDoc:
    """One document a programme cites (its ``sources`` block).

    ``superseded_from``: the date a later version was published; from then on the
    conditions citing this document are thresholds to confirm (the project may not have
    the later version's figures)."""

    id: str
    title: str
    number: str = ""  # 文号
    issuer: str = ""
    date: str = ""  # 印发/发布日期 as the source gives it (may be a month only)
    url: str = ""
    parts: tuple[str, ...] = ()  # annex titles cited as 《…》 inside a source
    in_force: InForce = InForce.UNVERIFIED
    superseded_from: dt.date | None = None
    superseded_by: str = ""
    note: str = ""  # how the facts were verified (for operators, not shown to users)

    @property
    def label(self) -> str:
        return f"《{self.title}》({self.number})" if self.number else f"《{self.title}》"

    def superseded_on(self, day: dt.date) -> bool:
        return self.superseded_from is not None and day >= self.superseded_from


@dataclass(frozen=True, slots=True)
class Leaf:
    """A comparison of one fact with a value; ``confirm`` marks an uncertain threshold."""

    field: str
    op: Op
    value: FactValue | tuple[FactValue, ...] | None
    text: str
    source: str
    confirm: bool = False
    path: str = ""
    period: Period = ALWAYS
    docs: tuple[str, ...] = ()  # ids of the SourceDocs the source cites
    # ``confirm: met``: only a met comparison is uncertain (e.g. whether the listed
    # industries are in scope); a value outside it is a firm ✗.
    confirm_met_only: bool = False


@dataclass(frozen=True, slots=True)
class Group:
    """``all_of`` / ``any_of`` over child conditions."""

    kind: str  # "all_of" | "any_of"
    children: tuple[Condition, ...]
    text: str = ""
    source: str = ""
    path: str = ""
    period: Period = ALWAYS


@dataclass(frozen=True, slots=True)
class Not:
    child: Condition
    text: str = ""
    source: str = ""
    path: str = ""
    period: Period = ALWAYS


Condition = Leaf | Group | Not


def iter_leaves(condition: Condition) -> list[Leaf]:
    """The leaves of a condition tree, depth first, in document order."""
    if isinstance(condition, Leaf):
        return [condition]
    if isinstance(condition, Not):
        return iter_leaves(condition.child)
    return [leaf for child in condition.children for leaf in iter_leaves(child)]


def iter_conditions(condition: Condition) -> list[Condition]:
    """Every node of a condition tree, depth first (parents before children)."""
    if isinstance(condition, Leaf):
        return [condition]
    children = [condition.child] if isinstance(condition, Not) else list(condition.children)
    return [condition, *(node for child in children for node in iter_conditions(child))]


@dataclass(frozen=True, slots=True)
class Case:
    """A worked example next to the data: facts → expected outcome (and missing fields)."""

    name: str
    facts: Mapping[str, object]
    expect: Outcome
    missing: tuple[str, ...] | None = None  # None: not checked
    to_confirm: tuple[str, ...] | None = None  # field ids of confirm leaves; None: not checked
    tentative: Outcome | None = None
    today: dt.date | None = None
    validity: str | None = None
    path: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    fields: tuple[Field, ...]
    conditions: Condition
    summary: str = ""
    entries: tuple[str, ...] = ()
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    review_after: dt.date | None = None
    validity_source: str = ""
    outcomes: Mapping[Outcome, str] = dc_field(default_factory=dict)
    next_steps: str = NEXT_STEPS_DEFAULT
    next_steps_source: str = ""
    cases: tuple[Case, ...] = ()
    sources: tuple[SourceDoc, ...] = ()
    file: Path | None = None

    def source_doc(self, doc_id: str) -> SourceDoc | None:
        return next((doc for doc in self.sources if doc.id == doc_id), None)

    def field(self, field_id: str) -> Field:
        for item in self.fields:
            if item.id == field_id:
                return item
        raise KeyError(field_id)

    def has_field(self, field_id: str) -> bool:
        return any(item.id == field_id for item in self.fields)

    @property
    def field_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.fields)

    @property
    def has_confirm(self) -> bool:
        return any(leaf.confirm for leaf in iter_leaves(self.conditions))
