"""sendDocument, sendPhoto and friends, getFile."""

from __future__ import annotations

import mimetypes
from typing import Any

from policybot_localapi.dispatch import Call, api_method
from policybot_localapi.errors import ApiError, Desc, bad_request
from policybot_localapi.methods.common import (
    commit,
    ensure_writable,
    format_text,
    reply_markup,
    reply_target,
    target_chat,
    text_content,
)
from policybot_localapi.params import UploadedFile
from policybot_localapi.records import StoredFile
from policybot_localapi.types import image_size
from policybot_localapi.world import World

JSON = dict[str, Any]

_DEFAULT_MIME = {
    "photo": "image/jpeg",
    "voice": "audio/ogg",
    "video": "video/mp4",
    "audio": "audio/mpeg",
    "animation": "video/mp4",
    "sticker": "image/webp",
}
_EXTENSION = {"photo": ".jpg", "voice": ".oga", "video": ".mp4", "sticker": ".webp"}


def _resolve_file(call: Call, kind: str, source: UploadedFile | str) -> StoredFile:
    world = call.world
    if isinstance(source, UploadedFile):
        data = source.data
        if not data:
            raise bad_request(Desc.FILE_EMPTY)
        if len(data) > call.limits.max_upload_bytes:
            raise ApiError(413, "Request Entity Too Large")
        if kind == "photo":
            if len(data) > call.limits.max_photo_bytes:
                raise bad_request(Desc.FILE_TOO_BIG)
            if image_size(data) is None:
                raise bad_request(Desc.IMAGE_PROCESS_FAILED)
        mime = source.content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(source.filename)[0] or mime or _DEFAULT_MIME.get(kind)
        return world.store_file(
            kind,
            data=data,
            file_name=source.filename,
            mime_type=mime,
            extension=_EXTENSION.get(kind, ""),
        )
    stored = world.files.get(source)
    if stored is not None:
        return stored
    if source.startswith(("http://", "https://")):
        name = source.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or None
        mime = mimetypes.guess_type(name or "")[0] or _DEFAULT_MIME.get(kind)
        return world.store_file(kind, url=source, file_name=name, mime_type=mime)
    raise bad_request(Desc.WRONG_FILE_ID)


def photo_sizes(world: World, stored: StoredFile) -> list[JSON]:
    """PhotoSize list for an image: a 90px thumbnail plus the (at most 1280px) photo."""
    width, height = image_size(stored.data or b"") or (800, 600)
    sizes: list[JSON] = []
    if max(width, height) > 90:
        scale = 90 / max(width, height)
        thumb = world.store_file(
            "photo", data=stored.data, mime_type=stored.mime_type, extension=".jpg"
        )
        sizes.append(_size(thumb, max(1, round(width * scale)), max(1, round(height * scale))))
    if max(width, height) > 1280:
        scale = 1280 / max(width, height)
        width, height = round(width * scale), round(height * scale)
    sizes.append(_size(stored, width, height))
    return sizes


def _size(stored: StoredFile, width: int, height: int) -> JSON:
    data: JSON = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "width": width,
        "height": height,
    }
    if stored.size is not None:
        data["file_size"] = stored.size
    return data


def _media_json(call: Call, kind: str, stored: StoredFile) -> JSON | list[JSON]:
    if kind == "photo":
        return photo_sizes(call.world, stored)
    data: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    params = call.params
    if kind in ("video", "animation", "sticker"):
        data["width"] = params.get_int("width") or 512
        data["height"] = params.get_int("height") or 512
    if kind in ("video", "animation", "audio", "voice"):
        data["duration"] = params.get_int("duration") or 1
    if kind == "sticker":
        data.update(is_animated=False, is_video=False, type="regular")
    if stored.file_name and kind in ("document", "audio", "video", "animation"):
        data["file_name"] = stored.file_name
    if stored.mime_type and kind != "sticker":
        data["mime_type"] = stored.mime_type
    if stored.size is not None:
        data["file_size"] = stored.size
    return data


async def _send_media(call: Call, kind: str) -> JSON:
    chat = target_chat(call)
    ensure_writable(call, chat)
    source = call.params.get_file(kind)
    if source is None:
        raise bad_request(f"there is no {kind} in the request")
    raw = call.params.get_str("caption")
    parse_mode = call.params.get_str("parse_mode") or None
    content: JSON = {}
    if kind != "sticker":
        caption, entities = format_text(
            call, raw, parse_mode, call.params.get_json("caption_entities"), caption=True
        )
        if caption:
            content.update(text_content(caption, entities, "caption_"))
    markup = reply_markup(call)
    reply_to = reply_target(call, chat)
    stored = _resolve_file(call, kind, source)
    content = {kind: _media_json(call, kind, stored), **content}
    record = commit(
        call,
        chat,
        content,
        kind=kind,
        raw_text=raw,
        parse_mode=parse_mode,
        markup=markup,
        reply_to=reply_to,
    )
    return record.snapshot()


@api_method("sendDocument")
async def send_document(call: Call) -> JSON:
    return await _send_media(call, "document")


@api_method("sendPhoto")
async def send_photo(call: Call) -> JSON:
    return await _send_media(call, "photo")


@api_method("sendAudio")
async def send_audio(call: Call) -> JSON:
    return await _send_media(call, "audio")


@api_method("sendVideo")
async def send_video(call: Call) -> JSON:
    return await _send_media(call, "video")


@api_method("sendVoice")
async def send_voice(call: Call) -> JSON:
    return await _send_media(call, "voice")


@api_method("sendAnimation")
async def send_animation(call: Call) -> JSON:
    return await _send_media(call, "animation")


@api_method("sendSticker")
async def send_sticker(call: Call) -> JSON:
    return await _send_media(call, "sticker")


@api_method("getFile")
async def get_file(call: Call) -> JSON:
    file_id = call.params.get_str("file_id")
    stored = call.world.files.get(file_id or "")
    if stored is None:
        raise bad_request(Desc.INVALID_FILE_ID)
    if stored.size is not None and stored.size > call.limits.max_download_bytes:
        raise bad_request(Desc.FILE_TOO_BIG)
    return stored.file_json()
