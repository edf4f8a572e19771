"""RetryingRateLimiter on its own: which failures are retried, how often, how long, and
what is logged. The end-to-end behaviour (the real bot, the local Bot API's injected
faults) is in test_resilience.py."""

from __future__ import annotations

import datetime as dt
import logging
import time
import warnings
from collections.abc import Callable

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.retry import Result, RetryingRateLimiter, is_transient, reason

TOKEN = "123456789:AAHsecretsecretsecretsecret-_x"


class Flaky:
    """The request callback: raises the given errors in turn, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> Result:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"ok": True}


async def send(limiter: RetryingRateLimiter, flaky: Flaky, endpoint: str = "sendMessage") -> Result:
    return await limiter.process_request(flaky, (), {}, endpoint, {"chat_id": 1}, None)


def quick(
    *, retries: int = 3, base: float = 0.01, cap: float = 0.04, budget: float = 10.0
) -> RetryingRateLimiter:
    return RetryingRateLimiter(
        transient_retries=retries, base_delay=base, max_delay=cap, budget=budget
    )


TRANSIENT: list[Callable[[], Exception]] = [
    lambda: NetworkError("Bad Gateway"),
    lambda: NetworkError("Service Unavailable"),
    lambda: NetworkError("Gateway Timeout"),
    lambda: NetworkError("httpx.ConnectError: All connection attempts failed"),
    lambda: TimedOut(),
]
PERMANENT: list[Callable[[], Exception]] = [
    lambda: BadRequest("Bad Request: message text is empty"),
    lambda: Forbidden("Forbidden: bot was blocked by the user"),
    lambda: InvalidToken("Unauthorized"),
    lambda: Conflict("Conflict: terminated by other getUpdates request"),
    lambda: ChatMigrated(-100123),
    lambda: TelegramError("something else"),
]


@pytest.mark.parametrize("make", TRANSIENT)
async def test_transient_failures_are_retried(
    make: Callable[[], Exception], caplog: pytest.LogCaptureFixture
) -> None:
    assert is_transient(make())
    flaky = Flaky(make(), make())
    with caplog.at_level(logging.WARNING, logger="bot.retry"):
        assert await send(quick(), flaky) == {"ok": True}
    assert flaky.calls == 3
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.retry"]
    assert len(warnings) == 2
    assert warnings[0].startswith(f"Bot API sendMessage failed ({type(make()).__name__}")
    assert warnings[0].endswith("retry 1/3 in 0.0 s")


@pytest.mark.parametrize("make", PERMANENT)
async def test_other_errors_are_not_retried(
    make: Callable[[], Exception], caplog: pytest.LogCaptureFixture
) -> None:
    assert not is_transient(make())
    flaky = Flaky(make())
    with caplog.at_level(logging.WARNING, logger="bot.retry"), pytest.raises(type(make())):
        await send(quick(), flaky)
    assert flaky.calls == 1
    assert not [r for r in caplog.records if r.name == "bot.retry"]


async def test_gives_up_after_the_retries_with_the_last_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    flaky = Flaky(*(NetworkError(f"Bad Gateway {n}") for n in range(10)))
    logged = caplog.at_level(logging.WARNING, logger="bot.retry")
    with logged, pytest.raises(NetworkError, match="Bad Gateway 3"):
        await send(quick(retries=3), flaky)
    assert flaky.calls == 4
    assert caplog.records[-1].getMessage() == (
        "Bot API sendMessage failed (NetworkError: Bad Gateway 3); giving up after 3 retries"
    )
    none = Flaky(TimedOut())
    with pytest.raises(TimedOut):
        await send(quick(retries=0), none)
    assert none.calls == 1


def test_backoff_is_exponential_and_capped() -> None:
    limiter = RetryingRateLimiter()  # the defaults: 0.5 s, doubled, at most 4 s
    assert [limiter.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    with pytest.raises(ValueError):
        RetryingRateLimiter(base_delay=-1)


async def test_budget_bounds_the_total_time() -> None:
    flaky = Flaky(*(TimedOut() for _ in range(10)))
    started = time.monotonic()
    with pytest.raises(TimedOut):  # waits 0.05, then 0.1 would pass the 0.12 s budget
        await send(quick(base=0.05, cap=1.0, budget=0.12, retries=9), flaky)
    assert flaky.calls == 2
    assert time.monotonic() - started < 0.5


async def test_retry_after_is_still_handled_by_aioratelimiter() -> None:
    with warnings.catch_warnings():  # the int/timedelta transition of PTB 22
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        flood = RetryAfter(dt.timedelta(0))
    flaky = Flaky(flood, NetworkError("Bad Gateway"))
    assert await send(quick(), flaky) == {"ok": True}
    assert flaky.calls == 3


def test_the_logged_reason_is_short_and_has_no_token() -> None:
    html = NetworkError(
        "Bad Gateway (502). Parsing the server response b'<html><body>nginx</body></html>' failed"
    )
    assert reason(html) == "NetworkError: Bad Gateway (502)"
    leaked = NetworkError(f"httpx.InvalidURL: https://api.example/bot{TOKEN}/sendMessage")
    assert TOKEN not in reason(leaked) and "<token>" in reason(leaked)
    assert len(reason(NetworkError("x" * 500))) < 100
    assert reason(TimedOut()) == "TimedOut: Timed out"
