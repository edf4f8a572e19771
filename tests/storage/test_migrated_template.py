"""The ``engine`` fixture copies a migrated template instead of migrating each test's
database: the copy must be the schema the migrations make."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from storage.db import current_revision, make_engine, upgrade
from tests.conftest import private_schema


def schema_of(engine: Engine) -> dict[str, Any]:
    inspector = inspect(engine)
    tables: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        tables[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                (u["name"] or "", tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
            "fks": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(table)
            ),
        }
    return tables


def fresh(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    if engine.dialect.name == "sqlite":
        migrated = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        upgrade(migrated)
        yield migrated
        migrated.dispose()
        return
    with private_schema("fresh") as url:
        migrated = make_engine(url)
        upgrade(migrated)
        yield migrated
        migrated.dispose()


def test_the_template_is_the_migrated_schema(engine: Engine, tmp_path: Path) -> None:
    for migrated in fresh(engine, tmp_path):
        assert current_revision(engine) == current_revision(migrated)
        assert schema_of(engine) == schema_of(migrated)
        assert len(schema_of(engine)) > 10
