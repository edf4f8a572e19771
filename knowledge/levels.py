"""Which level of government (国家/省/市/区) a question asks about, from the words people
use for the issuer (省里, 区里, 国家局那边); the word lists are data
(``knowledge/data/level_words.yaml``)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from knowledge.model import Level

DATA = Path(__file__).resolve().parent / "data" / "level_words.yaml"


@functools.cache
def _patterns(path: Path = DATA) -> tuple[tuple[Level, re.Pattern[str]], ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["levels"]
    found: list[tuple[Level, re.Pattern[str]]] = []
    for name, spec in raw.items():
        words = sorted(spec["words"], key=len, reverse=True)
        before = "".join(f"(?<!{re.escape(x)})" for x in spec.get("not_after", ()))
        found.append(
            (Level(name), re.compile(before + "(?:" + "|".join(map(re.escape, words)) + ")"))
        )
    return tuple(found)


def levels_named(text: str) -> frozenset[Level]:
    """The levels whose issuer words occur in ``text`` (usually none, sometimes several:
    国家的和市里的能一起拿吗)."""
    compact = text.replace(" ", "")
    return frozenset(level for level, pattern in _patterns() if pattern.search(compact))
