"""The sliding-window flood gate (pure logic)."""

from __future__ import annotations

from bot.flood import FloodGate, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_warns_once_then_drops() -> None:
    clock = Clock()
    gate = FloodGate(rate=3, window=10.0, clock=clock)
    assert [gate.check(1) for _ in range(3)] == [Verdict.OK] * 3
    assert gate.check(1) is Verdict.WARN
    assert gate.check(1) is Verdict.DROP
    assert gate.check(2) is Verdict.OK  # per user
    clock.now += 5
    assert gate.check(1) is Verdict.DROP  # the window slides, it does not reset
    clock.now += 5.01
    assert gate.check(1) is Verdict.OK
    assert gate.check(1) is Verdict.OK
    assert gate.check(1) is Verdict.OK
    assert gate.check(1) is Verdict.WARN  # warned again in a new burst


def test_state_is_bounded() -> None:
    clock = Clock()
    gate = FloodGate(rate=1, window=1.0, clock=clock, max_users=10)
    for user in range(10):
        gate.check(user)
    clock.now += 2
    gate.check(99)  # full: idle users are pruned first
    assert len(gate._hits) == 1
