"""/match (政策体检): every programme against the enterprise profile — the eligible ones,
the nearly eligible ones (the one condition short), those to confirm with the office and
those that need more facts (named). Also the 🩺 政策体检 button of /profile."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session
from telegram import Update

from bot.context import PolicyContext
from bot.render import eligibility as kb
from bot.render import profile as tx
from services.eligibility import MatchReport, bundled_rules, match_profile, rule_ref
from storage import profiles

MATCH_BUTTONS = 8  # 自测 buttons under the report, best first


def _match(session: Session, user_id: int, today: dt.date) -> MatchReport | None:
    found = profiles.get_profile(session, user_id=user_id)
    if found is None or not found.facts:
        return None
    return match_profile(bundled_rules(), found.facts, today=today)


async def match_command(update: Update, context: PolicyContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    user_id, today = user.id, context.services.today()
    report = await context.services.db(lambda s: _match(s, user_id, today))
    if report is None:
        markup = kb.profile_keyboard(has_profile=False)
        await context.bot.send_message(chat.id, tx.MATCH_EMPTY, reply_markup=markup)
        return
    worth = [*report.eligible, *report.nearly, *report.to_confirm, *report.undetermined]
    markup = kb.match_keyboard([(rule_ref(v.rule.id), v.rule.title) for v in worth[:MATCH_BUTTONS]])
    parts = tx.match_text(report)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await context.bot.send_message(chat.id, part, reply_markup=markup if last else None)
