"""Per-user flood control, registered in group -1 so it runs before everything else."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import PolicyContext
from bot.features import Feature
from bot.flood import Verdict
from bot.handlers.common import ADDRESSED_IN_GROUP
from bot.render import texts


def _counts(update: Update) -> bool:
    """Only what the bot would act on: not inline queries (sent per keystroke) and not
    group chatter that is not addressed to the bot."""
    if update.inline_query is not None or update.effective_user is None:
        return False
    message, chat = update.effective_message, update.effective_chat
    in_group = chat is not None and chat.type != ChatType.PRIVATE
    if update.callback_query is None and message is not None and in_group:
        text = message.text or ""
        return text.startswith("/") or bool(ADDRESSED_IN_GROUP.check_update(update))
    return True


async def flood_gate(update: Update, context: PolicyContext) -> None:
    if not _counts(update):
        return
    assert update.effective_user is not None
    verdict = context.services.flood.check(update.effective_user.id)
    if verdict is Verdict.OK:
        return
    if update.callback_query is not None:
        await update.callback_query.answer(texts.FLOOD)  # every tap is answered
    elif verdict is Verdict.WARN and update.effective_message is not None:
        await update.effective_message.reply_text(texts.FLOOD)
    # Verdict.QUIET: a message within the window of the notice it already got
    raise ApplicationHandlerStop


def build_handlers() -> list[BaseHandler[Update, PolicyContext, None]]:
    return [TypeHandler(Update, flood_gate)]


# runs first and may stop the update (ApplicationHandlerStop)
FEATURE = Feature(name="flood", early={-4: lambda _settings: build_handlers()})
