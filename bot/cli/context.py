"""What every command starts from: settings, the database, the knowledge base, the consoles
and the one way a command fails.

The root callback (``bot.cli.startup``) builds one :class:`CliContext` per invocation; a
command takes ``ctx: typer.Context`` and calls :func:`state` to get it. Each part is built on
first use, so ``policybot rules check`` never reads the settings and ``policybot ask`` never
loads what only the bot needs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.settings import Settings
    from services.knowledge import KnowledgeBase

# Output for people on stdout; errors and warnings on stderr, never wrapped (a message stays
# on one line in a narrow terminal, a log file or a pipe).
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``错误:message`` on stderr and leave with ``code`` (1: failure, 2: bad usage).
    The message is plain text: ``policybot[ebook]`` or a path with brackets prints as is."""
    err.print(f"[red]错误:[/red]{escape(message)}")
    raise typer.Exit(code)


def write_file(path: Path, data: bytes) -> None:
    """Write a file a command was asked to produce; a missing or read-only folder is the
    one-line ``错误:无法写入…`` of every command, never a traceback."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        fail(f"无法写入 {path}:{exc.strerror or type(exc).__name__}")


def db_failure_message(exc: BaseException) -> str | None:
    """A Chinese explanation of a full or unreachable database (None: another error)."""
    from storage.failures import DBFailure, cause, classify

    failure = classify(exc)
    if failure is DBFailure.FULL:
        return f"数据库存储空间已满({cause(exc)}),请清理磁盘空间后重试;"
    if failure is DBFailure.UNAVAILABLE:
        return f"数据库暂时无法访问({cause(exc)}),请稍后重试;"
    return None


class CliContext:
    """Settings, engine and knowledge base of one ``policybot`` invocation, each built once."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._engine: Engine | None = None
        self._upgraded = False
        self._knowledge: KnowledgeBase | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from pydantic import ValidationError

            from bot.settings import Settings

            try:
                self._settings = Settings()
            except ValidationError as exc:
                first = exc.errors()[0]
                fail(f"配置有误:{first['loc']} {first['msg']}")
        return self._settings

    def connect(self) -> Engine:
        """The engine, schema not touched (``db upgrade`` chooses the revision itself)."""
        if self._engine is None:
            from storage.db import make_engine

            settings = self.settings
            settings.ensure_data_dir()
            self._engine = make_engine(settings.resolved_database_url)
        return self._engine

    @property
    def engine(self) -> Engine:
        """The engine, schema upgraded to the newest revision."""
        engine = self.connect()
        if not self._upgraded:
            from sqlalchemy.exc import SQLAlchemyError

            from storage.db import upgrade

            try:
                upgrade(engine)
            except SQLAlchemyError as exc:
                fail(f"无法连接或升级数据库({type(exc).__name__}),请检查 POLICYBOT_DATABASE_URL。")
            self._upgraded = True
        return engine

    def open_kb(self, *, bundled: bool | None = None) -> KnowledgeBase:
        """The knowledge-base service; the bundled documents are loaded into an empty DB
        (``bundled`` overrides ``POLICYBOT_LOAD_BUNDLED_KB``)."""
        if self._knowledge is None:
            from services.knowledge import KnowledgeBase

            settings = self.settings
            self._knowledge = KnowledgeBase(
                self.engine,
                threshold=settings.answer_threshold,
                max_chars=settings.max_question_chars,
                index_dir=settings.resolved_index_dir,
            )
            if settings.load_bundled_kb if bundled is None else bundled:
                self._knowledge.ensure_bundled()
        return self._knowledge

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def state(ctx: typer.Context) -> CliContext:
    """The invocation's context (made here when a sub-app is run on its own, as in tests)."""
    found = ctx.find_object(CliContext)
    if found is not None:
        return found
    root = ctx.find_root()
    made = CliContext()
    root.obj = made
    root.call_on_close(made.close)
    return made
