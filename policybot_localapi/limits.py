"""Telegram's size and flood limits, as a tunable dataclass plus the rate limiter."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from policybot_localapi.errors import too_many_requests

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Every limit the server enforces. ``Limits.strict()`` mirrors api.telegram.org."""

    max_text_length: int = 4096
    max_caption_length: int = 1024
    max_callback_data_bytes: int = 64
    max_callback_answer_length: int = 200
    max_inline_results: int = 50
    max_inline_result_id_bytes: int = 64
    max_inline_buttons: int = 100
    max_commands: int = 100
    max_command_length: int = 32
    max_command_description_length: int = 256
    max_upload_bytes: int = 50 * MB
    max_photo_bytes: int = 10 * MB
    max_download_bytes: int = 20 * MB
    callback_query_ttl: float = 15.0
    inline_query_ttl: float = 10.0
    rate_limits: bool = True
    global_per_second: int = 30
    private_burst: int = 3
    private_per_second: float = 1.0
    group_per_minute: int = 20
    require_https_webhook: bool = False

    @classmethod
    def strict(cls) -> Limits:
        """The real limits of api.telegram.org (the default)."""
        return cls()

    @classmethod
    def relaxed(cls) -> Limits:
        """Content limits stay, flood control is off: for fast unit tests."""
        return cls(rate_limits=False)


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """Per-bot flood control: ~30 msg/s overall, 1 msg/s per private chat (burst 3),
    20 msg/min per group or channel. Rejected requests are not counted."""

    limits: Callable[[], Limits]
    clock: Callable[[], float] = time.monotonic
    _global: deque[float] = field(default_factory=deque)
    _private: dict[int, _Bucket] = field(default_factory=dict)
    _groups: dict[int, deque[float]] = field(default_factory=dict)

    def reset(self) -> None:
        self._global.clear()
        self._private.clear()
        self._groups.clear()

    def check(self, chat_id: int, chat_type: str) -> None:
        """Raise a 429 ApiError if sending to ``chat_id`` now would exceed a limit."""
        lim = self.limits()
        if not lim.rate_limits:
            return
        now = self.clock()
        waits: list[float] = []
        _trim(self._global, now - 1.0)
        if len(self._global) >= lim.global_per_second:
            waits.append(self._global[0] + 1.0 - now)
        bucket: _Bucket | None = None
        window: deque[float] | None = None
        if chat_type == "private":
            bucket = self._private.get(chat_id)
            if bucket is None:
                bucket = _Bucket(tokens=float(lim.private_burst), updated=now)
                self._private[chat_id] = bucket
            rate = lim.private_per_second
            bucket.tokens = min(
                float(lim.private_burst), bucket.tokens + (now - bucket.updated) * rate
            )
            bucket.updated = now
            if bucket.tokens < 1.0:
                waits.append((1.0 - bucket.tokens) / rate if rate > 0 else 3600.0)
        else:
            window = self._groups.setdefault(chat_id, deque())
            _trim(window, now - 60.0)
            if len(window) >= lim.group_per_minute:
                waits.append(window[0] + 60.0 - now)
        if waits:
            raise too_many_requests(max(1, math.ceil(max(waits))))
        self._global.append(now)
        if bucket is not None:
            bucket.tokens -= 1.0
        if window is not None:
            window.append(now)


def _trim(window: deque[float], older_than: float) -> None:
    while window and window[0] <= older_than:
        window.popleft()
