"""Per-user sliding-window flood control (pure logic; the handler is handlers/flood.py)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    OK = "ok"
    WARN = "warn"  # first update over the limit: tell the user once
    DROP = "drop"  # still over the limit: drop silently


@dataclass
class FloodGate:
    """At most ``rate`` updates per ``window`` seconds per user.

    Updates over the limit are not counted, so a user who waits ``window`` seconds is
    served again; state is bounded (idle users are pruned)."""

    rate: int
    window: float
    clock: Callable[[], float] = time.monotonic
    max_users: int = 100_000
    _hits: dict[int, deque[float]] = field(default_factory=dict)
    _warned: set[int] = field(default_factory=set)

    def check(self, user_id: int) -> Verdict:
        now = self.clock()
        hits = self._hits.get(user_id)
        if hits is None:
            if len(self._hits) >= self.max_users:
                self.prune(now)
            hits = self._hits[user_id] = deque()
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) < self.rate:
            hits.append(now)
            self._warned.discard(user_id)
            return Verdict.OK
        if user_id in self._warned:
            return Verdict.DROP
        self._warned.add(user_id)
        return Verdict.WARN

    def prune(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        idle = [
            uid for uid, hits in self._hits.items() if not hits or now - hits[-1] >= self.window
        ]
        for uid in idle:
            del self._hits[uid]
            self._warned.discard(uid)

    def clear(self) -> None:
        self._hits.clear()
        self._warned.clear()
