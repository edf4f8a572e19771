"""DBPersistence shared by several instances: two persistences on one database
stand for two processes; each sees what the other wrote, and a stale one cannot undo it."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from telegram.ext import PersistenceInput

from storage.models import BotState
from storage.persistence import DBPersistence

KEY = (7, 7)


def make(engine: Engine, *, shared: bool = True) -> DBPersistence:
    return DBPersistence(
        engine, store_data=PersistenceInput(bot_data=False, callback_data=False), shared=shared
    )


async def test_user_data_written_on_one_instance_is_seen_by_the_other(engine: Engine) -> None:
    a, b = make(engine), make(engine)
    a_memory = await a.get_user_data()
    b_memory = await b.get_user_data()
    await a.update_user_data(7, {"step": 1})
    b_user: dict[str, object] = b_memory.setdefault(7, {})
    await b.refresh_user_data(7, b_user)
    assert b_user == {"step": 1}
    b_user["step"] = 2
    await b.update_user_data(7, b_user)
    a_user = a_memory.setdefault(7, {"step": 1})
    await a.refresh_user_data(7, a_user)
    assert a_user == {"step": 2}
    await b.drop_user_data(7)  # /forget on b
    await a.refresh_user_data(7, a_user)
    assert a_user == {}


async def test_unshared_persistence_does_not_reload(engine: Engine) -> None:
    a, lone = make(engine), make(engine, shared=False)
    await a.update_user_data(7, {"step": 1})
    memory: dict[str, object] = {"step": 0}
    await lone.refresh_user_data(7, memory)
    assert memory == {"step": 0}


async def test_empty_data_leaves_no_row(engine: Engine) -> None:
    a = make(engine)
    await a.update_user_data(7, {})
    await a.update_chat_data(7, {"x": 1})
    await a.update_chat_data(7, {})
    with Session(engine) as session:
        assert session.exec(select(BotState)).all() == []


async def test_conversation_moves_between_instances(engine: Engine) -> None:
    a, b = make(engine), make(engine)
    await a.update_conversation("check", KEY, 1)
    assert await b.load_conversations([("check", KEY)]) == {("check", KEY): 1}
    assert await b.load_conversations([("check", KEY)]) == {}  # up to date: left out
    await b.update_conversation("check", KEY, 2)
    assert await a.load_conversations([("check", KEY)]) == {("check", KEY): 2}
    await a.update_conversation("check", KEY, None)  # ended on a
    assert await b.load_conversations([("check", KEY)]) == {("check", KEY): None}
    assert await make(engine).get_conversations("check") == {}


async def test_a_stale_instance_cannot_undo_another_ones_progress(engine: Engine) -> None:
    """a handled the user, then b did; a's conversation timeout fires later and ends the
    conversation from its stale view: the write is refused, b's state stays."""
    a, b = make(engine), make(engine)
    await a.update_conversation("check", KEY, 1)
    await b.load_conversations([("check", KEY)])
    await b.update_conversation("check", KEY, 2)
    await a.update_conversation("check", KEY, None)  # stale: a last saw version 1
    assert a.conflicts == 1
    assert await make(engine).get_conversations("check") == {KEY: 2}
    await a.update_conversation("check", KEY, 3)  # a forgot its stale view: insert refused
    assert a.conflicts == 2
    assert await a.load_conversations([("check", KEY)]) == {("check", KEY): 2}
    await a.update_conversation("check", KEY, 3)  # now up to date: accepted
    assert await make(engine).get_conversations("check") == {KEY: 3}
