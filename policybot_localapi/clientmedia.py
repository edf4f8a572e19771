"""Media messages sent by users: photo, document, voice, video, sticker, location..."""

from __future__ import annotations

import mimetypes
from typing import Any

from policybot_localapi.methods.media import photo_sizes
from policybot_localapi.reader import ChatRef, Injected, MessageRef
from policybot_localapi.records import StoredFile
from policybot_localapi.types import TINY_PNG, User
from policybot_localapi.world import World

JSON = dict[str, Any]
UserRef = User | int


class MediaInjector:
    """Mixin of :class:`~policybot_localapi.client.BotClient` for non-text user messages."""

    world: World

    async def _user_message(
        self,
        user: UserRef,
        chat: ChatRef | None,
        content: JSON,
        kind: str,
        reply_to: MessageRef | None = None,
    ) -> Injected:
        raise NotImplementedError

    async def send_photo(
        self,
        user: UserRef,
        data: bytes = TINY_PNG,
        *,
        caption: str | None = None,
        chat: ChatRef | None = None,
    ) -> Injected:
        stored = self.world.store_file("photo", data=data, mime_type="image/jpeg", extension=".jpg")
        content: JSON = {"photo": photo_sizes(self.world, stored), "caption": caption}
        return await self._user_message(user, chat, content, "photo")

    async def send_document(
        self,
        user: UserRef,
        filename: str,
        data: bytes,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat: ChatRef | None = None,
    ) -> Injected:
        """A document the bot can fetch with getFile and download from /file/bot..."""
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self.world.store_file("document", data=data, file_name=filename, mime_type=mime)
        document = {
            "file_name": filename,
            "mime_type": mime,
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
        }
        content: JSON = {"document": document, "caption": caption}
        return await self._user_message(user, chat, content, "document")

    async def send_voice(
        self,
        user: UserRef,
        data: bytes = b"OggS\x00voice",
        *,
        duration: int = 2,
        chat: ChatRef | None = None,
    ) -> Injected:
        stored = self.world.store_file("voice", data=data, mime_type="audio/ogg", extension=".oga")
        voice = {**self._file_fields(stored), "duration": duration, "mime_type": "audio/ogg"}
        return await self._user_message(user, chat, {"voice": voice}, "voice")

    async def send_video(
        self,
        user: UserRef,
        data: bytes = b"\x00\x00\x00\x18ftypmp42",
        *,
        duration: int = 3,
        width: int = 640,
        height: int = 360,
        chat: ChatRef | None = None,
    ) -> Injected:
        stored = self.world.store_file("video", data=data, mime_type="video/mp4", extension=".mp4")
        video = {
            **self._file_fields(stored),
            "width": width,
            "height": height,
            "duration": duration,
            "mime_type": "video/mp4",
        }
        return await self._user_message(user, chat, {"video": video}, "video")

    async def send_sticker(
        self, user: UserRef, emoji: str = "👍", *, chat: ChatRef | None = None
    ) -> Injected:
        stored = self.world.store_file(
            "sticker", data=b"RIFF\x00\x00\x00\x00WEBP", mime_type="image/webp", extension=".webp"
        )
        sticker = {
            **self._file_fields(stored),
            "width": 512,
            "height": 512,
            "emoji": emoji,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return await self._user_message(user, chat, {"sticker": sticker}, "sticker")

    async def send_location(
        self, user: UserRef, latitude: float, longitude: float, *, chat: ChatRef | None = None
    ) -> Injected:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._user_message(user, chat, {"location": location}, "location")

    async def send_contact(
        self,
        user: UserRef,
        phone_number: str,
        first_name: str,
        *,
        last_name: str | None = None,
        contact_user_id: int | None = None,
        chat: ChatRef | None = None,
    ) -> Injected:
        contact: JSON = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return await self._user_message(user, chat, {"contact": contact}, "contact")

    @staticmethod
    def _file_fields(stored: StoredFile) -> JSON:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
