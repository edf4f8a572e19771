"""One leader for the scheduled scans across instances (PostgreSQL advisory
lock), failover when the leader's connection dies; SQLite always leads."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from sqlalchemy.engine import Engine

from scheduler.leader import Leadership, leader_only, leadership_for
from storage.db import make_engine
from tests.conftest import postgres_or_skip, private_schema
from tests.waiting import eventually

KEY = 0x74657301  # a test-only key: never the production one


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A schema of its own: the lock is keyed by the schema, so another copy of the suite
    on the same database never holds it."""
    postgres_or_skip()
    with private_schema("leader") as url:
        yield url


def test_one_leader_and_failover_on_postgresql(pg_url: str) -> None:
    first_engine, second_engine = make_engine(pg_url), make_engine(pg_url)
    first, second = Leadership(first_engine, key=KEY), Leadership(second_engine, key=KEY)
    try:
        assert first.is_leader()
        assert not second.is_leader()
        assert first.is_leader() and not second.is_leader()  # stable
        # the leader dies: its connection closes, PostgreSQL frees the lock once the old
        # backend has exited (asynchronously)
        first_engine.dispose()
        first.release()
        assert eventually(second.is_leader)
        assert not Leadership(first_engine, key=KEY).is_leader()
    finally:
        first.release()
        second.release()
        first_engine.dispose()
        second_engine.dispose()


def test_leader_whose_backend_is_terminated_is_replaced(pg_url: str) -> None:
    a_engine, b_engine, admin = make_engine(pg_url), make_engine(pg_url), make_engine(pg_url)
    a, b = Leadership(a_engine, key=KEY + 1), Leadership(b_engine, key=KEY + 1)
    try:
        assert a.is_leader() and not b.is_leader()
        assert a._conn is not None
        pid = a._conn.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
        with admin.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)}, 5000)")
        assert eventually(b.is_leader)  # the backend exits asynchronously
        assert not a.is_leader()  # notices the loss and does not get it back
    finally:
        a.release()
        b.release()
        for engine in (a_engine, b_engine, admin):
            engine.dispose()


def test_sqlite_always_leads(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    assert Leadership(engine).is_leader() and Leadership(engine).is_leader()


async def test_leader_only_skips_followers(engine: Engine) -> None:
    ran: list[int] = []

    async def job(context: object) -> None:
        ran.append(1)

    try:
        await leader_only(job)(SimpleNamespace(bot_data=SimpleNamespace(engine=engine)))
    finally:
        leadership_for(engine).release()  # as post_shutdown does: closes its connection
    assert ran == [1]
