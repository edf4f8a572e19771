"""Shared fixtures: a migrated database on SQLite always, and on PostgreSQL when it is
reachable (with CI=true an unreachable PostgreSQL fails the run instead of skipping)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from knowledge.lexicon import Segmenter, default_lexicon
from services.knowledge import KnowledgeBase
from storage.db import make_engine, upgrade

PG_URL = os.environ.get(
    "POLICYBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SEED = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "seeds"

# Test databases need no durability. A commit that waits for the disk (fsync) costs ~4 ms
# on this machine's virtual disk, ~0.03 ms in memory, and the suite commits tens of
# thousands of times. So pytest's temporary directories (SQLite files, CLI data folders)
# are on the RAM-backed /dev/shm where there is one, and PostgreSQL sessions do not wait
# for their commit to reach the disk (synchronous_commit=off: a crash of the server could
# lose the last commits, never corrupt anything). The SQL that runs is the same.
_RAM = Path("/dev/shm")
if "PYTEST_DEBUG_TEMPROOT" not in os.environ and _RAM.is_dir() and os.access(_RAM, os.W_OK):
    os.environ["PYTEST_DEBUG_TEMPROOT"] = str(_RAM)  # pytest's documented temporary root
PG_NO_WAIT = "-csynchronous_commit%3Doff"


DATABASES = ("sqlite", "postgresql")


def work_unit(nodeid: str) -> str:
    """The unit one pytest-xdist worker runs whole: a test module, or its tests on one
    database when they are parametrized by it. Module-scoped worlds (the update fuzz, the
    flow model) are then built once per database and their counts stay whole, while the
    SQLite and PostgreSQL halves of a slow module run on different cores."""
    module, _, test = nodeid.partition("::")
    ids = test[test.find("[") + 1 : -1].split("-") if test.endswith("]") else []
    database = next((db for db in DATABASES if db in ids), None)
    return f"{module}:{database}" if database else module


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``-n``: pytest-xdist's scope scheduling, with :func:`work_unit` as the scope (its
    ``xdist_group`` marks do not reach the scheduler under pytest 9)."""
    from xdist.scheduler import LoadScopeScheduling  # only where pytest-xdist runs

    class ByModuleAndDatabase(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return ByModuleAndDatabase(config, log)


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
    admin = create_engine(PG_URL, connect_args={"options": "-csynchronous_commit=off"})
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}%20{PG_NO_WAIT}"
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


@dataclass
class MigratedTemplate:
    """The migrated, empty database, made once per session and copied for each test:
    migrating from scratch costs ~0.3 s on SQLite and ~1 s on PostgreSQL, a copy a few ms.

    SQLite: the migrated file, copied. PostgreSQL: the statements the migrations executed
    (reads left out), replayed in the test's private schema in one transaction."""

    sqlite_file: Path
    postgres_statements: list[tuple[str, Any, bool]] | None = None

    def sqlite(self, url: str) -> None:
        target = make_url(url).database
        assert target is not None
        shutil.copyfile(self.sqlite_file, target)

    def postgres(self, engine: Engine) -> None:
        if self.postgres_statements is None:
            self.postgres_statements = _recorded_migration()
        replay(engine, self.postgres_statements)


Statements = list[tuple[str, Any, bool]]


