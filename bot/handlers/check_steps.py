"""The steps of 资格自测 after it has started: answers (buttons and typed), 上一步, 跳过,
取消, 继续, 保存到企业档案, the inactivity pause and the flow hooks (/cancel, /resume).
Wired into the ``eligibility`` conversation by :mod:`bot.handlers.eligibility`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Coroutine
from typing import Any

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.context import PolicyContext
from bot.flows import Closing
from bot.handlers import profile
from bot.handlers.common import answer_stale, callback_message, is_group
from bot.handlers.flows import off_script
from bot.render import eligibility as kb
from bot.render import eligibility_texts as tx
from knowledge.rules import AnswerError, parse_answer
from services import selfcheck
from services.eligibility import bundled_rules, fact_to_json, option_fact, rule_ref
from services.selfcheck import Step
from storage.profiles import CheckStatus

log = logging.getLogger(__name__)

ASKING = "asking"
END = ConversationHandler.END
State = object | None


def later(update: Update, context: PolicyContext, work: Coroutine[Any, Any, None]) -> None:
    """Send after the conversation has stored its new state (an answer can never arrive
    before the state that expects it)."""
    context.application.create_task(work, update=update)


async def send(
    context: PolicyContext, chat_id: int, parts: list[str], markup: InlineKeyboardMarkup | None
) -> None:
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await context.bot.send_message(chat_id, part, reply_markup=markup if last else None)


async def show(
    context: PolicyContext, chat_id: int, step: Step, *, prefill: bool, error: str | None = None
) -> None:
    """The next question, or the result card when the check is finished."""
    shown = step.prefilled if prefill else ()
    if step.field is not None:
        text = tx.question(
            step.rule.title, step.field, number=step.number, prefilled_facts=shown, error=error
        )
        markup = kb.question_keyboard(step.field, first=step.number == 1)
        await send(context, chat_id, [text], markup)
        return
    log.info("self-check finished: %s %s", step.rule.id, step.verdict.outcome.value)
    knowledge = context.services.knowledge
    entries = [
        (entry.entry_id, entry.title)
        for entry_id in step.rule.entries
        if (entry := knowledge.entry(entry_id)) is not None
    ]
    parts = tx.result(step.verdict)
    if shown:
        parts = [tx.prefilled(shown), *parts]
    markup = kb.result_keyboard(rule_ref(step.rule.id), entries, can_save=bool(step.answered))
    await send(context, chat_id, parts, markup)


def next_state(step: Step) -> State:
    return END if step.finished else ASKING


async def drop_keyboard(update: Update) -> None:
    query = update.callback_query
    message = callback_message(query) if query else None
    if message is not None and message.reply_markup is not None:
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(reply_markup=None)


def ids(update: Update) -> tuple[int, int]:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return user.id, chat.id


async def answer_button(update: Update, context: PolicyContext) -> State:
    """A choice, 是/否, or 不清楚/跳过 (``elig:skip``) for the current question."""
    query = update.callback_query
    assert query is not None
    data = query.data or ""
    if match := kb.ELIG_ANSWER_RE.match(data):
        field = bundled_rules().field(match.group(1))
        value = option_fact(field, int(match.group(2))) if field is not None else None
        if value is None:
            await answer_stale(query)
            return None
    elif match := kb.ELIG_SKIP_RE.match(data):
        value = None
    else:  # pragma: no cover - the patterns route only these here
        await answer_stale(query)
        return None
    return await _answer(update, context, match.group(1), value)


async def _answer(
    update: Update, context: PolicyContext, field_id: str, value: bool | str | None
) -> State:
    user_id, chat_id = ids(update)
    services, rules = context.services, bundled_rules()
    step = await services.db(
        lambda s: selfcheck.answer(
            s,
            rules,
            user_id=user_id,
            field_id=field_id,
            value=value,
            now=services.now(),
            today=services.today(),
        )
    )
    query = update.callback_query
    if step is None:  # a stale button, or the check changed meanwhile
        if query is not None:
            await query.answer(tx.ALREADY_ANSWERED)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(tx.NOTHING_TO_RESUME)
        return None
    if query is not None:
        await query.answer()
        await drop_keyboard(update)
    later(update, context, show(context, chat_id, step, prefill=False))
    return next_state(step)


async def back_button(update: Update, context: PolicyContext) -> State:
    query = update.callback_query
    assert query is not None
    match = kb.ELIG_BACK_RE.match(query.data or "")
    assert match is not None
    pressed = None if match.group(1) == kb.NO_FIELD else match.group(1)
    user_id, chat_id = ids(update)
    services, rules = context.services, bundled_rules()
    step = await services.db(
        lambda s: selfcheck.back(
            s,
            rules,
            user_id=user_id,
            field_id=pressed,
            now=services.now(),
            today=services.today(),
        )
    )
    if step is None:
        await answer_stale(query)
        return None
    if step.field is not None and step.field.id == pressed:
        await query.answer(tx.FIRST_QUESTION)
        return None
    await query.answer()
    await drop_keyboard(update)
    later(update, context, show(context, chat_id, step, prefill=False))
    return next_state(step)


async def fixed_button(update: Update, context: PolicyContext) -> State:
    """取消 and 继续."""
    query = update.callback_query
    assert query is not None
    user_id, chat_id = ids(update)
    services, rules = context.services, bundled_rules()
    if query.data == kb.ELIG_CANCEL:
        cancelled = await services.db(lambda s: selfcheck.cancel(s, user_id=user_id))
        if not cancelled:
            await answer_stale(query)
            return None
        await query.answer()
        await drop_keyboard(update)
        await context.bot.send_message(chat_id, tx.CANCELLED)
        return END
    step = await services.db(
        lambda s: selfcheck.resume(
            s, rules, user_id=user_id, chat_id=chat_id, now=services.now(), today=services.today()
        )
    )
    if step is None or is_group(update):
        await query.answer(tx.NOTHING_TO_RESUME)
        return None
    await query.answer()
    await drop_keyboard(update)
    if context.user_data is not None:
        context.user_data.pop(profile.EDIT_KEY, None)
    later(update, context, show(context, chat_id, step, prefill=True))
    return next_state(step)


async def save_button(update: Update, context: PolicyContext) -> State:
    """💾 保存到企业档案 under a result card."""
    query = update.callback_query
    assert query is not None
    match = kb.ELIG_SAVE_RE.match(query.data or "")
    rule = bundled_rules().by_ref(match.group(1)) if match else None
    user_id, chat_id = ids(update)
    services, rules = context.services, bundled_rules()
    count = (
        await services.db(
            lambda s: selfcheck.save_answers(
                s, rules, user_id=user_id, rule_id=rule.id, now=services.now()
            )
        )
        if rule is not None
        else None
    )
    if rule is None or count is None:
        await answer_stale(query)
        return None
    await query.answer(tx.SAVED if count else tx.NOTHING_TO_SAVE)
    message = callback_message(query)
    if message is not None and message.reply_markup is not None:
        rows = [
            row
            for row in message.reply_markup.inline_keyboard
            if not any(b.callback_data == query.data for b in row)
        ]
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(reply_markup=InlineKeyboardMarkup(rows))
    await context.bot.send_message(chat_id, tx.saved(count))
    return None


# ------------------------------------------------------------------ typed answers, timeout


async def on_text(update: Update, context: PolicyContext) -> State:
    message = update.effective_message
    assert message is not None
    user_id, chat_id = ids(update)
    services, rules = context.services, bundled_rules()
    step = await services.db(
        lambda s: selfcheck.current(s, rules, user_id=user_id, today=services.today())
    )
    if step is None or step.field is None or step.state.status != CheckStatus.ACTIVE:
        await message.reply_text(tx.NOTHING_TO_RESUME)
        return END
    try:
        parsed = parse_answer(step.field, message.text or "", today=services.today())
    except AnswerError as exc:
        if not await off_script(update, context):  # a question, or lost: else re-ask
            await show(context, chat_id, step, prefill=False, error=str(exc))
        return ASKING
    value = fact_to_json(parsed) if parsed is not None else None
    return await _answer(update, context, step.field.id, value)


async def on_timeout(
    update: object, context: PolicyContext, *, minutes: int, seconds: float
) -> None:
    """No activity for ``seconds``: pause the check (继续 restores its answers)."""
    if not isinstance(update, Update) or update.effective_user is None:
        return
    if context.user_data is not None:
        context.user_data.pop(profile.EDIT_KEY, None)
    user_id, chat_id = ids(update)
    services, rules = context.services, bundled_rules()
    now, today = services.now(), services.today()

    def pause(session: Session) -> str | None:
        idle_since = now - dt.timedelta(seconds=seconds)
        if not selfcheck.pause(session, user_id=user_id, now=now, idle_since=idle_since):
            return None
        step = selfcheck.current(session, rules, user_id=user_id, today=today)
        return step.rule.title if step is not None else None

    title = await services.db(pause)
    if title is not None:
        await context.bot.send_message(
            chat_id, tx.paused(title, minutes), reply_markup=kb.paused_keyboard()
        )


async def close_check(context: PolicyContext, user_id: int, how: Closing) -> None:
    """/cancel deletes the check; suspended or abandoned, it is paused (继续 restores it)."""
    services = context.services
    if how is Closing.CANCEL:
        await services.db(lambda s: selfcheck.cancel(s, user_id=user_id))
        return
    now = services.now()
    await services.db(lambda s: selfcheck.pause(s, user_id=user_id, now=now))


async def offer_paused_check(update: Update, context: PolicyContext) -> bool:
    """/resume with nothing suspended: a check paused by inactivity (or ended by the flow
    expiry, which pauses it too) is offered with its 继续 button. True when offered."""
    if is_group(update):
        return False
    user_id, chat_id = ids(update)
    services, rules = context.services, bundled_rules()
    step = await services.db(
        lambda s: selfcheck.current(s, rules, user_id=user_id, today=services.today())
    )
    if step is None or step.finished or step.state.status != CheckStatus.PAUSED:
        return False
    await context.bot.send_message(
        chat_id, tx.paused_offer(step.rule.title), reply_markup=kb.paused_keyboard()
    )
    return True


async def resume_check(update: Update, context: PolicyContext) -> None:
    """/resume: the paused check's current question again."""
    user_id, chat_id = ids(update)
    services, rules = context.services, bundled_rules()
    step = await services.db(
        lambda s: selfcheck.resume(
            s, rules, user_id=user_id, chat_id=chat_id, now=services.now(), today=services.today()
        )
    )
    if step is None:
        await context.bot.send_message(chat_id, tx.NOTHING_TO_RESUME)
        return
    await show(context, chat_id, step, prefill=True)
