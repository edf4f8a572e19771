"""The one error handler: log with the update id (token redacted), apologise politely."""

from __future__ import annotations

import logging
import traceback

from sqlalchemy.exc import StatementError
from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.context import PolicyContext
from bot.render import texts

log = logging.getLogger(__name__)


def redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "<token>") if secret else text


def describe(error: BaseException, token: str | None) -> str:
    """The traceback without the token and without SQL parameters (user text)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StatementError):
            current.hide_parameters = True
        current = current.__cause__ or current.__context__
    return redact("".join(traceback.format_exception(error)), token)


async def on_error(update: object, context: PolicyContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    token = context.bot.token
    if error is None:
        return
    if isinstance(error, Forbidden):  # the user blocked the bot or it left the group
        log.info("update %s: not allowed to write to the chat", update_id)
        return
    if update is None and isinstance(error, NetworkError):
        # polling hiccups are retried by PTB; no traceback noise
        log.warning("network problem while polling: %s", redact(str(error), token))
        return
    log.error("error while handling update %s:\n%s", update_id, describe(error, token))
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(texts.ERROR)
                return
            except TelegramError:  # already answered: fall back to a message
                pass
        if update.effective_message is not None and update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, texts.ERROR, parse_mode=None)
    except TelegramError as exc:
        log.warning("could not tell update %s about the error: %s", update_id, type(exc).__name__)
