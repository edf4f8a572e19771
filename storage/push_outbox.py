"""Notices and the push outbox rows made for them: fan-out as one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` (one row per notice and user), digest slots.

Keyword-only functions; callers own the session (one transaction).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Integer, String, and_, case, false, insert, literal, true
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Executable, Select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, SQLModel, col, select

from storage.models_push import (
    Cadence,
    NoticeKind,
    OutboxState,
    PushNotice,
    PushPrefs,
    Subscription,
)
from storage.push import Prefs, rowcount
from storage.types import AwareDateTime

_OUTBOX_COLUMNS = [
    *("user_id", "notice_id", "state", "digest", "due_at", "attempts", "resends", "created_at")
]


@dataclass(frozen=True, slots=True)
class NoticeData:
    """A notice as the renderer needs it."""

    id: int
    kind: NoticeKind
    entry_id: str | None = None
    title: str | None = None
    summary: str | None = None
    source: str | None = None
    scope: str | None = None
    deadline: dt.date | None = None
    deadline_text: str | None = None


@dataclass(frozen=True, slots=True)
class Claimed:
    """An outbox row claimed for sending (state ``sending``)."""

    outbox_id: int
    user_id: int
    digest: bool
    attempts: int
    notice: NoticeData
    cadence: Cadence = Cadence.INSTANT


def notice_data(row: PushNotice) -> NoticeData:
    assert row.id is not None
    return NoticeData(
        id=row.id,
        kind=NoticeKind(row.kind),
        entry_id=row.entry_id,
        title=row.title,
        summary=row.summary,
        source=row.source,
        scope=row.scope,
        deadline=row.deadline,
        deadline_text=row.deadline_text,
    )


def prefs_of(row: PushPrefs | None) -> Prefs:
    if row is None:
        return Prefs()
    return Prefs(
        cadence=Cadence(row.cadence),
        deliver_minute=row.deliver_minute,
        weekday=row.weekday,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        paused_reason=row.paused_reason if row.paused_at is not None else None,
    )


# --------------------------------------------------------------------------- notices


def create_notice(session: Session, *, notice: PushNotice) -> int | None:
    """Insert ``notice``; None when its ``dedupe_key`` exists (already announced)."""
    stmt = select(PushNotice.id).where(PushNotice.dedupe_key == notice.dedupe_key)
    if session.exec(stmt).first() is not None:
        return None
    session.add(notice)
    session.flush()
    return notice.id


def unique_key(prefix: str) -> str:
    return f"{prefix}:{uuid.uuid4().hex}"


# --------------------------------------------------------------------------- fan-out


def _insert_ignoring_conflicts(session: Session, rows: Select[Any]) -> int:
    """``INSERT INTO push_outbox … SELECT … ON CONFLICT DO NOTHING``; rows inserted."""
    table = SQLModel.metadata.tables["push_outbox"]
    dialect = session.get_bind().dialect.name
    stmt: Executable
    if dialect == "postgresql":
        stmt = postgresql.insert(table).from_select(_OUTBOX_COLUMNS, rows).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).from_select(_OUTBOX_COLUMNS, rows).on_conflict_do_nothing()
    else:  # pragma: no cover - SQLite and PostgreSQL are the supported databases
        stmt = insert(table).from_select(_OUTBOX_COLUMNS, rows)
    result = session.connection().execute(stmt.execution_options(preserve_rowcount=True))
    return rowcount(result)


def _row_values(
    user_id: Any,
    *,
    notice_id: int,
    now: dt.datetime,
    digest: ColumnElement[bool],
    due: ColumnElement[dt.datetime] | None = None,
) -> Select[Any]:
    return sa_select(
        user_id,
        literal(notice_id, Integer),
        literal(OutboxState.PENDING.value, String),
        digest,
        due if due is not None else literal(now, AwareDateTime()),
        literal(0, Integer),
        literal(0, Integer),
        literal(now, AwareDateTime()),
    )


@dataclass(frozen=True, slots=True)
class DigestSlots:
    """The next digest time of every digest schedule in use: daily by minute, weekly by
    (weekday, minute). Computed once per planning batch (``digest_schedules``)."""

    daily: dict[int, dt.datetime]
    weekly: dict[tuple[int, int], dt.datetime]


def digest_schedules(session: Session) -> list[tuple[Cadence, int, int]]:
    """Distinct (cadence, minute, weekday) of the digest subscribers' preferences."""
    digests = [Cadence.DAILY.value, Cadence.WEEKLY.value]
    stmt = (
        select(PushPrefs.cadence, PushPrefs.deliver_minute, PushPrefs.weekday)
        .where(col(PushPrefs.cadence).in_(digests))
        .distinct()
    )
    return [(Cadence(c), int(m), int(w)) for c, m, w in session.exec(stmt)]


