"""A current document ranks before a repealed, expired or past year's one that competes."""

from __future__ import annotations

import datetime as dt

from knowledge.matcher import Match, SearchResult
from knowledge.model import EntryView
from services.knowledge import prefer_current

TODAY = dt.date(2026, 12, 6)


def view(entry_id: str, **changes: object) -> EntryView:
    key = entry_id.split(":")[0]
    values: dict[str, object] = {
        "entry_id": entry_id,
        "document_key": key,
        "document_title": key,
        "path": (),
        "number": "1.",
        "title": entry_id,
        "body": "",
    }
    values.update(changes)
    return EntryView(**values)  # type: ignore[arg-type]


ENTRIES = {
    "old:1": view("old:1", replaced_by="new"),
    "new:1": view("new:1"),
    "plan:1": view("plan:1", plan_year=2023),
    "gone:1": view("gone:1", expiry_date=dt.date(2024, 12, 31)),
    "other:1": view("other:1"),
}


def result(
    *scores: tuple[str, float], answered: bool = True, clarify: bool = False
) -> SearchResult:
    matches = tuple(Match(entry_id, entry_id, (), score) for entry_id, score in scores)
    return SearchResult("q", "q", answered, matches, clarify)


def ids(found: SearchResult) -> list[str]:
    return [m.entry_id for m in found.matches]


def test_the_replacement_goes_first_whatever_its_score() -> None:
    found = prefer_current(result(("old:1", 0.95), ("new:1", 0.3)), ENTRIES, TODAY, threshold=0.5)
    assert ids(found) == ["new:1", "old:1"] and not found.answered  # 0.3 is no answer


def test_a_close_current_match_beats_an_expired_or_past_years_one() -> None:
    found = prefer_current(
        result(("gone:1", 0.9), ("plan:1", 0.85), ("other:1", 0.8)), ENTRIES, TODAY, threshold=0.5
    )
    assert ids(found) == ["other:1", "gone:1", "plan:1"] and found.answered


def test_a_far_weaker_current_match_does_not_displace_a_stale_one() -> None:
    found = prefer_current(result(("plan:1", 0.9), ("other:1", 0.2)), ENTRIES, TODAY, threshold=0.5)
    assert ids(found) == ["plan:1", "other:1"]


def test_a_tie_with_a_stale_match_is_no_reason_to_ask_back() -> None:
    asked = result(("plan:1", 0.9), ("other:1", 0.88), answered=False, clarify=True)
    found = prefer_current(asked, ENTRIES, TODAY, threshold=0.5)
    assert ids(found)[0] == "other:1" and found.answered and not found.clarify
    # two current matches that tie are still asked about
    asked = result(
        ("plan:1", 0.9), ("other:1", 0.88), ("new:1", 0.87), answered=False, clarify=True
    )
    found = prefer_current(asked, ENTRIES, TODAY, threshold=0.5)
    assert not found.answered and found.clarify


def test_an_answer_moved_to_a_current_match_needs_a_clear_lead_over_the_others() -> None:
    # the repealed measure was the confident answer; its replacement ties with another
    # current measure: which one is meant is asked, not guessed
    answered = result(("old:1", 0.99), ("other:1", 0.8), ("new:1", 0.79))
    found = prefer_current(answered, ENTRIES, TODAY, threshold=0.5, tie_margin=0.8)
    assert ids(found)[:2] == ["other:1", "new:1"]
    assert not found.answered and found.clarify
    # with a clear lead it answers
    answered = result(("old:1", 0.99), ("new:1", 0.9), ("other:1", 0.2))
    found = prefer_current(answered, ENTRIES, TODAY, threshold=0.5, tie_margin=0.8)
    assert ids(found)[0] == "new:1" and found.answered and not found.clarify


def test_a_stale_match_without_a_rival_keeps_its_place() -> None:
    # a lower stale match has a close current rival: only it moves; the strong answer from
    # a past year's plan is not buried under the weak current matches
    found = prefer_current(
        result(("plan:1", 0.95), ("gone:1", 0.2), ("other:1", 0.19), ("new:1", 0.02)),
        ENTRIES,
        TODAY,
        threshold=0.5,
    )
    assert ids(found) == ["plan:1", "other:1", "new:1", "gone:1"] and found.answered
