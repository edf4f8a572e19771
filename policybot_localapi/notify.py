"""Wake-up primitive shared by long polls, webhook delivery and the client's waiters."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Notifier:
    """``notify()`` wakes every coroutine currently inside ``wait()``."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait(self, seconds: float | None) -> None:
        """Return on the next ``notify()`` or after ``seconds``."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(fut)
        try:
            await asyncio.wait({fut}, timeout=seconds)
        finally:
            self._waiters.discard(fut)
            if not fut.done():
                fut.cancel()

    async def wait_for(
        self, predicate: Callable[[], T | None], seconds: float, recheck: float = 0.05
    ) -> T | None:
        """Re-check ``predicate`` on every notification (and every ``recheck`` seconds,
        for conditions that depend on state outside the server) until it is non-None."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            value = predicate()
            if value is not None:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            await self.wait(min(remaining, recheck))
