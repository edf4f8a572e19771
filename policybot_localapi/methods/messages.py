"""sendMessage, edits, deletions, forward/copy and chat actions."""

from __future__ import annotations

from typing import Any

from policybot_localapi.dispatch import Call, api_method
from policybot_localapi.errors import Desc, bad_request
from policybot_localapi.methods.common import (
    commit,
    ensure_writable,
    format_text,
    link_preview,
    reply_markup,
    reply_target,
    target_chat,
    text_content,
)
from policybot_localapi.records import CONTENT_KEYS, ChatActionRecord, MessageRecord
from policybot_localapi.types import Chat, now

JSON = dict[str, Any]

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMPARED = tuple(key for key in CONTENT_KEYS if key != "link_preview_options")


@api_method("sendMessage")
async def send_message(call: Call) -> JSON:
    chat = target_chat(call)
    ensure_writable(call, chat)
    raw = call.params.get_str("text")
    parse_mode = call.params.get_str("parse_mode") or None
    text, entities = format_text(
        call, raw, parse_mode, call.params.get_json("entities"), caption=False
    )
    markup = reply_markup(call)
    reply_to = reply_target(call, chat)
    content = text_content(text, entities)
    content["link_preview_options"] = link_preview(call)
    record = commit(
        call,
        chat,
        content,
        kind="text",
        raw_text=raw,
        parse_mode=parse_mode,
        markup=markup,
        reply_to=reply_to,
    )
    return record.snapshot()


def _edit_target(call: Call) -> tuple[Chat, MessageRecord] | str:
    """The record to edit, or the inline_message_id for messages sent via inline mode."""
    inline_id = call.params.get_str("inline_message_id")
    if inline_id:
        return inline_id
    chat = target_chat(call)
    message_id = call.params.require_int("message_id", Desc.MESSAGE_ID_MISSING)
    record = call.bot.log(chat.id).get(message_id)
    if record is None or record.deleted:
        raise bad_request(Desc.EDIT_NOT_FOUND)
    if not record.from_bot:
        raise bad_request(Desc.CANT_BE_EDITED)
    ensure_writable(call, chat, membership=False)
    return chat, record


def _apply_edit(
    call: Call,
    record: MessageRecord,
    changes: JSON,
    markup: JSON | None,
    *,
    raw_text: str | None = None,
    parse_mode: str | None = None,
    text_changed: bool = False,
) -> JSON:
    updated = dict(record.payload)
    for key, value in changes.items():
        if value is None:
            updated.pop(key, None)
        else:
            updated[key] = value
    if markup is not None and "inline_keyboard" in markup:
        updated["reply_markup"] = markup
    else:
        updated.pop("reply_markup", None)
    keys = (*_COMPARED, "reply_markup")
    if all(record.payload.get(key) == updated.get(key) for key in keys):
        raise bad_request(Desc.NOT_MODIFIED)
    record.history.append(record.snapshot())
    updated["edit_date"] = now()
    record.payload = updated
    record.reply_markup = markup
    if text_changed:
        record.raw_text = raw_text
        record.parse_mode = parse_mode
    call.bot.notifier.notify()
    return record.snapshot()


def _store_inline_edit(call: Call, inline_id: str, changes: JSON) -> bool:
    current = call.bot.inline_messages.setdefault(inline_id, {})
    current.update({k: v for k, v in changes.items() if v is not None})
    call.bot.notifier.notify()
    return True


@api_method("editMessageText")
async def edit_message_text(call: Call) -> JSON | bool:
    target = _edit_target(call)
    raw = call.params.get_str("text")
    parse_mode = call.params.get_str("parse_mode") or None
    text, entities = format_text(
        call, raw, parse_mode, call.params.get_json("entities"), caption=False
    )
    markup = reply_markup(call, inline_only=True)
    changes: JSON = {"text": text, "entities": entities or None}
    options = link_preview(call)
    if options is not None:
        changes["link_preview_options"] = options
    if isinstance(target, str):
        return _store_inline_edit(call, target, {**changes, "reply_markup": markup})
    _, record = target
    if "text" not in record.payload:
        raise bad_request(Desc.NO_TEXT_TO_EDIT)
    return _apply_edit(
        call, record, changes, markup, raw_text=raw, parse_mode=parse_mode, text_changed=True
    )


