"""Typed ``context.bot_data``: the services every handler needs (no globals, no casts)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.flood import FloodGate
from bot.render.callbacks import RefIndex
from bot.settings import Settings
from knowledge.model import EntryView
from services.knowledge import KnowledgeBase
from storage.db import session_scope

T = TypeVar("T")


@dataclass(eq=False)
class BotServices:
    """Settings, the knowledge base, the database engine and in-memory helpers."""

    settings: Settings
    knowledge: KnowledgeBase
    engine: Engine
    flood: FloodGate
    refs: RefIndex = field(default_factory=RefIndex)
    channel: str = "telegram"  # QuestionLog.channel of questions asked through this bot
    search_cache_size: int = 20  # remembered /search queries per chat (for paging)

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

    def today(self) -> dt.date:
        return dt.datetime.now(self.settings.tz).date()


def services_type(
    *, settings: Settings, knowledge: KnowledgeBase, engine: Engine, channel: str = "telegram"
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
                flood=FloodGate(rate=settings.flood_rate, window=settings.flood_window),
                channel=channel,
            )

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
