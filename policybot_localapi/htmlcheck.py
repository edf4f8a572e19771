"""Telegram's HTML parse mode, reimplemented after TDLib's ``parse_html``.

Only Telegram's tags are accepted (b, strong, i, em, u, ins, s, strike, del, a, code,
pre, blockquote, tg-spoiler, span class="tg-spoiler", tg-emoji); ``<``/``>``/``&`` in
text must be escaped; errors carry TDLib's wording and UTF-8 byte offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from policybot_localapi.textutil import slice_utf16, sort_entities, utf16_len

JSON = dict[str, Any]


class EntityParseError(ValueError):
    """The markup is invalid; ``str(err)`` is Telegram's text after "can't parse entities: "."""


_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_SUPPORTED = frozenset({*_SIMPLE, "a", "code", "pre", "blockquote", "tg-emoji"})
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACE = frozenset(" \t\r\n\v\f")
_USER_LINK = re.compile(r"^tg://user\?id=(\d{1,20})$", re.IGNORECASE)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$", re.DOTALL)
_SURROGATE_ERROR = (
    "Text contains invalid Unicode characters after decoding HTML entities, "
    "check for unmatched surrogate code units"
)


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int
    expandable: bool
    begin: int


def check_url(url: str) -> str | None:
    """Normalize a link target like Telegram does, or None if it is not a valid URL."""
    if not url or any(ch.isspace() for ch in url):
        return None
    if url.lower().startswith(("tg:", "ton:")):
        return url
    match = _SCHEME.match(url)
    if match:
        scheme, rest = match.group(1).lower(), match.group(2)
        if scheme not in {"http", "https", "ftp"}:
            return None
    else:
        scheme, rest = "http", url
    cut = min((rest.find(sep) for sep in "/?#" if sep in rest), default=len(rest))
    host, tail = rest[:cut], rest[cut:]
    hostname = host.rsplit("@", 1)[-1].split(":", 1)[0]
    labels = hostname.split(".")
    if len(labels) < 2 or not all(labels):
        return None
    if not (labels[-1].isalpha() or all(label.isdigit() for label in labels)):
        return None
    if not tail.startswith("/"):
        tail = "/" + tail
    return f"{scheme}://{host.lower()}{tail}"


def parse_html(markup: str) -> tuple[str, list[JSON]]:
    """Return (plain text, entities) for Telegram HTML, or raise EntityParseError."""
    return _HtmlParser(markup).run()


