"""/forget (PIPL): after a confirmation button, delete everything the bot keeps about the
user — every cleanup registered in ``services.privacy`` in one transaction, then PTB's
in-memory user_data / chat_data. The confirmation ends the ``eligibility`` conversation
(it is one of its entry points), so its persisted state goes too."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ConversationHandler, JobQueue

from bot.context import BotServices, PolicyContext
from bot.features import Chats, Command, Feature
from bot.handlers.common import callback_message
from bot.render import eligibility as kb
from bot.render import profile as tx
from scheduler import privacy_retention
from scheduler.leader import leader_only
from services import privacy

log = logging.getLogger(__name__)


async def forget_command(update: Update, context: PolicyContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    markup = kb.confirm_forget_keyboard()
    await context.bot.send_message(chat.id, tx.FORGET_CONFIRM, reply_markup=markup)


async def _replace(update: Update, text: str) -> None:
    query = update.callback_query
    message = callback_message(query) if query else None
    if message is not None:
        with contextlib.suppress(BadRequest):
            await message.edit_text(text, reply_markup=None)


async def forget_kept(update: Update, context: PolicyContext) -> None:
    """取消: nothing is deleted."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await _replace(update, tx.FORGET_KEPT)


async def forget_confirmed(update: Update, context: PolicyContext) -> object:
    """⚠️ 确认删除全部数据."""
    query = update.callback_query
    user, chat = update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    user_id = user.id
    await context.services.db(lambda s: privacy.forget_user(s, user_id=user_id))
    context.application.drop_user_data(user_id)
    if chat.id == user_id:  # the private chat
        context.application.drop_chat_data(chat.id)
    await query.answer()
    await _replace(update, tx.FORGET_DONE)
    return ConversationHandler.END


def schedule(jobs: JobQueue[PolicyContext], services: BotServices) -> None:
    """privacy:retention: closed tickets' personal fields are anonymised after
    POLICYBOT_RETENTION_DAYS (once cluster-wide, scheduler/leader.py)."""
    jobs.run_repeating(
        leader_only(privacy_retention.job),
        interval=privacy_retention.INTERVAL_SECONDS,
        first=300,
        name=privacy_retention.JOB_NAME,
    )


# its buttons (prof:forget:…) are the profile's
FEATURE = Feature(
    name="forget",
    commands=(Command("forget", "删除我的全部数据", forget_command, chats=Chats.PRIVATE),),
    jobs=(schedule,),
)
