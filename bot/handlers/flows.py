"""The flow rules for every feature (see :mod:`bot.flows`): a redelivered update and
expiry before anything else, /cancel and /resume before the features, and after them the
bookkeeping that keeps one flow open per person (suspending the older one with a one-line
notice)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    TypeHandler,
)

from bot.cluster import APPLIED_KEY
from bot.context import PolicyContext
from bot.features import Button, Command, Feature
from bot.flows import PAUSED_KEY, Closing, Flow, FlowRegistry
from bot.handlers.common import has_words
from bot.handlers.consult import send_found
from bot.render import cards, keyboards, texts
from knowledge.text import asks_for_list
from services.knowledge import search_top

MISSES_BEFORE_WAY_OUT = 2
# letters (Chinese characters included, digits not) a typed text needs before it is tried
# as a question: "-5人" or "80万" are answers gone wrong, not questions
QUESTION_LETTERS = 4


def _question_like(text: str) -> bool:
    return has_words(text) and sum(ch.isalpha() for ch in text) >= QUESTION_LETTERS


# handler groups (lower runs first): flood control is before all of these
EXPIRE_GROUP = -3
COMMAND_GROUP = -2
SETTLE_GROUP = 10


def _person(update: Update) -> tuple[int, int] | None:
    """(user id, chat id) of an update a person sent (a message or a button)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    if update.callback_query is None and update.message is None:
        return None  # edits, inline queries, member updates: no flow step
    return user.id, chat.id


async def _say(context: PolicyContext, chat_id: int, text: str) -> None:
    await context.bot.send_message(chat_id, text)


async def _answer_quietly(update: Update) -> None:
    """Answer a button press; one delivered again may be too old to answer."""
    assert update.callback_query is not None
    with contextlib.suppress(TelegramError):
        await update.callback_query.answer()


def _expired(flow: Flow, *, paused: bool) -> str:
    return texts.flow_expired(flow.title, restart=flow.restart, kept=flow.kept, paused=paused)


async def off_script(update: Update, context: PolicyContext) -> bool:
    """A typed text the open flow's step cannot take. A question gets what it would get
    outside the flow — its card, the options to choose from, or the subject no document
    speaks of — and a one-tap 继续「…」; the second unrecognised input in a
    row gets the way out (继续 / 取消). True when handled here; else the step repeats
    its prompt (and says how to leave)."""
    message, user = update.effective_message, update.effective_user
    registry = context.services.flows
    if message is None or user is None or registry is None:
        return False
    found = registry.current(context, user.id)
    if found is None:
        return False
    title, services = found.flow.title, context.services
    text = (message.text or "").strip()[: services.settings.max_question_chars]
    if _question_like(text):
        listing, today = asks_for_list(text), services.today()
        result = await asyncio.to_thread(
            services.knowledge.search, text, top=search_top(text), today=today
        )
        entry = services.knowledge.answer_entry(result)
        if entry is not None or result.clarify or result.outside:
            # a question, logged as outside the flow (都不是 and the statistics count it)
            registry.forgive(context)
            answer = await asyncio.to_thread(
                services.knowledge.log, text, result, channel=services.channel, user_id=user.id
            )
            markup = keyboards.flow_keyboard(title, cancel=False)
            if result.outside:  # 发票怎么开: said by name, in the message with the button
                said = cards.outside_text(result.outside, result.outside_label, tip=False)
                await message.reply_text(
                    f"{said}\n\n{texts.flow_waits(title)}", reply_markup=markup
                )
                return True
            # what the question would get outside the flow
            await send_found(
                message, services, result, entry, question_id=answer.question_id, listing=listing
            )
            waits = texts.flow_still_open(title) if entry is not None else texts.flow_waits(title)
            await message.reply_text(waits, reply_markup=markup)
            return True
    if registry.missed(context) < MISSES_BEFORE_WAY_OUT:
        return False
    registry.forgive(context)
    markup = keyboards.flow_keyboard(title, cancel=True)
    await message.reply_text(texts.flow_way_out(title), reply_markup=markup)
    return True


def _registry(context: PolicyContext) -> FlowRegistry:
    registry = context.services.flows
    assert registry is not None, "the composition root sets the flow registry"
    return registry


async def cancel(update: Update, context: PolicyContext) -> None:
    registry = _registry(context)
    person = _person(update)
    if update.callback_query is not None:
        await update.callback_query.answer()
    if person is not None and context.user_data is not None:
        user_id, chat_id = person
        found = registry.current(context, user_id)
        if found is None:
            opened = registry.open_flows(context, chat_id, user_id)
            found = opened[0] if opened else None
        if found is not None:
            await registry.close(context, user_id, found, Closing.CANCEL)
            paused = registry.recorded(context, PAUSED_KEY)
            title = registry.get(paused["name"]).title if paused else None  # type: ignore[union-attr]
            await _say(context, chat_id, texts.flow_cancelled(found.flow.title, paused=title))
        elif (dropped := await registry.drop_paused(context, user_id)) is not None:
            await _say(context, chat_id, texts.flow_cancelled(dropped.title, paused=None))
        else:
            await _say(context, chat_id, texts.NOTHING_TO_CANCEL)
    raise ApplicationHandlerStop


