"""Dates and deadlines as people say them: 2023年12月31日, 12月7日(周一)下班前."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

WEEKDAYS = "一二三四五六日"


def day(value: dt.date) -> str:
    """2023年12月31日."""
    return f"{value.year}年{value.month}月{value.day}日"


def short_day(value: dt.date) -> str:
    """12月7日(周一)."""
    return f"{value.month}月{value.day}日(周{WEEKDAYS[value.weekday()]})"


def moment(value: dt.datetime, tz: ZoneInfo) -> str:
    """12月7日(周一)15:30."""
    local = value.astimezone(tz)
    return f"{short_day(local.date())}{local:%H:%M}"


def deadline(value: dt.datetime, tz: ZoneInfo) -> str:
    """A time limit: one that ends at midnight is the end of the day before
    (12月7日(周一)下班前); any other reads as its day and time."""
    local = value.astimezone(tz)
    if local.time() == dt.time(0, 0):
        return f"{short_day(local.date() - dt.timedelta(days=1))}下班前"
    return moment(local, tz)
