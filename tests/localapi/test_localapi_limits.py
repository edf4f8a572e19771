"""Flood control, fault injection and update-queue semantics, without HTTP."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from policybot_localapi.errors import ApiError
from policybot_localapi.faults import FaultInjector
from policybot_localapi.limits import Limits, RateLimiter
from policybot_localapi.notify import Notifier
from policybot_localapi.updatequeue import UpdateQueue


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(limits: Limits) -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock()
    return RateLimiter(lambda: limits, clock), clock


def test_private_chat_allows_burst_of_three_then_one_per_second() -> None:
    rate, clock = limiter(Limits.strict())
    for _ in range(3):
        rate.check(1, "private")
    with pytest.raises(ApiError) as info:
        rate.check(1, "private")
    assert info.value.status == 429
    assert info.value.retry_after == 1
    assert info.value.payload() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    rate.check(2, "private")  # other chats are independent
    clock.now += 1.0
    rate.check(1, "private")
    with pytest.raises(ApiError):
        rate.check(1, "private")


def test_group_limit_is_twenty_per_minute_with_retry_after_from_window() -> None:
    rate, clock = limiter(Limits.strict())
    for _ in range(20):
        rate.check(-5, "group")
        clock.now += 1.0
    with pytest.raises(ApiError) as info:
        rate.check(-5, "group")
    assert info.value.retry_after == 40  # the first of the 20 leaves the window in 40 s
    clock.now += 40.0
    rate.check(-5, "group")


def test_global_limit_and_relaxed_limits() -> None:
    strict = dataclasses.replace(Limits.strict(), global_per_second=5)
    rate, clock = limiter(strict)
    for chat in range(5):
        rate.check(chat, "private")
    with pytest.raises(ApiError):
        rate.check(99, "private")
    clock.now += 1.01
    rate.check(99, "private")
    relaxed, _ = limiter(Limits.relaxed())
    for _ in range(1000):
        relaxed.check(1, "private")


def test_fault_injector_counts_filters_and_blocks() -> None:
    faults = FaultInjector()
    fault = faults.add("sendMessage", 429, retry_after=7, count=2, chat_id=42)
    assert faults.take("sendMessage", 41, bot_id=1) is None
    assert faults.take("getMe", 42, bot_id=1) is None
    first = faults.take("sendmessage", "42", bot_id=1)
    assert first is fault
    error = fault.error()
    assert error is not None and error.retry_after == 7
    assert faults.take("sendMessage", 42, bot_id=1) is fault
    assert faults.take("sendMessage", 42, bot_id=1) is None
    assert fault.hits == 2
    faults.block(7)
    assert faults.write_error("sendMessage", 7, bot_id=1) is not None
    assert faults.write_error("getChat", 7, bot_id=1) is None
    faults.deactivate(8)
    deactivated = faults.write_error("sendPhoto", 8, bot_id=1)
    assert deactivated is not None and deactivated.description == "Forbidden: user is deactivated"
    faults.clear()
    assert faults.write_error("sendMessage", 7, bot_id=1) is None


async def test_update_queue_offsets_limit_and_conflict() -> None:
    queue = UpdateQueue(Notifier())
    for n in range(5):
        queue.push("message", {"n": n})
    first = await queue.poll(None, 2, 0)
    assert [u["update_id"] for u in first] == [1, 2]
    again = await queue.poll(None, 100, 0)
    assert len(again) == 5  # nothing is dropped until confirmed
    confirmed = await queue.poll(4, 100, 0)
    assert [u["update_id"] for u in confirmed] == [4, 5]
    queue.push("message", {"n": 5})
    assert [u["update_id"] for u in await queue.poll(-1, 100, 0)] == [6]
    queue.set_allowed(["callback_query"])
    assert await queue.poll(None, 100, 0) == []  # disallowed updates are dropped

    waiting = asyncio.create_task(queue.poll(None, 100, 5))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(queue.poll(None, 100, 0))
    with pytest.raises(ApiError) as info:
        await waiting
    assert info.value.status == 409
    assert "terminated by other getUpdates request" in info.value.description
    assert await second == []
