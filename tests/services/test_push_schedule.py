"""Digest slots and quiet hours: explicit time zones, a wrapping night, weekly slots."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.push_schedule import hold, in_quiet_hours, next_digest, quiet_until
from storage.models_push import Cadence, NoticeKind
from storage.push import Prefs

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
NIGHT = Prefs()  # 22:00–08:00


def sh(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SH)  # 2026-12-07 is a Monday


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(21, 59, False), (22, 0, True), (23, 30, True), (0, 0, True), (7, 59, True), (8, 0, False)],
)
def test_quiet_hours_wrap_midnight(hour: int, minute: int, quiet: bool) -> None:
    assert in_quiet_hours(NIGHT, sh(2, hour, minute), SH) is quiet


def test_quiet_hours_are_read_in_the_bot_time_zone() -> None:
    utc = dt.datetime(2026, 12, 2, 15, 30, tzinfo=dt.UTC)  # 23:30 in Shanghai
    assert in_quiet_hours(NIGHT, utc, SH)
    assert quiet_until(NIGHT, utc, SH) == sh(3, 8)
    assert not in_quiet_hours(NIGHT, utc, NY)  # 10:30 in New York
    assert quiet_until(NIGHT, sh(3, 1), SH) == sh(3, 8)  # after midnight: the same morning


def test_daytime_quiet_hours_and_none() -> None:
    lunch = Prefs(quiet_start=12 * 60, quiet_end=14 * 60)
    assert in_quiet_hours(lunch, sh(2, 13), SH) and not in_quiet_hours(lunch, sh(2, 14), SH)
    assert quiet_until(lunch, sh(2, 12, 30), SH) == sh(2, 14)
    assert not in_quiet_hours(Prefs(quiet_start=0, quiet_end=0), sh(2, 23), SH)


def test_test_pushes_are_never_held() -> None:
    assert hold(NIGHT, NoticeKind.TEST, sh(2, 23), SH) is None
    assert hold(NIGHT, NoticeKind.BROADCAST, sh(2, 23), SH) == sh(3, 8)
    assert hold(NIGHT, NoticeKind.NEW, sh(2, 12), SH) is None


def test_daily_digest_window() -> None:
    assert next_digest(Cadence.DAILY, 540, 0, sh(2, 8, 59), SH) == sh(2, 9)
    assert next_digest(Cadence.DAILY, 540, 0, sh(2, 9), SH) == sh(2, 9)  # at the slot: today
    assert next_digest(Cadence.DAILY, 540, 0, sh(2, 9, 1), SH) == sh(3, 9)
    utc = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 Shanghai
    assert next_digest(Cadence.DAILY, 540, 0, utc, SH) == sh(3, 9)
    assert next_digest(Cadence.INSTANT, 540, 0, utc, SH) == utc


def test_weekly_digest_window() -> None:
    monday = 0
    assert next_digest(Cadence.WEEKLY, 540, monday, sh(2, 10), SH) == sh(7, 9)  # Wed → Mon
    assert next_digest(Cadence.WEEKLY, 540, monday, sh(7, 8), SH) == sh(7, 9)
    assert next_digest(Cadence.WEEKLY, 540, monday, sh(7, 9, 30), SH) == sh(14, 9)
    assert next_digest(Cadence.WEEKLY, 1200, 2, sh(2, 10), SH) == sh(2, 20)  # Wed 20:00


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        in_quiet_hours(NIGHT, dt.datetime(2026, 12, 2, 23), SH)  # noqa: DTZ001
