"""Cluster-wide leadership for the scheduled scans (several instances).

Several instances may serve one bot against one PostgreSQL database; a scan such as the
SLA reminders must still run once. The leader is the instance holding the session-level
advisory lock (``LOCK_KEY``, the schema) on a dedicated connection; when it dies its
connection closes, PostgreSQL releases the lock and the next job of another instance takes over
(``pg_try_advisory_lock`` never waits). On SQLite (one process) every instance leads.

Use :func:`leader_only` around a job callback::

    jobs.run_repeating(leader_only(ticket_sla.job), ...)
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

# advisory locks are per database: the second key, the hash of the schema, keeps two
# bots in two schemas of one database apart (storage/db.py and storage/kb.py do the same)
LOCK_KEY = 0x706F6C01  # "pol" + 1
C = TypeVar("C")


class Leadership:
    """Whether this process leads; ``is_leader()`` (blocking) tries to become leader."""

    def __init__(self, engine: Engine, *, key: int = LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    @property
    def always(self) -> bool:
        return self.engine.dialect.name != "postgresql"

    @property
    def holds(self) -> bool:
        """Whether this instance held the lock at its last check (no database round trip)."""
        return self.always or self._conn is not None

    def is_leader(self) -> bool:
        if self.always:
            return True
        with self._lock:
            if self._conn is not None:
                try:  # still holding it? (the connection may have been cut)
                    self._conn.execute(text("SELECT 1"))
                    self._conn.commit()
                    return True
                except DBAPIError:
                    log.warning("leadership lost: its connection is gone")
                    self._discard()
            return self._try_acquire()

    def _try_acquire(self) -> bool:
        try:
            conn = self.engine.connect()
        except DBAPIError:
            return False
        try:
            got = conn.execute(
                text("SELECT pg_try_advisory_lock(:k, hashtext(current_schema()))"), {"k": self.key}
            ).scalar()
            conn.commit()
        except DBAPIError:
            conn.invalidate()
            conn.close()
            return False
        if got:
            self._conn = conn
            log.info("this instance now leads the scheduled jobs")
            return True
        conn.close()
        return False

    def _discard(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()  # never back to the pool: the lock dies with it
                self._conn.close()
            except DBAPIError:
                pass
            self._conn = None

    def release(self) -> None:
        with self._lock:
            self._discard()


_BY_ENGINE: weakref.WeakKeyDictionary[Engine, Leadership] = weakref.WeakKeyDictionary()


def leadership_for(engine: Engine) -> Leadership:
    found = _BY_ENGINE.get(engine)
    if found is None:
        found = _BY_ENGINE[engine] = Leadership(engine)
        # its dedicated connection is closed when the engine goes, at the latest at exit
        weakref.finalize(engine, found.release)
    return found


def leader_only(
    job: Callable[[C], Coroutine[Any, Any, Any]],
) -> Callable[[C], Coroutine[Any, Any, None]]:
    """Wrap a PTB job callback: it runs only on the leader (``context.bot_data.engine``)."""

    @functools.wraps(job)
    async def wrapper(context: C) -> None:
        engine: Engine = context.bot_data.engine  # type: ignore[attr-defined]
        leadership = leadership_for(engine)
        if not await asyncio.to_thread(leadership.is_leader):
            log.debug("%s skipped: another instance leads", getattr(job, "__name__", "job"))
            return
        await job(context)

    return wrapper
