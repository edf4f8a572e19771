"""answerCallbackQuery and answerInlineQuery."""

from __future__ import annotations

import time
from typing import Any

from policybot_localapi.dispatch import Call, api_method
from policybot_localapi.errors import Desc, bad_request
from policybot_localapi.markup import validate_markup
from policybot_localapi.methods.common import format_text
from policybot_localapi.records import CallbackAnswer, InlineAnswer

JSON = dict[str, Any]

_RESULT_TYPES = frozenset(
    {
        "article",
        "photo",
        "gif",
        "mpeg4_gif",
        "video",
        "audio",
        "voice",
        "document",
        "location",
        "venue",
        "contact",
        "game",
        "sticker",
    }
)


def _missing_field(name: str) -> Exception:
    return bad_request(f"can't parse inline query result: Can't find field \"{name}\"")


@api_method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    query_id = call.params.get_str("callback_query_id") or ""
    query = call.bot.callback_queries.get(query_id)
    if (
        query is None
        or query.answer is not None
        or time.monotonic() - query.created > call.limits.callback_query_ttl
    ):
        raise bad_request(Desc.QUERY_TOO_OLD)
    text = call.params.get_str("text")
    if text is not None and len(text) > call.limits.max_callback_answer_length:
        raise bad_request(Desc.CALLBACK_TEXT_TOO_LONG)
    query.answer = CallbackAnswer(
        query_id=query_id,
        text=text,
        show_alert=call.params.get_bool("show_alert"),
        url=call.params.get_str("url"),
        cache_time=call.params.get_int("cache_time") or 0,
    )
    call.bot.notifier.notify()
    return True


def _validate_result(call: Call, result: Any, seen: set[str]) -> None:
    if not isinstance(result, dict):
        raise bad_request("can't parse inline query result: InlineQueryResult must be an Object")
    for name in ("type", "id"):
        if name not in result:
            raise _missing_field(name)
    result_id = str(result["id"])
    if not result_id or len(result_id.encode()) > call.limits.max_inline_result_id_bytes:
        raise bad_request(Desc.RESULT_ID_INVALID)
    if result_id in seen:
        raise bad_request(Desc.RESULT_ID_DUPLICATE)
    seen.add(result_id)
    if result["type"] not in _RESULT_TYPES:
        raise bad_request(Desc.RESULT_TYPE_INVALID)
    if result["type"] == "article":
        for name in ("title", "input_message_content"):
            if name not in result:
                raise _missing_field(name)
    content = result.get("input_message_content")
    if isinstance(content, dict) and "message_text" in content:
        format_text(
            call,
            str(content["message_text"]),
            content.get("parse_mode"),
            content.get("entities"),
            caption=False,
        )
    if "reply_markup" in result:
        validate_markup(result["reply_markup"], call.limits, inline_only=True)


@api_method("answerInlineQuery")
async def answer_inline_query(call: Call) -> bool:
    query_id = call.params.get_str("inline_query_id") or ""
    query = call.bot.inline_queries.get(query_id)
    if (
        query is None
        or query.answer is not None
        or time.monotonic() - query.created > call.limits.inline_query_ttl
    ):
        raise bad_request(Desc.QUERY_TOO_OLD)
    results = call.params.get_json("results", "can't parse inline query results JSON object")
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results JSON object")
    if len(results) > call.limits.max_inline_results:
        raise bad_request(Desc.RESULTS_TOO_MUCH)
    seen: set[str] = set()
    for result in results:
        _validate_result(call, result, seen)
    button = call.params.get_json("button")
    query.answer = InlineAnswer(
        query_id=query_id,
        results=results,
        cache_time=call.params.get_int("cache_time"),
        is_personal=call.params.get_bool("is_personal"),
        next_offset=call.params.get_str("next_offset"),
        button=button if isinstance(button, dict) else None,
    )
    call.bot.notifier.notify()
    return True
