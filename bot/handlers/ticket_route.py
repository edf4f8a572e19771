"""A text from an enterprise whose ticket waits for its answer (the commissioner replied
or asked for materials) that is not a question the matcher answers confidently: asked,
with buttons, whether it goes to the commissioner or is a question. Nothing typed is lost
because the enterprise did not press 💬 or reply to the message.

The matcher's confidence estimates whether its best entry answers a *question*; a
statement meant for the commissioner ("纳税证明明天上午送到园区服务站") can share enough
words with an entry to score high. So while a ticket waits, only a text phrased as a
question is answered without asking; a bare subject ("高企认定条件") costs one tap."""

from __future__ import annotations

import asyncio
import contextlib

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import PolicyContext
from bot.features import Button, Feature
from bot.handlers.common import answer_stale, callback_message
from bot.handlers.ticket_common import actor_of, relay
from bot.render import ticket_buttons as kb
from bot.render import tickets as tx
from knowledge.text import asks
from services.ticket_access import Action
from services.tickets import awaiting_enterprise

KEY = "tk_route"  # {"ticket", "text", "msg"}: the text waiting for the enterprise's choice


async def offer(message: Message, context: PolicyContext, text: str, user_id: int) -> bool:
    """Ask where ``text`` goes, if a ticket waits for this enterprise's answer and the
    text is not a question the matcher answers confidently. True when asked."""
    services = context.services
    if context.user_data is None:
        return False
    ticket = await services.db(lambda s: awaiting_enterprise(s, enterprise_id=user_id))
    if ticket is None or ticket.id is None:
        return False
    if asks(text):
        result = await asyncio.to_thread(services.knowledge.search, text, today=services.today())
        if result.answered:
            return False
    context.user_data[KEY] = {"ticket": ticket.id, "text": text, "msg": message.message_id}
    await message.reply_text(tx.route_question(ticket), reply_markup=kb.route_keyboard())
    return True


async def on_choice(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    assert query is not None
    pending = (context.user_data or {}).pop(KEY, None)
    message = callback_message(query)
    if not isinstance(pending, dict) or message is None:
        await answer_stale(query)
        return
    await query.answer()
    with contextlib.suppress(BadRequest):
        await message.edit_reply_markup(reply_markup=None)
    text = str(pending.get("text") or "")
    if query.data == kb.ROUTE_ASK:
        from bot.handlers.consult import answer_question  # consult offers this choice

        user_id = query.from_user.id
        await answer_question(message, context, text, user_id, notes=[], offer_ticket=False)
        return
    actor = await actor_of(update, context)
    if actor is None:
        await message.reply_text(tx.NOT_RELAYABLE)
        return
    ticket_id = int(pending.get("ticket") or 0)
    await relay(context, message, actor, ticket_id, Action.ENT_REPLY, text=text)


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    return [CallbackQueryHandler(on_choice, pattern=kb.ROUTE_RE)]


# a typed answer while a ticket waits for one
FEATURE = Feature(
    name="ticket_route",
    buttons=(Button("tkq:", on_choice, pattern=kb.ROUTE_RE),),
    build=lambda _settings: build_handlers(),
)
