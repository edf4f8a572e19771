"""Anything that is not a text question: stickers, photos, voice, files, empty text."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import PolicyContext
from bot.features import Feature
from bot.handlers.common import FOR_BOT, is_group
from bot.render import texts

Callback = Callable[[Update, PolicyContext], Coroutine[Any, Any, None]]

_VOICE = filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE
_REPLIES: tuple[tuple[filters.BaseFilter, str], ...] = (
    (filters.Sticker.ALL, texts.STICKER),
    (filters.PHOTO, "我暂时看不懂图片。" + texts.ONLY_TEXT),
    (_VOICE, "我暂时听不懂语音。" + texts.ONLY_TEXT),
    (filters.Document.ALL, texts.NO_FILES),
)


def _replying(reply: str) -> Callback:
    async def callback(update: Update, context: PolicyContext) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(reply, do_quote=is_group(update))

    return callback


async def other(update: Update, context: PolicyContext) -> None:
    """Any other message for the bot: empty text, location, contact, video, …"""
    message = update.effective_message
    if message is None:
        return
    reply = texts.EMPTY_TEXT if message.text is not None else texts.ONLY_TEXT
    await message.reply_text(reply, do_quote=is_group(update))


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    new_for_bot = filters.UpdateType.MESSAGE & FOR_BOT
    handlers: list[BaseHandler[Update, PolicyContext, None]] = [
        MessageHandler(new_for_bot & kind, _replying(reply)) for kind, reply in _REPLIES
    ]
    # last: whatever else reaches the bot (not service messages such as joins or pins)
    handlers.append(
        MessageHandler(new_for_bot & ~filters.StatusUpdate.ALL & ~filters.COMMAND, other)
    )
    return handlers


FEATURE = Feature(name="media", build=lambda _settings: build_handlers())
