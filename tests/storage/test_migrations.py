"""Alembic migrations produce exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import current_revision, upgrade


def test_upgrade_reaches_head_and_matches_models(engine: Engine) -> None:
    assert current_revision(engine) is not None
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    before = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == before


def test_heads_constant_matches_the_migration_scripts(engine: Engine) -> None:
    from alembic.script import ScriptDirectory

    from storage.db import HEADS, alembic_config, at_heads

    assert set(ScriptDirectory.from_config(alembic_config(engine)).get_heads()) == HEADS
    assert at_heads(engine)
