"""``/_control/<action>``: drive the user side over HTTP (JSON in, JSON out).

Body: a JSON object of keyword arguments for the action, plus optional ``"bot"`` (id or
username; may be left out when one bot is registered). Bytes go as ``data_b64`` (or
``data_text``). Answers: ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": ...}``.
"""

from __future__ import annotations

import base64
import dataclasses
import inspect
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from policybot_localapi.dispatch import registered_methods

if TYPE_CHECKING:
    from policybot_localapi.server import LocalBotAPI

logger = logging.getLogger(__name__)

JSON = dict[str, Any]

LOCALAPI_KEY: web.AppKey[LocalBotAPI] = web.AppKey("policybot_localapi")

CLIENT_ACTIONS = frozenset(
    {
        "create_user",
        "create_users",
        "create_chat",
        "add_bot_to_chat",
        "remove_bot_from_chat",
        "block_bot",
        "unblock_bot",
        "deactivate_user",
        "send_message",
        "send_command",
        "edit_message",
        "send_photo",
        "send_document",
        "send_voice",
        "send_video",
        "send_sticker",
        "send_location",
        "send_contact",
        "channel_post",
        "press_button",
        "press_raw",
        "inline_query",
        "choose_inline_result",
        "inject_update",
        "messages",
        "history",
        "last_message",
        "message",
        "unread",
        "mark_read",
        "wait_for_messages",
        "expect_no_messages",
        "wait_for_edit",
        "callback_answer",
        "wait_for_callback_answer",
        "inline_answer",
        "wait_for_inline_answer",
        "commands",
        "documents",
        "file_bytes",
        "chat_actions",
        "pending_updates",
        "wait_for_delivery",
        "webhook_info",
        "calls",
        "stats",
        "collect_messages",
    }
)
FAULT_ACTIONS = {
    "add_fault": "add",
    "slow": "slow",
    "block": "block",
    "unblock": "unblock",
    "deactivate": "deactivate",
    "reactivate": "reactivate",
    "clear_faults": "clear",
}


def to_jsonable(value: Any) -> Any:
    """Convert results (records, users, bytes...) to JSON-compatible values."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return to_jsonable(to_json())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    return str(value)


def _decode_bytes(args: JSON) -> None:
    if "data_b64" in args:
        args["data"] = base64.b64decode(args.pop("data_b64"))
    elif "data_text" in args:
        args["data"] = str(args.pop("data_text")).encode()


async def run_action(api: LocalBotAPI, action: str, args: JSON) -> Any:
    """Run one control action; raises LookupError/ValueError/TypeError/TimeoutError."""
    args = dict(args)
    bot_ref = args.pop("bot", None)
    _decode_bytes(args)
    if action == "bots":
        return [state.me_json() for state in api.backend.bots.values()]
    if action == "register_bot":
        return api.register_bot(**args)
    if action == "methods":
        return registered_methods()
    if action in FAULT_ACTIONS:
        return getattr(api.faults, FAULT_ACTIONS[action])(**args)
    if action == "faults":
        return api.faults.faults
    if action == "limits":
        if args:
            api.limits = dataclasses.replace(api.limits, **args)
        return dataclasses.asdict(api.limits)
    client = api.client(api.backend.bot(bot_ref).token)
    if action == "reset_rate_limits":
        client.bot.rate_limiter.reset()
        return True
    if action not in CLIENT_ACTIONS:
        raise LookupError(f"unknown control action {action!r}")
    result = getattr(client, action)(**args)
    if inspect.isawaitable(result):
        result = await result
    return result


async def handle_control(request: web.Request) -> web.Response:
    api = request.app[LOCALAPI_KEY]
    action = request.match_info["action"]
    args: JSON = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"ok": False, "error": "body must be JSON"}, status=400)
        if isinstance(body, dict):
            args.update(body)
    try:
        result = await run_action(api, action, args)
    except TimeoutError as err:
        return web.json_response({"ok": False, "error": str(err)}, status=408)
    except (LookupError, ValueError, TypeError, AssertionError) as err:
        logger.debug("control %s failed: %s", action, err)
        return web.json_response({"ok": False, "error": str(err)}, status=400)
    return web.json_response({"ok": True, "result": to_jsonable(result)})
