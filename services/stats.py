"""Usage statistics: questions per day, answered and helpful rates, top topics, top
unanswered questions, and the other features' counts when their tables exist."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from services.knowledge import KnowledgeBase
from services.unanswered import QuestionGroup, list_groups
from storage import stats as store
from storage.db import session_scope
from storage.stats import OptionalCounts

TOP_TOPICS = 5
TOP_OUTSIDE = 5
TOP_UNANSWERED = 5
NO_CATEGORY = "未分类"


@dataclass(frozen=True, slots=True)
class DayCount:
    day: dt.date
    asked: int
    answered: int


@dataclass(frozen=True, slots=True)
class StatsReport:
    days: int
    start: dt.date
    end: dt.date
    per_day: tuple[DayCount, ...]
    helpful: int
    unhelpful: int
    topics: tuple[tuple[str, int], ...]
    unanswered: tuple[QuestionGroup, ...]
    extras: OptionalCounts
    # subjects no document speaks of that questions were declined for (报税和发票 3): what
    # people want beyond the library, so what documents to import next
    outside: tuple[tuple[str, int], ...] = ()

    @property
    def asked(self) -> int:
        return sum(d.asked for d in self.per_day)

    @property
    def answered(self) -> int:
        return sum(d.answered for d in self.per_day)

    @property
    def answered_rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None

    @property
    def helpful_rate(self) -> float | None:
        votes = self.helpful + self.unhelpful
        return self.helpful / votes if votes else None


def collect(knowledge: KnowledgeBase, *, days: int, now: dt.datetime) -> StatsReport:
    """The last ``days`` calendar days up to ``now`` (aware; its zone sets the calendar)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    end = now.date()
    start = end - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(start, dt.time(), tzinfo=now.tzinfo)
    with session_scope(knowledge.engine) as session:
        asked = store.questions_since(session, since=since)
        helpful, unhelpful = store.feedback_counts(session, since=since)
        extras = store.optional_counts(session, since=since)
    per_day = {start + dt.timedelta(days=n): [0, 0] for n in range(days)}
    topics: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    for row in asked:
        counts = per_day.get(row.asked_at.astimezone(now.tzinfo).date())
        if counts is None:
            continue
        counts[0] += 1
        if row.outside_topic:
            outside[row.outside_topic] += 1
        if row.answered:
            counts[1] += 1
            entry = knowledge.entry(row.best_entry_id) if row.best_entry_id else None
            if entry is not None:
                topics.update(entry.categories[:1] or (NO_CATEGORY,))
    groups = list_groups(knowledge.engine, since=since, limit=TOP_UNANSWERED)
    return StatsReport(
        days=days,
        start=start,
        end=end,
        per_day=tuple(DayCount(day, a, b) for day, (a, b) in per_day.items()),
        helpful=helpful,
        unhelpful=unhelpful,
        topics=tuple(topics.most_common(TOP_TOPICS)),
        unanswered=tuple(groups),
        extras=extras,
        outside=tuple(outside.most_common(TOP_OUTSIDE)),
    )
