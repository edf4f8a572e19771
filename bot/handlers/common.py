"""Shared pieces of the handlers: who is addressed in groups, sending cards, stale buttons."""

from __future__ import annotations

import re
from collections.abc import Sequence

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import filters

from bot.context import BotServices
from bot.render import cards, clarify, keyboards, texts
from knowledge.model import EntryView

_WORD = re.compile(r"[^\W_]")


class _AddressedToBot(filters.MessageFilter):
    """A mention of this bot (@username or text mention) or a reply to one of its messages."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied and replied.from_user and replied.from_user.id == bot.id:
            return True
        mention = f"@{bot.username}".casefold()
        types: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
        found = {**message.parse_entities(types), **message.parse_caption_entities(types)}
        for entity, text in found.items():
            if entity.type == MessageEntity.MENTION and text.casefold() == mention:
                return True
            if (
                entity.type == MessageEntity.TEXT_MENTION
                and entity.user
                and entity.user.id == bot.id
            ):
                return True
        return False


ADDRESSED_IN_GROUP = _AddressedToBot(name="addressed_to_bot")
# In private chats everything is for us; in groups only mentions and replies to the bot.
FOR_BOT = filters.ChatType.PRIVATE | (filters.ChatType.GROUPS & ADDRESSED_IN_GROUP)


def is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def has_words(text: str) -> bool:
    """Whether the text has any letter or digit (Chinese included): else it is noise."""
    return bool(_WORD.search(text))


def strip_mention(text: str, username: str | None) -> str:
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    return text.strip()


async def send_messages(
    message: Message,
    parts: Sequence[str],
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    quote: bool = False,
) -> Message:
    """Send ``parts`` (HTML, each under 4096) as replies; the keyboard goes on the last."""
    sent = message
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await message.reply_text(
            part, reply_markup=reply_markup if last else None, do_quote=quote and index == 0
        )
    return sent


async def send_card(
    message: Message,
    services: BotServices,
    entry: EntryView,
    *,
    question_id: int | None,
    notes: Sequence[str] = (),
    quote: bool = False,
    self_checks: Sequence[tuple[str, str]] = (),
) -> Message:
    """A policy card; ``self_checks`` (rule ref and title) are the self-checks of the
    programmes the question named, offered under it."""
    footer = [clarify.self_check_note([title for _, title in self_checks])] if self_checks else []
    parts = cards.card_messages(entry, today=services.today(), notes=notes, footer=footer)
    markup = keyboards.card_keyboard(
        entry.entry_id,
        question_id=question_id,
        eligibility=services.knowledge.has_eligibility_rules(entry.entry_id),
        replacement=services.knowledge.replacement(entry),
        self_checks=self_checks,
    )
    return await send_messages(message, parts, reply_markup=markup, quote=quote)


async def answer_stale(query: CallbackQuery) -> None:
    await query.answer(texts.STALE_BUTTON, show_alert=False)


def callback_message(query: CallbackQuery) -> Message | None:
    """The (accessible) message a button belongs to; None for inline or very old ones."""
    return query.message if isinstance(query.message, Message) else None
