"""Registered last in group 0: buttons nobody else takes (stale or forged) and unknown
commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import PolicyContext
from bot.features import Feature
from bot.handlers.common import answer_stale
from bot.render import texts


async def stale_button(update: Update, context: PolicyContext) -> None:
    if update.callback_query is not None:
        await answer_stale(update.callback_query)


async def unknown_command(update: Update, context: PolicyContext) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(texts.UNKNOWN_COMMAND)


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    return [
        CallbackQueryHandler(stale_button),
        # in groups a bare /command may be meant for another bot: stay quiet there
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command),
    ]


# last: stale buttons (any prefix) and unknown commands
FEATURE = Feature(name="fallback", build=lambda _settings: build_handlers())
