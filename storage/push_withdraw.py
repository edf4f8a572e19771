"""Withdrawal notices: who was told about a policy entry that is now withdrawn, and the
notices about it still waiting to go out.

Keyword-only functions; callers own the session (one transaction).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models_push import (
    NoticeKind,
    OutboxState,
    PushNotice,
    PushOutbox,
    PushPrefs,
    Subscription,
)
from storage.push import rowcount
from storage.push_outbox import queue_rows

# notices that present an entry as current: a withdrawal contradicts them
ANNOUNCING = (NoticeKind.NEW.value, NoticeKind.CHANGED.value, NoticeKind.DEADLINE.value)
# a row in ``sending`` may reach the user: they are told of the withdrawal too
DELIVERED = (OutboxState.SENT.value, OutboxState.SENDING.value)


def cancel_announcements(session: Session, *, entry_id: str) -> int:
    """Announcements of ``entry_id`` not sent yet (a digest, quiet hours) are cancelled:
    nobody is told about a policy that is already withdrawn."""
    notices = select(PushNotice.id).where(
        col(PushNotice.entry_id) == entry_id, col(PushNotice.kind).in_(ANNOUNCING)
    )
    stmt = (
        update(PushOutbox)
        .where(
            col(PushOutbox.state) == OutboxState.PENDING.value,
            col(PushOutbox.notice_id).in_(notices),
        )
        .values(state=OutboxState.CANCELLED.value, error="withdrawn")
    )
    return rowcount(session.execute(stmt))


def was_announced(session: Session, *, entry_id: str) -> bool:
    """Whether an announcement of ``entry_id`` was sent (or is being sent) to anyone."""
    stmt = (
        select(PushOutbox.id)
        .join(PushNotice, col(PushNotice.id) == col(PushOutbox.notice_id))
        .where(
            col(PushNotice.entry_id) == entry_id,
            col(PushNotice.kind).in_(ANNOUNCING),
            col(PushOutbox.state).in_(DELIVERED),
        )
        .limit(1)
    )
    return session.exec(stmt).first() is not None


def queue_withdrawal(session: Session, *, notice_id: int, entry_id: str, now: dt.datetime) -> int:
    """Outbox rows of withdrawal notice ``notice_id`` for every user who was sent an
    announcement of ``entry_id`` and has not been told of a withdrawal since (so each
    user hears of each withdrawal once), who still subscribes and is not paused."""
    told, told_notice = aliased(PushOutbox), aliased(PushNotice)
    later, later_notice = aliased(PushOutbox), aliased(PushNotice)
    withdrawn_since = exists(
        select(later.id)
        .join(later_notice, col(later_notice.id) == col(later.notice_id))
        .where(
            col(later.user_id) == col(told.user_id),
            col(later_notice.entry_id) == entry_id,
            col(later_notice.kind) == NoticeKind.WITHDRAWN.value,
            col(later_notice.id) > col(told_notice.id),
        )
    )
    subscribed = exists(select(Subscription.id).where(Subscription.user_id == told.user_id))
    paused = exists(
        select(PushPrefs.user_id).where(
            PushPrefs.user_id == told.user_id, col(PushPrefs.paused_at).is_not(None)
        )
    )
    users = (
        select(told.user_id)
        .join(told_notice, col(told_notice.id) == col(told.notice_id))
        .where(
            col(told_notice.entry_id) == entry_id,
            col(told_notice.kind).in_(ANNOUNCING),
            col(told.state).in_(DELIVERED),
            ~withdrawn_since,
            subscribed,
            ~paused,
        )
        .distinct()
    )
    return queue_rows(session, notice_id=notice_id, users=users, now=now)
