"""Recognising database failures that are not bugs: the database is unreachable
or busy (try again later), or its storage is full (an operator must free space).

Everything else (a missing table, a constraint, a syntax error) is a programming or
schema problem and is left to the generic error path."""

from __future__ import annotations

import enum
import sqlite3

from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLite primary result codes (https://sqlite.org/rescode.html)
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
_SQLITE_UNAVAILABLE = frozenset(
    {SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN}
)
# PostgreSQL SQLSTATE 53100 disk_full
PG_DISK_FULL = "53100"


class DBFailure(enum.Enum):
    UNAVAILABLE = "unavailable"  # unreachable, disconnected, busy, cannot open: try again
    FULL = "full"  # "database or disk is full": nothing can be written until space is freed


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not e for e in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _classify_sqlite(error: sqlite3.Error) -> DBFailure | None:
    # sqlite3 raises OperationalError for SQL errors too ("no such table"): use the code
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    if code == SQLITE_FULL:
        return DBFailure.FULL
    return DBFailure.UNAVAILABLE if code in _SQLITE_UNAVAILABLE else None


def classify(error: BaseException) -> DBFailure | None:
    """The kind of database failure ``error`` (or an error it was raised from) is, or None."""
    for current in _chain(error):
        if isinstance(current, DisconnectionError | PoolTimeout):
            return DBFailure.UNAVAILABLE
        if isinstance(current, sqlite3.Error):
            return _classify_sqlite(current)
        if isinstance(current, DBAPIError):
            if current.connection_invalidated:  # the dialect saw a lost connection
                return DBFailure.UNAVAILABLE
            orig = current.orig
            if isinstance(orig, sqlite3.Error):
                return _classify_sqlite(orig)
            if getattr(orig, "sqlstate", None) == PG_DISK_FULL:  # psycopg
                return DBFailure.FULL
            # PEP 249 OperationalError: "errors related to the database's operation and not
            # necessarily under the control of the programmer": refused or lost connections,
            # the server shutting down, out of resources (PostgreSQL classes 08, 53, 57, 58)
            return DBFailure.UNAVAILABLE if isinstance(current, OperationalError) else None
    return None


def cause(error: BaseException) -> str:
    """The driver's own words, first line only (e.g. "database or disk is full"), for the
    operator's log: never SQLAlchemy's text, which carries the SQL and its parameters."""
    for current in _chain(error):
        if isinstance(current, DBAPIError):
            if current.orig is None:
                continue
            current = current.orig
        elif not isinstance(current, sqlite3.Error) and not hasattr(current, "sqlstate"):
            continue
        lines = str(current).strip().splitlines()
        text = lines[0].strip() if lines else ""
        if text:
            return text if len(text) <= 160 else text[:159] + "…"
    return type(error).__name__
