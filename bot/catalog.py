"""Read-only views of the knowledge base for browsing, searching and related entries.

No Telegram and no database here: plain functions over ``KnowledgeBase`` snapshots.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.model import DocStatus, EntryView, Level
from services.knowledge import KnowledgeBase

PAGE_SIZE = 8
OTHER_LEVEL = "其他"  # entries whose document has no level
LEVEL_ORDER = (*(level.value for level in Level), OTHER_LEVEL)
SEARCH_MIN_SCORE = 0.2
SEARCH_LIMIT = 40
RELATED_MIN_SCORE = 0.3
RELATED_LIMIT = 5


@dataclass(frozen=True, slots=True)
class Page:
    items: tuple[EntryView, ...]
    page: int
    pages: int
    total: int

    @property
    def first_number(self) -> int:
        return self.page * PAGE_SIZE + 1


def paginate(entries: Sequence[EntryView], page: int, size: int = PAGE_SIZE) -> Page | None:
    """One page, or None when ``page`` is out of range (a stale button)."""
    pages = max((len(entries) + size - 1) // size, 1)
    if page < 0 or page >= pages:
        return None
    items = tuple(entries[page * size : (page + 1) * size])
    return Page(items=items, page=page, pages=pages, total=len(entries))


_STATUS_RANK = {
    DocStatus.IN_FORCE: 0,
    DocStatus.PAST_YEAR: 2,
    DocStatus.EXPIRED: 3,
    DocStatus.REPEALED: 4,
}


def current_first(entries: Sequence[EntryView], today: dt.date) -> list[EntryView]:
    """A browse list in the order a person wants it: measures one can still apply for,
    then those whose 申报期限 has passed, a past year's plan, expired and repealed ones;
    document order within each."""

    def rank(entry: EntryView) -> int:
        status = entry.status_on(today)
        closed = status is DocStatus.IN_FORCE and entry.closed_on(today)
        return 1 if closed else _STATUS_RANK[status]

    return sorted(entries, key=rank)


def level_of(entry: EntryView) -> str:
    return entry.level if entry.level in LEVEL_ORDER else OTHER_LEVEL


def categories(entries: Sequence[EntryView]) -> list[str]:
    """Categories in order of first appearance (document order)."""
    seen: dict[str, None] = {}
    for entry in entries:
        for name in entry.categories:
            seen.setdefault(name, None)
    return list(seen)


def category_at(entries: Sequence[EntryView], index: int) -> str | None:
    names = categories(entries)
    return names[index] if 0 <= index < len(names) else None


def levels(entries: Sequence[EntryView], category: str) -> list[str]:
    present = {level_of(e) for e in entries if category in e.categories}
    return [level for level in LEVEL_ORDER if level in present]


def in_category(entries: Sequence[EntryView], category: str, level: str) -> list[EntryView]:
    return [e for e in entries if category in e.categories and level_of(e) == level]


def all_levels(entries: Sequence[EntryView]) -> list[str]:
    """The levels (国家/省/市/区, then 其他) of the documents in the knowledge base."""
    present = {level_of(e) for e in entries}
    return [level for level in LEVEL_ORDER if level in present]


def at_level(entries: Sequence[EntryView], level: str) -> list[EntryView]:
    return [e for e in entries if level_of(e) == level]


def issuers(entries: Sequence[EntryView]) -> list[str]:
    """Issuing bodies in order of first appearance; a joint document counts for each."""
    seen: dict[str, None] = {}
    for entry in entries:
        for name in (entry.issuer or "").split():
            seen.setdefault(name, None)
    return list(seen)


def issuer_at(entries: Sequence[EntryView], index: int) -> str | None:
    names = issuers(entries)
    return names[index] if 0 <= index < len(names) else None


def by_issuer(entries: Sequence[EntryView], issuer: str) -> list[EntryView]:
    return [e for e in entries if issuer in (e.issuer or "").split()]


def search_entries(knowledge: KnowledgeBase, query: str) -> list[EntryView]:
    """Ranked matches of the matcher, then entries containing the keyword literally."""
    needle = query.strip().casefold()
    if not needle:
        return []
    found: dict[str, EntryView] = {}
    result = knowledge.search(needle, top=SEARCH_LIMIT)
    # a subject no document speaks of (发票) has no ranked matches worth listing
    for match in () if result.outside else result.matches:
        entry = knowledge.entry(match.entry_id)
        if entry is not None and match.score >= SEARCH_MIN_SCORE:
            found.setdefault(entry.entry_id, entry)
    for entry in knowledge.entries():
        haystack = " ".join((entry.title, entry.body, *entry.keywords)).casefold()
        if needle in haystack:
            found.setdefault(entry.entry_id, entry)
    return list(found.values())[:SEARCH_LIMIT]


def related(knowledge: KnowledgeBase, entry: EntryView) -> list[EntryView]:
    """Entries the matcher finds for this entry's title and keywords, then the same
    category; never the entry itself."""
    query = " ".join((entry.title, *entry.keywords[:3]))
    found: dict[str, EntryView] = {}
    for match in knowledge.search(query, top=RELATED_LIMIT + 1).matches:
        other = knowledge.entry(match.entry_id)
        if (
            other is not None
            and other.entry_id != entry.entry_id
            and match.score >= RELATED_MIN_SCORE
        ):
            found.setdefault(other.entry_id, other)
    for other in knowledge.entries():
        if len(found) >= RELATED_LIMIT:
            break
        if other.entry_id != entry.entry_id and set(other.categories) & set(entry.categories):
            found.setdefault(other.entry_id, other)
    return list(found.values())[:RELATED_LIMIT]


def suggestions(
    knowledge: KnowledgeBase, entry_ids: Sequence[str], limit: int = 3
) -> list[EntryView]:
    views = (knowledge.entry(entry_id) for entry_id in entry_ids)
    return [view for view in views if view is not None][:limit]


def popular(knowledge: KnowledgeBase, limit: int = 8) -> list[EntryView]:
    """Entries offered for an empty inline query: the first ones with a guide, then others."""
    ordered = sorted(enumerate(knowledge.entries()), key=lambda pair: (not pair[1].guide, pair[0]))
    return [entry for _, entry in ordered[:limit]]
