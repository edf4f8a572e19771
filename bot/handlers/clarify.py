"""The clarifying question: when the matcher is unsure but the question is plausibly about
the knowledge base, the bot asks "您是想了解以下哪项?" with up to three candidates, 都不是,
and the self-checks of the programmes the question names. A tap on a candidate shows its
card; 都不是 gives a rephrasing tip and the way to 人工咨询 (the question stays logged as
unanswered for the maintainers)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from telegram import Message, Update
from telegram.error import BadRequest

from bot.context import BotServices, PolicyContext
from bot.features import Button, Feature
from bot.handlers.common import answer_stale, callback_message, send_card, send_messages
from bot.render import clarify as tx
from knowledge.matcher import SearchResult
from services import learning
from services.eligibility import bundled_rules, rule_ref
from storage.models_learning import EvidenceKind


def named_self_checks(result: SearchResult, *, card: str | None = None) -> list[tuple[str, str]]:
    """Rule ref and title of the self-checks of the programmes the question names. Under
    the ``card`` of an answer, only those the card's entry is linked to (another
    document's measure has its own conditions: a province's 首贷贴息 is not Wuhan's 首贷户),
    and none when they are all of its checks (its 资格自测 button leads there already)."""
    rules = bundled_rules()
    found = [r for rule_id in result.self_checks if (r := rules.rule(rule_id)) is not None]
    if card is not None:
        own = {r.id for r in rules.for_entry(card)}
        found = [r for r in found if r.id in own]
        if {r.id for r in found} == own:
            return []
    return [(rule_ref(r.id), r.title) for r in found]


async def ask_back(
    message: Message,
    services: BotServices,
    result: SearchResult,
    *,
    question_id: int | None,
    notes: Sequence[str] = (),
    quote: bool = False,
    listing: bool = False,
) -> None:
    """Reply to a question the matcher flagged ``clarify`` (``listing``: one asking which
    measures there are, whose options are its answer rather than a guess)."""
    entries = [e for m in result.matches[:3] if (e := services.knowledge.entry(m.entry_id))]
    checks = named_self_checks(result)
    text = tx.question_text(
        notes,
        self_checks=[title for _, title in checks],
        listing=entries if listing else (),
        today=services.today(),
    )
    markup = tx.question_keyboard(entries, question_id=question_id, self_checks=checks)
    await send_messages(message, [text], reply_markup=markup, quote=quote)


async def on_option(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    services = context.services
    match = tx.OPTION_RE.match(query.data or "")
    entry = services.entry_by_ref(match.group(3)) if match else None
    message = callback_message(query)
    if match is None or entry is None or message is None:
        await answer_stale(query)
        return
    question_id = int(match.group(1)) or None
    await query.answer()
    user_id, entry_id = query.from_user.id, entry.entry_id
    min_users = services.settings.learn_min_users
    await services.db(
        lambda session: learning.record(
            session,
            question_id=question_id,
            entry_id=entry_id,
            user_id=user_id,
            kind=EvidenceKind.CLARIFY,
            min_users=min_users,
        )
    )
    with contextlib.suppress(BadRequest):  # a second tap: the buttons are gone already
        await message.edit_reply_markup(reply_markup=None)
    await send_card(message, services, entry, question_id=question_id, notes=[tx.CHOSEN])


async def on_none(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    message = callback_message(query)
    if message is None or not tx.NONE_RE.match(query.data or ""):
        await answer_stale(query)
        return
    await query.answer()
    with contextlib.suppress(BadRequest):
        await message.edit_reply_markup(reply_markup=None)
    await message.reply_text(tx.NONE_REPLY, reply_markup=tx.none_keyboard())


FEATURE = Feature(
    name="clarify",  # the options of "您是想了解以下哪项?"
    buttons=(Button("clar:", on_none, pattern=tx.NONE_RE), Button("clar:", on_option)),
)
