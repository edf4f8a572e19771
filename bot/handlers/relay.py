"""Relay by reply: a reply (text, photo or file) to one of the bot's ticket messages goes
to the other party of that message (enterprise ↔ commissioner ↔ department), through the
bot, and is stored on the ticket's timeline. Nobody's account is shown to the other side.

Which ticket and which party come from the stored link of the replied-to message
(``ticket_link``), never from the message text; the 【number】 prefix only lets a filter
pick these replies without a database query.
"""

from __future__ import annotations

import asyncio

from sqlmodel import Session
from telegram import Message, Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import PolicyContext
from bot.features import Feature
from bot.handlers.ticket_common import actor_of, message_content, relay
from bot.render import tickets as tx
from services.ticket_access import Action, Party
from storage import tickets as store


class _ReplyToTicketMessage(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None:
            return False
        if replied.from_user.id != message.get_bot().id:
            return False
        return bool(tx.TICKET_MESSAGE_RE.match(replied.text or replied.caption or ""))


REPLY_TO_TICKET = _ReplyToTicketMessage(name="reply_to_ticket_message")
LINK_GRACE_SECONDS = 0.5


def relay_action(peer: str, *, chat_id: int, enterprise_id: int) -> Action | None:
    """The action for a reply in ``chat_id`` to a message whose replies go to ``peer``."""
    if peer == Party.ENTERPRISE.value:
        return Action.REPLY
    if peer == Party.DEPARTMENT.value:
        return Action.TO_DEPARTMENT
    if peer == Party.ASSIGNEE.value:
        return Action.ENT_REPLY if chat_id == enterprise_id else Action.DEPT_REPLY
    return None


async def on_reply(update: Update, context: PolicyContext) -> None:
    message = update.effective_message
    actor = await actor_of(update, context)
    if message is None or actor is None or message.reply_to_message is None:
        return
    chat_id, replied_id = message.chat_id, message.reply_to_message.message_id

    def find(session: Session) -> tuple[int, Action | None] | None:
        link = store.find_link(session, chat_id=chat_id, message_id=replied_id)
        if link is None:
            return None
        ticket = store.get_ticket(session, ticket_id=link.ticket_id)
        if ticket is None:
            return None
        return link.ticket_id, relay_action(
            link.peer, chat_id=chat_id, enterprise_id=ticket.enterprise_id
        )

    found = await context.services.db(find)
    if found is None:  # the link is stored right after sending: a very quick reply may win
        await asyncio.sleep(LINK_GRACE_SECONDS)
        found = await context.services.db(find)
    action = found[1] if found else None
    if found is None or action is None:
        await message.reply_text(tx.NOT_RELAYABLE)
        return
    ticket_id = found[0]
    text, file = message_content(message)
    if not text and file is None:
        await message.reply_text(tx.UNSUPPORTED)
        return
    await relay(context, message, actor, ticket_id, action, text=text, file=file)


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    content = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL
    return [MessageHandler(filters.UpdateType.MESSAGE & content & REPLY_TO_TICKET, on_reply)]


FEATURE = Feature(name="relay", build=lambda _settings: build_handlers())
