"""What the server remembers: messages (with edit history), queries, answers, files."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

MEDIA_KINDS = ("document", "photo", "audio", "video", "voice", "animation", "sticker")
CONTENT_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    *MEDIA_KINDS,
    "location",
    "contact",
    "link_preview_options",
)


@dataclass
class MessageRecord:
    """One message of a chat as the server knows it (bot's or user's).

    ``payload`` is the current Telegram Message JSON; ``history`` holds the previous
    payloads, oldest first (one per edit). ``reply_markup`` is the markup as sent,
    including reply keyboards (Telegram only echoes inline keyboards in ``payload``).
    """

    message_id: int
    chat_id: int
    from_bot: bool
    payload: JSON
    kind: str = "text"
    raw_text: str | None = None
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    history: list[JSON] = field(default_factory=list)
    deleted: bool = False
    created: float = field(default_factory=time.monotonic)

    @property
    def date(self) -> int:
        return int(self.payload.get("date", 0))

    @property
    def text(self) -> str | None:
        """Visible text after entity parsing (or the caption of a media message)."""
        value = self.payload.get("text", self.payload.get("caption"))
        return None if value is None else str(value)

    @property
    def caption(self) -> str | None:
        value = self.payload.get("caption")
        return None if value is None else str(value)

    @property
    def entities(self) -> list[JSON]:
        found = self.payload.get("entities", self.payload.get("caption_entities"))
        return list(found or [])

    @property
    def edit_count(self) -> int:
        return len(self.history)

    @property
    def edits(self) -> list[str | None]:
        """Previous visible texts, oldest first."""
        return [old.get("text", old.get("caption")) for old in self.history]

    @property
    def buttons(self) -> list[JSON]:
        """All inline keyboard buttons, row by row."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def button_texts(self) -> list[str]:
        return [str(button.get("text", "")) for button in self.buttons]

    @property
    def keyboard_texts(self) -> list[str]:
        """Texts of a reply keyboard (``keyboard`` markup), row by row."""
        markup = self.reply_markup or {}
        return [
            button if isinstance(button, str) else str(button.get("text", ""))
            for row in markup.get("keyboard", [])
            for button in row
        ]

    @property
    def document(self) -> JSON | None:
        value = self.payload.get("document")
        return value if isinstance(value, dict) else None

    def find_button(self, *, text: str | None = None, callback_data: str | None = None) -> JSON:
        for button in self.buttons:
            if text is not None and button.get("text") != text:
                continue
            if callback_data is not None and button.get("callback_data") != callback_data:
                continue
            return button
        wanted = f"text={text!r}" if text is not None else f"callback_data={callback_data!r}"
        raise LookupError(
            f"message {self.message_id} in chat {self.chat_id} has no button with {wanted}; "
            f"buttons: {self.button_texts}"
        )

    def snapshot(self) -> JSON:
        return copy.deepcopy(self.payload)

    def to_json(self) -> JSON:
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "from_bot": self.from_bot,
            "kind": self.kind,
            "date": self.date,
            "text": self.text,
            "raw_text": self.raw_text,
            "parse_mode": self.parse_mode,
            "entities": self.entities,
            "reply_markup": self.reply_markup,
            "edits": self.edits,
            "deleted": self.deleted,
            "payload": self.payload,
        }


@dataclass
class ChatLog:
    """Messages of one chat as seen by one bot; ids are shared by user and bot messages."""

    chat_id: int
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    next_id: int = 1

    def allocate_id(self) -> int:
        message_id = self.next_id
        self.next_id += 1
        return message_id

    def get(self, message_id: int) -> MessageRecord | None:
        return self.messages.get(message_id)

    def bot_messages(self) -> list[MessageRecord]:
        return [m for m in self.messages.values() if m.from_bot]


@dataclass
class CallbackAnswer:
    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int

    def to_json(self) -> JSON:
        return {
            "query_id": self.query_id,
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
            "cache_time": self.cache_time,
        }


@dataclass
class CallbackQueryRecord:
    query_id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    created: float = field(default_factory=time.monotonic)
    answer: CallbackAnswer | None = None


@dataclass
class InlineAnswer:
    query_id: str
    results: list[JSON]
    cache_time: int | None
    is_personal: bool
    next_offset: str | None
    button: JSON | None

    def to_json(self) -> JSON:
        return {
            "query_id": self.query_id,
            "results": self.results,
            "cache_time": self.cache_time,
            "is_personal": self.is_personal,
            "next_offset": self.next_offset,
            "button": self.button,
        }


@dataclass
class InlineQueryRecord:
    query_id: str
    user_id: int
    query: str
    offset: str
    created: float = field(default_factory=time.monotonic)
    answer: InlineAnswer | None = None


@dataclass
class StoredFile:
    """A file known to the server: uploaded by the bot, sent by a user, or a URL."""

    file_id: str
    file_unique_id: str
    kind: str
    file_path: str
    data: bytes | None = None
    size: int | None = None
    mime_type: str | None = None
    file_name: str | None = None
    url: str | None = None

    def file_json(self) -> JSON:
        data: JSON = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.size is not None:
            data["file_size"] = self.size
        data["file_path"] = self.file_path
        return data


@dataclass
class ChatActionRecord:
    chat_id: int
    action: str
    at: float = field(default_factory=time.time)

    def to_json(self) -> JSON:
        return {"chat_id": self.chat_id, "action": self.action, "at": self.at}