@api_method("editMessageCaption")
async def edit_message_caption(call: Call) -> JSON | bool:
    target = _edit_target(call)
    raw = call.params.get_str("caption")
    parse_mode = call.params.get_str("parse_mode") or None
    caption, entities = format_text(
        call, raw, parse_mode, call.params.get_json("caption_entities"), caption=True
    )
    markup = reply_markup(call, inline_only=True)
    changes: JSON = {"caption": caption or None, "caption_entities": entities or None}
    if isinstance(target, str):
        return _store_inline_edit(call, target, {**changes, "reply_markup": markup})
    _, record = target
    if "text" in record.payload:
        raise bad_request(Desc.NO_CAPTION_TO_EDIT)
    return _apply_edit(
        call, record, changes, markup, raw_text=raw, parse_mode=parse_mode, text_changed=True
    )


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> JSON | bool:
    target = _edit_target(call)
    markup = reply_markup(call, inline_only=True)
    if isinstance(target, str):
        return _store_inline_edit(call, target, {"reply_markup": markup})
    _, record = target
    return _apply_edit(call, record, {}, markup)


@api_method("deleteMessage")
async def delete_message(call: Call) -> bool:
    chat = target_chat(call)
    message_id = call.params.require_int("message_id", Desc.MESSAGE_ID_MISSING)
    record = call.bot.log(chat.id).get(message_id)
    if record is None or record.deleted:
        raise bad_request(Desc.DELETE_NOT_FOUND)
    record.deleted = True
    call.bot.notifier.notify()
    return True


@api_method("deleteMessages")
async def delete_messages(call: Call) -> bool:
    chat = target_chat(call)
    ids = call.params.get_json("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must be a non-empty list of at most 100 identifiers")
    log = call.bot.log(chat.id)
    for message_id in ids:
        record = log.get(int(message_id))
        if record is not None:
            record.deleted = True
    call.bot.notifier.notify()
    return True


def _source(call: Call, missing: str) -> MessageRecord:
    from_chat = target_chat(call, "from_chat_id")
    message_id = call.params.require_int("message_id", Desc.MESSAGE_ID_MISSING)
    record = call.bot.log(from_chat.id).get(message_id)
    if record is None or record.deleted:
        raise bad_request(missing)
    return record


def _copied_content(record: MessageRecord) -> JSON:
    return {key: record.payload[key] for key in CONTENT_KEYS if key in record.payload}


@api_method("forwardMessage")
async def forward_message(call: Call) -> JSON:
    chat = target_chat(call)
    source = _source(call, Desc.FORWARD_NOT_FOUND)
    ensure_writable(call, chat)
    content = _copied_content(source)
    source_chat = call.world.chats.get(source.chat_id)
    if source_chat is not None and source_chat.type == "channel":
        origin: JSON = {
            "type": "channel",
            "chat": source_chat.to_json(),
            "message_id": source.message_id,
            "date": source.date,
        }
    else:
        sender = source.payload.get("from") or call.bot.user.to_json()
        origin = {"type": "user", "sender_user": sender, "date": source.date}
    content["forward_origin"] = origin
    record = commit(call, chat, content, kind=source.kind, raw_text=source.raw_text)
    return record.snapshot()


@api_method("copyMessage")
async def copy_message(call: Call) -> JSON:
    chat = target_chat(call)
    source = _source(call, Desc.COPY_NOT_FOUND)
    ensure_writable(call, chat)
    content = _copied_content(source)
    raw = source.raw_text
    parse_mode = source.parse_mode
    if "caption" in call.params and "text" not in content:
        raw = call.params.get_str("caption")
        parse_mode = call.params.get_str("parse_mode") or None
        caption, entities = format_text(
            call, raw, parse_mode, call.params.get_json("caption_entities"), caption=True
        )
        content.pop("caption_entities", None)
        content.update(text_content(caption, entities, "caption_") if caption else {})
    markup = reply_markup(call)
    reply_to = reply_target(call, chat)
    record = commit(
        call,
        chat,
        content,
        kind=source.kind,
        raw_text=raw,
        parse_mode=parse_mode,
        markup=markup,
        reply_to=reply_to,
    )
    return {"message_id": record.message_id}


@api_method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    chat = target_chat(call)
    ensure_writable(call, chat)
    action = call.params.get_str("action") or ""
    if action not in CHAT_ACTIONS:
        raise bad_request(Desc.WRONG_ACTION)
    call.bot.chat_actions.append(ChatActionRecord(chat.id, action))
    call.bot.notifier.notify()
    return True
