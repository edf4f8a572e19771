"""Resilience, end to end: the real Application polling the local Bot API, the
real database. The Bot API answers 5xx or too slowly (its fault injection): retried. The
database goes away (PostgreSQL behind a TCP proxy that is cut; an SQLite file that cannot
be opened) and comes back: a friendly reply, then normal answers without a restart. The
SQLite database is full (SQLite's real SQLITE_FULL, through ``PRAGMA max_page_count``): a
clear reply, one ERROR line, nothing half-written; the CLI says so in Chinese."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from bot.render import texts
from knowledge.lexicon import Segmenter
from policybot_localapi.api import LocalBotAPI, User
from services.knowledge import KnowledgeBase
from storage import kb
from storage.db import make_engine, session_scope, upgrade
from storage.failures import DBFailure, classify
from storage.models import QuestionLog
from tests.bot.e2e_support import CARD_TITLE, QUESTION, TOKEN, Bot, make_settings
from tests.bot.tcp_proxy import TcpProxy
from tests.conftest import PG_URL, postgres_or_skip

# the Bot API side does not depend on the database: these run on SQLite only
ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
READ_TIMEOUT = 5.0  # PTB's default read timeout (HTTPXRequest), which the bot keeps
OUTAGE_QUESTION = "个体户转成公司有奖励吗(停机测试)"


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + 5
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
def harness(api: LocalBotAPI, engine: Engine, knowledge: KnowledgeBase) -> Bot:
    """Over loopback HTTP: these tests are about calls failing or timing out on the wire."""
    return Bot(
        api=api, engine=engine, knowledge=knowledge, settings=make_settings(), over_http=True
    )


def retry_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.retry"]


def error_lines(
    caplog: pytest.LogCaptureFixture, prefix: str = "update "
) -> list[logging.LogRecord]:
    """What the error handler logged, starting with ``prefix``; "update …" are its lines
    about a database failure or a blocked user (jobs may log about the outage too)."""
    return [
        r
        for r in caplog.records
        if r.name == "bot.handlers.errors" and r.getMessage().startswith(prefix)
    ]


def questions_of(engine: Engine, user: User) -> list[str]:
    with Session(engine) as session:
        query = select(QuestionLog).where(QuestionLog.user_id == user.id)
        return [row.question for row in session.exec(query.order_by(col(QuestionLog.id)))]


# ---------------------------------------------------------------- the Bot API fails


@ON_SQLITE
async def test_bad_gateway_and_unavailable_answers_are_retried(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    user = await bot.user()
    faults = bot.api.faults
    bad_gateway = faults.add("sendMessage", 502, count=2, chat_id=user.id)
    with caplog.at_level(logging.WARNING):
        [card] = await bot.say(user, QUESTION)
        assert CARD_TITLE in (card.text or "")
        assert bad_gateway.hits == 2
        await bot.client.expect_no_messages(user, within=0.3)  # exactly one answer
        assert retry_warnings(caplog) == [
            "Bot API sendMessage failed (NetworkError: Bad Gateway (502)); retry 1/3 in 0.5 s",
            "Bot API sendMessage failed (NetworkError: Bad Gateway (502)); retry 2/3 in 1.0 s",
        ]
        caplog.clear()
        unavailable = faults.add("sendMessage", 503, count=1, chat_id=user.id)
        timeout = faults.add("sendMessage", 504, count=1, chat_id=user.id)
        [again] = await bot.say(user, QUESTION)
        assert again.text == card.text
        assert (unavailable.hits, timeout.hits) == (1, 1)
        await bot.client.expect_no_messages(user, within=0.3)
    assert retry_warnings(caplog) == [
        "Bot API sendMessage failed (NetworkError: Service Unavailable); retry 1/3 in 0.5 s",
        "Bot API sendMessage failed (NetworkError: Gateway Timeout); retry 2/3 in 1.0 s",
    ]
    assert not error_lines(caplog, "")  # the error handler never saw an error
    assert TOKEN not in caplog.text and QUESTION not in caplog.text


@ON_SQLITE
async def test_a_timed_out_answer_is_retried(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """The Bot API answers sendMessage after the bot gave up waiting: the bot retries. The
    late request was carried out all the same (as Telegram does): the answer arrives twice,
    the documented price of delivering at least once (bot/retry.py)."""
    user = await bot.user()
    slow = bot.api.faults.add(
        "sendMessage", None, delay=READ_TIMEOUT + 0.5, count=1, chat_id=user.id
    )
    with caplog.at_level(logging.WARNING):
        await bot.client.send_message(user, QUESTION)
        cards = await bot.client.wait_for_messages(user, 2, timeout=READ_TIMEOUT + 8)
        await bot.client.expect_no_messages(user, within=0.3)
    assert slow.hits == 1
    assert [CARD_TITLE in (c.text or "") for c in cards] == [True, True]
    assert retry_warnings(caplog) == [
        "Bot API sendMessage failed (TimedOut: Timed out); retry 1/3 in 0.5 s"
    ]
    assert not error_lines(caplog, "")


@ON_SQLITE
async def test_client_errors_are_not_retried(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """400 (BadRequest) and 403 (Forbidden) are NetworkError / TelegramError too, but
    would fail again: one call each, then the usual handling."""
    user = await bot.user()
    faults = bot.api.faults
    with caplog.at_level(logging.INFO):
        bad_request = faults.add("sendMessage", 400, count=None, chat_id=user.id)
        await bot.client.send_message(user, QUESTION)
        # the card fails, then the apology fails: two calls, no retry
        await until(lambda: bool(error_lines(caplog, "could not tell")), "the failed apology")
        await asyncio.sleep(0.8)  # longer than the first backoff
        assert bad_request.hits == 2
        faults.clear()
        forbidden = faults.add("sendMessage", 403, count=None, chat_id=user.id)
        await bot.client.send_message(user, QUESTION)
        await until(
            lambda: any("not allowed" in r.getMessage() for r in error_lines(caplog)),
            "the 403 to be logged",
        )
        await asyncio.sleep(0.8)
        assert forbidden.hits == 1
        faults.clear()
    assert retry_warnings(caplog) == []
    await bot.client.expect_no_messages(user, within=0.1)


# ---------------------------------------------------------------- the database goes away


@pytest.fixture
def pg_proxy() -> Iterator[tuple[TcpProxy, str]]:
    """A private schema on the test PostgreSQL, reached through a TCP proxy; yields the
    proxy and the bot's database URL (through the proxy)."""
    postgres_or_skip()
    url = make_url(PG_URL)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
            through = url.set(
                host="127.0.0.1",
                port=proxy.port,
                query={**url.query, "options": f"-csearch_path={schema}"},
            )
            yield proxy, through.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
