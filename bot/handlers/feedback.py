"""有帮助 / 没帮助 under a card, stored as Feedback with the question id."""

from __future__ import annotations

import contextlib

from sqlmodel import Session
from telegram import Update
from telegram.error import BadRequest

from bot.context import PolicyContext
from bot.features import Button, Feature
from bot.handlers.common import answer_stale, callback_message
from bot.render import callbacks as cb
from bot.render import keyboards, texts
from services import learning
from storage import users
from storage.models_learning import EvidenceKind


async def feedback(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    services = context.services
    match = cb.FEEDBACK_RE.match(query.data or "")
    entry = services.entry_by_ref(match.group(3)) if match else None
    if match is None or entry is None:
        await answer_stale(query)
        return
    helpful = match.group(1) == "up"
    question_id = int(match.group(2)) or None
    user_id, entry_id = query.from_user.id, entry.entry_id
    min_users = services.settings.learn_min_users

    def store(session: Session) -> None:
        users.add_feedback(
            session, user_id=user_id, entry_id=entry_id, helpful=helpful, question_id=question_id
        )
        if helpful:  # 👍: evidence that the question's wording belongs to the entry
            learning.record(
                session,
                question_id=question_id,
                entry_id=entry_id,
                user_id=user_id,
                kind=EvidenceKind.HELPFUL,
                min_users=min_users,
            )

    await services.db(store)
    await query.answer(texts.FEEDBACK_THANKS if helpful else texts.FEEDBACK_SORRY)
    message = callback_message(query)
    if message is None:
        return
    # the vote is in: keep the card's other buttons, drop the feedback row
    markup = keyboards.card_keyboard(
        entry_id,
        question_id=question_id,
        eligibility=services.knowledge.has_eligibility_rules(entry_id),
        feedback=False,
        replacement=services.knowledge.replacement(entry),
    )
    with contextlib.suppress(BadRequest):  # e.g. "not modified" after a double press
        await message.edit_reply_markup(reply_markup=markup)


FEATURE = Feature(name="feedback", buttons=(Button("fb:", feedback),))
