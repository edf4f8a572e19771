"""HTML helpers: escaping, key-figure highlighting and splitting under Telegram's limit."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

# Telegram counts message length in UTF-16 code units; the limit is 4096.
MESSAGE_LIMIT = 4096

# Numbers with a unit, a percentage or a bound ("25%以上", "3500亿元", "1000户以上").
# Years ("2023年") are dates, not key figures, so 年 is not a unit here.
_UNITS = (
    "%|％|‰|万亿元|亿元|万元|千元|元|万户|户|万家|家|万人|人次|人|万件|件|项|个|场|倍|"
    "亿|万|平方米|㎡|亩|千瓦|kW|天|个工作日|工作日|个月"
)
FIGURE_RE = re.compile(
    rf"(?:不低于|不超过|最高|超过|达到|至)?\d+(?:[.,]\d+)*\s*(?:{_UNITS})(?:以上|以下|以内|左右)?"
)


def esc(text: object) -> str:
    """HTML-escape any value for Telegram's HTML parse mode."""
    return html.escape(str(text), quote=False)


def highlight_figures(text: str) -> str:
    """Escape ``text`` and wrap key figures (numbers with units, percentages) in <b>."""
    parts: list[str] = []
    last = 0
    for match in FIGURE_RE.finditer(text):
        parts.append(esc(text[last : match.start()]))
        parts.append(f"<b>{esc(match.group(0))}</b>")
        last = match.end()
    parts.append(esc(text[last:]))
    return "".join(parts)


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_plain(text: str, limit: int) -> list[str]:
    """Split plain text into pieces of at most ``limit`` UTF-16 units, preferring line
    and sentence boundaries."""
    pieces: list[str] = []
    rest = text
    while tg_len(rest) > limit:
        cut = _cut_index(rest, limit)
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _cut_index(text: str, limit: int) -> int:
    # the longest prefix that fits, then back off to a natural boundary
    size = 0
    end = 0
    for index, char in enumerate(text):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > limit:
            break
        end = index + 1
    window = text[:end]
    for marks in ("\n", "。!?;!?;", ",,、 "):
        best = max(window.rfind(mark) for mark in marks)
        if best >= end // 2:
            return best + 1
    return max(end, 1)


def render_long(text: str, render: Callable[[str], str], limit: int) -> list[str]:
    """Render plain ``text`` with ``render`` (e.g. ``highlight_figures``) into HTML pieces of
    at most ``limit`` units each; escaping can grow a piece, so oversized ones split again."""
    out: list[str] = []
    for piece in split_plain(text, limit):
        rendered = render(piece)
        if tg_len(rendered) <= limit or len(piece) <= 1:
            out.append(rendered)
        else:
            out.extend(render_long(piece, render, max(limit // 2, 1)))
    return out


def pack_blocks(blocks: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join self-contained HTML blocks with blank lines into messages under ``limit``.

    Every block must be tag-balanced and fit ``limit`` by itself (see ``split_plain``).
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        if not block:
            continue
        candidate = f"{current}\n\n{block}" if current else block
        if tg_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages.append(current)
        if tg_len(block) > limit:  # defensive: never send an oversized message
            raise ValueError("an HTML block exceeds the message limit")
        current = block
    if current:
        messages.append(current)
    return messages or [""]


def shorten(text: str, limit: int) -> str:
    """Plain text cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
