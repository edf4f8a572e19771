"""A question that names a level of government (省里, 国家局那边) goes to that level's match."""

from __future__ import annotations

import datetime as dt

from knowledge.matcher import Match, SearchResult
from knowledge.model import EntryView
from services.knowledge import prefer_level

TODAY = dt.date(2026, 12, 6)


def view(entry_id: str, level: str, **changes: object) -> EntryView:
    values: dict[str, object] = {
        "entry_id": entry_id,
        "document_key": entry_id.split(":")[0],
        "document_title": entry_id,
        "path": (),
        "number": "1.",
        "title": entry_id,
        "body": "",
        "level": level,
    }
    values.update(changes)
    return EntryView(**values)  # type: ignore[arg-type]


ENTRIES = {
    "city:1": view("city:1", "市"),
    "city:2": view("city:2", "市"),
    "prov:1": view("prov:1", "省"),
    "prov:2": view("prov:2", "省"),
    "old-prov:1": view("old-prov:1", "省", expiry_date=dt.date(2025, 12, 31)),
}


def search(
    question: str, *scores: tuple[str, float], answered: bool = True, clarify: bool = False
) -> SearchResult:
    matches = tuple(Match(entry_id, entry_id, (), score) for entry_id, score in scores)
    result = SearchResult(question, question, answered, matches, clarify)
    return prefer_level(result, ENTRIES, TODAY, threshold=0.5, tie_margin=0.8)


def ids(found: SearchResult) -> list[str]:
    return [m.entry_id for m in found.matches]


def test_the_level_asked_about_goes_first_and_answers_when_clear() -> None:
    found = search("省里有应急资金吗", ("city:1", 0.95), ("prov:1", 0.9), ("prov:2", 0.1))
    assert ids(found) == ["prov:1", "city:1", "prov:2"] and found.answered


def test_a_rival_of_another_level_is_no_reason_to_ask_back() -> None:
    asked = search(
        "省里有应急资金吗", ("prov:1", 0.99), ("city:1", 0.98), answered=False, clarify=True
    )
    assert ids(asked)[0] == "prov:1" and asked.answered and not asked.clarify


def test_two_matches_of_the_level_asked_about_are_still_asked_about() -> None:
    found = search("省里有应急资金吗", ("city:1", 0.95), ("prov:1", 0.9), ("prov:2", 0.88))
    assert ids(found)[:2] == ["prov:1", "prov:2"] and not found.answered and found.clarify


def test_a_weak_match_of_that_level_is_offered_not_answered() -> None:
    found = search("国家局那边有没有钱给", ("city:1", 0.84), ("prov:1", 0.4))
    assert ids(found) == ["city:1", "prov:1"]  # no national match: nothing moves
    found = search("省里有没有钱给", ("city:1", 0.84), ("prov:1", 0.4))
    assert ids(found)[0] == "prov:1" and not found.answered and found.clarify
    found = search("省里有没有钱给", ("city:1", 0.84), ("prov:1", 0.2))  # too far behind
    assert ids(found) == ["city:1", "prov:1"] and found.answered


def test_nothing_changes_without_one_named_level_or_for_stale_matches() -> None:
    for question in ("有应急资金吗", "区里和省里都有吗", "我们刚评上省级专精特新"):
        found = search(question, ("city:1", 0.95), ("prov:1", 0.9))
        assert ids(found) == ["city:1", "prov:1"] and found.answered
    found = search("省里有应急资金吗", ("city:1", 0.95), ("old-prov:1", 0.9))
    assert ids(found) == ["city:1", "old-prov:1"] and found.answered
    declined = search("省里的天气", ("city:1", 0.1), ("prov:1", 0.05), answered=False)
    assert ids(declined) == ["prov:1", "city:1"] and not declined.answered
    assert not declined.clarify
