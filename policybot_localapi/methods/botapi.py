"""Bot-level methods: getMe, getUpdates, webhooks, commands, getChat, housekeeping."""

from __future__ import annotations

import re
from collections.abc import Container
from typing import Any
from urllib.parse import urlparse

from policybot_localapi.dispatch import Call, api_method
from policybot_localapi.errors import Desc, bad_request, conflict
from policybot_localapi.methods.common import target_chat
from policybot_localapi.types import chat_member_json
from policybot_localapi.world import WebhookConfig, World

JSON = dict[str, Any]

_COMMAND = re.compile(r"^[a-z0-9_]+$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_GLOBAL_SCOPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")


@api_method("getMe")
async def get_me(call: Call) -> JSON:
    return call.bot.me_json()


@api_method("logOut", "close")
async def log_out(call: Call) -> bool:
    return True


@api_method(
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
    "setMyDefaultAdministratorRights",
)
async def accepted_setter(call: Call) -> bool:
    return True


@api_method("getMyName")
async def get_my_name(call: Call) -> JSON:
    return {"name": call.bot.user.first_name}


@api_method("getMyDescription")
async def get_my_description(call: Call) -> JSON:
    return {"description": ""}


@api_method("getMyShortDescription")
async def get_my_short_description(call: Call) -> JSON:
    return {"short_description": ""}


@api_method("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> JSON:
    return {"type": "commands"}


@api_method("getUpdates")
async def get_updates(call: Call) -> list[JSON]:
    if call.bot.webhook is not None:
        raise conflict(Desc.WEBHOOK_ACTIVE)
    limit = min(100, max(1, call.params.get_int("limit") or 100))
    timeout = max(0.0, call.params.get_float("timeout") or 0.0)
    allowed = call.params.get_json("allowed_updates")
    if isinstance(allowed, list):
        call.bot.updates.set_allowed(str(kind) for kind in allowed)
    return await call.bot.updates.poll(call.params.get_int("offset"), limit, timeout)


@api_method("setWebhook")
async def set_webhook(call: Call) -> bool:
    url = call.params.get_str("url") or ""
    if call.params.get_bool("drop_pending_updates"):
        call.bot.updates.drop_all()
    if not url:
        call.bot.webhook = None
        return True
    parsed = urlparse(url)
    allowed_schemes = ("https",) if call.limits.require_https_webhook else ("http", "https")
    if parsed.scheme not in allowed_schemes:
        raise bad_request(Desc.WEBHOOK_HTTPS)
    if not parsed.hostname:
        raise bad_request(Desc.WEBHOOK_URL_INVALID)
    secret = call.params.get_str("secret_token")
    if secret is not None and not _SECRET.match(secret):
        raise bad_request(Desc.SECRET_TOKEN_INVALID)
    allowed = call.params.get_json("allowed_updates")
    if isinstance(allowed, list):
        call.bot.updates.set_allowed(str(kind) for kind in allowed)
    call.bot.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=call.params.get_int("max_connections") or 40,
        ip_address=call.params.get_str("ip_address"),
        has_custom_certificate="certificate" in call.params,
    )
    call.bot.notifier.notify()
    return True


@api_method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    if call.params.get_bool("drop_pending_updates"):
        call.bot.updates.drop_all()
    call.bot.webhook = None
    call.bot.notifier.notify()
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(call: Call) -> JSON:
    pending = len(call.bot.updates.pending())
    if call.bot.webhook is None:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
    return call.bot.webhook.info(pending, sorted(call.bot.updates.allowed))


def scope_key(
    world: World,
    scope: Any,
    language_code: str | None,
    *,
    started: Container[int] | None = None,
) -> tuple[str, str]:
    """The storage key of a (BotCommandScope, language_code) pair. With ``started`` (the
    users who started the bot), a private chat of anyone else is not found, as Telegram
    answers for a chat the bot has never seen."""
    language = language_code or ""
    if language and not _LANGUAGE.match(language):
        raise bad_request(Desc.LANGUAGE_CODE_INVALID)
    if scope is None:
        return "default", language
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope: Can't find field \"type\"")
    kind = str(scope["type"])
    if kind in _GLOBAL_SCOPES:
        return kind, language
    if kind not in ("chat", "chat_administrators", "chat_member"):
        raise bad_request("can't parse BotCommandScope: Unsupported type specified")
    chat_ref = scope.get("chat_id")
    chat = world.resolve_chat(chat_ref) if isinstance(chat_ref, int | str) else None
    if chat is None or (started is not None and chat.type == "private" and chat.id not in started):
        raise bad_request(Desc.CHAT_NOT_FOUND)
    if kind == "chat_member":
        user_id = scope.get("user_id")
        if user_id not in world.users:
            raise bad_request(Desc.USER_NOT_FOUND)
        return f"{kind}:{chat.id}:{user_id}", language
    if kind == "chat_administrators" and chat.type == "private":
        raise bad_request("can't use specified scope in private chats")
    return f"{kind}:{chat.id}", language


def _validate_commands(call: Call, commands: Any) -> list[JSON]:
    if commands is None:
        return []
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > call.limits.max_commands:
        raise bad_request(Desc.BOT_COMMANDS_TOO_MUCH)
    cleaned: list[JSON] = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand: BotCommand must be an Object")
        for field_name in ("command", "description"):
            if field_name not in item:
                raise bad_request(f"can't parse BotCommand: Can't find field \"{field_name}\"")
        command = str(item["command"])
        command = command.removeprefix("/")
        description = str(item["description"]).strip()
        if not command:
            raise bad_request(Desc.COMMAND_EMPTY)
        if len(command) > call.limits.max_command_length:
            raise bad_request(f"command length must not exceed {call.limits.max_command_length}")
        if not _COMMAND.match(command):
            raise bad_request(Desc.BOT_COMMAND_INVALID)
        if not description:
            raise bad_request(Desc.COMMAND_DESCRIPTION_EMPTY)
        maximum = call.limits.max_command_description_length
        if len(description) > maximum:
            raise bad_request(f"command description length must not exceed {maximum}")
        cleaned.append({"command": command, "description": description})
    return cleaned


def _key(call: Call) -> tuple[str, str]:
    return scope_key(
        call.world,
        call.params.get_json("scope"),
        call.params.get_str("language_code"),
        started=call.bot.started_users,
    )


@api_method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    commands = _validate_commands(call, call.params.get_json("commands"))
    key = _key(call)
    if commands:
        call.bot.commands[key] = commands
    else:
        call.bot.commands.pop(key, None)
    call.bot.notifier.notify()
    return True


@api_method("getMyCommands")
async def get_my_commands(call: Call) -> list[JSON]:
    return list(call.bot.commands.get(_key(call), []))


@api_method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop(_key(call), None)
    call.bot.notifier.notify()
    return True


@api_method("getChat")
async def get_chat(call: Call) -> JSON:
    return target_chat(call).full_json()


@api_method("getChatMember")
async def get_chat_member(call: Call) -> JSON:
    chat = target_chat(call)
    user_id = call.params.require_int("user_id")
    user = call.world.users.get(user_id)
    if user is None:
        raise bad_request(Desc.USER_NOT_FOUND)
    if user.id == call.bot.id:
        if chat.type != "private" and chat.id not in call.bot.member_chats:
            return chat_member_json(user, "left")
        return chat_member_json(user, "administrator" if chat.type == "channel" else "member")
    if chat.type == "private" or user.id in chat.members:
        return chat_member_json(user, "member")
    return chat_member_json(user, "left")
