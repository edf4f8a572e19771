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
    return _SPACES.sub(" ", text.translate(_SPACE_OUT)).strip()[:max_chars]


class _SpaceOut(dict[int, str]):
    """``str.translate`` table: punctuation, separators, symbols and controls become a
    space; each code point is classified once, then looked up at C speed."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        category = unicodedata.category(char)
        out = " " if category in _DROP or category.startswith(("P", "Z")) else char
        self[code] = out
        return out


_SPACE_OUT = _SpaceOut()
