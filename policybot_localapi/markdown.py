"""Telegram's MarkdownV2 and legacy Markdown parse modes, after TDLib's parsers.

MarkdownV2: ``*bold* _italic_ __underline__ ~strike~ ||spoiler|| `code` ```lang pre```
[text](url) ![emoji](tg://emoji?id=N)`` and ``>`` blockquotes; every other reserved
character must be escaped with ``\\``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policybot_localapi.htmlcheck import EntityParseError, check_url
from policybot_localapi.textutil import slice_utf16, sort_entities, utf16_len

JSON = dict[str, Any]

_RESERVED = "_*[]()~`>#+-=|{}.!"
_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def _reserved_error(char: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


@dataclass
class _Open:
    kind: str
    argument: str
    offset: int
    byte_offset: int
    begin: int


class _MarkdownV2:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[JSON] = []
        self.stack: list[_Open] = []
        self.quote_start: int | None = None

    def char(self, pos: int) -> str:
        return self.text[pos] if 0 <= pos < self.n else ""

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.utf16 += utf16_len(chunk)

    def byte_at(self, pos: int) -> int:
        return len(self.text[:pos].encode("utf-8"))

    def in_code(self) -> bool:
        return bool(self.stack) and self.stack[-1].kind in {"code", "pre", "pre_code"}

    def run(self) -> tuple[str, list[JSON]]:
        i = 0
        while i < self.n:
            c = self.text[i]
            at_line_start = i == 0 or self.text[i - 1] in "\n"
            if at_line_start and not self.in_code():
                if c == ">":
                    if self.quote_start is None:
                        self.quote_start = self.utf16
                    i += 1
                    continue
                self.close_quote()
            if c == "\\" and 0 < ord(self.char(i + 1) or "\0") <= 126:
                self.emit(self.text[i + 1])
                i += 2
                continue
            reserved = "`" if self.in_code() else _RESERVED
            if c not in reserved:
                self.emit(c)
                i += 1
                continue
            i = self.close(i) if self.is_end(i) else self.open(i)
        self.close_quote()
        if self.stack:
            top = self.stack[-1]
            raise EntityParseError(
                f"Can't find end of {_TYPE_NAMES[top.kind]} entity at byte offset {top.byte_offset}"
            )
        return "".join(self.out), sort_entities(self.entities)

    def close_quote(self) -> None:
        if self.quote_start is not None and self.utf16 > self.quote_start:
            self.entities.append(
                {
                    "type": "blockquote",
                    "offset": self.quote_start,
                    "length": self.utf16 - self.quote_start,
                }
            )
        self.quote_start = None

    def is_end(self, i: int) -> bool:
        if not self.stack:
            return False
        c, nxt = self.text[i], self.char(i + 1)
        kind = self.stack[-1].kind
        return {
            "bold": c == "*",
            "italic": c == "_" and nxt != "_",
            "underline": c == "_" and nxt == "_",
            "strikethrough": c == "~",
            "spoiler": c == "|" and nxt == "|",
            "code": c == "`",
            "pre": self.text[i : i + 3] == "```",
            "pre_code": self.text[i : i + 3] == "```",
            "text_link": c == "]",
            "custom_emoji": c == "]",
        }[kind]

    def open(self, i: int) -> int:
        c, nxt = self.text[i], self.char(i + 1)
        begin = i
        argument = ""
        if c == "_":
            kind = "underline" if nxt == "_" else "italic"
            i += 2 if nxt == "_" else 1
        elif c in "*~[":
            kind = {"*": "bold", "~": "strikethrough", "[": "text_link"}[c]
            i += 1
        elif c == "|" and nxt == "|":
            kind, i = "spoiler", i + 2
        elif c == "!" and nxt == "[":
            kind, i = "custom_emoji", i + 2
        elif c == "`" and self.text[i : i + 3] == "```":
            kind, i = "pre", i + 3
            end = i
            while end < self.n and not self.text[end].isspace() and self.text[end] != "`":
                end += 1
            if end != i and end < self.n and self.text[end] != "`":
                kind, argument, i = "pre_code", self.text[i:end], end
            if self.char(i) in ("\n", "\r"):
                pair = self.char(i + 1) in ("\n", "\r") and self.char(i + 1) != self.char(i)
                i += 2 if pair else 1
        elif c == "`":
            kind, i = "code", i + 1
        else:
            raise _reserved_error(c)
        self.stack.append(_Open(kind, argument, self.utf16, self.byte_at(begin), len(self.out)))
        return i

    def close(self, i: int) -> int:
        top = self.stack.pop()
        length = self.utf16 - top.offset
        entity: JSON = {"type": top.kind, "offset": top.offset, "length": length}
        skip = length == 0
        if top.kind in {"underline", "spoiler"}:
            i += 2
        elif top.kind in {"pre", "pre_code"}:
            i += 3
            if top.kind == "pre_code":
                entity = {**entity, "type": "pre", "language": top.argument}
        elif top.kind in {"text_link", "custom_emoji"}:
            url, i = self.link_target(i)
            if url is None:
                url = slice_utf16("".join(self.out), top.offset, length)
            if top.kind == "custom_emoji":
                emoji_id = _emoji_id(url)
                entity["custom_emoji_id"] = emoji_id
            elif (checked := check_url(url)) is not None:
                entity["url"] = checked
            else:
                skip = True
        else:
            i += 1
        if not skip:
            self.entities.append(entity)
        return i

    def link_target(self, i: int) -> tuple[str | None, int]:
        """``i`` is at ``]``; read an optional ``(url)`` and return the index after it."""
        if self.char(i + 1) != "(":
            return None, i + 1
        i += 2
        url_begin = i
        parts: list[str] = []
        while i < self.n and self.text[i] != ")":
            if self.text[i] == "\\" and 0 < ord(self.char(i + 1) or "\0") <= 126:
                parts.append(self.text[i + 1])
                i += 2
                continue
            parts.append(self.text[i])
            i += 1
        if i >= self.n:
            raise EntityParseError(
                f"Can't find end of a URL at byte offset {self.byte_at(url_begin)}"
            )
        return "".join(parts), i + 1


def _emoji_id(url: str) -> str:
    lowered = url.lower()
    if not lowered.startswith("tg://emoji?"):
        raise EntityParseError("Invalid tg://emoji or tg://time URL specified")
    for part in url.split("?", 1)[1].split("#", 1)[0].split("&"):
        key, _, value = part.partition("=")
        if key == "id" and value.isdigit() and not value.startswith("0"):
            return value
    raise EntityParseError("Invalid tg://emoji or tg://time URL specified")


def parse_markdown_v2(text: str) -> tuple[str, list[JSON]]:
    """Return (plain text, entities) for MarkdownV2, or raise EntityParseError."""
    return _MarkdownV2(text).run()


def parse_markdown(text: str) -> tuple[str, list[JSON]]:
    """Legacy ``Markdown``: ``*bold* _italic_ `code` ```pre``` [text](url)``."""
    out: list[str] = []
    entities: list[JSON] = []
    utf16 = 0
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            utf16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            utf16 += utf16_len(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        i += 1
        is_pre = False
        language = ""
        if c == "`" and text[i : i + 2] == "``":
            i += 2
            is_pre = True
            end = i
            while end < n and not text[end].isspace() and text[end] != "`":
                end += 1
            if end != i and end < n and text[end] != "`":
                language, i = text[i:end], end
            if i < n and text[i] in "\r\n":
                i += (
                    2
                    if text[i + 1 : i + 2] in ("\r", "\n") and text[i + 1 : i + 2] != text[i]
                    else 1
                )
        offset = utf16
        while i < n and (text[i] != end_char or (is_pre and text[i + 1 : i + 3] != "``")):
            out.append(text[i])
            utf16 += utf16_len(text[i])
            i += 1
        if i >= n:
            raise EntityParseError(
                "Can't find end of the entity starting at byte offset "
                f"{len(text[:begin].encode('utf-8'))}"
            )
        length = utf16 - offset
        entity: JSON | None = None
        if c == "[":
            url = slice_utf16("".join(out), offset, length)
            if text[i + 1 : i + 2] == "(":
                close = text.find(")", i + 2)
                if close != -1:
                    url, i = text[i + 2 : close], close
            checked = check_url(url)
            entity = {"type": "text_link", "url": checked} if checked else None
        elif c in "_*":
            entity = {"type": "italic" if c == "_" else "bold"}
        else:
            entity = {"type": "pre" if is_pre else "code"}
            if language:
                entity["language"] = language
        if entity is not None and length > 0:
            entities.append({**entity, "offset": offset, "length": length})
        i += 3 if is_pre else 1
    return "".join(out), sort_entities(entities)
