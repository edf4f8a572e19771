"""Ticket actions that take a text (or a photo/file): 回复企业, 补充材料请求, 办结, 退回,
转办 (after choosing the department), 答复专员, 回复部门, the enterprise's 回复专员, and
the optional comment after a rating. One persistent conversation, ``ticket_input``.

In a group (a department chat) the prompt asks for a reply to it (privacy mode: the bot
only sees replies and commands there); the prompt is linked to the ticket, so any member's
reply is relayed by ``relay`` as well.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, cast

from telegram import ForceReply, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import PolicyContext
from bot.features import Button, Feature
from bot.flows import Flow
from bot.handlers.common import answer_stale, callback_message
from bot.handlers.relay import REPLY_TO_TICKET, on_reply
from bot.handlers.ticket_common import actor_of, message_content, notifier, perform, probe
from bot.render import ticket_buttons as kb
from bot.render import tickets as tx
from services.ticket_access import Action, Party
from services.tickets import Change
from storage import tickets as store
from storage.models_tickets import Ticket

AWAIT = 0
KEY = "tk_input"
ACTIONS: dict[str, Action] = {
    "rep": Action.REPLY,
    "info": Action.INFO,
    "done": Action.RESOLVE,
    "ret": Action.RETURN,
    "drep": Action.DEPT_REPLY,
    "erep": Action.ENT_REPLY,
    "tod": Action.TO_DEPARTMENT,
    "trd": Action.TRANSFER,
    "cmt": Action.COMMENT,
}
# where a reply to the prompt goes (relayed messages only)
PROMPT_PEERS = {"rep": Party.ENTERPRISE, "erep": Party.ASSIGNEE, "drep": Party.ASSIGNEE}
TEXT_ONLY = frozenset({"done", "ret", "trd", "cmt"})
DONE_TEXTS = {
    "done": "已办结,已通知企业评价。",
    "ret": "已退回待分派队列。",
    "trd": "已转办。",
    "cmt": "感谢您的意见!",
    "info": "已向企业发送补充材料请求。",
}


async def start_input(update: Update, context: PolicyContext) -> int:
    query = update.callback_query
    assert query is not None
    data = query.data or ""
    actor = await actor_of(update, context)
    match = kb.TK_INPUT_RE.match(data) or kb.TK_DEPT_RE.match(data)
    if match is None or actor is None:
        await answer_stale(query)
        return ConversationHandler.END
    code = "trd" if data.startswith("tk:trd:") else match.group(1)
    ticket_id = int(match.group(1) if code == "trd" else match.group(2))
    department = int(match.group(2)) if code == "trd" else None
    checked = await probe(context, actor, ticket_id, ACTIONS[code])
    if isinstance(checked, str):
        await query.answer(checked, show_alert=True)
        return ConversationHandler.END
    await query.answer()
    assert context.user_data is not None
    context.user_data[KEY] = {"code": code, "ticket": ticket_id, "department": department}
    return await _send_prompt(update, context, code, checked)


async def _send_prompt(update: Update, context: PolicyContext, code: str, ticket: Ticket) -> int:
    chat = update.effective_chat
    assert chat is not None
    group = chat.type != "private"
    text = f"{tx.header(ticket)} {tx.PROMPTS[code]}" + (tx.GROUP_PROMPT_SUFFIX if group else "")
    markup: Any = ForceReply() if group else kb.cancel_keyboard(skip=code == "cmt")

    async def send() -> None:  # after the conversation stored AWAIT (see request.ask)
        sent = await context.bot.send_message(chat.id, text, reply_markup=markup)
        if code in PROMPT_PEERS:
            await notifier(context).link(sent, ticket, PROMPT_PEERS[code])

    context.application.create_task(send(), update=update)
    return AWAIT


async def rate(update: Update, context: PolicyContext) -> int:
    """满意 / 基本满意 / 不满意: recorded at once; then an optional comment."""
    query = update.callback_query
    assert query is not None
    match = kb.TK_RATE_RE.match(query.data or "")
    actor = await actor_of(update, context)
    if match is None or actor is None:
        await answer_stale(query)
        return ConversationHandler.END
    ticket_id, rating = int(match.group(1)), kb.RATINGS[match.group(2)]
    result = await perform(context, actor, ticket_id, Action.RATE, rating=rating.value)
    if isinstance(result, str):
        await query.answer(result, show_alert=True)
        return ConversationHandler.END
    await query.answer(f"已评价:{rating.value}")
    message = callback_message(query)
    if message is not None:
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(reply_markup=None)
    await notifier(context).dispatch(result, actor)
    assert context.user_data is not None
    context.user_data[KEY] = {"code": "cmt", "ticket": ticket_id, "department": None}
    return await _send_prompt(update, context, "cmt", result.ticket)


async def receive(update: Update, context: PolicyContext) -> int:
    message = update.effective_message
    pending = (context.user_data or {}).get(KEY)
    actor = await actor_of(update, context)
    if message is None or actor is None:
        return ConversationHandler.END
    if not isinstance(pending, dict):  # cancelled meanwhile (updates run concurrently)
        if REPLY_TO_TICKET.check_update(update):
            await on_reply(update, context)
        return ConversationHandler.END
    code, ticket_id = str(pending.get("code")), int(pending.get("ticket") or 0)
    text, file = message_content(message)
    if code in TEXT_ONLY and (file is not None or not text):
        await message.reply_text("请输入文字。")
        return AWAIT
    if not text and file is None:
        await message.reply_text(tx.UNSUPPORTED)
        return AWAIT
    department = pending.get("department")
    result = await perform(
        context,
        actor,
        ticket_id,
        ACTIONS[code],
        text=text,
        file=file,
        department_id=int(department) if department else None,
    )
    _forget(context)
    if isinstance(result, str):
        await message.reply_text(result)
        return ConversationHandler.END
    delivered = await notifier(context).dispatch(result, actor)
    await message.reply_text(_outcome(code, result, delivered))
    return ConversationHandler.END


def _outcome(code: str, change: Change, delivered: bool) -> str:
    if code in DONE_TEXTS:
        return DONE_TEXTS[code] if delivered or code == "cmt" else tx.RELAY_FAILED
    if not delivered:
        return tx.RELAY_QUEUED if change.ticket.assignee_id is None else tx.RELAY_FAILED
    return tx.RELAY_SENT


def _forget(context: PolicyContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(KEY, None)


async def cancel(update: Update, context: PolicyContext) -> int:
    pending = (context.user_data or {}).get(KEY)
    skipped = isinstance(pending, dict) and pending.get("code") == "cmt"
    _forget(context)
    text = tx.SKIPPED if skipped else tx.CANCELLED
    if update.callback_query is not None:
        await update.callback_query.answer(text)
        message = callback_message(update.callback_query)
        if message is not None:
            with contextlib.suppress(BadRequest):
                await message.edit_reply_markup(reply_markup=None)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def resume(update: Update, context: PolicyContext) -> None:
    """/resume: the prompt again (the ticket may have moved on: then say so)."""
    pending = (context.user_data or {}).get(KEY)
    ticket_id = int(pending.get("ticket") or 0) if isinstance(pending, dict) else 0
    ticket = await context.services.db(lambda s: store.get_ticket(s, ticket_id=ticket_id))
    if ticket is None or not isinstance(pending, dict):
        _forget(context)
        if update.effective_message is not None:
            await update.effective_message.reply_text(tx.CANCELLED)
        return
    await _send_prompt(update, context, str(pending.get("code")), ticket)


FLOW = Flow(
    name="ticket_input",
    title="工单回复",
    conversation="ticket_input",
    keys=(KEY,),
    on_resume=resume,
    restart="在工单消息上点相应的按钮",
)


BUTTONS = (
    Button("tk:", start_input, pattern=kb.TK_INPUT_RE),
    Button("tk:", start_input, pattern=kb.TK_DEPT_RE),
    Button("tk:", rate, pattern=kb.TK_RATE_RE),
)


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    content = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL
    buttons = rf"^({kb.TK_CANCEL}|{kb.TK_SKIP})$"
    with warnings.catch_warnings():
        # per_message=False with CallbackQueryHandlers is intended: the state is per user
        # and chat, the buttons only start or end it (PTB warns about tracking per message)
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        conversation: ConversationHandler[PolicyContext] = ConversationHandler(
            entry_points=[
                *(button.handler() for button in BUTTONS),
            ],
            states={
                AWAIT: [
                    MessageHandler(content, receive),
                    CallbackQueryHandler(cancel, pattern=buttons),
                ]
            },
            fallbacks=[CallbackQueryHandler(cancel, pattern=buttons)],
            name="ticket_input",
            persistent=True,
            per_chat=True,
            per_user=True,
            per_message=False,
            allow_reentry=True,
        )
    # a ConversationHandler returns objects, the other handlers None: same use here
    return [cast(BaseHandler[Update, PolicyContext, None], conversation)]


# the ticket buttons that ask for a text (the others are tickets.FEATURE's)
FEATURE = Feature(
    name="ticket_input",
    buttons=BUTTONS,
    flows=(FLOW,),
    build=lambda _settings: build_handlers(),
)