async def pg_bot(
    pg_proxy: tuple[TcpProxy, str], api: LocalBotAPI, segmenter: Segmenter
) -> AsyncIterator[Bot]:
    engine = make_engine(pg_proxy[1])
    try:
        upgrade(engine)
        knowledge = KnowledgeBase(engine, segmenter=segmenter)
        knowledge.ensure_bundled()
        knowledge.refresh()
        yield Bot(
            api=api, engine=engine, knowledge=knowledge, settings=make_settings(), over_http=True
        )
    finally:
        engine.dispose()  # before the proxy closes


async def test_postgres_goes_away_and_comes_back(
    pg_bot: Bot, pg_proxy: tuple[TcpProxy, str], caplog: pytest.LogCaptureFixture
) -> None:
    proxy = pg_proxy[0]
    async with pg_bot.run():
        user = await pg_bot.user()
        [card] = await pg_bot.say(user, QUESTION)
        assert CARD_TITLE in (card.text or "")
        assert proxy.connections > 0  # the bot's database really is behind the proxy
        proxy.cut()  # open connections drop, new ones are refused
        with caplog.at_level(logging.WARNING):
            [reply] = await pg_bot.say(user, OUTAGE_QUESTION)
            assert reply.text == texts.DB_UNAVAILABLE
            await pg_bot.client.expect_no_messages(user, within=0.3)  # one reply
        proxy.restore()
        [again] = await pg_bot.say(user, QUESTION)  # no restart
        assert again.text == card.text
    [line] = error_lines(caplog)
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert "database unavailable (connection failed" in line.getMessage()
    assert "Traceback" not in caplog.text and "停机测试" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert questions_of(pg_bot.engine, user) == [QUESTION, QUESTION]


def take_away(engine: Engine, path: Path, away: Path) -> None:
    """The volume goes away: the file cannot be opened (a directory stands in its path, so
    that SQLite cannot create an empty database there either, even as root), and the open
    files go with it (the bot's pooled connections are closed)."""
    path.rename(away)
    path.mkdir()
    engine.dispose()


def bring_back(path: Path, away: Path) -> None:
    path.rmdir()
    away.rename(path)


