"""What the jobs need from the running bot, as interfaces.

The jobs send messages, but the texts, buttons and ticket notices are the bot's
(``bot/render``, ``bot/ticket_notify.py``): the composition root (``bot/app.py``) passes an
implementation of :class:`JobMessages` in with the services, so nothing here imports
handler or render code (the import-linter contract in ``pyproject.toml`` checks it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar

if TYPE_CHECKING:
    from sqlmodel import Session
    from telegram import Bot, InlineKeyboardMarkup
    from telegram.ext import CallbackContext

    from bot.settings import Settings
    from knowledge.model import EntryView
    from services.knowledge import KnowledgeBase
    from services.sla import Alert
    from storage.models_push import Cadence
    from storage.push_outbox import NoticeData

    # A JobQueue callback's context; its ``bot_data`` is the ``JobServices``.
    JobContext: TypeAlias = CallbackContext[Any, Any, Any, Any]

T = TypeVar("T")


class TicketAlerts(Protocol):
    async def alert(self, alert: Alert, assignee_name: str | None) -> None:
        """Send an SLA reminder or escalation to whoever it concerns."""


class JobMessages(Protocol):
    """The messages the jobs send, rendered by the bot."""

    def push_notice(
        self, notices: Sequence[NoticeData], *, digest: Cadence | None, today: dt.date
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        """The text and buttons of one push message."""

    def expiry_digest(
        self, entries: Sequence[EntryView], *, today: dt.date, days: int
    ) -> str | None:
        """The admins' digest of policies expiring within ``days`` (None: nothing expires)."""

    def ticket_alerts(self, services: JobServices, bot: Bot) -> TicketAlerts:
        """Who sends the SLA reminders and escalations."""


class JobServices(Protocol):
    """The part of the bot's services (``context.bot_data``) the jobs use."""

    @property
    def settings(self) -> Settings: ...

    @property
    def knowledge(self) -> KnowledgeBase: ...

    @property
    def messages(self) -> JobMessages: ...

    async def db(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one session (one transaction) in a worker thread."""

    def now(self) -> dt.datetime: ...

    def today(self) -> dt.date: ...
