"""Retrying transient Bot API failures: 5xx answers, lost connections, timeouts.

PTB turns an answer 5xx of the Bot API into a plain ``NetworkError`` ("Bad Gateway",
"Service Unavailable", "Gateway Timeout") and a slow answer into ``TimedOut``, and retries
neither; ``AIORateLimiter`` only retries 429 ``RetryAfter``. ``RetryingRateLimiter`` keeps
that and also retries the transient failures, a few times with exponential backoff."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]

# a bot token (123456:ABC…) could only appear in an error text through a URL; never log it
_TOKEN_RE = re.compile(r"\d{3,}:[A-Za-z0-9_-]{10,}")


def is_transient(error: BaseException) -> bool:
    """A failure worth another try: ``TimedOut``, or a plain ``NetworkError`` (an answer
    5xx, a refused or dropped connection). Its subclasses ``BadRequest`` (400) and the other
    ``TelegramError``s (``Forbidden``, ``InvalidToken``, ``Conflict``, ``ChatMigrated``,
    ``RetryAfter``, handled by ``AIORateLimiter`` itself) would fail again or mean something
    else: not retried."""
    return isinstance(error, TimedOut) or type(error) is NetworkError


def reason(error: BaseException) -> str:
    """A short description for the log: the error class and the first words of its text
    (an HTML error page, as nginx sends with a 502, is cut off; a token is redacted)."""
    text = str(error).split(". Parsing the server response", 1)[0]
    text = _TOKEN_RE.sub("<token>", text)
    if len(text) > 80:
        text = text[:79] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class RetryingRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` (flood limits, 429 ``RetryAfter`` retried ``max_retries`` times)
    that also retries transient failures (see :func:`is_transient`).

    **Which requests.** Every request that goes through the rate limiter, that is every
    method except ``getUpdates``: ``ExtBot`` sends ``getUpdates`` directly, and PTB's polling
    loop already retries it with its own backoff (``bot.handlers.errors`` logs those as one
    warning).

    **At least once.** A request that never reached the Bot API (connection refused, pool
    timeout) is always safe to repeat. After a read timeout, and after a 502/504 from the
    proxy in front of Telegram, the request may have been carried out all the same: a
    retried ``sendMessage`` can then show the answer twice. We accept that rare duplicate
    rather than lose the answer: without a retry the user would see nothing, or an apology
    ("处理出错了") right under the answer they did get. The push outbox
    (``scheduler/push_deliver.py``) makes the same choice: it re-sends after any
    ``TelegramError``. Edits, callback answers and the other idempotent methods repeat
    harmlessly.

    **Bounded.** At most ``transient_retries`` retries, ``base_delay`` seconds before the
    first and twice as long before each next one (at most ``max_delay``); a retry is only
    started while the time spent on the request plus the delay stays within ``budget``
    seconds. The defaults (3 retries, 0.5 s, 1 s, 2 s; budget 10 s) give up after ~3.5 s
    of waiting when the answers are quick errors; after a read timeout (PTB waits 5 s) there
    is room for one retry. Then the last error is raised to the handler, and so reaches the
    error handler.

    Each retry logs one warning: the method, the error class and its short text (no
    token, no message text: the parameters are never logged)."""

    __slots__ = ("_base_delay", "_budget", "_max_delay", "_transient_retries")

    def __init__(
        self,
        *,
        max_retries: int = 3,
        transient_retries: int = 3,
        base_delay: float = 0.5,
        max_delay: float = 4.0,
        budget: float = 10.0,
    ) -> None:
        if transient_retries < 0 or base_delay < 0 or max_delay < 0 or budget < 0:
            raise ValueError("retries, delays and budget must not be negative")
        super().__init__(max_retries=max_retries)
        self._transient_retries = transient_retries
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._budget = budget

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1, 2, …)."""
        return min(self._base_delay * 2 ** (retry - 1), self._max_delay)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        loop = asyncio.get_running_loop()
        started = loop.time()
        retry = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except NetworkError as exc:
                if not is_transient(exc):
                    raise
                retry += 1
                wait = self.delay(retry)
                if retry > self._transient_retries or (loop.time() - started + wait > self._budget):
                    log.warning(
                        "Bot API %s failed (%s); giving up after %d retries",
                        endpoint,
                        reason(exc),
                        retry - 1,
                    )
                    raise
                log.warning(
                    "Bot API %s failed (%s); retry %d/%d in %.1f s",
                    endpoint,
                    reason(exc),
                    retry,
                    self._transient_retries,
                    wait,
                )
                await asyncio.sleep(wait)
