"""DBPersistence (PTB BasePersistence over bot_state) against SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from telegram.ext import PersistenceInput

from storage.persistence import DBPersistence


def make(engine: Engine) -> DBPersistence:
    return DBPersistence(engine, store_data=PersistenceInput(bot_data=False, callback_data=False))


async def test_user_and_chat_data_round_trip(engine: Engine) -> None:
    persistence = make(engine)
    assert await persistence.get_user_data() == {}
    await persistence.update_user_data(10**12, {"role": "市民", "n": 1})
    await persistence.update_user_data(10**12, {"role": "法人", "n": 2})
    await persistence.update_chat_data(-100123, {"search": {"next": 2, "queries": {"1": "贷款"}}})
    fresh = make(engine)  # a new process reads what the old one wrote
    assert await fresh.get_user_data() == {10**12: {"role": "法人", "n": 2}}
    assert await fresh.get_chat_data() == {
        -100123: {"search": {"next": 2, "queries": {"1": "贷款"}}}
    }
    await fresh.drop_user_data(10**12)
    await fresh.drop_chat_data(-100123)
    assert await make(engine).get_user_data() == {}
    assert await make(engine).get_chat_data() == {}


async def test_conversations(engine: Engine) -> None:
    persistence = make(engine)
    await persistence.update_conversation("ask", (1, 2), "WAITING")
    await persistence.update_conversation("ask", (3, 4), 2)
    await persistence.update_conversation("other", (1, 2), "X")
    assert await make(engine).get_conversations("ask") == {(1, 2): "WAITING", (3, 4): 2}
    await persistence.update_conversation("ask", (1, 2), None)
    assert await make(engine).get_conversations("ask") == {(3, 4): 2}


async def test_bot_and_callback_data(engine: Engine) -> None:
    persistence = make(engine)
    assert await persistence.get_bot_data() == {}
    assert await persistence.get_callback_data() is None
    await persistence.update_bot_data({"k": [1, 2]})
    await persistence.update_callback_data(([("uuid", 1.5, {"b": "data"})], {"q": "uuid"}))
    fresh = make(engine)
    assert await fresh.get_bot_data() == {"k": [1, 2]}
    assert await fresh.get_callback_data() == ([("uuid", 1.5, {"b": "data"})], {"q": "uuid"})


async def test_non_json_data_is_not_stored(engine: Engine) -> None:
    persistence = make(engine)
    await persistence.update_user_data(5, {"ok": True})
    await persistence.update_user_data(5, {"bad": object()})
    assert await make(engine).get_user_data() == {5: {"ok": True}}


async def test_refresh_and_flush_are_harmless(engine: Engine) -> None:
    persistence = make(engine)
    data = {"x": 1}
    await persistence.refresh_user_data(1, data)
    await persistence.refresh_chat_data(1, data)
    await persistence.flush()
    assert data == {"x": 1}
