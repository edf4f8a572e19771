"""The sender's pace: evenly spaced, and never 30 requests in one second of the server's
sliding window, whenever the server saw them arrive."""

from __future__ import annotations

from services.push_delivery import ChatSpacing, Pacer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_slots_are_evenly_spaced_with_a_small_bucket() -> None:
    clock = FakeClock()
    pacer = Pacer(25, burst=3, clock=clock)
    assert [round(pacer.reserve(), 2) for _ in range(5)] == [0.0, 0.0, 0.0, 0.04, 0.08]
    clock.now += 10  # idle: the bucket refills, but only to ``burst``
    assert [round(pacer.reserve(), 2) for _ in range(4)] == [0.0, 0.0, 0.0, 0.04]


def test_a_request_counts_until_one_second_after_it_ended() -> None:
    clock = FakeClock()
    pacer = Pacer(28, clock=clock)
    for _ in range(29):  # 29 requests held up (e.g. by a 429 pause of the rate limiter)
        assert pacer._window_wait() == 0.0
    assert pacer._window_wait() > 0  # the 30th waits, whatever the pacer's schedule says
    clock.now += 1.1
    for _ in range(29):  # they all complete now
        pacer._active -= 1
        pacer._ended.append(clock.now)
    assert pacer._window_wait() == 1.0  # they may have arrived just now: wait a second
    clock.now += 1.0
    assert pacer._window_wait() == 0.0


def test_one_message_per_chat_per_second() -> None:
    clock = FakeClock()
    spacing = ChatSpacing(1.0, clock=clock)
    assert spacing.reserve(1) == 0.0 and spacing.reserve(2) == 0.0
    assert spacing.reserve(1) == 1.0 and spacing.reserve(1) == 2.0
    clock.now += 5
    assert spacing.reserve(1) == 0.0
