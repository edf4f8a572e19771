"""Several instances behind one webhook (issue 8): any instance can serve the next update.

PTB keeps conversation states, user_data and chat_data in the memory of one process and
writes them to the persistence every few seconds. :class:`SharedStateApplication` makes
the database the place they live in: before an update it loads the states of the
conversations this update could belong to (``user_data``/``chat_data`` are reloaded by the
persistence's ``refresh_*`` hooks, which PTB calls), and after the update it writes every
change at once, so the next update — served by whichever instance — sees them.

Two updates of one user handled at the same moment by two instances are not serialised:
the second conversation write loses (compare-and-set in ``storage/persistence.py``) and is
logged; Telegram sends one user's updates one after another in practice.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application, ConversationHandler, ExtBot

from bot.context import BotServices, PolicyContext
from storage.persistence import ConversationKey, DBPersistence

log = logging.getLogger(__name__)

AnyConversation = ConversationHandler[Any]


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


class SharedStateApplication(
    Application[ExtBot[Any], PolicyContext, dict[Any, Any], dict[Any, Any], BotServices, Any]
):
    """``Application`` whose per-user state is read from and written to the database
    around every update (see the module docstring)."""

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
        if isinstance(update, Update):
            try:
                await self._load_conversation_states(update)
            except SQLAlchemyError as exc:  # the handlers will meet the outage and apologise
                log.warning("conversation states not loaded: %s", type(exc).__name__)
        await super().process_update(update)
        if isinstance(update, Update) and self.persistence is not None:
            await self.update_persistence()  # write through: the next instance sees it
