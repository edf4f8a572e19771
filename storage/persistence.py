"""PTB persistence in the database (table ``bot_state``): user_data, chat_data,
callback_data, bot_data and conversations, one JSON row per key.

Kinds: ``user_data``, ``chat_data``, ``bot_data``, ``callback_data`` and
``conversation:<name>``; ``key`` is the user/chat id, ``-`` or the JSON-encoded
conversation key. Values must be JSON-serialisable (dict keys become strings, tuples
lists): handlers store plain data only.

Several instances share the rows: each row has a ``version``. Before an update
``refresh_*`` and :meth:`DBPersistence.load_conversations` bring this instance's memory up
to the database; after it the changes are written at once (``bot/cluster.py``). A
conversation state is written only over the version this instance last saw
(compare-and-set), so a stale instance — say one whose conversation timeout fires after
the user went on elsewhere — cannot undo another's progress; user_data and chat_data are
last-writer-wins.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, or_, select, update
from telegram.ext import BasePersistence, PersistenceInput

from storage.bot_state_kinds import (
    BOT_DATA,
    CALLBACK_DATA,
    CHAT_DATA,
    SINGLE_KEY,
    USER_DATA,
    conversation_kind,
)
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
RowId = tuple[str, str]  # (kind, key)
Snapshot = tuple[int, Any]  # (version, data)


def encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key))


# ------------------------------------------------------------------ sync helpers


def _load_kind(session: Session, kind: str) -> list[BotState]:
    return list(session.exec(select(BotState).where(BotState.kind == kind)).all())


def _read(session: Session, ids: Iterable[RowId]) -> dict[RowId, Snapshot]:
    """The rows named by ``ids`` that exist, as (version, data)."""
    wanted = list(ids)
    if not wanted:
        return {}
    match = or_(
        *[(col(BotState.kind) == kind) & (col(BotState.key) == key) for kind, key in wanted]
    )
    rows = session.exec(select(BotState).where(match)).all()
    return {(row.kind, row.key): (row.version, row.data) for row in rows}


def _put(session: Session, kind: str, key: str, data: Any) -> int:
    """Insert or update one row, whatever its version (last writer wins); the new version."""
    stmt = select(BotState).where(BotState.kind == kind, BotState.key == key)
    row = session.exec(stmt).first()
    if row is None:
        try:
            with session.begin_nested():
                session.add(BotState(kind=kind, key=key, data=data, version=1, updated_at=utcnow()))
            return 1
        except IntegrityError:  # inserted concurrently by another instance
            row = session.exec(stmt).one()
    row.data = data
    row.version += 1
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row.version


def _compare_and_set(
    session: Session, kind: str, key: str, data: Any | None, expected: int | None
) -> int | None:
    """Write ``data`` (None: delete the row) only if the row is still at version
    ``expected`` (None: there is no row). The new version (0 after a delete), or None when
    another instance changed the row first."""
    where = (col(BotState.kind) == kind, col(BotState.key) == key)
    if data is None:
        if expected is not None:
            done = session.exec(delete(BotState).where(*where, col(BotState.version) == expected))
            if done.rowcount:
                return 0
        still = session.exec(select(BotState.version).where(*where)).first()
        return 0 if still is None else None
    if expected is None:
        try:
            with session.begin_nested():
                session.add(BotState(kind=kind, key=key, data=data, version=1, updated_at=utcnow()))
            return 1
        except IntegrityError:
            return None
    done = session.exec(
        update(BotState)
        .where(*where, col(BotState.version) == expected)
        .values(data=data, version=expected + 1, updated_at=utcnow())
    )
    return expected + 1 if done.rowcount else None


def _drop(session: Session, kind: str, key: str) -> None:
    session.exec(delete(BotState).where(col(BotState.kind) == kind, col(BotState.key) == key))


def _jsonable(data: Any) -> Any:
    """A JSON round trip: fails early (TypeError) on values JSON cannot hold."""
    return json.loads(json.dumps(data, ensure_ascii=False))


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class DBPersistence(BasePersistence[Data, Data, Data]):
    """``BasePersistence`` over the ``bot_state`` table.

    PTB keeps the data in memory, loads it with ``get_*`` at start-up, refreshes
    user_data and chat_data with ``refresh_*`` before a handler runs and hands changes
    to ``update_*``. With ``shared=True`` (several instances, the default) ``refresh_*``
    reloads what another instance changed; with ``shared=False`` they do nothing.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        store_data: PersistenceInput | None = None,
        update_interval: float = 60,
        shared: bool = True,
    ) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        self.engine = engine
        self.shared = shared
        self.conflicts = 0  # conversation writes refused because another instance was first
        self._seen: dict[RowId, int] = {}  # the version this instance last read or wrote
        self._written: dict[RowId, str] = {}  # that version's JSON, to skip unchanged writes
        # writes of this instance begun per row: a read that raced one of them is stale
        self._writes: Counter[RowId] = Counter()
        self._pending: Counter[RowId] = Counter()

    async def _db(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with session_scope(self.engine) as session:
                return work(session)

        return await asyncio.to_thread(run)

    async def _write(self, row_id: RowId, work: Callable[[Session], T]) -> T:
        self._writes[row_id] += 1
        self._pending[row_id] += 1
        try:
            return await self._db(work)
        finally:
            self._pending[row_id] -= 1
            if not self._pending[row_id]:
                del self._pending[row_id]

    def _mark(self, row_id: RowId) -> int:
        """Taken before a read; :meth:`_raced` compares it after the read."""
        return -1 if row_id in self._pending else self._writes[row_id]

    def _raced(self, row_id: RowId, mark: int) -> bool:
        """True when a write of this instance to the row was under way at any time during
        a read: its memory is newer than what was read, which must not replace it."""
        # a write pending at the start made the mark negative; one begun since moved the count
        return mark < 0 or self._writes[row_id] != mark

    def _remember(self, row_id: RowId, version: int, data: Any, dumped: str | None = None) -> None:
        self._seen[row_id] = version
        self._written[row_id] = _dump(data) if dumped is None else dumped

    def _forget(self, row_id: RowId) -> None:
        self._seen.pop(row_id, None)
        self._written.pop(row_id, None)

    async def _load_kind(self, kind: str) -> list[BotState]:
        rows = await self._db(lambda s: _load_kind(s, kind))
        for row in rows:
            self._remember((kind, row.key), row.version, row.data)
        return rows

    async def _load_by_id(self, kind: str) -> dict[int, Data]:
        result: dict[int, Data] = {}
        for row in await self._load_kind(kind):
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
        row_id, dumped = (kind, key), _dump(value)
        if self._written.get(row_id) == dumped:
            return  # unchanged since this instance last read or wrote it
        if value == {}:  # no data, no row (nothing is left behind after /forget)
            if row_id in self._seen:
                await self._write(row_id, lambda s: _drop(s, kind, key))
                self._forget(row_id)
            return
        version = await self._write(row_id, lambda s: _put(s, kind, key, value))
        self._remember(row_id, version, value, dumped)

    async def _refresh(self, kind: str, key: str, target: Data) -> None:
        """Bring ``target`` (PTB's dict, changed in place) up to the database's row."""
        if not self.shared:
            return
        row_id = (kind, key)
        writes_before = self._mark(row_id)
        found = (await self._db(lambda s: _read(s, [row_id]))).get(row_id)
        if self._raced(row_id, writes_before):
            return
        if found is None:
            if row_id in self._seen:  # dropped by another instance (/forget)
                target.clear()
                self._forget(row_id)
            return
        version, data = found
        if self._seen.get(row_id) == version:
            return
        target.clear()
        target.update(data if isinstance(data, dict) else {})
        self._remember(row_id, version, data)

    # ---------------------------------------------------------------- get
    async def get_user_data(self) -> dict[int, Data]:
        return await self._load_by_id(USER_DATA)

    async def get_chat_data(self) -> dict[int, Data]:
        return await self._load_by_id(CHAT_DATA)

    async def get_bot_data(self) -> Data:
        rows = await self._load_kind(BOT_DATA)
        return dict(rows[0].data or {}) if rows else {}

    async def get_callback_data(self) -> CDCData | None:
        rows = await self._load_kind(CALLBACK_DATA)
        if not rows or not rows[0].data:
            return None
        buttons, mapping = rows[0].data
        return [(str(uid), float(ts), dict(data)) for uid, ts, data in buttons], dict(mapping)

    async def get_conversations(self, name: str) -> ConversationDict:
        result: ConversationDict = {}
        for row in await self._load_kind(conversation_kind(name)):
            key: ConversationKey = tuple(json.loads(row.key))
            result[key] = row.data
        return result

    async def load_conversations(
        self, wanted: Iterable[tuple[str, ConversationKey]]
    ) -> dict[tuple[str, ConversationKey], object | None]:
        """The states of these (conversation name, key) pairs that another instance
        changed since this one last read or wrote them (None: ended there), in one query.
        Pairs this instance is up to date on are left out: its memory may even be ahead of
        the database while its own write is on the way."""
        row_ids = {(name, key): (conversation_kind(name), encode_key(key)) for name, key in wanted}
        writes_before = {row_id: self._mark(row_id) for row_id in row_ids.values()}
        found = await self._db(lambda s: _read(s, row_ids.values()))
        changed: dict[tuple[str, ConversationKey], object | None] = {}
        for pair, row_id in row_ids.items():
            if self._raced(row_id, writes_before[row_id]):
                continue
            snapshot = found.get(row_id)
            if snapshot is None:
                if row_id in self._seen:
                    self._forget(row_id)
                    changed[pair] = None
            elif self._seen.get(row_id) != snapshot[0]:
                self._remember(row_id, *snapshot)
                changed[pair] = snapshot[1]
        return changed

    # ---------------------------------------------------------------- update
    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        row_id = kind, encoded = conversation_kind(name), encode_key(key)
        if new_state is not None:
            try:
                new_state = _jsonable(new_state)
            except (TypeError, ValueError):
                log.error("state of conversation %s is not JSON-serialisable; not stored", name)
                return
        expected = self._seen.get(row_id)
        version = await self._write(
            row_id, lambda s: _compare_and_set(s, kind, encoded, new_state, expected)
        )
        if version is None:
            self.conflicts += 1
            log.info(
                "conversation %s: another instance moved on; this stale state is dropped", name
            )
            self._forget(row_id)
        elif new_state is None:
            self._forget(row_id)
        else:
            self._remember(row_id, version, new_state)

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
        await self._write((CHAT_DATA, str(chat_id)), lambda s: _drop(s, CHAT_DATA, str(chat_id)))
        self._forget((CHAT_DATA, str(chat_id)))

    async def drop_user_data(self, user_id: int) -> None:
        await self._write((USER_DATA, str(user_id)), lambda s: _drop(s, USER_DATA, str(user_id)))
        self._forget((USER_DATA, str(user_id)))

    # ---------------------------------------------------------------- refresh / flush
    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        await self._refresh(USER_DATA, str(user_id), user_data)

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        await self._refresh(CHAT_DATA, str(chat_id), chat_data)

    async def refresh_bot_data(self, bot_data: Data) -> None:
        return None  # bot_data is not stored (the services live there)

    async def flush(self) -> None:
        """Every change is written when PTB hands it over; nothing is buffered here."""
        return None
