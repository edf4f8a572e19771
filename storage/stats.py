"""Counts for the usage statistics. Keyword-only functions; callers own the session.

The push and ticket tables belong to other features and may not exist (yet) in a given
database: ``optional_counts`` looks them up by name and reads them through SQL Core,
so a missing table or column gives ``None`` instead of an error."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from storage.models import Feedback, QuestionLog
from storage.types import AwareDateTime

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Asked:
    asked_at: dt.datetime
    answered: bool
    best_entry_id: str | None
    outside_topic: str | None = None


def questions_since(session: Session, *, since: dt.datetime) -> list[Asked]:
    stmt = (
        select(
            col(QuestionLog.created_at),
            col(QuestionLog.answered),
            col(QuestionLog.best_entry_id),
            col(QuestionLog.outside_topic),
        )
        .where(col(QuestionLog.created_at) >= since)
        .order_by(col(QuestionLog.created_at))
    )
    return [
        Asked(at, bool(answered), best, outside)
        for at, answered, best, outside in session.execute(stmt)
    ]


def feedback_counts(session: Session, *, since: dt.datetime) -> tuple[int, int]:
    """(有帮助, 没帮助) votes since ``since``."""
    stmt = (
        select(col(Feedback.helpful), func.count())
        .where(col(Feedback.created_at) >= since)
        .group_by(col(Feedback.helpful))
    )
    counts = {bool(helpful): int(n) for helpful, n in session.execute(stmt)}
    return counts.get(True, 0), counts.get(False, 0)


# ------------------------------------------------------------------ other features' tables


@dataclass(frozen=True, slots=True)
class OptionalCounts:
    """Counts of other features; None where that feature's tables are absent."""

    subscribers: int | None = None
    pushes_sent: int | None = None
    tickets_by_status: dict[str, int] | None = None


Probe = Callable[[Session, dt.datetime], Any]


def _columns(session: Session, name: str) -> set[str]:
    inspector = inspect(session.connection())
    if not inspector.has_table(name):
        return set()
    return {str(c["name"]) for c in inspector.get_columns(name)}


def _subscribers(session: Session, since: dt.datetime) -> int | None:
    if "user_id" not in _columns(session, "push_subscription"):
        return None
    subs = table("push_subscription", column("user_id"))
    return int(session.execute(select(func.count(func.distinct(subs.c.user_id)))).scalar_one())


def _pushes_sent(session: Session, since: dt.datetime) -> int | None:
    if not {"state", "sent_at"} <= _columns(session, "push_outbox"):
        return None
    outbox = table("push_outbox", column("state"), column("sent_at", AwareDateTime()))
    stmt = select(func.count()).where(outbox.c.state == "sent", outbox.c.sent_at >= since)
    return int(session.execute(stmt).scalar_one())


def _tickets(session: Session, since: dt.datetime) -> dict[str, int] | None:
    if "status" not in _columns(session, "ticket"):
        return None
    tickets = table("ticket", column("status"))
    stmt = select(tickets.c.status, func.count()).group_by(tickets.c.status)
    return {str(status): int(n) for status, n in session.execute(stmt)}


PROBES: dict[str, Probe] = {
    "subscribers": _subscribers,
    "pushes_sent": _pushes_sent,
    "tickets_by_status": _tickets,
}


def optional_counts(session: Session, *, since: dt.datetime) -> OptionalCounts:
    """Each probe runs in a savepoint: one that fails leaves the transaction usable."""
    values: dict[str, Any] = {}
    for name, probe in PROBES.items():
        try:
            with session.begin_nested():
                values[name] = probe(session, since)
        except SQLAlchemyError as exc:
            log.warning("statistics probe %s failed: %s", name, type(exc).__name__)
            values[name] = None
    return OptionalCounts(**values)
