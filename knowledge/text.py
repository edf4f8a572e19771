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


# How Chinese (and English) marks a question: a question mark, a sentence-final particle,
# an interrogative word, an A-not-A choice (有没有, 给不给) or a polite asking phrase.
# The matcher's confidence is calibrated on questions; a statement ("材料明天送到服务站")
# can share enough words with an entry to score high without asking anything.
_INTERROGATIVE = re.compile(
    r"\?"
    r"|吗|呢\W*$"
    r"|什么|啥|怎么|怎样|咋|如何|为何|为啥|哪(?!怕)|多少|多久|谁|何时|"
    r"(?<![过这那好十前后])几(?!乎)|"
    r"是否|能否|可否|有无|请问|想问|想知道|想了解|想咨询|"
    r"(\w)[不没]\1"
    r"|\b(?:what|how|when|where|which|who|why)\b|^\W*(?:can|could|is|are|does)\b",
    re.IGNORECASE,
)


# Asking for the measures on a subject rather than about one: 有哪些融资政策, 能申请什么补贴,
# 都有啥. Not a measure's details (申请条件有哪些, 需要哪些材料, 什么时候发补贴) nor who
# qualifies (哪些企业能申请).
_LIST = re.compile(
    r"(?:哪些|什么|啥)(?!时候|时间|地方|条件|材料|要求|部门|手续|流程|企业|公司|单位|人)"
    r"\w{0,4}?(?:政策|补贴|补助|奖励|奖补|支持|扶持|优惠|措施|帮扶|项目)"
    r"|都有(?:哪些|什么|啥)"
)


def asks_for_list(text: str) -> bool:
    """Whether ``text`` asks which measures there are on a subject (区里对软件企业有什么补贴)."""
    return _LIST.search(to_simplified(unicodedata.normalize("NFKC", text))) is not None


def asks(text: str) -> bool:
    """Whether ``text`` is phrased as a question (not merely about a subject)."""
    return _INTERROGATIVE.search(to_simplified(unicodedata.normalize("NFKC", text))) is not None


def spans(text: str, word: str) -> list[tuple[int, int]]:
    """Where ``word`` occurs in ``text`` (overlapping occurrences too), as (start, end)."""
    out = []
    start = text.find(word) if word else -1
    while start >= 0:
        out.append((start, start + len(word)))
        start = text.find(word, start + 1)
    return out
