"""Per-user flood control (pure logic; the handler is handlers/flood.py).

A token bucket per user: ``rate`` updates per second sustained, bursts of up to
``burst``. A person tapping through menus (a tap a second, for as long as they like) or
filling a form at a brisk pace is never held back; a paste of dozens of messages or a
script is. Telegram itself lets a bot send about one message per second to a chat with
short bursts, so updates beyond these figures could not be answered in time anyway.

Over the limit, the first update gets a notice and the others within ``window`` seconds
are covered by it (one notice per window, never a pile of them)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    OK = "ok"
    WARN = "warn"  # over the limit: tell the user (once per window)
    QUIET = "quiet"  # over the limit, already told within this window


@dataclass
class _Bucket:
    tokens: float
    at: float
    warned_at: float | None = None


@dataclass
class FloodGate:
    """``rate`` updates per second sustained, bursts of ``burst``, per user; state is
    bounded (users whose bucket is full again are pruned)."""

    rate: float
    burst: int
    window: float = 10.0
    clock: Callable[[], float] = time.monotonic
    max_users: int = 100_000
    _buckets: dict[int, _Bucket] = field(default_factory=dict)

    def check(self, user_id: int) -> Verdict:
        now = self.clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) >= self.max_users:
                self.prune(now)
            bucket = self._buckets[user_id] = _Bucket(tokens=float(self.burst), at=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.OK
        if bucket.warned_at is not None and now - bucket.warned_at < self.window:
            return Verdict.QUIET
        bucket.warned_at = now
        return Verdict.WARN

    def prune(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        refill = self.burst / self.rate if self.rate > 0 else float("inf")
        idle = [
            uid
            for uid, bucket in self._buckets.items()
            if now - bucket.at >= max(refill, self.window)
        ]
        for uid in idle:
            del self._buckets[uid]

    def clear(self) -> None:
        self._buckets.clear()
