"""Helpers shared by the method handlers: chat checks, text formatting, committing."""

from __future__ import annotations

from typing import Any

from policybot_localapi.dispatch import Call
from policybot_localapi.errors import Desc, bad_request, forbidden
from policybot_localapi.htmlcheck import EntityParseError, parse_html
from policybot_localapi.markdown import parse_markdown, parse_markdown_v2
from policybot_localapi.markup import validate_markup
from policybot_localapi.records import MessageRecord
from policybot_localapi.textutil import merge_auto_entities, trim
from policybot_localapi.types import Chat, now

JSON = dict[str, Any]

_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def target_chat(call: Call, name: str = "chat_id") -> Chat:
    chat = call.world.resolve_chat(call.params.get_chat_id(name))
    if chat is None:
        raise bad_request(Desc.CHAT_NOT_FOUND)
    return chat


def ensure_writable(call: Call, chat: Chat, *, membership: bool = True) -> None:
    """403 if the bot may not write into ``chat`` (blocked, deleted, not a member)."""
    error = call.faults.write_error(call.method, chat.id, call.bot.id)
    if error is not None:
        raise error
    if not membership:
        return
    if chat.type == "private":
        if chat.id not in call.bot.started_users:
            raise forbidden(Desc.CANT_INITIATE)
    elif chat.id in call.bot.kicked_chats:
        raise forbidden(Desc.KICKED.format(kind=chat.kind))
    elif chat.id not in call.bot.member_chats:
        raise forbidden(Desc.NOT_MEMBER.format(kind=chat.kind))


def format_text(
    call: Call, text: str | None, parse_mode: str | None, entities: Any, *, caption: bool
) -> tuple[str, list[JSON]]:
    """Parse ``text`` like Telegram: parse_mode, trimming, emptiness and length checks."""
    source = text or ""
    if parse_mode:
        parser = _PARSERS.get(parse_mode.lower())
        if parser is None:
            raise bad_request(Desc.UNSUPPORTED_PARSE_MODE)
        try:
            plain, found = parser(source)
        except EntityParseError as err:
            raise bad_request(f"{Desc.CANT_PARSE}{err}") from None
    else:
        plain, found = source, _explicit_entities(entities)
    plain, found = trim(plain, found)
    if not plain and not caption:
        raise bad_request(Desc.TEXT_EMPTY)
    if caption and len(plain) > call.limits.max_caption_length:
        raise bad_request(Desc.CAPTION_TOO_LONG)
    if not caption and len(plain) > call.limits.max_text_length:
        raise bad_request(Desc.TEXT_TOO_LONG)
    return plain, merge_auto_entities(plain, found)


def _explicit_entities(entities: Any) -> list[JSON]:
    if entities is None:
        return []
    if not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    valid = []
    for entity in entities:
        if not isinstance(entity, dict) or not {"type", "offset", "length"} <= entity.keys():
            raise bad_request("can't parse MessageEntity: Can't find field \"type\"")
        valid.append(dict(entity))
    return valid


def reply_markup(call: Call, *, inline_only: bool = False) -> JSON | None:
    markup = call.params.get_json("reply_markup", Desc.REPLY_MARKUP_JSON)
    if markup is None:
        return None
    return validate_markup(markup, call.limits, inline_only=inline_only)


def reply_target(call: Call, chat: Chat) -> JSON | None:
    """The Message JSON being replied to (reply_parameters or reply_to_message_id)."""
    params = call.params
    reply = params.get_json("reply_parameters")
    allow = params.get_bool("allow_sending_without_reply")
    message_id: Any = params.get_int("reply_to_message_id")
    reply_chat = chat
    if isinstance(reply, dict):
        message_id = reply.get("message_id")
        allow = bool(reply.get("allow_sending_without_reply", allow))
        if reply.get("chat_id") not in (None, chat.id):
            other = call.world.resolve_chat(reply["chat_id"])
            if other is None:
                raise bad_request(Desc.CHAT_NOT_FOUND)
            reply_chat = other
    if message_id is None:
        return None
    record = call.bot.log(reply_chat.id).get(int(message_id))
    if record is None or record.deleted:
        if allow:
            return None
        raise bad_request(Desc.REPLY_NOT_FOUND)
    quoted = record.snapshot()
    quoted.pop("reply_to_message", None)
    return quoted


def link_preview(call: Call) -> JSON | None:
    options = call.params.get_json("link_preview_options")
    if isinstance(options, dict):
        return options
    if call.params.get_bool("disable_web_page_preview"):
        return {"is_disabled": True}
    return None


def commit(
    call: Call,
    chat: Chat,
    content: JSON,
    *,
    kind: str,
    raw_text: str | None = None,
    parse_mode: str | None = None,
    markup: JSON | None = None,
    reply_to: JSON | None = None,
) -> MessageRecord:
    """Apply flood control, then store a new bot message and return its record."""
    call.bot.rate_limiter.check(chat.id, chat.type)
    log = call.bot.log(chat.id)
    message_id = log.allocate_id()
    payload: JSON = {"message_id": message_id}
    if chat.type == "channel":
        payload["sender_chat"] = chat.to_json()
    else:
        payload["from"] = call.bot.user.to_json()
    payload.update(chat=chat.to_json(), date=now())
    if reply_to is not None:
        payload["reply_to_message"] = reply_to
    payload.update({key: value for key, value in content.items() if value is not None})
    if markup is not None and "inline_keyboard" in markup:
        payload["reply_markup"] = markup
    if call.params.get_bool("protect_content"):
        payload["has_protected_content"] = True
    record = MessageRecord(
        message_id=message_id,
        chat_id=chat.id,
        from_bot=True,
        payload=payload,
        kind=kind,
        raw_text=raw_text,
        parse_mode=parse_mode,
        reply_markup=markup,
    )
    return call.bot.record(record)


def text_content(text: str, entities: list[JSON], prefix: str = "") -> JSON:
    """``{"text": ..., "entities": [...]}`` (or caption/caption_entities with prefix)."""
    key = f"{prefix}text" if not prefix else "caption"
    content: JSON = {key: text}
    if entities:
        content[f"{prefix}entities"] = entities
    return content
