"""资格自测: /check (choose a programme) or a card's 资格自测 button, then one question at a
time until the result card.

One persistent conversation (``eligibility``, per chat and user, private chats only). Its
state says which typed answer is awaited: ``ASKING`` (a check question) or
``profile.EDITING`` (a profile fact, see :mod:`bot.handlers.profile`). The answers live in
the ``eligibility_check`` table (``services.selfcheck``), so a check survives a restart;
after ``timeout`` seconds without activity the check is paused with a 继续 button.
"""

from __future__ import annotations

import logging
import warnings
from typing import cast

from telegram import Update
from telegram.ext import (
    BaseHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import PolicyContext
from bot.features import Button, Chats, Command, Feature
from bot.flows import Flow
from bot.handlers import profile
from bot.handlers.check_steps import (
    ASKING,
    State,
    answer_button,
    back_button,
    close_check,
    fixed_button,
    ids,
    later,
    next_state,
    offer_paused_check,
    on_text,
    on_timeout,
    resume_check,
    save_button,
    show,
)
from bot.handlers.common import answer_stale, is_group
from bot.render import callbacks as cb
from bot.render import eligibility as kb
from bot.render import eligibility_texts as tx
from knowledge.rules import Rule
from services import selfcheck
from services.eligibility import bundled_rules, rule_ref

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 30 * 60.0  # seconds without activity before a check is paused (default)

# ------------------------------------------------------------------ entry points


async def check_command(update: Update, context: PolicyContext) -> State:
    """/check: the programmes to choose from (and 继续 for an unfinished check)."""
    user_id, chat_id = ids(update)
    services, rules = context.services, bundled_rules()
    step = await services.db(
        lambda s: selfcheck.current(s, rules, user_id=user_id, today=services.today())
    )
    resume = step.rule.title if step is not None and not step.finished else None
    choices = [(rule_ref(r.id), r.title) for r in rules.rules]
    markup = kb.rules_keyboard(choices, resume=resume)
    await context.bot.send_message(
        chat_id, tx.rules_menu(len(choices), resume=resume), reply_markup=markup
    )
    return None


async def _start(update: Update, context: PolicyContext, rule: Rule, entry_id: str | None) -> State:
    user_id, chat_id = ids(update)
    services, rules = context.services, bundled_rules()
    if context.user_data is not None:
        context.user_data.pop(profile.EDIT_KEY, None)
    step = await services.db(
        lambda s: selfcheck.start(
            s,
            rules,
            user_id=user_id,
            chat_id=chat_id,
            rule=rule,
            entry_id=entry_id,
            now=services.now(),
            today=services.today(),
        )
    )
    later(update, context, show(context, chat_id, step, prefill=True))
    return next_state(step)


async def card_check(update: Update, context: PolicyContext) -> State:
    """A card's ✅ 资格自测: the one programme linked to the entry, or a choice of them."""
    query = update.callback_query
    assert query is not None
    match = cb.CARD_RE.match(query.data or "")
    entry = context.services.entry_by_ref(match.group(2)) if match else None
    linked = bundled_rules().for_entry(entry.entry_id) if entry is not None else ()
    if entry is None or not linked:
        await answer_stale(query)
        return None
    if is_group(update):
        await query.answer(tx.PRIVATE_ONLY, show_alert=True)
        return None
    await query.answer()
    if len(linked) == 1:
        return await _start(update, context, linked[0], entry.entry_id)
    _, chat_id = ids(update)
    markup = kb.rules_keyboard([(rule_ref(r.id), r.title) for r in linked])
    await context.bot.send_message(
        chat_id, tx.choose_rule_for_entry(entry.title), reply_markup=markup
    )
    return None


async def start_button(update: Update, context: PolicyContext) -> State:
    query = update.callback_query
    assert query is not None
    match = kb.ELIG_START_RE.match(query.data or "")
    rule = bundled_rules().by_ref(match.group(1)) if match else None
    if rule is None:
        await answer_stale(query)
        return None
    if is_group(update):  # a self-check offered under a card or a question in a group
        await query.answer(tx.PRIVATE_ONLY, show_alert=True)
        return None
    await query.answer()
    return await _start(update, context, rule, None)


FLOW = Flow(
    name="check",
    title="资格自测",
    conversation="eligibility",
    states=frozenset({ASKING}),
    on_close=close_check,
    on_resume=resume_check,
    on_offer=offer_paused_check,
    restart="发送 /resume",
    kept=True,  # an abandoned check is paused with its answers (close_check)
)


CHECK = Command("check", "政策资格自测", check_command, chats=Chats.PRIVATE)
# every button of a check enters (or re-enters) the conversation
BUTTONS = (
    Button("card:check:", card_check),
    Button("elig:", start_button, pattern=kb.ELIG_START_RE),
    Button("elig:", answer_button, pattern=kb.ELIG_ANSWER_RE),
    Button("elig:", answer_button, pattern=kb.ELIG_SKIP_RE),
    Button("elig:", back_button, pattern=kb.ELIG_BACK_RE),
    Button("elig:", save_button, pattern=kb.ELIG_SAVE_RE),
    Button("elig:", fixed_button, pattern=kb.ELIG_FIXED_RE),
)


def build_handlers(
    *, timeout: float | None = None
) -> list[BaseHandler[Update, PolicyContext, None]]:
    """``timeout``: seconds without activity before a check is paused (default 30 min)."""
    bundled_rules()  # load (and validate) the rules once, at start-up
    seconds = timeout if timeout is not None else CHECK_TIMEOUT
    minutes = max(round(seconds / 60), 1)

    async def timed_out(update: object, context: PolicyContext) -> None:
        await on_timeout(update, context, minutes=minutes, seconds=seconds)

    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # per_message=False with CallbackQueryHandlers is intended (state per user+chat)
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        conversation: ConversationHandler[PolicyContext] = ConversationHandler(
            entry_points=[
                CHECK.handler(),
                *(button.handler() for button in BUTTONS),
                *profile.edit_entry_points(),
            ],
            states={
                ASKING: [MessageHandler(text, on_text)],
                profile.EDITING: [MessageHandler(text, profile.on_edit_text)],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[],  # /cancel is the flows' (bot/handlers/flows.py)
            name="eligibility",
            persistent=True,
            per_chat=True,
            per_user=True,
            per_message=False,
            allow_reentry=True,
            conversation_timeout=seconds,
        )
    return [cast(BaseHandler[Update, PolicyContext, None], conversation)]


FEATURE = Feature(
    name="eligibility",
    commands=(CHECK,),
    buttons=BUTTONS,  # and the profile's edit buttons (profile.edit_entry_points)
    flows=(FLOW,),
    build=lambda settings: build_handlers(timeout=settings.check_timeout_minutes * 60),
)
