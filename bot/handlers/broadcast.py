"""/broadcast TEXT (admins only): a preview, the audience (all subscribers, a role or a
category), then 确认发送 queues one outbox row per recipient (one transaction, audited).

The draft lives in ``user_data`` under a token carried by its buttons."""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot import catalog
from bot.context import BotServices, PolicyContext
from bot.features import Access, Button, Command, Feature
from bot.flows import Flow
from bot.handlers.common import answer_stale, callback_message
from bot.render import push as ui
from bot.render import push_texts as texts
from bot.render.markup import tg_len
from bot.render.texts import ROLE_LABELS
from services import push_subs
from storage import push_admin
from storage.models import UserRole
from storage.push_admin import Audience, AudienceKind

DRAFT = "push_broadcast"
TOKEN = "push_broadcast_token"


def audience_label(audience: Audience) -> str:
    if audience.kind is AudienceKind.ROLE:
        return f"身份为“{ROLE_LABELS.get(audience.value or '', audience.value)}”的用户"
    if audience.kind is AudienceKind.CATEGORY:
        return f"订阅“{audience.value}”的用户"
    return "全部订阅用户"


def _audience(draft: dict[str, Any]) -> Audience:
    return Audience(AudienceKind(draft["aud"]), draft.get("val"))


async def _preview(
    services: BotServices, draft: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    audience = _audience(draft)
    count = await services.db(lambda s: push_admin.count_audience(s, audience=audience))
    text = texts.broadcast_preview(draft["text"], audience_label(audience), count)
    return text, ui.broadcast_keyboard(int(draft["tok"]))


async def _show(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    with contextlib.suppress(BadRequest):  # "message is not modified"
        await message.edit_text(text, reply_markup=markup)


async def broadcast_command(update: Update, context: PolicyContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.user_data is None:
        return
    services = context.services
    parts = (message.text or "").split(maxsplit=1)
    text = parts[1].strip() if len(parts) > 1 else ""
    if not text:
        await message.reply_text(texts.BROADCAST_USAGE)
        return
    if tg_len(text) > texts.MAX_BROADCAST_CHARS:
        await message.reply_text(texts.BROADCAST_TOO_LONG)
        return
    token = int(context.user_data.get(TOKEN, 0)) + 1
    context.user_data[TOKEN] = token
    draft = {"tok": token, "text": text, "aud": AudienceKind.ALL.value, "val": None, "opts": []}
    context.user_data[DRAFT] = draft
    preview, markup = await _preview(services, draft)
    await message.reply_text(preview, reply_markup=markup)


async def broadcast_button(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    services, data = context.services, query.data or ""
    match = ui.BC_ACTION_RE.match(data) or ui.BC_PICK_RE.match(data)
    draft = (context.user_data or {}).get(DRAFT)
    message = callback_message(query)
    valid = isinstance(draft, dict) and match is not None and draft.get("tok") == int(match[2])
    if not valid or match is None or message is None or context.user_data is None:
        await answer_stale(query)
        return
    assert isinstance(draft, dict)
    action = match.group(1)
    if action in ("role", "cat"):
        options: list[str] = draft.get("opts") or []
        index = int(match.group(3))
        if index >= len(options):
            await answer_stale(query)
            return
        kind = AudienceKind.ROLE if action == "role" else AudienceKind.CATEGORY
        draft.update(aud=kind.value, val=options[index])
    elif action == "all":
        draft.update(aud=AudienceKind.ALL.value, val=None)
    elif action in ("roles", "cats"):
        if action == "roles":
            options = [role.value for role in UserRole]
            labels = [ROLE_LABELS.get(value, value) for value in options]
        else:
            options = labels = catalog.categories(services.knowledge.entries())
        draft["opts"] = options
        await query.answer()
        kind_code = "role" if action == "roles" else "cat"
        await _show(
            message, "请选择受众:", ui.broadcast_choices(int(draft["tok"]), kind_code, labels)
        )
        return
    elif action in ("ok", "no"):
        context.user_data.pop(DRAFT, None)
        if action == "no":
            await query.answer()
            await _show(message, texts.BROADCAST_CANCELLED, None)
            return
        audience, text, admin_id, now = (
            _audience(draft),
            draft["text"],
            query.from_user.id,
            services.now(),
        )
        count = await services.db(
            lambda s: push_subs.broadcast(
                s, text=text, audience=audience, actor_id=admin_id, now=now
            )
        )
        await query.answer("已加入发送队列")
        await _show(message, texts.BROADCAST_QUEUED.format(count=count), None)
        return
    await query.answer()
    await _show(message, *await _preview(services, draft))


async def resume(update: Update, context: PolicyContext) -> None:
    """/resume: the preview of the draft again, as a new message."""
    draft = (context.user_data or {}).get(DRAFT)
    chat = update.effective_chat
    if isinstance(draft, dict) and chat is not None:
        text, markup = await _preview(context.services, draft)
        await context.bot.send_message(chat.id, text, reply_markup=markup)


FLOW = Flow(
    name="broadcast", title="群发通知", keys=(DRAFT,), on_resume=resume, restart="发送 /broadcast"
)


FEATURE = Feature(
    name="broadcast",
    commands=(Command("broadcast", "群发通知", broadcast_command, access=Access.ADMIN),),
    buttons=(Button("bc:", broadcast_button, access=Access.ADMIN),),
    flows=(FLOW,),
)
