"""Reading a 申报期限 (free text from the sources) as a date — only when unambiguous.

Accepted: one full date ("2024年6月30日前", "2024-06-30", "截至2024.6.30"), or a range
whose end is clear ("2024年6月1日至6月30日", "2024年6月1日—2024年6月30日": the end).
Anything else gives None and no reminder: recurring or open deadlines (每年…, 常年,
另行通知), dates without a year, several unrelated dates, impossible dates.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

_FULL = re.compile(
    r"(?<!\d)(?P<y>20\d{2})\s*(?:年|[-/.])\s*(?P<m>\d{1,2})\s*(?:月|[-/.])\s*(?P<d>\d{1,2})"
    r"(?!\d)\s*日?"
)
_SHORT = re.compile(r"(?<!\d)(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_RANGE_GAP = re.compile(r"^\s*(?:至|到|—+|–|-|~|～)\s*$")
_AMBIGUOUS = re.compile(r"每年|每月|每季|每半年|常年|长期|另行|待定|以.{0,6}通知为准|分批|批次")


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@lru_cache(maxsize=8192)  # browse lists sort every entry by it on each tap
def parse_deadline(text: str) -> dt.date | None:
    """The deadline date of ``text``, or None when it is not unambiguous."""
    value = unicodedata.normalize("NFKC", text or "")
    if not value.strip() or _AMBIGUOUS.search(value):
        return None
    full = list(_FULL.finditer(value))
    rest = _FULL.sub(lambda m: "\0" * len(m.group(0)), value)
    short = list(_SHORT.finditer(rest))
    if len(full) == 1 and not short:
        found = full[0]
        return _date(int(found["y"]), int(found["m"]), int(found["d"]))
    if len(full) == 1 and len(short) == 1:
        start, end = full[0], short[0]
        if end.start() < start.end() or not _RANGE_GAP.match(value[start.end() : end.start()]):
            return None
        first = _date(int(start["y"]), int(start["m"]), int(start["d"]))
        last = _date(int(start["y"]), int(end["m"]), int(end["d"]))
        return last if first and last and last >= first else None
    if len(full) == 2 and not short:
        start, end = full
        if not _RANGE_GAP.match(value[start.end() : end.start()]):
            return None
        first = _date(int(start["y"]), int(start["m"]), int(start["d"]))
        last = _date(int(end["y"]), int(end["m"]), int(end["d"]))
        return last if first and last and last >= first else None
    return None
