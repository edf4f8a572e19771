"""Several instances behind one webhook: any instance can serve the next update.

PTB keeps conversation states, user_data and chat_data in the memory of one process and
writes them to the persistence every few seconds. :class:`SharedStateApplication` makes
the database the place they live in: before an update it loads the states of the
conversations this update could belong to (``user_data``/``chat_data`` are reloaded by the
persistence's ``refresh_*`` hooks, which PTB calls), and after the update it writes every
change at once, so the next update — served by whichever instance — sees them.

Handlers send the prompt of a conversation's next step from a task created with
``application.create_task(..., update=update)``, so that it goes out after the new state
is stored. Here such tasks start only once the state is in the database, and the update
counts as handled (the webhook answers 200) only when they are done: an instance that
dies before that leaves the update unacknowledged, and Telegram delivers it again.

An instance can also die after the new state is stored and before those prompts went
out. The update is delivered again, but applying it a second time would take it for the
answer to the next step (a company name given where an area is asked). So an update that
leaves prompts to send first marks the person's ``user_data`` with its id
(:data:`APPLIED_KEY`), stored with the state; the flows (``bot/handlers/flows.py``) answer
an update that comes back with that mark by showing the open step again.

Within one instance a person's updates are handled one after another
(:mod:`bot.update_order`). Two updates of one user handled at the same moment by two
instances are not serialised: the second conversation write loses (compare-and-set in
``storage/persistence.py``) and is logged; Telegram sends one user's updates one after
another in practice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application, ConversationHandler, ExtBot

from bot.context import BotServices, PolicyContext
from storage.persistence import ConversationKey, DBPersistence

log = logging.getLogger(__name__)

T = TypeVar("T")

AnyConversation = ConversationHandler[Any]

# user_data key: the id of this person's last update whose new state was stored before its
# prompts were sent (see the module docstring)
APPLIED_KEY = "applied_update"


def conversation_key(handler: AnyConversation, update: Update) -> ConversationKey | None:
    """The key ``handler`` files ``update`` under (as PTB's ConversationHandler does:
    chat id, user id, message id by its ``per_*`` settings), or None if it has none."""
    chat, user = update.effective_chat, update.effective_user
    key: list[int | str] = []
    if handler.per_chat:
        if chat is None:
            return None
        key.append(chat.id)
    if handler.per_user:
        if user is None:
            return None
        key.append(user.id)
    if handler.per_message:
        query = update.callback_query
        if query is None:
            return None
        if query.inline_message_id:
            key.append(query.inline_message_id)
        elif query.message is not None:
            key.append(query.message.message_id)
        else:
            return None
    return tuple(key)


async def _after(gate: asyncio.Event, coroutine: Awaitable[T]) -> T:
    await gate.wait()
    return await coroutine


@dataclass
class _Gate:
    """The tasks an update's handlers created, held until its state is written."""

    opened: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)


class SharedStateApplication(
    Application[ExtBot[Any], PolicyContext, dict[Any, Any], dict[Any, Any], BotServices, Any]
):
    """``Application`` whose per-user state is read from and written to the database
    around every update (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._gates: dict[int, _Gate] = {}

    def create_task(
        self,
        coroutine: Generator[asyncio.Future[object], None, T] | Awaitable[T],
        update: object | None = None,
        *,
        name: str | None = None,
    ) -> asyncio.Task[T]:
        gate = self._gates.get(id(update)) if update is not None else None
        if gate is None or not isinstance(coroutine, Awaitable):
            return super().create_task(coroutine, update=update, name=name)
        task = super().create_task(_after(gate.opened, coroutine), update=update, name=name)
        gate.tasks.append(task)
        return task

    def _persistent_conversations(self) -> list[AnyConversation]:
        return [
            handler
            for group in self.handlers.values()
            for handler in group
            if isinstance(handler, ConversationHandler) and handler.persistent and handler.name
        ]

    async def _load_conversation_states(self, update: Update) -> None:
        persistence = self.persistence
        if not isinstance(persistence, DBPersistence) or not persistence.shared:
            return
        wanted: list[tuple[str, ConversationKey]] = []
        for handler in self._persistent_conversations():
            key = conversation_key(handler, update)
            if key is not None and handler.name is not None:
                wanted.append((handler.name, key))
        if not wanted:
            return
        stored = await persistence.load_conversations(wanted)
        for (name, key), state in stored.items():
            states = self._conversation_handler_conversations.get(name)
            if states is None:
                continue
            if state is None:
                states.data.pop(key, None)  # ended elsewhere (untracked: nothing to write)
            else:
                states.update_no_track({key: state})

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        gate = self._gates[id(update)] = _Gate()
        try:
            try:
                await self._load_conversation_states(update)
            except SQLAlchemyError as exc:  # the handlers will meet the outage and apologise
                log.warning("conversation states not loaded: %s", type(exc).__name__)
            await super().process_update(update)
            user = update.effective_user
            if gate.tasks and user is not None and user.id in self.user_data:
                self.user_data[user.id][APPLIED_KEY] = update.update_id
            if self.persistence is not None:
                await self.update_persistence()  # write through: the next instance sees it
        finally:
            gate.opened.set()
            if gate.tasks:  # the prompts of the next steps, now that the state is stored
                await asyncio.gather(*gate.tasks, return_exceptions=True)
                if self.persistence is not None:
                    await self.update_persistence()
            del self._gates[id(update)]
