"""Data access for push subscriptions, preferences, pauses and the audit log.

Keyword-only functions; callers own the session (one transaction). Times are passed in
(``now`` from ``BotServices.now()``), never read from the system clock here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, true, update
from sqlmodel import Session, col, select

from storage.models import BotUser
from storage.models_push import (
    AuditLog,
    Cadence,
    NoticeKind,
    OutboxState,
    PushNotice,
    PushOutbox,
    PushPrefs,
    Subscription,
    SubscriptionKind,
)


def rowcount(result: object) -> int:
    """Rows an UPDATE/INSERT touched (``CursorResult.rowcount``; 0 when unknown)."""
    count = getattr(result, "rowcount", 0)
    return int(count) if isinstance(count, int) and count > 0 else 0


def pack(values: Iterable[str]) -> str:
    """``["a", "b"]`` → ``"|a|b|"`` (the stored form); no values → ``""`` (= any)."""
    clean = [v.replace("|", "/").strip() for v in values]
    unique = list(dict.fromkeys(v for v in clean if v))
    return f"|{'|'.join(unique)}|" if unique else ""


def terms(packed: str) -> tuple[str, ...]:
    return tuple(t for t in packed.split("|") if t)


@dataclass(frozen=True, slots=True)
class Filters:
    """What a subscription asks for; empty lists mean "any"."""

    kind: SubscriptionKind = SubscriptionKind.TOPIC
    categories: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    entry_id: str | None = None

    @property
    def narrowed(self) -> bool:
        return bool(self.categories or self.levels or self.districts or self.audiences)


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    id: int
    filters: Filters


@dataclass(frozen=True, slots=True)
class Prefs:
    cadence: Cadence = Cadence.INSTANT
    deliver_minute: int = 9 * 60
    weekday: int = 0
    quiet_start: int = 22 * 60
    quiet_end: int = 8 * 60
    paused_reason: str | None = None


def _view(row: Subscription) -> SubscriptionView:
    assert row.id is not None
    filters = Filters(
        kind=SubscriptionKind(row.kind),
        categories=terms(row.categories),
        levels=terms(row.levels),
        districts=terms(row.districts),
        audiences=terms(row.audiences),
        entry_id=row.entry_id,
    )
    return SubscriptionView(id=row.id, filters=filters)


def _apply(row: Subscription, filters: Filters) -> None:
    row.kind = filters.kind.value
    row.categories = pack(filters.categories)
    row.levels = pack(filters.levels)[:40]
    row.districts = pack(filters.districts)
    row.audiences = pack(filters.audiences)
    row.entry_id = filters.entry_id


# --------------------------------------------------------------------------- subscriptions


def add_subscription(
    session: Session, *, user_id: int, filters: Filters, now: dt.datetime
) -> SubscriptionView:
    ensure_prefs(session, user_id=user_id, now=now)
    row = Subscription(user_id=user_id, created_at=now, updated_at=now)
    _apply(row, filters)
    session.add(row)
    session.flush()
    return _view(row)


def update_subscription(
    session: Session, *, user_id: int, subscription_id: int, filters: Filters, now: dt.datetime
) -> SubscriptionView | None:
    """None when the subscription is not this user's (stale or forged)."""
    row = session.get(Subscription, subscription_id)
    if row is None or row.user_id != user_id:
        return None
    _apply(row, filters)
    row.updated_at = now
    session.add(row)
    session.flush()
    return _view(row)


def list_subscriptions(session: Session, *, user_id: int) -> list[SubscriptionView]:
    stmt = select(Subscription).where(Subscription.user_id == user_id)
    return [_view(row) for row in session.exec(stmt.order_by(col(Subscription.id)))]


def remove_subscription(session: Session, *, user_id: int, subscription_id: int) -> bool:
    row = session.get(Subscription, subscription_id)
    if row is None or row.user_id != user_id:
        return False
    session.delete(row)
    session.flush()
    return True


def remove_all_subscriptions(session: Session, *, user_id: int) -> int:
    rows = list(session.exec(select(Subscription).where(Subscription.user_id == user_id)))
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


# --------------------------------------------------------------------------- preferences