def _due(slots: DigestSlots, now: dt.datetime) -> ColumnElement[dt.datetime]:
    """``due_at`` of a new row from the subscriber's preferences: the next digest slot,
    else now (instant, or a schedule that changed meanwhile)."""
    at = AwareDateTime()
    fallback = literal(now, at)
    branches: list[tuple[ColumnElement[bool], ColumnElement[dt.datetime]]] = []
    if slots.daily:
        daily = case(
            {m: literal(due, at) for m, due in slots.daily.items()},
            value=col(PushPrefs.deliver_minute),
            else_=fallback,
        )
        branches.append((col(PushPrefs.cadence) == Cadence.DAILY.value, daily))
    if slots.weekly:
        key = col(PushPrefs.weekday) * 1440 + col(PushPrefs.deliver_minute)
        weekly = case(
            {w * 1440 + m: literal(due, at) for (w, m), due in slots.weekly.items()},
            value=key,
            else_=fallback,
        )
        branches.append((col(PushPrefs.cadence) == Cadence.WEEKLY.value, weekly))
    return case(*branches, else_=fallback) if branches else fallback


def fan_out(
    session: Session,
    *,
    notice_id: int,
    where: ColumnElement[bool],
    now: dt.datetime,
    slots: DigestSlots | None,
) -> int:
    """Outbox rows for every unpaused subscriber with a subscription matching ``where``,
    one per user (existing ones kept). With ``slots`` digest subscribers' rows are
    flagged ``digest`` and due at their next slot; without, every row is due now."""
    matched = select(Subscription.user_id).where(where).distinct().subquery()
    user_id = matched.c.user_id
    digest: ColumnElement[bool] = literal(False, Boolean)
    due: ColumnElement[dt.datetime] | None = None
    if slots is not None:
        digests = [Cadence.DAILY.value, Cadence.WEEKLY.value]
        digest = case((col(PushPrefs.cadence).in_(digests), literal(True, Boolean)), else_=false())
        due = _due(slots, now)
    rows = (
        _row_values(user_id, notice_id=notice_id, now=now, digest=digest, due=due)
        .select_from(matched)
        .outerjoin(PushPrefs, col(PushPrefs.user_id) == user_id)
        .where(col(PushPrefs.paused_at).is_(None))
    )
    return _insert_ignoring_conflicts(session, rows)


def fan_out_users(
    session: Session,
    *,
    notice_id: int,
    user_ids: Iterable[int],
    where: ColumnElement[bool],
    now: dt.datetime,
    slots: DigestSlots | None,
    chunk: int = 5000,
) -> int:
    """``fan_out`` restricted to ``user_ids`` (e.g. chosen by a profile matcher)."""
    ids = sorted(set(user_ids))
    total = 0
    for start in range(0, len(ids), chunk):
        part = col(Subscription.user_id).in_(ids[start : start + chunk])
        total += fan_out(
            session, notice_id=notice_id, where=and_(where, part), now=now, slots=slots
        )
    return total


def queue_rows(session: Session, *, notice_id: int, users: Select[Any], now: dt.datetime) -> int:
    """Outbox rows (due now, no digest) for the user ids ``users`` selects."""
    chosen = users.subquery()
    rows = _row_values(
        chosen.c[0], notice_id=notice_id, now=now, digest=literal(False, Boolean)
    ).select_from(chosen)
    # SQLite: an INSERT … SELECT with ON CONFLICT needs a WHERE (parsing ambiguity)
    rows = rows.where(true())
    return _insert_ignoring_conflicts(session, rows)
