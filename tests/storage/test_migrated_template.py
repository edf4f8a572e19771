"""The ``engine`` fixture copies a migrated template instead of migrating each test's
database: the copy must be the schema the migrations make. The ``knowledge`` fixtures
replay the bundled documents and load their stored index: the result must be what
``ensure_bundled()`` writes and what a freshly built index answers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from services.knowledge import KnowledgeBase
from storage.db import current_revision, make_engine, upgrade
from tests.conftest import BundledTemplate, MigratedTemplate, private_schema


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


TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d)?")


def contents(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, times left out (they say when each was written)."""
    tables: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table in sorted(inspect(engine).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            tables[table] = sorted(
                TIME.sub(
                    "<time>",
                    repr(tuple(v.isoformat() if isinstance(v, dt.datetime) else v for v in row)),
                )
                for row in rows
            )
    return tables


QUESTIONS = ["个体户转成公司有奖励吗", "融资担保肥率", "专精特新怎么申报", "今天天气怎么样", "贷款"]


def test_the_bundled_template_is_what_ensure_bundled_writes(
    engine: Engine,
    bundled_template: BundledTemplate,
    migrated_template: MigratedTemplate,
    tmp_path: Path,
) -> None:
    replayed = bundled_template.knowledge(
        engine, segmenter=bundled_template.segmenter, index_dir=tmp_path
    )
    for migrated in fresh(engine, tmp_path):
        imported = KnowledgeBase(migrated, segmenter=bundled_template.segmenter)
        assert imported.ensure_bundled() is not None
        assert contents(engine) == contents(migrated)
        assert contents(engine)["policy_entry"]
        # the stored index loaded for the fixture answers as one built from the database
        for question in QUESTIONS:
            expected = imported.search(question, top=5)
            found = replayed.search(question, top=5)
            assert (found.answered, found.clarify) == (expected.answered, expected.clarify)
            assert [(m.entry_id, m.score) for m in found.matches] == [
                (m.entry_id, m.score) for m in expected.matches
            ]
