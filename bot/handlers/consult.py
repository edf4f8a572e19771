"""Free text → policy card; the card's buttons 原文 / 相关政策 and card:show."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from telegram import Message, Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot import catalog
from bot.context import BotServices, PolicyContext
from bot.features import Button, Feature
from bot.handlers import clarify, ticket_route
from bot.handlers.common import (
    FOR_BOT,
    answer_stale,
    callback_message,
    has_words,
    is_group,
    send_card,
    send_messages,
    strip_mention,
)
from bot.render import callbacks as cb
from bot.render import cards, keyboards, texts
from bot.render.markup import esc
from knowledge.audience import other_industry
from knowledge.matcher import SearchResult
from knowledge.model import EntryView
from knowledge.text import asks_for_list
from services.knowledge import search_top


async def consult(update: Update, context: PolicyContext) -> None:
    """Answer a question (a new or an edited text message)."""
    message = update.effective_message
    if message is None:
        return
    group = is_group(update)
    text = strip_mention(message.text or "", context.bot.username)
    notes: list[str] = []
    if update.edited_message is not None:
        notes.append(esc(texts.EDITED))
    offer = not group and update.edited_message is None
    user_id = update.effective_user.id if update.effective_user else None
    await answer_question(message, context, text, user_id, notes=notes, offer_ticket=offer)


async def answer_question(
    message: Message,
    context: PolicyContext,
    text: str,
    user_id: int | None,
    *,
    notes: list[str],
    offer_ticket: bool,
) -> None:
    """The card, a clarifying question, or the closest entries. ``offer_ticket``: an
    enterprise whose ticket waits for its answer is first asked where the text goes."""
    services = context.services
    group = message.chat.type != "private"
    if not has_words(text):
        await message.reply_text(texts.EMPTY_TEXT, do_quote=group)
        return
    limit = services.settings.max_question_chars
    if len(text) > limit:
        notes.append(esc(texts.truncated(limit)))
        text = text[:limit]
    listing = asks_for_list(text)
    result = await asyncio.to_thread(services.knowledge.search, text, top=search_top(text))
    route = ticket_route.Route.NONE
    if offer_ticket and user_id:
        route = await ticket_route.offer(message, context, text, user_id, answered=result.answered)
    if route is ticket_route.Route.ASKED:
        return  # not logged as a question unless the enterprise says it is one
    answer = await asyncio.to_thread(
        services.knowledge.log, text, result, channel=services.channel, user_id=user_id
    )
    entry = services.knowledge.answer_entry(result)
    if entry is not None or result.clarify:
        await send_found(
            message,
            services,
            result,
            entry,
            question_id=answer.question_id,
            listing=listing,
            notes=notes,
            quote=group,
        )
        if entry is not None and route is ticket_route.Route.ANSWER_THEN_OFFER:
            await ticket_route.offer_forward(message, context)
        return
    if result.chatter:  # 谢谢 / 收到,谢谢: a courtesy, not a question nobody could answer
        await message.reply_text("\n\n".join([*notes, texts.CHATTER]), do_quote=group)
        return
    if result.outside:  # 发票怎么开: a subject no document speaks of, said as such
        text = cards.outside_text(
            result.outside, result.outside_label, request=result.outside_request
        )
        await message.reply_text(
            "\n\n".join([*notes, text]),
            reply_markup=keyboards.suggestions_keyboard(()),  # 分类浏览 only
            do_quote=group,
        )
        return
    suggested = services.knowledge.suggested(result)
    suggestions = catalog.suggestions(services.knowledge, [m.entry_id for m in suggested])
    parts = [*notes, cards.no_answer_text(suggestions, today=services.today())]
    await send_messages(
        message,
        ["\n\n".join(parts)],
        reply_markup=keyboards.suggestions_keyboard(suggestions),
        quote=group,
    )


async def send_found(
    message: Message,
    services: BotServices,
    result: SearchResult,
    entry: EntryView | None,
    *,
    question_id: int | None,
    listing: bool,
    notes: Sequence[str] = (),
    quote: bool = False,
) -> None:
    """What a question found: ``entry``'s card when it is the answer (send_answer), else
    the options to choose from (您是想了解以下哪项?)."""
    if entry is not None:
        await send_answer(
            message,
            services,
            entry,
            result,
            question_id=question_id,
            listing=listing,
            notes=notes,
            quote=quote,
        )
    else:
        await clarify.ask_back(
            message,
            services,
            result,
            question_id=question_id,
            notes=notes,
            quote=quote,
            listing=listing,
        )


async def send_answer(
    message: Message,
    services: BotServices,
    entry: EntryView,
    result: SearchResult,
    *,
    question_id: int | None,
    listing: bool,
    notes: Sequence[str] = (),
    quote: bool = False,
) -> None:
    """The answer's card — a question naming a programme (高新技术企业认定条件) is offered
    its self-check when the answering entry is linked to it — and, for a question asking
    which measures there are (有什么补贴), the others that could have answered, listed.
    A question naming the enterprise's trade (我们是做餐饮的) answered by a measure whose
    text names only other trades is told so above the card."""
    other = other_industry(result.question, entry.audience)
    if other:
        notes = [*notes, esc(cards.other_industry_note(*other))]
    await send_card(
        message,
        services,
        entry,
        question_id=question_id,
        notes=notes,
        quote=quote,
        self_checks=clarify.named_self_checks(result, card=entry.entry_id),
    )
    others = services.knowledge.also_listed(result) if listing else ()
    if others:
        await message.reply_text(
            cards.also_text(others, today=services.today()),
            reply_markup=keyboards.suggestions_keyboard(others),
            do_quote=quote,
        )


async def card_button(update: Update, context: PolicyContext) -> None:
    """card:show / card:full / card:rel — stale or unknown entries get a friendly answer."""
    query = update.callback_query
    if query is None:
        return
    match = cb.CARD_RE.match(query.data or "")
    message = callback_message(query)
    services = context.services
    entry = services.entry_by_ref(match.group(2)) if match else None
    if match is None or entry is None or message is None:
        await answer_stale(query)
        return
    await query.answer()
    action = cb.CardAction(match.group(1))
    if action is cb.CardAction.SHOW:
        await send_card(message, services, entry, question_id=None)
    elif action is cb.CardAction.FULL:
        await send_messages(message, cards.full_text_messages(entry))
    else:
        related = await asyncio.to_thread(catalog.related, services.knowledge, entry)
        await message.reply_text(
            cards.related_text(entry, related), reply_markup=keyboards.related_keyboard(related)
        )


CARD = Button("card:", card_button, pattern=r"^card:(show|full|rel):")


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    text = filters.TEXT & ~filters.COMMAND & FOR_BOT
    return [
        MessageHandler(filters.UpdateType.MESSAGE & text, consult),
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & text, consult),
        CARD.handler(),
    ]


FEATURE = Feature(
    name="consult",
    buttons=(CARD,),
    build=lambda _settings: build_handlers(),
)
