"""/subscriptions (list, remove, push settings) and /unsubscribe [N | 全部].

Registered by ``subscribe.build_handlers()``; the ``sub:`` buttons that do not edit a
draft arrive here through ``subscribe.wizard_button``.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.context import BotServices, PolicyContext
from bot.features import Command
from bot.handlers.common import answer_stale, callback_message
from bot.render import push as ui
from bot.render import push_texts as texts
from services import push_subs
from storage import push
from storage.models_push import Cadence
from storage.push import Prefs

HALF_HOUR = 30
ALL_WORDS = {"全部", "所有", "all"}


async def listing(services: BotServices, user_id: int) -> tuple[str, InlineKeyboardMarkup]:
    def read(session: Session) -> tuple[list[push.SubscriptionView], Prefs]:
        return push.list_subscriptions(session, user_id=user_id), push.get_prefs(
            session, user_id=user_id
        )

    subs, prefs = await services.db(read)
    titles: dict[str, str] = {}
    for sub in subs:
        entry_id = sub.filters.entry_id
        entry = services.knowledge.entry(entry_id) if entry_id else None
        if entry_id and entry is not None:
            titles[entry_id] = entry.title
    text = texts.list_text(subs, titles, prefs, services.settings.timezone)
    return text, ui.list_keyboard(subs)


async def subscriptions_command(update: Update, context: PolicyContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.services
    now = services.now()
    await services.db(lambda s: push_subs.resume(s, user_id=user.id, now=now))
    text, markup = await listing(services, user.id)
    await message.reply_text(text, reply_markup=markup)


async def unsubscribe_command(update: Update, context: PolicyContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services, user_id = context.services, user.id
    now = services.now()
    subs = await services.db(lambda s: push.list_subscriptions(s, user_id=user_id))
    arg = " ".join(context.args or []).strip().lower()
    if not subs:
        await message.reply_text(texts.NO_SUBSCRIPTIONS)
    elif arg in ALL_WORDS:
        count = await services.db(lambda s: push_subs.unsubscribe_all(s, user_id=user_id, now=now))
        await message.reply_text(texts.UNSUBSCRIBED_ALL.format(count=count))
    elif arg.isdigit():
        number = int(arg)
        if not 1 <= number <= len(subs):
            await message.reply_text(texts.UNSUBSCRIBE_BAD.format(number=number))
            return
        sub_id = subs[number - 1].id
        await services.db(
            lambda s: push_subs.unsubscribe(s, user_id=user_id, subscription_id=sub_id, now=now)
        )
        await message.reply_text(texts.UNSUBSCRIBED)
    else:
        items = "\n".join(f"{n}. {texts.describe(sub.filters)}" for n, sub in enumerate(subs, 1))
        await message.reply_text(
            texts.UNSUBSCRIBE_PICK.format(items=items), reply_markup=ui.unsubscribe_keyboard(subs)
        )


def _prefs_change(data: str) -> Callable[[Prefs], Prefs] | None:
    """How a settings button changes the preferences (None: not a settings button)."""
    if match := ui.SUB_CADENCE_RE.match(data):
        cadence = Cadence(match.group(1))
        return lambda p: dataclasses.replace(p, cadence=cadence)
    if match := ui.SUB_TIME_RE.match(data):
        step = HALF_HOUR if match.group(1) == "+" else -HALF_HOUR
        return lambda p: dataclasses.replace(p, deliver_minute=(p.deliver_minute + step) % 1440)
    if match := ui.SUB_WEEKDAY_RE.match(data):
        day = int(match.group(1))
        return lambda p: dataclasses.replace(p, weekday=day)
    if (match := ui.SUB_QUIET_RE.match(data)) and int(match.group(1)) < len(texts.QUIET_PRESETS):
        start, end = texts.QUIET_PRESETS[int(match.group(1))]
        return lambda p: dataclasses.replace(p, quiet_start=start, quiet_end=end)
    return None


async def _prefs(
    services: BotServices, user_id: int, change: Callable[[Prefs], Prefs] | None
) -> Prefs:
    now, tz = services.now(), services.settings.tz

    def work(session: Session) -> Prefs:
        current = push.get_prefs(session, user_id=user_id)
        if change is None:
            return current
        wanted = change(current)
        return push_subs.change_prefs(session, user_id=user_id, prefs=wanted, now=now, tz=tz)

    return await services.db(work)


async def button(update: Update, context: PolicyContext) -> None:
    """The list, removal and settings buttons; anything else is stale."""
    query = update.callback_query
    if query is None:
        return
    data, message = query.data or "", callback_message(query)
    services, user_id = context.services, query.from_user.id
    now = services.now()
    if message is None:
        await answer_stale(query)
        return

    async def show(text: str, markup: InlineKeyboardMarkup | None) -> None:
        with contextlib.suppress(BadRequest):  # "message is not modified"
            await message.edit_text(text, reply_markup=markup)

    change = _prefs_change(data)
    if data == ui.SUB_LIST:
        await query.answer()
        await show(*await listing(services, user_id))
    elif data == ui.SUB_PREFS or change is not None:
        prefs = await _prefs(services, user_id, change)
        await query.answer(texts.PREFS_SAVED if change is not None else None)
        await show(texts.prefs_text(prefs, services.settings.timezone), ui.prefs_keyboard(prefs))
    elif (match := ui.SUB_ITEM_RE.match(data)) and match.group(1) == "del":
        sub_id = int(match.group(2))
        removed = await services.db(
            lambda s: push_subs.unsubscribe(s, user_id=user_id, subscription_id=sub_id, now=now)
        )
        if not removed:
            await answer_stale(query)
            return
        await query.answer(texts.UNSUBSCRIBED)
        await show(*await listing(services, user_id))
    elif data == ui.SUB_DELALL:
        subs = await services.db(lambda s: push.list_subscriptions(s, user_id=user_id))
        await query.answer()
        if subs:
            await show(texts.CONFIRM_ALL.format(count=len(subs)), ui.confirm_all_keyboard())
        else:
            await show(texts.NO_SUBSCRIPTIONS, ui.list_keyboard([]))
    elif data == ui.SUB_DELALL_OK:
        count = await services.db(lambda s: push_subs.unsubscribe_all(s, user_id=user_id, now=now))
        await query.answer()
        await show(texts.UNSUBSCRIBED_ALL.format(count=count), None)
    else:
        await answer_stale(query)


# declared with /subscribe in subscribe.FEATURE
COMMANDS = (
    Command("subscriptions", "我的订阅 / 推送设置", subscriptions_command),
    Command("unsubscribe", "退订政策推送", unsubscribe_command),
)
