"""Tables of policy push: subscriptions, push preferences, notices, the outbox,
the planning marks of policy events, and the audit log (shared with other features).

Filter lists of a subscription are stored as delimited text (``|融资服务|创新发展|``,
"" = any) so that matching 100 000 subscriptions is one indexed ``INSERT … SELECT`` with
``LIKE`` on SQLite and PostgreSQL alike; ``storage.push.terms`` turns them back into lists.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import AwareDateTime, utcnow


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False))


def _user_id(*, primary_key: bool = False) -> Any:
    if primary_key:
        return Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    return Field(sa_column=Column(BigInteger, nullable=False, index=True))


class SubscriptionKind(StrEnum):
    TOPIC = "topic"  # categories / levels / districts / audiences (and/or one entry)
    PROFILE = "profile"  # 符合我企业画像的政策: matched by services.push.ProfileMatcher


class Cadence(StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"


class NoticeKind(StrEnum):
    NEW = "new"  # a policy entry was added
    CHANGED = "changed"  # 更新
    DEADLINE = "deadline"  # 申报期限 reminder
    WITHDRAWN = "withdrawn"  # an entry pushed earlier was withdrawn (rollback, removal)
    BROADCAST = "broadcast"  # /broadcast by an admin
    TEST = "test"  # policybot push test USER


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed (claimed_at); re-sent when older than the lease
    SENT = "sent"
    FAILED = "failed"  # gave up, ``error`` says why
    CANCELLED = "cancelled"  # the user blocked the bot / is paused


class Subscription(SQLModel, table=True):
    """One subscription of a user; several may exist, matching notices are sent once."""

    __tablename__ = "push_subscription"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _user_id()
    kind: str = Field(default=SubscriptionKind.TOPIC.value, max_length=10)
    categories: str = Field(default="", sa_column=Column(Text, nullable=False))
    levels: str = Field(default="", max_length=40)
    districts: str = Field(default="", sa_column=Column(Text, nullable=False))
    audiences: str = Field(default="", sa_column=Column(Text, nullable=False))
    entry_id: str | None = Field(default=None, max_length=80, description="followed entry")
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class PushPrefs(SQLModel, table=True):
    """How and when a user is notified (one row per subscriber)."""

    __tablename__ = "push_prefs"

    user_id: int = _user_id(primary_key=True)
    cadence: str = Field(default=Cadence.INSTANT.value, max_length=10)
    deliver_minute: int = Field(default=9 * 60, description="digest time, minutes after 00:00")
    weekday: int = Field(default=0, description="weekly digest day, 0 = Monday")
    quiet_start: int = Field(default=22 * 60, description="minutes; start == end: no quiet")
    quiet_end: int = Field(default=8 * 60)
    paused_at: dt.datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    paused_reason: str | None = Field(default=None, max_length=40)
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class PushNotice(SQLModel, table=True):
    """What is announced, once; the text is rendered at delivery from these fields."""

    __tablename__ = "push_notice"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_push_notice_dedupe_key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    dedupe_key: str = Field(max_length=120, description="e.g. event:17, deadline:<id>:<date>")
    entry_id: str | None = Field(default=None, max_length=80)
    title: str | None = Field(default=None, max_length=300)
    summary: str | None = Field(default=None, sa_column=Column(Text))
    source: str | None = Field(default=None, max_length=300)
    scope: str | None = Field(default=None, max_length=80)
    deadline: dt.date | None = None
    deadline_text: str | None = Field(default=None, max_length=200)
    audience: str | None = Field(default=None, max_length=100)
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: dt.datetime = _created()


class PushOutbox(SQLModel, table=True):
    """One row per (notice, user): the delivery state machine (unique key)."""

    __tablename__ = "push_outbox"
    __table_args__ = (
        UniqueConstraint("notice_id", "user_id", name="uq_push_outbox_notice_user"),
        Index("ix_push_outbox_due", "state", "due_at"),
        Index("ix_push_outbox_user", "user_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # push_notice.id without a FOREIGN KEY constraint: its per-row check doubled the cost
    # of fanning a notice out to 100 000 rows; notices are append-only, never deleted
    notice_id: int = Field(sa_column=Column(Integer, nullable=False))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    state: str = Field(default=OutboxState.PENDING.value, max_length=10)
    digest: bool = False
    due_at: dt.datetime = _created()
    attempts: int = 0
    resends: int = Field(default=0, description="re-sent after a lease expired (in flight)")
    claimed_at: dt.datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    sent_at: dt.datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    error: str | None = Field(default=None, max_length=300)
    created_at: dt.datetime = _created()


class PushEventPlan(SQLModel, table=True):
    """Marks a PolicyEvent as planned (written with its outbox rows, one transaction)."""

    __tablename__ = "push_event_plan"

    event_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("policy_event.id"), primary_key=True, autoincrement=False
        )
    )
    notice_id: int | None = Field(default=None, foreign_key="push_notice.id")
    recipients: int = 0
    planned_at: dt.datetime = _created()


class AuditLog(SQLModel, table=True):
    """Who did what: push actions now, tickets later. ``actor_id`` None = the system."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action", "action", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    action: str = Field(max_length=40)
    target: str = Field(default="", max_length=200)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = _created()