async def resume(update: Update, context: PolicyContext) -> None:
    registry = _registry(context)
    person = _person(update)
    if person is not None and context.user_data is not None:
        user_id, chat_id = person
        if registry.recorded(context, PAUSED_KEY) is None:
            found = registry.current(context, user_id)
            if found is not None and found.flow.on_resume is not None:
                await found.flow.on_resume(update, context)  # show the step again
            elif found is not None or not await registry.offer_stored(update, context):
                await _say(context, chat_id, texts.NOTHING_TO_RESUME)
            raise ApplicationHandlerStop
        current = registry.current(context, user_id)
        if current is not None:  # swap: the open one is suspended in turn
            paused = context.user_data.pop(PAUSED_KEY)
            await registry.suspend(context, user_id, current)
            swapped = context.user_data.pop(PAUSED_KEY)
            context.user_data[PAUSED_KEY] = paused
            await _say(context, chat_id, texts.flow_suspended(current.flow.title))
            flow = await registry.restore(update, context, user_id)
            context.user_data[PAUSED_KEY] = swapped
        else:
            flow = await registry.restore(update, context, user_id)
        if flow is None:
            await _say(context, chat_id, texts.NOTHING_TO_RESUME)
        elif flow.on_resume is None:
            await _say(context, chat_id, texts.flow_resumed(flow.title))
    raise ApplicationHandlerStop


async def go(update: Update, context: PolicyContext) -> None:
    """继续「…」: the open flow's step again."""
    registry = _registry(context)
    query, person = update.callback_query, _person(update)
    assert query is not None
    found = registry.current(context, person[0]) if person is not None else None
    if found is None or found.flow.on_resume is None:
        await query.answer(texts.NOTHING_TO_RESUME)
        raise ApplicationHandlerStop
    await query.answer()
    await found.flow.on_resume(update, context)
    raise ApplicationHandlerStop


CANCEL = Command("cancel", "取消当前操作", cancel)
RESUME = Command("resume", "继续暂停的操作", resume)
CANCEL_BUTTON = Button(keyboards.FLOW_CANCEL, cancel, pattern=f"^{keyboards.FLOW_CANCEL}$")
GO_BUTTON = Button(keyboards.FLOW_GO, go, pattern=f"^{keyboards.FLOW_GO}$")
# they run before the features (COMMAND_GROUP): the composition root adds
# build_handlers(registry), not ``handlers()``
FEATURE = Feature(
    name="flows",
    commands=(CANCEL, RESUME),
    buttons=(CANCEL_BUTTON, GO_BUTTON),
    build=lambda _settings: [],
)


def build_handlers(
    registry: FlowRegistry,
) -> dict[int, Sequence[BaseHandler[Update, PolicyContext, None]]]:
    """The handlers by group, for ``Application.add_handlers``."""

    async def expire(update: Update, context: PolicyContext) -> None:
        """An abandoned flow ends before this update is handled, so the update is handled
        as if nothing were open (a text typed days later is a question again). The notice
        goes to the flow's own chat (a private one, not a group the person writes in).

        Before that: an update delivered again after its new state was stored (the
        instance died before sending the next step's prompt, bot/cluster.py) is not
        applied twice; the open step is shown again."""
        person = _person(update)
        if person is None or context.user_data is None:
            return
        user_id, chat_id = person
        if context.user_data.get(APPLIED_KEY) == update.update_id:
            found = registry.current(context, user_id)
            if found is not None and found.flow.on_resume is not None:
                if update.callback_query is not None:
                    await _answer_quietly(update)
                await found.flow.on_resume(update, context)
                raise ApplicationHandlerStop
        now = context.services.now()
        record = registry.recorded(context)
        if record is not None and registry.expired(record, now):
            found = registry.current(context, user_id)
            if found is not None:
                await registry.close(context, user_id, found, Closing.EXPIRE)
                await _say(context, found.chat_id, _expired(found.flow, paused=False))
            context.user_data.pop("flow", None)
        paused = registry.recorded(context, PAUSED_KEY)
        if paused is not None and registry.expired(paused, now):
            dropped = await registry.drop_paused(context, user_id, Closing.EXPIRE)
            if dropped is not None and not dropped.kept:  # a kept one: /resume still offers it
                where = int(paused.get("chat") or chat_id)
                await _say(context, where, _expired(dropped, paused=True))
        # more than one open (state left from before this model): keep the recorded one
        opened = registry.open_flows(context, chat_id, user_id)
        if len(opened) > 1:
            keep = registry.current(context, user_id)
            for found in opened:
                if keep is None or found.flow.name != keep.flow.name:
                    await registry.close(context, user_id, found, Closing.CANCEL)

    async def settle(update: Update, context: PolicyContext) -> None:
        person = _person(update)
        if person is None:
            return
        user_id, chat_id = person
        suspended = await registry.settle(context, chat_id, user_id)
        if suspended is not None:
            await _say(context, chat_id, texts.flow_suspended(suspended.title))

    return {
        EXPIRE_GROUP: [TypeHandler(Update, expire)],
        COMMAND_GROUP: [
            CANCEL.handler(),
            RESUME.handler(),
            CANCEL_BUTTON.handler(),
            GO_BUTTON.handler(),
        ],
        SETTLE_GROUP: [TypeHandler(Update, settle)],
    }
