"""The one error handler: log with the update id (token redacted), apologise politely.

A database that is unreachable or full (``storage.failures``) is not a bug: one
concise log line (a warning; an ERROR when the storage is full), a specific friendly
reply, and no further handlers for that update. The engine's ``pool_pre_ping`` replaces
dead connections, so the next update works again once the database is back."""

from __future__ import annotations

import logging
import traceback

from sqlalchemy.exc import StatementError
from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import PolicyContext
from bot.render import texts
from storage import failures
from storage.failures import DBFailure

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
    failure = failures.classify(error)
    if failure is not None:
        await on_database_failure(update, context, error, failure)
        return
    log.error("error while handling update %s:\n%s", update_id, describe(error, token))
    if isinstance(update, Update):
        await tell(update, context, texts.ERROR)


async def on_database_failure(
    update: object, context: PolicyContext, error: BaseException, failure: DBFailure
) -> None:
    """No traceback: the driver's first line says it all (no SQL, no parameters)."""
    if isinstance(update, Update):
        where = f"update {update.update_id}"
    elif context.job is not None:
        where = f"job {context.job.name}"
    else:
        where = "background task"
    cause = redact(failures.cause(error), context.bot.token)
    if failure is DBFailure.FULL:
        log.error(
            "%s: database storage is full (%s): the write was rolled back; free disk space",
            where,
            cause,
        )
    else:
        log.warning("%s: database unavailable (%s)", where, cause)
    if isinstance(update, Update):
        await tell(
            update,
            context,
            texts.STORAGE_FULL if failure is DBFailure.FULL else texts.DB_UNAVAILABLE,
        )
        raise ApplicationHandlerStop  # later groups would only fail again: one reply


async def tell(update: Update, context: PolicyContext, text: str) -> None:
    """Answer the button (a toast) or write to the chat; never raise."""
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(text)
                return
            except TelegramError:  # already answered: fall back to a message
                pass
        if update.effective_message is not None and update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text, parse_mode=None)
    except TelegramError as exc:
        log.warning(
            "could not tell update %s about the error: %s", update.update_id, type(exc).__name__
        )
