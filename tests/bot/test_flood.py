"""The per-user flood gate (pure logic): people's pace passes, floods do not."""

from __future__ import annotations

from bot.flood import FloodGate, Verdict
from bot.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def default_gate(clock: Clock) -> FloodGate:
    settings = Settings()
    return FloodGate(
        rate=settings.flood_rate,
        burst=settings.flood_burst,
        window=settings.flood_window,
        clock=clock,
    )


def test_a_tap_a_second_is_never_throttled() -> None:
    clock = Clock()
    gate = default_gate(clock)
    for _ in range(3600):  # an hour of tapping, one a second
        assert gate.check(1) is Verdict.OK
        clock.now += 1.0
    for _ in range(600):  # a brisk form: a tap every 0.6 s for six minutes
        assert gate.check(2) is Verdict.OK
        clock.now += 0.6


def test_a_burst_is_held_with_one_notice_per_window() -> None:
    clock = Clock()
    gate = default_gate(clock)
    verdicts = [gate.check(1) for _ in range(25)]  # a paste of 25 messages at once
    assert verdicts[:20] == [Verdict.OK] * 20
    assert verdicts[20:] == [Verdict.WARN] + [Verdict.QUIET] * 4
    assert gate.check(2) is Verdict.OK  # per user
    clock.now += 1.0  # a person reading the notice: the next question passes
    assert gate.check(1) is Verdict.OK
    assert gate.check(1) is Verdict.OK
    assert gate.check(1) is Verdict.QUIET  # still within the notice's window
    clock.now += 10.0
    assert [gate.check(1) for _ in range(20)] == [Verdict.OK] * 20
    assert gate.check(1) is Verdict.WARN  # a new window: told again


def test_state_is_bounded() -> None:
    clock = Clock()
    gate = FloodGate(rate=1, burst=2, window=1.0, clock=clock, max_users=10)
    for user in range(10):
        gate.check(user)
    clock.now += 3
    gate.check(99)  # full: users whose bucket is full again are pruned first
    assert len(gate._buckets) == 1
