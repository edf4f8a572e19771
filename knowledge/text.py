"""Text normalisation for Chinese questions and policy text."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

DEFAULT_MAX_CHARS = 300

_SPACES = re.compile(r"\s+")
# Categories dropped entirely (symbols, emoji, controls, private use, unassigned)
_DROP = {"So", "Sk", "Cc", "Cf", "Co", "Cn", "Cs", "Mn", "Me"}


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s.json")


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified (OpenCC t2s)."""
    return str(_t2s().convert(text))


def normalize(text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Fold a question to the canonical form the index uses.

    Full-width → half-width (NFKC), 繁→简, lower case, punctuation and emoji
    become spaces, whitespace is collapsed, and over-long input is cut.
    """
    text = unicodedata.normalize("NFKC", text[: max_chars * 4])
    text = to_simplified(text).lower()
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category in _DROP or category.startswith(("P", "Z")):
            out.append(" ")
        else:
            out.append(char)
    return _SPACES.sub(" ", "".join(out)).strip()[:max_chars]


def has_cjk_or_word(text: str) -> bool:
    """True when the text has at least one letter, digit or CJK character."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)
