"""Delivery rules without Telegram: pacing, grouping claimed rows into messages, retry
backoff, and writing the outcome of each message (one transaction per batch).

The sending itself (PTB, rendering) is in ``scheduler/push_deliver.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel import Session

from services import push_subs
from storage import push_delivery
from storage.models_push import Cadence, NoticeKind
from storage.push_outbox import Claimed

MAX_ATTEMPTS = 5
TELEGRAM_WINDOW = 30  # messages per second a bot may send overall
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 3600.0
MAX_ITEMS_PER_MESSAGE = 20
STANDALONE = frozenset({NoticeKind.BROADCAST, NoticeKind.TEST, NoticeKind.WITHDRAWN})


class Pacer:
    """Spaces requests evenly at ``rate`` per second (a bucket of ``burst`` makes up for
    small gaps) and keeps every second of Telegram's sliding window under 30 requests.

    A request counts from the moment it starts until one second after it ends: wherever
    the server saw it arrive in between, it is counted in that server-side second. So a
    pause (a 429 handled by the rate limiter, a stalled loop) cannot release a burst."""

    def __init__(
        self, rate: float, *, burst: float = 3.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = 1.0 / rate
        self.burst = max(burst, 1.0)
        self.clock = clock
        self.window_limit = TELEGRAM_WINDOW - 1
        self._next = float("-inf")
        self._active = 0
        self._ended: deque[float] = deque()

    def reserve(self) -> float:
        """Seconds to wait before the next request (the slot is taken)."""
        now = self.clock()
        slot = max(self._next, now - (self.burst - 1.0) * self.interval)
        self._next = slot + self.interval
        return max(slot - now, 0.0)

    def _window_wait(self) -> float:
        """0 when a request may start now (and it is counted), else seconds to wait."""
        now = self.clock()
        while self._ended and self._ended[0] <= now - 1.0:
            self._ended.popleft()
        if self._active + len(self._ended) < self.window_limit:
            self._active += 1
            return 0.0
        return self._ended[0] + 1.0 - now if self._ended else 0.05

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a request slot for the duration of the request."""
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)
        while (delay := self._window_wait()) > 0:  # noqa: ASYNC110 (a time, not an event)
            await asyncio.sleep(delay)
        try:
            yield
        finally:
            self._active -= 1
            self._ended.append(self.clock())


class ChatSpacing:
    """At most one message per chat per ``interval`` seconds (Telegram: ~1/s per chat)."""

    def __init__(self, interval: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: dict[int, float] = {}

    def reserve(self, chat_id: int) -> float:
        now = self.clock()
        if len(self._last) > 50_000:  # forget chats not written to recently
            self._last = {k: v for k, v in self._last.items() if v > now - self.interval}
        slot = max(self._last.get(chat_id, float("-inf")) + self.interval, now)
        self._last[chat_id] = slot
        return slot - now

    async def wait(self, chat_id: int) -> None:
        delay = self.reserve(chat_id)
        if delay > 0:
            await asyncio.sleep(delay)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One Telegram message: a single notice, or several (a digest or a burst)."""

    user_id: int
    rows: tuple[Claimed, ...]

    @property
    def ids(self) -> list[int]:
        return [row.outbox_id for row in self.rows]

    @property
    def digest(self) -> Cadence | None:
        """The digest cadence when the message is (partly) a scheduled digest."""
        return next((row.cadence for row in self.rows if row.digest), None)


def messages_for(claimed: Sequence[Claimed]) -> dict[int, list[Delivery]]:
    """Per user: broadcasts and tests alone, policy notices together in one message."""
    per_user: dict[int, list[Claimed]] = {}
    for row in claimed:
        per_user.setdefault(row.user_id, []).append(row)
    out: dict[int, list[Delivery]] = {}
    for user_id, rows in per_user.items():
        single = [Delivery(user_id, (r,)) for r in rows if r.notice.kind in STANDALONE]
        policy = [r for r in rows if r.notice.kind not in STANDALONE]
        chunks = [
            Delivery(user_id, tuple(policy[i : i + MAX_ITEMS_PER_MESSAGE]))
            for i in range(0, len(policy), MAX_ITEMS_PER_MESSAGE)
        ]
        out[user_id] = [*single, *chunks]
    return out


class Result(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # transient: network, 5xx; exponential backoff
    RATE_LIMITED = "rate_limited"  # 429 left over by the rate limiter: wait, no attempt lost
    FAILED = "failed"  # permanent (400): not retried
    FORBIDDEN = "forbidden"  # 403: the user blocked the bot or is deactivated


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery: Delivery
    result: Result
    message_id: int | None = None
    error: str | None = None
    retry_after: float = 0.0


@dataclass(slots=True)
class DeliveryStats:
    claimed: int = 0
    messages: int = 0
    sent: int = 0  # rows
    retried: int = 0
    failed: int = 0
    paused_users: int = 0
    recovered: int = 0  # rows whose lease expired (possible duplicates)
    results: dict[str, int] = field(default_factory=dict)

    def add(self, other: DeliveryStats) -> None:
        for name in ("claimed", "messages", "sent", "retried", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.paused_users += other.paused_users
        self.recovered += other.recovered
        for key, value in other.results.items():
            self.results[key] = self.results.get(key, 0) + value


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after ``attempts`` failed ones: 30 s, 1 min, 2 min, …"""
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2**attempts, BACKOFF_CAP_SECONDS))


def pause_reason(error: str) -> str:
    return "deactivated" if "deactivated" in error.lower() else "blocked"


def record_outcomes(
    session: Session, *, outcomes: Iterable[Outcome], now: dt.datetime
) -> DeliveryStats:
    """Write what happened to each message; a 403 pauses the user (audited)."""
    stats = DeliveryStats()
    paused: set[int] = set()
    for outcome in outcomes:
        ids = outcome.delivery.ids
        stats.messages += 1
        stats.results[outcome.result.value] = stats.results.get(outcome.result.value, 0) + 1
        if outcome.result is Result.SENT:
            push_delivery.mark_sent(session, outbox_ids=ids, message_id=outcome.message_id, now=now)
            stats.sent += len(ids)
        elif outcome.result in (Result.RETRY, Result.RATE_LIMITED):
            limited = outcome.result is Result.RATE_LIMITED
            attempts = max(row.attempts for row in outcome.delivery.rows)
            wait = dt.timedelta(seconds=outcome.retry_after) if limited else backoff(attempts)
            push_delivery.mark_retry(
                session,
                outbox_ids=ids,
                due_at=now + wait,
                error=outcome.error or outcome.result.value,
                max_attempts=MAX_ATTEMPTS,
                count_attempt=not limited,
            )
            stats.retried += len(ids)
        else:
            push_delivery.mark_failed(session, outbox_ids=ids, error=outcome.error or "failed")
            stats.failed += len(ids)
            user_id = outcome.delivery.user_id
            if outcome.result is Result.FORBIDDEN and user_id not in paused:
                paused.add(user_id)
                reason = pause_reason(outcome.error or "")
                push_subs.pause(session, user_id=user_id, reason=reason, now=now)
    stats.paused_users = len(paused)
    return stats
