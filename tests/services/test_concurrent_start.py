"""Instances starting together on one empty database: the schema is migrated
once and the bundled knowledge base imported once (advisory locks on PostgreSQL)."""

from __future__ import annotations

import threading

from sqlmodel import Session, func, select

from services.knowledge import KnowledgeBase
from storage.db import HEADS, current_revision, make_engine, upgrade
from storage.models import PolicyDocument, PolicyEntry


def test_three_instances_start_on_an_empty_database(db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(3)]
    errors: list[BaseException] = []

    def start(engine_index: int) -> None:
        try:
            engine = engines[engine_index]
            upgrade(engine)
            KnowledgeBase(engine).ensure_bundled()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert current_revision(engines[0]) in HEADS
        with Session(engines[0]) as session:
            assert session.exec(select(func.count()).select_from(PolicyDocument)).one() == 1
            assert session.exec(select(func.count()).select_from(PolicyEntry)).one() == 32
    finally:
        for engine in engines:
            engine.dispose()