@contextmanager
def recorded(engine: Engine) -> Iterator[Statements]:
    """The statements ``engine`` executes meanwhile that change something (reads left out)."""
    statements: Statements = []

    def record(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if not statement.lstrip().upper().startswith(("SELECT", "SHOW")):
            # an "insertmanyvalues" batch is reported with many=True and one row of values
            rows = many and isinstance(parameters, (list, tuple))
            rows = rows and bool(parameters) and isinstance(parameters[0], (list, tuple, dict))
            statements.append((statement, parameters, rows))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def replay(engine: Engine, statements: Statements) -> None:
    """Execute recorded statements again, in one transaction."""
    with engine.begin() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        for statement, parameters, many in statements:
            if many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
            if cursor.description is not None:  # INSERT … RETURNING: read to the end
                cursor.fetchall()
        cursor.close()


def _recorded_migration() -> Statements:
    """Migrate a scratch schema and keep every statement that changes it."""
    with private_schema("tpl") as url:
        scratch = make_engine(url)
        try:
            with recorded(scratch) as statements:
                upgrade(scratch)
        finally:
            scratch.dispose()
    return statements


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> MigratedTemplate:
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    scratch = make_engine(f"sqlite:///{path}")
    try:
        upgrade(scratch)
    finally:
        scratch.dispose()
    return MigratedTemplate(sqlite_file=path)


@pytest.fixture
def engine(db_url: str, migrated_template: MigratedTemplate) -> Iterator[Engine]:
    """A migrated, empty database (a copy of the session's migrated template)."""
    if db_url.startswith("sqlite"):
        migrated_template.sqlite(db_url)
    eng = make_engine(db_url)
    if eng.dialect.name == "postgresql":
        migrated_template.postgres(eng)
    yield eng
    eng.dispose()


class BundledTemplate:
    """The bundled documents as ``KnowledgeBase.ensure_bundled()`` writes them into a
    migrated database (its statements, recorded once per dialect and session) and the
    search index built for them (stored as a bot stores it).

    Importing and indexing the bundled documents costs ~0.7 s per test; replaying the
    statements and loading the stored index, as a restarted bot does, a few tens of ms."""

    def __init__(self, directory: Path, migrated: MigratedTemplate) -> None:
        self.directory = directory
        self.migrated = migrated
        self._made: dict[str, tuple[Statements, Path]] = {}
        self._segmenter: Segmenter | None = None

    @property
    def segmenter(self) -> Segmenter:
        """Its own segmenter: the index is the same whatever the tests' shared one learnt."""
        if self._segmenter is None:
            self._segmenter = Segmenter(default_lexicon())
        return self._segmenter

    def _make(self, dialect: str) -> tuple[Statements, Path]:
        index_dir = self.directory / dialect
        index_dir.mkdir()
        with ExitStack() as stack:
            if dialect == "sqlite":
                url = f"sqlite:///{index_dir / 'bundled.db'}"
                self.migrated.sqlite(url)
            else:
                url = stack.enter_context(private_schema("kbtpl"))
            scratch = make_engine(url)
            stack.callback(scratch.dispose)
            if dialect == "postgresql":
                self.migrated.postgres(scratch)
            service = KnowledgeBase(scratch, segmenter=self.segmenter, index_dir=index_dir)
            with recorded(scratch) as statements:
                assert service.ensure_bundled() is not None
            service.refresh()  # builds the index and stores it
        assert service.index_path is not None and service.index_path.exists()
        return statements, service.index_path

    def knowledge(self, engine: Engine, *, segmenter: Segmenter, index_dir: Path) -> KnowledgeBase:
        """The knowledge base on ``engine`` (migrated, empty) with the bundled documents."""
        dialect = engine.dialect.name
        if dialect not in self._made:
            self._made[dialect] = self._make(dialect)
        statements, index_file = self._made[dialect]
        replay(engine, statements)
        service = KnowledgeBase(engine, segmenter=segmenter, index_dir=index_dir)
        assert service.index_path is not None
        shutil.copyfile(index_file, service.index_path)
        assert service.ensure_bundled() is None  # the documents are there
        service.refresh()  # loads the stored index (same revision)
        return service


@pytest.fixture(scope="session")
def bundled_template(
    tmp_path_factory: pytest.TempPathFactory, migrated_template: MigratedTemplate
) -> BundledTemplate:
    return BundledTemplate(tmp_path_factory.mktemp("bundled"), migrated_template)


@pytest.fixture
def knowledge(
    engine: Engine,
    segmenter: Segmenter,
    bundled_template: BundledTemplate,
    tmp_path_factory: pytest.TempPathFactory,
) -> KnowledgeBase:
    """The bundled documents and their index, as ``ensure_bundled()`` and ``refresh()``
    make them (``BundledTemplate``: made once, replayed). ``segmenter`` is the requesting
    folder's own (tests/bot, tests/kbops)."""
    return bundled_template.knowledge(
        engine, segmenter=segmenter, index_dir=tmp_path_factory.mktemp("index")
    )