@ON_SQLITE
async def test_sqlite_file_goes_away_and_comes_back(
    harness: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    database = harness.engine.url.database
    assert database is not None
    path = Path(database)
    away = path.with_name(path.name + ".away")
    async with harness.run():
        user = await harness.user()
        [card] = await harness.say(user, QUESTION)
        take_away(harness.engine, path, away)
        with caplog.at_level(logging.WARNING):
            [reply] = await harness.say(user, OUTAGE_QUESTION)
            assert reply.text == texts.DB_UNAVAILABLE
            await harness.client.expect_no_messages(user, within=0.3)
        bring_back(path, away)
        [again] = await harness.say(user, QUESTION)
        assert again.text == card.text
    [line] = error_lines(caplog)
    assert line.getMessage().endswith("database unavailable (unable to open database file)")
    assert line.levelno == logging.WARNING and "停机测试" not in caplog.text
    assert questions_of(harness.engine, user) == [QUESTION, QUESTION]


def test_what_counts_as_a_database_failure(tmp_path: Path) -> None:
    """SQLite reports SQL errors as OperationalError too: those stay bugs."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            with pytest.raises(OperationalError) as missing:
                conn.execute(text("SELECT * FROM no_such_table"))
            conn.rollback()
            conn.exec_driver_sql("CREATE TABLE t (x TEXT)")
            conn.exec_driver_sql("PRAGMA max_page_count = 1")
            with pytest.raises(OperationalError) as full:
                conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": "x" * 100_000})
    finally:
        engine.dispose()
    assert classify(missing.value) is None
    assert classify(full.value) is DBFailure.FULL
    assert classify(RuntimeError("not a database error")) is None


# ---------------------------------------------------------------- the disk is full


class FullDisk:
    """SQLite's real SQLITE_FULL: every new connection of ``engine`` may not grow the
    file (``PRAGMA max_page_count`` cannot go below the current size, so 1 means "as it is
    now"); ``fill()`` then uses up the room left inside the file."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.full = False
        event.listen(engine, "connect", self._limit)

    def _limit(self, dbapi_connection: Any, _record: Any) -> None:
        if self.full:
            dbapi_connection.execute("PRAGMA max_page_count = 1")

    def fill(self) -> None:
        self.full = True
        self.engine.dispose()  # pooled connections reconnect, with the limit
        for size in (1000, 100, 10, 1):
            while True:
                try:
                    with session_scope(self.engine) as session:
                        kb.log_question(
                            session,
                            question="填" * size,
                            normalized="填" * size,
                            answered=False,
                            best_entry_id=None,
                            best_score=0.0,
                            channel="filler",
                        )
                except OperationalError as exc:
                    assert classify(exc) is DBFailure.FULL, exc
                    break

    def free(self) -> None:
        self.full = False
        self.engine.dispose()


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            for table in inspect(conn).get_table_names()
        }


@ON_SQLITE
async def test_a_full_disk_gets_a_clear_reply_and_one_error_line(
    harness: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    disk = FullDisk(harness.engine)
    disk.fill()
    before = row_counts(harness.engine)
    async with harness.run():
        user = await harness.user()
        with caplog.at_level(logging.WARNING):
            [reply] = await harness.say(user, QUESTION)
            assert reply.text == texts.STORAGE_FULL
            await harness.client.expect_no_messages(user, within=0.3)
            errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
            after = row_counts(harness.engine)
        # what only reads keeps working
        [listing] = await harness.command(user, "search", "贷款")
        assert "贷款" in (listing.text or "")
        disk.free()  # the operator frees space: no restart needed
        [card] = await harness.say(user, QUESTION)
        assert CARD_TITLE in (card.text or "")
    [line] = errors
    assert line.name == "bot.handlers.errors" and line.exc_info is None
    assert re.fullmatch(
        r"update \d+: database storage is full \(database or disk is full\): "
        "the write was rolled back; free disk space",
        line.getMessage(),
    )
    assert "Traceback" not in caplog.text and QUESTION not in caplog.text
    assert after == before  # nothing half-written
    assert questions_of(harness.engine, user) == [QUESTION]  # only the one after freeing


# the real console script, with every SQLite connection of the process unable to grow
FULL_DISK_CLI = """
import sys
from sqlalchemy import event
from sqlalchemy.engine import Engine

@event.listens_for(Engine, "connect")
def _no_room(dbapi_connection, _record):
    dbapi_connection.execute("PRAGMA max_page_count = 1")

sys.argv[0] = "policybot"
from bot.cli import main
main()
"""


def test_cli_import_on_a_full_disk_fails_cleanly(tmp_path: Path, segmenter: Segmenter) -> None:
    data = tmp_path / "data"
    data.mkdir()
    url = f"sqlite:///{data / 'policybot.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        KnowledgeBase(engine, segmenter=segmenter).ensure_bundled()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")  # no free pages left inside the file
        before = row_counts(engine)
    finally:
        engine.dispose()
    entries = [
        {
            "id": str(n),
            "number": f"{n}.",
            "title": f"区级融资措施第{n}项",
            "body": f"对符合条件的小微企业给予贷款贴息,第{n}项。" * 20,
            "path": ["一、融资支持"],
            "categories": ["融资服务"],
        }
        for n in range(1, 41)
    ]
    document = {
        "document": {"key": "qu-full", "title": "某区融资措施", "level": "区", "region": "江岸"},
        "entries": entries,
    }
    manifest = tmp_path / "qu-full.yaml"
    manifest.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(POLICYBOT_DATA_DIR=str(data), POLICYBOT_DATABASE_URL=url, COLUMNS="200")
    proc = subprocess.run(
        [sys.executable, "-c", FULL_DISK_CLI, "kb", "import", str(manifest)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        "错误:数据库存储空间已满(database or disk is full),请清理磁盘空间后重试;"
        "出错的文件未写入任何内容。"
    )
    assert proc.stdout == ""
    engine = make_engine(url)
    try:
        assert row_counts(engine) == before  # nothing half-written
    finally:
        engine.dispose()
