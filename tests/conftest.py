"""Shared fixtures: a migrated database on SQLite always, and on PostgreSQL when it is
reachable (with CI=true an unreachable PostgreSQL fails the run instead of skipping)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from storage.db import make_engine, upgrade

PG_URL = os.environ.get(
    "POLICYBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SEED = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "seeds"


def _postgres_available() -> str | None:
    try:
        probe = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with probe.connect() as conn:
            conn.execute(text("select 1"))
        probe.dispose()
        return None
    except OperationalError as exc:
        return f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}"


_PG_PROBLEM = _postgres_available()


def postgres_or_skip() -> None:
    if _PG_PROBLEM is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {_PG_PROBLEM}")
    pytest.skip(_PG_PROBLEM)


@contextmanager
def private_schema(prefix: str = "t") -> Iterator[str]:
    """The URL of a new, empty PostgreSQL schema, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database; PostgreSQL gets a private schema per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    postgres_or_skip()
    with private_schema() as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated, empty database."""
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()
