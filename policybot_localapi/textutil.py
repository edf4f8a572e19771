"""Text helpers: UTF-16 offsets, automatic entities (commands, mentions, URLs), trimming."""

from __future__ import annotations

import re
from typing import Any

JSON = dict[str, Any]

_TLDS = "com|org|net|cn|gov|edu|io|me|ru|info|dev|app|co|uk|de|jp|hk|tw|biz|xyz|top|site"
_AUTO = re.compile(
    r"(?P<bot_command>(?<![\w/@#])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/]))"
    r"|(?P<email>(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
    r"|(?P<mention>(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w@]))"
    r"|(?P<url>(?:https?://|www\.)[^\s<>\"]+"
    rf"|(?<![\w@.])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:{_TLDS})\b(?:/[^\s<>\"]*)?)"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d_]\w*)"
)
_URL_TRAILING = ".,;:!?)]}'\"。，；：！？）"
_SPACES = " \t\r\n"


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def detect_entities(text: str, *, skip: tuple[str, ...] = ()) -> list[JSON]:
    """The entities Telegram adds by itself: bot_command, mention, url, email, hashtag."""
    found: list[JSON] = []
    for match in _AUTO.finditer(text):
        kind = match.lastgroup or ""
        start, end = match.span()
        if kind == "url":
            while end > start and text[end - 1] in _URL_TRAILING:
                end -= 1
        if kind in skip or end <= start:
            continue
        offset = utf16_len(text[:start])
        found.append({"type": kind, "offset": offset, "length": utf16_len(text[start:end])})
    return found


def sort_entities(entities: list[JSON]) -> list[JSON]:
    return sorted(entities, key=lambda e: (int(e["offset"]), -int(e["length"])))


def merge_auto_entities(text: str, entities: list[JSON]) -> list[JSON]:
    """Add automatic entities that do not overlap code/pre/text_link ones."""
    blocking = [e for e in entities if e["type"] in {"code", "pre", "text_link", "text_mention"}]
    extra = []
    for auto in detect_entities(text):
        a0, a1 = auto["offset"], auto["offset"] + auto["length"]
        if all(a1 <= b["offset"] or a0 >= b["offset"] + b["length"] for b in blocking):
            extra.append(auto)
    return sort_entities([*entities, *extra])


def trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Strip leading/trailing whitespace like Telegram does, shifting entity offsets."""
    stripped = text.lstrip(_SPACES)
    shift = utf16_len(text[: len(text) - len(stripped)])
    stripped = stripped.rstrip(_SPACES)
    total = utf16_len(stripped)
    out: list[JSON] = []
    for entity in entities:
        start = max(0, int(entity["offset"]) - shift)
        end = min(total, int(entity["offset"]) + int(entity["length"]) - shift)
        if end > start:
            out.append({**entity, "offset": start, "length": end - start})
    return stripped, out


def slice_utf16(text: str, offset: int, length: int) -> str:
    """The substring of ``text`` covered by an entity (offsets in UTF-16 units)."""
    raw = text.encode("utf-16-le")
    return raw[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")
