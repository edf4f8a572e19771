"""Typed ``context.bot_data``: the services every handler needs (no globals, no casts)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.flood import FloodGate
from bot.render.callbacks import RefIndex
from bot.settings import Settings
from knowledge.model import EntryView
from services.knowledge import KnowledgeBase
from storage import users
from storage.db import session_scope
from storage.models import UserRole

if TYPE_CHECKING:
    from bot.features import Feature
    from bot.flows import FlowRegistry
    from scheduler.ports import JobMessages

T = TypeVar("T")


@dataclass(eq=False)
class BotServices:
    """Settings, the knowledge base, the database engine and in-memory helpers."""

    settings: Settings
    knowledge: KnowledgeBase
    engine: Engine
    flood: FloodGate
    messages: JobMessages  # what the jobs send (bot/job_messages.py)
    refs: RefIndex = field(default_factory=RefIndex)
    channel: str = "telegram"  # QuestionLog.channel of questions asked through this bot
    search_cache_size: int = 20  # remembered /search queries per chat (for paging)
    # the clock of every time-dependent decision; tests pass a controllable one
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    # the declared flows (bot/flows.py); set by the composition root
    flows: FlowRegistry | None = None
    # the declared features (bot/registry.py), for the menu and /help; set there too
    features: Sequence[Feature] = ()

    async def db(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one session (one transaction) in a worker thread."""

        def run() -> T:
            with session_scope(self.engine) as session:
                return work(session)

        return await asyncio.to_thread(run)

    def entry_by_ref(self, ref: str) -> EntryView | None:
        """The entry a callback ref stands for, or None when stale or forged."""
        knowledge = self.knowledge
        entry_id = self.refs.resolve(ref, knowledge.snapshot.entries.keys())
        return knowledge.entry(entry_id) if entry_id else None

    def now(self) -> dt.datetime:
        """The current time, aware, in the bot's time zone (Asia/Shanghai by default)."""
        return self.clock().astimezone(self.settings.tz)

    def today(self) -> dt.date:
        return self.now().date()

    async def role(self, user_id: int) -> UserRole | None:
        """The user's role; ``POLICYBOT_ADMIN_IDS`` are admins whatever the database says."""
        if user_id in self.settings.admin_ids:
            return UserRole.ADMIN
        return await self.db(lambda session: users.user_role(session, user_id=user_id))


def services_type(
    *,
    settings: Settings,
    knowledge: KnowledgeBase,
    engine: Engine,
    messages: JobMessages,
    channel: str = "telegram",
    clock: Callable[[], dt.datetime] | None = None,
) -> type[BotServices]:
    """A zero-argument ``BotServices`` class for ``ContextTypes(bot_data=...)``.

    PTB instantiates ``bot_data`` itself (without arguments) in ``Application.__init__``;
    this binds the real services so ``context.bot_data`` is fully typed and never empty.
    """

    class BoundServices(BotServices):
        def __init__(self) -> None:
            super().__init__(
                settings=settings,
                knowledge=knowledge,
                engine=engine,
                flood=FloodGate(
                    rate=settings.flood_rate,
                    burst=settings.flood_burst,
                    window=settings.flood_window,
                ),
                messages=messages,
                channel=channel,
            )
            if clock is not None:
                self.clock = clock

    return BoundServices


class PolicyContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotServices]):
    """The callback context of every handler: ``context.bot_data`` is ``BotServices``."""

    @property
    def services(self) -> BotServices:
        return self.bot_data


def context_types(
    bot_data: type[BotServices],
) -> ContextTypes[PolicyContext, dict[Any, Any], dict[Any, Any], BotServices]:
    return ContextTypes(context=PolicyContext, bot_data=bot_data)
