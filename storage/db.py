"""Engine creation, sessions and schema upgrades (Alembic)."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine for ``url``; SQLite gets foreign keys and WAL."""
    connect_args: dict[str, Any] = {}
    if url.startswith("sqlite"):
        connect_args["check_same_thread"] = False
        connect_args["timeout"] = 30
    engine = create_engine(url, echo=echo, connect_args=connect_args, pool_pre_ping=True)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url != "sqlite://":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# The newest revision(s) of storage/migrations; tests/storage/test_migrations.py checks
# this against Alembic. It lets a start-up on an up-to-date database skip loading Alembic.
HEADS = frozenset({"0010"})
MIGRATION_LOCK = 0x706F6C02  # "pol" + 2, with the schema (scheduler/leader.py holds + 1)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def at_heads(engine: Engine) -> bool:
    """True when the database is already at ``HEADS`` (one cheap query)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return {row[0] for row in rows} == HEADS
    except SQLAlchemyError:
        return False  # no version table yet


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` (default: every head, so that feature branches
    of the migration history that are not merged yet are all applied)."""
    if revision == "heads" and at_heads(engine):
        return
    with _sqlite_migration_lock(engine):
        if revision == "heads" and at_heads(engine):
            return  # another process migrated the file while this one waited
        _upgrade(engine, revision)
    log.info("database schema at %s", revision)


@contextmanager
def _sqlite_migration_lock(engine: Engine) -> Iterator[None]:
    """Processes starting together on one SQLite file migrate it one after the other
    (pysqlite runs DDL outside transactions, so the database cannot serialise them)."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return
    with open(f"{path}.migrate-lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _upgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # instances starting together: one migrates, the others wait, then find the
            # schema current (the lock ends with this transaction)
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"),
                {"k": MIGRATION_LOCK},
            )
            current = connection.execute(text("SELECT to_regclass('alembic_version')")).scalar()
            if revision == "heads" and current is not None:
                rows = connection.execute(text("SELECT version_num FROM alembic_version"))
                if {row[0] for row in rows} == HEADS:
                    return
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The applied revision(s), comma-separated when several branches are applied."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None
