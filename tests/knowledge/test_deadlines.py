"""申报期限 text → a date only when unambiguous."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.deadlines import parse_deadline


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年6月30日前", dt.date(2024, 6, 30)),
        ("截至2024年6月30日17:00", dt.date(2024, 6, 30)),
        ("2024-06-30", dt.date(2024, 6, 30)),
        ("申报截止时间:2024.6.3", dt.date(2024, 6, 3)),
        ("２０２４年６月３０日", dt.date(2024, 6, 30)),  # full-width digits
        ("2024年6月1日至6月30日", dt.date(2024, 6, 30)),  # a range: its end
        ("2024年6月1日—2024年7月15日", dt.date(2024, 7, 15)),
        ("2024年11月1日至2025年1月10日", dt.date(2025, 1, 10)),
    ],
)
def test_unambiguous_deadlines(text: str, expected: dt.date) -> None:
    assert parse_deadline(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "每年3月31日前",  # recurring
        "常年受理",
        "以当年申报通知为准",
        "另行通知",
        "6月30日前",  # no year
        "2024年6月30日、2024年9月30日分两批",  # two deadlines
        "2024年2月30日",  # impossible
        "2024年6月30日至6月1日",  # end before start
        "2024年上半年",
        "分批次申报,第一批2024年5月31日",
    ],
)
def test_ambiguous_deadlines_give_none(text: str) -> None:
    assert parse_deadline(text) is None