class _HtmlParser:
    def __init__(self, markup: str) -> None:
        self.text = markup
        self.n = len(markup)
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[JSON] = []
        self.stack: list[_Open] = []

    def byte_at(self, pos: int) -> int:
        return len(self.text[:pos].encode("utf-8"))

    def char(self, pos: int) -> str:
        return self.text[pos] if pos < self.n else ""

    def skip_spaces(self, i: int) -> int:
        while i < self.n and self.text[i] in _SPACE:
            i += 1
        return i

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.utf16 += utf16_len(chunk)

    def run(self) -> tuple[str, list[JSON]]:
        i = 0
        while i < self.n:
            c = self.text[i]
            if c == "&":
                decoded, j = decode_entity(self.text, i)
                if decoded is not None:
                    self.emit(decoded)
                    i = j
                    continue
            if c != "<":
                self.emit(c)
                i += 1
                continue
            i = self.end_tag(i) if self.char(i + 1) == "/" else self.start_tag(i)
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        for entity in self.entities:
            entity.pop("_language", None)
        return "".join(self.out), sort_entities(self.entities)

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while i < self.n and self.text[i] not in _SPACE and self.text[i] != ">":
            i += 1
        if i >= self.n:
            raise EntityParseError(f"Unclosed start tag at byte offset {self.byte_at(begin)}")
        tag = self.text[begin + 1 : i].lower()
        if tag not in _SUPPORTED:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {self.byte_at(begin)}'
            )
        argument = ""
        expandable = False
        while self.char(i) != ">":
            i = self.skip_spaces(i)
            if i >= self.n:
                raise EntityParseError(
                    f'Unclosed start tag "{tag}" at byte offset {self.byte_at(begin)}'
                )
            if self.text[i] == ">":
                break
            attr_begin = i
            while i < self.n and self.text[i] not in _SPACE and self.text[i] not in "=>":
                i += 1
            attribute = self.text[attr_begin:i].lower()
            if not attribute:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self.byte_at(begin)}'
                )
            i = self.skip_spaces(i)
            if self.char(i) != "=":
                expandable = expandable or (tag == "blockquote" and attribute == "expandable")
                continue
            i = self.skip_spaces(i + 1)
            if i >= self.n:
                raise EntityParseError(
                    f'Unclosed start tag "{tag}" at byte offset {self.byte_at(begin)}'
                )
            value, i = self.attribute_value(i)
            if i >= self.n:
                raise EntityParseError(f"Unclosed start tag at byte offset {self.byte_at(begin)}")
            if tag == "a" and attribute == "href":
                argument = value
            elif tag == "code" and attribute == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and attribute == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif tag == "tg-emoji" and attribute == "emoji-id":
                argument = value
            elif tag == "blockquote" and attribute == "expandable":
                expandable = True
        if tag == "span" and argument != "spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_at(begin)}'
            )
        self.stack.append(_Open(tag, argument, self.utf16, expandable, begin))
        return i + 1

    def attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.text[i]
        if quote not in "'\"":
            token_begin = i
            while i < self.n and (
                (self.text[i].isascii() and self.text[i].isalnum()) or self.text[i] in ".-"
            ):
                i += 1
            if i < self.n and self.text[i] not in _SPACE and self.text[i] != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {self.byte_at(token_begin)}"
                )
            return self.text[token_begin:i].lower(), i
        i += 1
        parts: list[str] = []
        while i < self.n and self.text[i] != quote:
            if self.text[i] == "&":
                decoded, j = decode_entity(self.text, i)
                if decoded is not None:
                    parts.append(decoded)
                    i = j
                    continue
            parts.append(self.text[i])
            i += 1
        if i < self.n:
            i += 1
        return "".join(parts), i

    def end_tag(self, begin: int) -> int:
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {self.byte_at(begin)}")
        i = begin + 2
        while i < self.n and self.text[i] not in _SPACE and self.text[i] != ">":
            i += 1
        end_name = self.text[begin + 2 : i].lower()
        i = self.skip_spaces(i)
        if self.char(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {self.byte_at(begin)}")
        top = self.stack[-1]
        if end_name and end_name != top.tag:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {self.byte_at(begin)}, "
                f'expected "</{top.tag}>", found "</{end_name}>"'
            )
        self.stack.pop()
        length = self.utf16 - top.offset
        if length > 0:
            self.close(top, length)
        return i + 1

    def close(self, top: _Open, length: int) -> None:
        base: JSON = {"offset": top.offset, "length": length}
        last = self.entities[-1] if self.entities else None
        same_range = last is not None and last["offset"] == top.offset and last["length"] == length
        if top.tag in _SIMPLE:
            self.entities.append({"type": _SIMPLE[top.tag], **base})
        elif top.tag == "a":
            url = top.argument or slice_utf16("".join(self.out), top.offset, length)
            user = _USER_LINK.match(url)
            if user:
                mention = {"id": int(user.group(1)), "is_bot": False, "first_name": ""}
                self.entities.append({"type": "text_mention", **base, "user": mention})
            elif (checked := check_url(url)) is not None:
                self.entities.append({"type": "text_link", **base, "url": checked})
        elif top.tag == "pre":
            if last is not None and same_range and last["type"] == "code" and "_language" in last:
                last["type"] = "pre"
                last["language"] = last.pop("_language")
            else:
                self.entities.append({"type": "pre", **base})
        elif top.tag == "code":
            if last is not None and same_range and last["type"] == "pre" and top.argument:
                last["language"] = top.argument
            else:
                entity: JSON = {"type": "code", **base}
                if top.argument:
                    entity["_language"] = top.argument
                self.entities.append(entity)
        elif top.tag == "blockquote":
            kind = "expandable_blockquote" if top.expandable else "blockquote"
            self.entities.append({"type": kind, **base})
        elif top.tag == "tg-emoji" and top.argument:
            self.entities.append({"type": "custom_emoji", **base, "custom_emoji_id": top.argument})


def decode_entity(text: str, pos: int) -> tuple[str | None, int]:
    """Decode ``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` ``&#N;`` ``&#xN;`` (``;`` optional)."""
    n = len(text)
    end = pos + 1
    if end < n and text[end] == "#":
        end += 1
        value = 0
        if end < n and text[end] == "x":
            end += 1
            while end < n and text[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(text[end], 16)
                end += 1
        else:
            while end < n and text[end] in "0123456789":
                value = value * 10 + int(text[end])
                end += 1
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return None, pos
        if 0xD800 <= value <= 0xDFFF:
            raise EntityParseError(_SURROGATE_ERROR)
        char = chr(value)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED.get(text[pos + 1 : end])
        if named is None:
            return None, pos
        char = named
    if end < n and text[end] == ";":
        end += 1
    return char, end
