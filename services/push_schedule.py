"""When a push may go out: digest slots and quiet hours, in the bot's time zone.

Pure functions over aware datetimes; the zone is explicit (``Settings.tz``). Minutes are
minutes after local midnight (9:00 → 540).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from storage.models_push import Cadence, NoticeKind
from storage.push import Prefs

DAY_MINUTES = 24 * 60


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return value


def at_minute(day: dt.date, minute: int, tz: ZoneInfo) -> dt.datetime:
    """``day`` at local wall-clock ``minute``."""
    minute %= DAY_MINUTES
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=tz)


def in_quiet_hours(prefs: Prefs, at: dt.datetime, tz: ZoneInfo) -> bool:
    """Whether ``at`` falls in [quiet_start, quiet_end) local time (may wrap midnight);
    start == end means no quiet hours."""
    start, end = prefs.quiet_start % DAY_MINUTES, prefs.quiet_end % DAY_MINUTES
    if start == end:
        return False
    local = _aware(at).astimezone(tz)
    minute = local.hour * 60 + local.minute
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def quiet_until(prefs: Prefs, at: dt.datetime, tz: ZoneInfo) -> dt.datetime | None:
    """The end of the quiet hours ``at`` is in, or None when ``at`` is not quiet."""
    if not in_quiet_hours(prefs, at, tz):
        return None
    local = _aware(at).astimezone(tz)
    end = at_minute(local.date(), prefs.quiet_end, tz)
    if end <= local:
        end = at_minute(local.date() + dt.timedelta(days=1), prefs.quiet_end, tz)
    return end


def hold(prefs: Prefs, kind: NoticeKind, at: dt.datetime, tz: ZoneInfo) -> dt.datetime | None:
    """When a due row must wait instead (quiet hours); test pushes never wait."""
    if kind is NoticeKind.TEST:
        return None
    return quiet_until(prefs, at, tz)


def next_digest(
    cadence: Cadence, minute: int, weekday: int, after: dt.datetime, tz: ZoneInfo
) -> dt.datetime:
    """The first digest slot at or after ``after``: daily at ``minute``, weekly on
    ``weekday`` (0 = Monday) at ``minute``. Instant: ``after`` itself."""
    if cadence is Cadence.INSTANT:
        return after
    local = _aware(after).astimezone(tz)
    if cadence is Cadence.DAILY:
        slot = at_minute(local.date(), minute, tz)
        if slot < local:
            slot = at_minute(local.date() + dt.timedelta(days=1), minute, tz)
        return slot
    ahead = (weekday % 7 - local.weekday()) % 7
    slot = at_minute(local.date() + dt.timedelta(days=ahead), minute, tz)
    if slot < local:
        slot = at_minute(local.date() + dt.timedelta(days=ahead + 7), minute, tz)
    return slot