def ensure_prefs(session: Session, *, user_id: int, now: dt.datetime) -> PushPrefs:
    row = session.get(PushPrefs, user_id)
    if row is None:
        row = PushPrefs(user_id=user_id, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
    return row


def get_prefs(session: Session, *, user_id: int) -> Prefs:
    row = session.get(PushPrefs, user_id)
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


def set_prefs(session: Session, *, user_id: int, prefs: Prefs, now: dt.datetime) -> None:
    row = ensure_prefs(session, user_id=user_id, now=now)
    row.cadence = prefs.cadence.value
    row.deliver_minute = prefs.deliver_minute % (24 * 60)
    row.weekday = prefs.weekday % 7
    row.quiet_start = prefs.quiet_start % (24 * 60)
    row.quiet_end = prefs.quiet_end % (24 * 60)
    row.updated_at = now
    session.add(row)
    session.flush()


def reschedule_pending(session: Session, *, user_id: int, due_at: dt.datetime, digest: bool) -> int:
    """Move the user's pending digestible rows (new/changed policies) to ``due_at``."""
    stmt = (
        update(PushOutbox)
        .where(
            col(PushOutbox.user_id) == user_id,
            col(PushOutbox.state) == OutboxState.PENDING.value,
            col(PushOutbox.digest).is_(True) if not digest else true(),
            col(PushOutbox.notice_id).in_(_digestible_notices()),
        )
        .values(due_at=due_at, digest=digest)
    )
    return rowcount(session.execute(stmt))


def _digestible_notices() -> Any:
    kinds = [NoticeKind.NEW.value, NoticeKind.CHANGED.value]
    return select(PushNotice.id).where(col(PushNotice.kind).in_(kinds))


def cancel_policy_notices(session: Session, *, user_id: int) -> int:
    """Drop the user's policy notices still waiting (e.g. for a digest): no subscription
    is left. Broadcasts and tests stay."""
    kinds = [NoticeKind.NEW.value, NoticeKind.CHANGED.value, NoticeKind.DEADLINE.value]
    kinds.append(NoticeKind.WITHDRAWN.value)
    notices = select(PushNotice.id).where(col(PushNotice.kind).in_(kinds))
    stmt = (
        update(PushOutbox)
        .where(
            col(PushOutbox.user_id) == user_id,
            col(PushOutbox.state) == OutboxState.PENDING.value,
            col(PushOutbox.notice_id).in_(notices),
        )
        .values(state=OutboxState.CANCELLED.value, error="unsubscribed")
    )
    return rowcount(session.execute(stmt))


def pause_user(session: Session, *, user_id: int, reason: str, now: dt.datetime) -> int:
    """Pause all of the user's pushes (blocked, deactivated): cancels pending rows;
    returns how many. ``bot_user.blocked_at`` is set too."""
    prefs = ensure_prefs(session, user_id=user_id, now=now)
    prefs.paused_at = prefs.paused_at or now
    prefs.paused_reason = reason[:40]
    prefs.updated_at = now
    session.add(prefs)
    user = session.get(BotUser, user_id)
    if user is not None and user.blocked_at is None:
        user.blocked_at = now
        session.add(user)
    stmt = (
        update(PushOutbox)
        .where(
            col(PushOutbox.user_id) == user_id,
            col(PushOutbox.state) == OutboxState.PENDING.value,
        )
        .values(state=OutboxState.CANCELLED.value, error=f"paused: {reason}"[:300])
    )
    cancelled = rowcount(session.execute(stmt))
    session.flush()
    return cancelled


def resume_user(session: Session, *, user_id: int, now: dt.datetime) -> bool:
    """Lift a pause (the user is reachable again); False when nothing was paused."""
    prefs = session.get(PushPrefs, user_id)
    user = session.get(BotUser, user_id)
    if user is not None and user.blocked_at is not None:
        user.blocked_at = None
        session.add(user)
    if prefs is None or prefs.paused_at is None:
        session.flush()
        return False
    prefs.paused_at = None
    prefs.paused_reason = None
    prefs.updated_at = now
    session.add(prefs)
    session.flush()
    return True


def forget_user(session: Session, *, user_id: int) -> int:
    """/forget: the user's subscriptions, preferences and outbox rows; rows deleted.
    (Audit entries stay: they record who changed what.)"""
    total = 0
    for model in (Subscription, PushPrefs, PushOutbox):
        stmt = delete(model).where(col(model.user_id) == user_id)
        total += rowcount(session.execute(stmt))
    return total


# --------------------------------------------------------------------------- audit


def audit(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    now: dt.datetime,
) -> AuditLog:
    """Record an action (no message texts or personal data in ``details``)."""
    row = AuditLog(
        actor_id=actor_id,
        action=action[:40],
        target=target[:200],
        details=details or {},
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def audit_entries(session: Session, *, action_prefix: str = "", limit: int = 100) -> list[AuditLog]:
    stmt = select(AuditLog).where(col(AuditLog.action).startswith(action_prefix))
    return list(session.exec(stmt.order_by(col(AuditLog.id).desc()).limit(limit)))
