"""Inline mode: ``@bot 关键词`` offers policy cards to share in any chat."""

from __future__ import annotations

import asyncio

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, InlineQueryHandler

from bot import catalog
from bot.context import PolicyContext
from bot.features import Feature
from bot.render import callbacks as cb
from bot.render import cards, keyboards

MAX_RESULTS = 10
CACHE_SECONDS = 10


async def inline_query(update: Update, context: PolicyContext) -> None:
    query = update.inline_query
    if query is None:
        return
    knowledge = context.services.knowledge
    text = query.query.strip()[: context.services.settings.max_question_chars]
    if text:
        entries = await asyncio.to_thread(catalog.search_entries, knowledge, text)
    else:
        entries = catalog.popular(knowledge)
    username = context.bot.username
    today = context.services.today()
    results = [
        InlineQueryResultArticle(
            id=cb.entry_hash(entry.entry_id),
            title=entry.title,
            description=cards.inline_description(entry),
            input_message_content=InputTextMessageContent(
                cards.inline_message(entry, today=today), parse_mode=ParseMode.HTML
            ),
            reply_markup=keyboards.open_in_bot_keyboard(username, entry.entry_id),
        )
        for entry in entries[:MAX_RESULTS]
    ]
    button = None
    if not results:
        button = InlineQueryResultsButton(text="没有找到,去助手里提问", start_parameter="inline")
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=False, button=button)


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    return [InlineQueryHandler(inline_query)]


FEATURE = Feature(name="inline", build=lambda _settings: build_handlers())
