"""A text from an enterprise whose ticket waits for its answer (the commissioner replied
or asked for materials) that is not a question the matcher answers confidently: asked,
with buttons, whether it goes to the commissioner or is a question. Nothing typed is lost
because the enterprise did not press 💬 or reply to the message.

The matcher's confidence estimates whether its best entry answers a *question*; a
statement meant for the commissioner ("纳税证明明天上午送到园区服务站") can share enough
words with an entry to score high. So while a ticket waits, only a text phrased as a
question is answered without asking; a bare subject ("高企认定条件") costs one tap. A
question can still be meant for the commissioner ("证明送到园区服务站可以吗"): under its
card, one button forwards it."""

from __future__ import annotations

import contextlib
import enum

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

# {"ticket", "text", "msg", "number", "prompt"}: the text waiting for the enterprise's
# choice; only the buttons of the latest prompt ("prompt", its message id) act on it, so an
# older prompt's button never sends a later text
KEY = "tk_route"


class Route(enum.Enum):
    NONE = "none"  # no ticket waits: an ordinary question
    ASKED = "asked"  # asked where the text goes
    ANSWER_THEN_OFFER = "answer"  # a question: answer it, then offer to forward it


async def offer(
    message: Message, context: PolicyContext, text: str, user_id: int, *, answered: bool
) -> Route:
    """Where ``text`` goes, if a ticket waits for this enterprise's answer: asked at once,
    unless it is a question the matcher answers confidently (``answered``: the caller's
    search; then :func:`offer_forward` follows its card)."""
    services = context.services
    if context.user_data is None:
        return Route.NONE
    ticket = await services.db(lambda s: awaiting_enterprise(s, enterprise_id=user_id))
    if ticket is None or ticket.id is None:
        return Route.NONE
    context.user_data[KEY] = {"ticket": ticket.id, "text": text, "msg": message.message_id}
    if answered and asks(text):
        context.user_data[KEY]["number"] = ticket.number
        return Route.ANSWER_THEN_OFFER
    sent = await message.reply_text(tx.route_question(ticket), reply_markup=kb.route_keyboard())
    context.user_data[KEY]["prompt"] = sent.message_id
    return Route.ASKED


async def offer_forward(message: Message, context: PolicyContext) -> None:
    """Under the card of a question typed while a ticket waits: one tap forwards it."""
    pending = (context.user_data or {}).get(KEY)
    if isinstance(pending, dict) and pending.get("number"):
        text = tx.route_after_answer(str(pending["number"]))
        sent = await message.reply_text(text, reply_markup=kb.forward_keyboard())
        pending["prompt"] = sent.message_id


async def on_choice(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    assert query is not None
    pending = (context.user_data or {}).get(KEY)
    message = callback_message(query)
    if (
        not isinstance(pending, dict)
        or message is None
        or pending.get("prompt") != message.message_id
        or context.user_data is None
    ):
        await answer_stale(query)
        return
    context.user_data.pop(KEY, None)
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
