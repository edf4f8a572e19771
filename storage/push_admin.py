"""Admin side of push: broadcast audiences, test pushes and the status report.

Keyword-only functions; callers own the session (one transaction).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from storage.models import BotUser
from storage.models_push import (
    NoticeKind,
    OutboxState,
    PushNotice,
    PushOutbox,
    PushPrefs,
    Subscription,
    SubscriptionKind,
)
from storage.push_delivery import count_by_state
from storage.push_events import count_unplanned
from storage.push_outbox import create_notice, queue_rows, unique_key


class AudienceKind(StrEnum):
    ALL = "all"  # every subscriber
    ROLE = "role"  # every bot user with this role
    CATEGORY = "category"  # subscribers of this category (or of every category)


@dataclass(frozen=True, slots=True)
class Audience:
    kind: AudienceKind = AudienceKind.ALL
    value: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.value}" if self.value else self.kind.value


def audience_users(audience: Audience) -> Select[Any]:
    """The user ids of ``audience``, paused (blocked) users left out."""
    if audience.kind is AudienceKind.ROLE:
        return (
            select(BotUser.id)
            .outerjoin(PushPrefs, col(PushPrefs.user_id) == col(BotUser.id))
            .where(
                BotUser.role == audience.value,
                col(BotUser.blocked_at).is_(None),
                col(PushPrefs.paused_at).is_(None),
            )
        )
    stmt = (
        select(Subscription.user_id)
        .outerjoin(PushPrefs, col(PushPrefs.user_id) == col(Subscription.user_id))
        .where(col(PushPrefs.paused_at).is_(None))
        .distinct()
    )
    if audience.kind is AudienceKind.CATEGORY:
        category = (audience.value or "").replace("|", "/")
        stmt = stmt.where(
            Subscription.kind == SubscriptionKind.TOPIC.value,
            or_(
                col(Subscription.categories).contains(f"|{category}|", autoescape=True),
                and_(col(Subscription.categories) == "", col(Subscription.entry_id).is_(None)),
            ),
        )
    return stmt


def count_audience(session: Session, *, audience: Audience) -> int:
    chosen = audience_users(audience).subquery()
    return int(session.exec(select(func.count()).select_from(chosen)).one())


def queue_broadcast(
    session: Session, *, text: str, audience: Audience, actor_id: int, now: dt.datetime
) -> tuple[int, int]:
    """A broadcast notice and its outbox rows; returns (notice id, recipients)."""
    notice = PushNotice(
        kind=NoticeKind.BROADCAST.value,
        dedupe_key=unique_key("broadcast"),
        summary=text,
        audience=audience.key[:100],
        created_by=actor_id,
        created_at=now,
    )
    notice_id = create_notice(session, notice=notice)
    assert notice_id is not None
    recipients = queue_rows(session, notice_id=notice_id, users=audience_users(audience), now=now)
    return notice_id, recipients


def queue_test(session: Session, *, user_id: int, actor_id: int | None, now: dt.datetime) -> int:
    """A test push to one user (delivered by the running bot); returns the outbox id."""
    notice = PushNotice(
        kind=NoticeKind.TEST.value,
        dedupe_key=unique_key("test"),
        created_by=actor_id,
        created_at=now,
    )
    notice_id = create_notice(session, notice=notice)
    assert notice_id is not None
    row = PushOutbox(notice_id=notice_id, user_id=user_id, due_at=now, created_at=now)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


@dataclass(slots=True)
class PushStatus:
    by_state: dict[str, int]
    failures: list[tuple[str, int]]
    sent_last: dict[int, int]  # minutes → messages (rows) sent in that window
    in_flight_resent: int
    subscriptions: int
    subscribers: int
    paused_users: int
    unplanned_events: int
    next_due: dt.datetime | None
    windows: tuple[int, ...] = field(default=(1, 5, 60))


def status(
    session: Session, *, now: dt.datetime, windows: tuple[int, ...] = (1, 5, 60)
) -> PushStatus:
    failed = (
        select(PushOutbox.error, func.count())
        .where(PushOutbox.state == OutboxState.FAILED.value)
        .group_by(col(PushOutbox.error))
        .order_by(func.count().desc())
        .limit(10)
    )
    sent_last = {}
    for minutes in windows:
        recent = select(func.count()).where(
            PushOutbox.state == OutboxState.SENT.value,
            col(PushOutbox.sent_at) >= now - dt.timedelta(minutes=minutes),
        )
        sent_last[minutes] = int(session.exec(recent).one())
    resent = select(func.coalesce(func.sum(PushOutbox.resends), 0))
    subscribers = select(func.count(func.distinct(Subscription.user_id)))
    paused = select(func.count()).where(col(PushPrefs.paused_at).is_not(None))
    next_due = select(func.min(PushOutbox.due_at)).where(
        PushOutbox.state == OutboxState.PENDING.value
    )
    return PushStatus(
        by_state=count_by_state(session),
        failures=[(error or "?", int(n)) for error, n in session.exec(failed)],
        sent_last=sent_last,
        in_flight_resent=int(session.exec(resent).one()),
        subscriptions=int(session.exec(select(func.count()).select_from(Subscription)).one()),
        subscribers=int(session.exec(subscribers).one()),
        paused_users=int(session.exec(paused).one()),
        unplanned_events=count_unplanned(session),
        next_due=session.exec(next_due).one(),
        windows=windows,
    )
