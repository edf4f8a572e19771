"""PTB persistence in the database (table ``bot_state``): user_data, chat_data,
callback_data, bot_data and conversations, one JSON row per key.

Kinds: ``user_data``, ``chat_data``, ``bot_data``, ``callback_data`` and
``conversation:<name>``; ``key`` is the user/chat id, ``-`` or the JSON-encoded
conversation key. Values must be JSON-serialisable (dict keys become strings, tuples
lists): handlers store plain data only.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select
from telegram.ext import BasePersistence, PersistenceInput

from storage.db import session_scope
from storage.models import BotState
from storage.types import utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")
Data = dict[Any, Any]
# the shapes PTB uses (telegram.ext._utils.types, which is private)
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]

USER_DATA = "user_data"
CHAT_DATA = "chat_data"
BOT_DATA = "bot_data"
CALLBACK_DATA = "callback_data"
SINGLE_KEY = "-"


def conversation_kind(name: str) -> str:
    return f"conversation:{name}"[:80]


# ------------------------------------------------------------------ sync helpers


def _load_kind(session: Session, kind: str) -> list[BotState]:
    return list(session.exec(select(BotState).where(BotState.kind == kind)).all())


def _put(session: Session, kind: str, key: str, data: Any) -> None:
    """Insert or update one row (a concurrent insert of the same key is retried as update)."""
    stmt = select(BotState).where(BotState.kind == kind, BotState.key == key)
    row = session.exec(stmt).first()
    if row is None:
        try:
            with session.begin_nested():
                session.add(BotState(kind=kind, key=key, data=data, updated_at=utcnow()))
            return
        except IntegrityError:
            row = session.exec(stmt).one()
    row.data = data
    row.updated_at = utcnow()
    session.add(row)


def _drop(session: Session, kind: str, key: str) -> None:
    session.exec(delete(BotState).where(col(BotState.kind) == kind, col(BotState.key) == key))


def _jsonable(data: Any) -> Any:
    """A JSON round trip: fails early (TypeError) on values JSON cannot hold."""
    return json.loads(json.dumps(data, ensure_ascii=False))


class DBPersistence(BasePersistence[Data, Data, Data]):
    """``BasePersistence`` over the ``bot_state`` table.

    PTB keeps the data in memory and calls ``update_*`` for what changed (every
    ``update_interval`` seconds and on shutdown); ``get_*`` loads it at start-up. The
    ``refresh_*`` hooks are no-ops: one process serves a bot token at a time.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        store_data: PersistenceInput | None = None,
        update_interval: float = 60,
    ) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        self.engine = engine

    async def _db(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with session_scope(self.engine) as session:
                return work(session)

        return await asyncio.to_thread(run)

    async def _load_by_id(self, kind: str) -> dict[int, Data]:
        rows = await self._db(lambda s: _load_kind(s, kind))
        result: dict[int, Data] = {}
        for row in rows:
            try:
                result[int(row.key)] = dict(row.data or {})
            except (TypeError, ValueError):
                log.warning("ignoring malformed %s row %s", kind, row.id)
        return result

    async def _store(self, kind: str, key: str, data: Any) -> None:
        try:
            value = _jsonable(data)
        except (TypeError, ValueError):
            log.error("%s for key %s is not JSON-serialisable; not stored", kind, key)
            return
        await self._db(lambda s: _put(s, kind, key, value))

    # ---------------------------------------------------------------- get
    async def get_user_data(self) -> dict[int, Data]:
        return await self._load_by_id(USER_DATA)

    async def get_chat_data(self) -> dict[int, Data]:
        return await self._load_by_id(CHAT_DATA)

    async def get_bot_data(self) -> Data:
        rows = await self._db(lambda s: _load_kind(s, BOT_DATA))
        return dict(rows[0].data or {}) if rows else {}

    async def get_callback_data(self) -> CDCData | None:
        rows = await self._db(lambda s: _load_kind(s, CALLBACK_DATA))
        if not rows or not rows[0].data:
            return None
        buttons, mapping = rows[0].data
        return [(str(uid), float(ts), dict(data)) for uid, ts, data in buttons], dict(mapping)

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self._db(lambda s: _load_kind(s, conversation_kind(name)))
        result: ConversationDict = {}
        for row in rows:
            key: ConversationKey = tuple(json.loads(row.key))
            result[key] = row.data
        return result

    # ---------------------------------------------------------------- update
    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        kind, encoded = conversation_kind(name), json.dumps(list(key))
        if new_state is None:
            await self._db(lambda s: _drop(s, kind, encoded))
        else:
            await self._store(kind, encoded, new_state)

    async def update_user_data(self, user_id: int, data: Data) -> None:
        await self._store(USER_DATA, str(user_id), data)

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        await self._store(CHAT_DATA, str(chat_id), data)

    async def update_bot_data(self, data: Data) -> None:
        await self._store(BOT_DATA, SINGLE_KEY, data)

    async def update_callback_data(self, data: CDCData) -> None:
        buttons, mapping = data
        await self._store(CALLBACK_DATA, SINGLE_KEY, [[list(b) for b in buttons], mapping])

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._db(lambda s: _drop(s, CHAT_DATA, str(chat_id)))

    async def drop_user_data(self, user_id: int) -> None:
        await self._db(lambda s: _drop(s, USER_DATA, str(user_id)))

    # ---------------------------------------------------------------- refresh / flush
    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        return None

    async def refresh_bot_data(self, bot_data: Data) -> None:
        return None

    async def flush(self) -> None:
        """Every update is written through at once; nothing is buffered here."""
        return None
