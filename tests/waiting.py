"""Waiting for a condition with a deadline, for what happens asynchronously outside the
test (another process, a PostgreSQL backend exiting): asserting at once flickers on a
loaded machine, a fixed sleep is slow or too short."""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually(predicate: Callable[[], bool], *, within: float = 30.0) -> bool:
    """Poll ``predicate`` until it is true (True) or ``within`` seconds have passed (False)."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
