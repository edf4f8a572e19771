"""The bot's side of ``scheduler.ports.JobMessages``: what the jobs send, rendered by
``bot/render`` and sent to tickets' parties by ``TicketNotifier``. The composition root
passes it to the jobs with the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardMarkup

from bot.render import kb_triage
from bot.render import push as push_ui
from bot.ticket_notify import TicketNotifier
from knowledge.model import EntryView
from storage.models_push import Cadence
from storage.push_outbox import NoticeData

if TYPE_CHECKING:
    from scheduler.ports import JobServices


class BotJobMessages:
    def push_notice(
        self, notices: Sequence[NoticeData], *, digest: Cadence | None, today: dt.date
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        return push_ui.notice_message(notices, digest=digest, today=today)

    def expiry_digest(
        self, entries: Sequence[EntryView], *, today: dt.date, days: int
    ) -> str | None:
        return kb_triage.expiry_digest(entries, today=today, days=days)

    def ticket_alerts(self, services: JobServices, bot: Bot) -> TicketNotifier:
        return TicketNotifier(services, bot)
