"""Users, chats and builders of the Telegram JSON objects the server answers with."""

from __future__ import annotations

import base64
import hashlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

CHAT_TYPES = ("private", "group", "supergroup", "channel")


def now() -> int:
    """Current unix time, the ``date`` of every message."""
    return int(time.time())


@dataclass
class User:
    """A Telegram account (a person or a bot)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    is_premium: bool = False

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        if self.is_premium:
            data["is_premium"] = True
        return data

    @property
    def mention(self) -> str:
        return f"@{self.username}" if self.username else self.first_name


@dataclass
class Chat:
    """A chat: ``private`` (id == the user's id), ``group``, ``supergroup`` or ``channel``."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    members: set[int] = field(default_factory=set)

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or ""
            if self.last_name:
                data["last_name"] = self.last_name
        else:
            data["title"] = self.title or ""
        if self.username:
            data["username"] = self.username
        if self.type == "group":
            data["all_members_are_administrators"] = False
        if self.is_forum:
            data["is_forum"] = True
        return data

    def full_json(self) -> JSON:
        """The ChatFullInfo of getChat."""
        data = self.to_json()
        data.pop("all_members_are_administrators", None)
        data.update(
            accent_color_id=abs(self.id) % 7,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        if self.type != "private":
            data["permissions"] = {"can_send_messages": True}
        return data

    @property
    def kind(self) -> str:
        """Word used by Telegram in membership errors: group, supergroup or channel."""
        return self.type


_file_seq = itertools.count(1)
_FILE_PREFIX = {
    "document": "BQACAgIAAxkBAA",
    "photo": "AgACAgIAAxkBAA",
    "voice": "AwACAgIAAxkBAA",
    "video": "BAACAgIAAxkBAA",
    "audio": "CQACAgIAAxkBAA",
    "animation": "CgACAgIAAxkBAA",
    "sticker": "CAACAgIAAxkBAA",
}
_PATH_DIR = {
    "document": "documents",
    "photo": "photos",
    "voice": "voice",
    "video": "videos",
    "audio": "music",
    "animation": "animations",
    "sticker": "stickers",
}


def new_file_ids(kind: str) -> tuple[str, str, str]:
    """(file_id, file_unique_id, file_path stem) for a new file of ``kind``."""
    seq = next(_file_seq)
    digest = hashlib.sha1(f"{kind}:{seq}:{time.time_ns()}".encode()).digest()
    tail = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    file_id = f"{_FILE_PREFIX.get(kind, 'BQACAgIAAxkBAA')}{seq:06d}{tail}"
    unique = f"AgAD{seq:06d}{tail[:8]}"
    return file_id, unique, f"{_PATH_DIR.get(kind, 'documents')}/file_{seq}"


def chat_member_json(user: User, status: str) -> JSON:
    data: JSON = {"status": status, "user": user.to_json()}
    if status == "kicked":
        data["until_date"] = 0
    if status == "administrator":
        data.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=False,
            can_restrict_members=False,
            can_promote_members=False,
            can_change_info=False,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
        )
    return data


def my_chat_member_json(chat: Chat, actor: User, bot: User, old: str, new: str) -> JSON:
    return {
        "chat": chat.to_json(),
        "from": actor.to_json(),
        "date": now(),
        "old_chat_member": chat_member_json(bot, old),
        "new_chat_member": chat_member_json(bot, new),
    }


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of PNG, GIF, JPEG or WebP data; None if it is not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 512, 512
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2):
                return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(
                    data[i + 5 : i + 7], "big"
                )
            i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
        return 800, 600
    return None


# A valid 1x1 PNG, handy as default photo content.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
