"""/unanswered (admins): unanswered and 没帮助 questions grouped by similarity; a question
is attached to one of its closest entries as an alternative question in one tap (the
index is rebuilt at once), or marked off-topic."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from telegram import Update
from telegram.error import BadRequest

from bot.context import PolicyContext
from bot.features import Access, Button, Command, Feature
from bot.handlers.common import callback_message
from bot.render import kb_triage as ui
from services import unanswered

DEFAULT_DAYS = 30
LIST_SIZE = 10


def _days(args: list[str] | None) -> int:
    try:
        return max(1, min(int((args or [])[0]), 365))
    except (IndexError, ValueError):
        return DEFAULT_DAYS


async def unanswered_command(update: Update, context: PolicyContext) -> None:
    message = update.effective_message
    if message is None:
        return
    services = context.services
    days = _days(context.args)
    since = services.now() - dt.timedelta(days=days)
    groups = await asyncio.to_thread(
        unanswered.list_groups, services.engine, since=since, limit=LIST_SIZE
    )
    await message.reply_text(
        ui.unanswered_text(groups, days=days, tz=services.settings.tz),
        reply_markup=ui.unanswered_keyboard(groups) if groups else None,
    )


async def on_button(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    services = context.services
    data = query.data or ""
    message = callback_message(query)
    if match := ui.ATTACH_RE.match(data):
        question_id = int(match.group(1))
        entry = services.entry_by_ref(match.group(2))
        group = None
        if entry is not None:
            group = await asyncio.to_thread(
                unanswered.attach,
                services.knowledge,
                question_id,
                entry.entry_id,
                user_id=query.from_user.id,
            )
        if entry is None or group is None:
            await query.answer(ui.GROUP_GONE)
            return
        await query.answer("已添加为备选问法")
        text = ui.attached_text(group, entry)
    elif (match := ui.QUESTION_RE.match(data)) and match.group(1) == "off":
        group = await asyncio.to_thread(
            unanswered.mark_off_topic,
            services.engine,
            int(match.group(2)),
            user_id=query.from_user.id,
        )
        if group is None:
            await query.answer(ui.GROUP_GONE)
            return
        await query.answer("已标为无关")
        text = ui.off_topic_text(group)
    elif match is not None:  # open
        group = await asyncio.to_thread(unanswered.find_group, services.engine, int(match.group(2)))
        if group is None:
            await query.answer(ui.GROUP_GONE)
            return
        review = await asyncio.to_thread(unanswered.review, services.knowledge, group)
        await query.answer()
        if message is not None:
            await message.reply_text(
                ui.group_text(group, review),
                reply_markup=ui.group_keyboard(group, review.entries),
            )
        return
    else:
        await query.answer(ui.GROUP_GONE)
        return
    if message is not None:
        with contextlib.suppress(BadRequest):
            await message.edit_text(text)


FEATURE = Feature(
    name="kb_triage",
    commands=(
        Command("unanswered", "未答好的问题(归入条目)", unanswered_command, access=Access.ADMIN),
    ),
    buttons=(Button("kbq:", on_button, access=Access.ADMIN),),
)
