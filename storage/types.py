"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import JSON, Column, DateTime, String, Table, Text, event
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString


class AwareDateTime(TypeDecorator[dt.datetime]):
    """Stores timezone-aware datetimes as UTC and always returns them aware (UTC).

    SQLite has no time zone type; without this, values would come back naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ------------------------------------------------------------------ text both databases store
#
# PostgreSQL's text types cannot hold NUL (psycopg refuses with "PostgreSQL text fields
# cannot contain NUL (0x00) bytes", a DataError in the middle of a transaction) and a lone
# UTF-16 surrogate (which ``json.loads`` produces from ``"\ud800"``) cannot be encoded for
# either database. SQLite accepts NUL, so without this the two databases would differ and
# user text (questions, tickets, profiles, PTB state, imported documents) could crash a
# write on PostgreSQL only. Every String/Text/JSON column of the tables on
# ``SQLModel.metadata`` gets one of the types below (see ``_storable_columns``), so the
# cleaning happens in one place, on both databases, for writes and for query parameters.
# Other control characters are stored unchanged. The SQL types stay the same (no migration).

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(value: str) -> str:
    """``value`` without NUL, surrogate pairs joined and lone surrogates replaced by U+FFFD;
    ``value`` itself when there is nothing to clean (the usual case: one regex scan)."""
    if _UNSTORABLE.search(value) is None:
        return value
    value = value.replace("\x00", "")
    # UTF-16 joins a split pair ("\ud83d\ude00" → "😀"); "replace" turns the rest into U+FFFD
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def storable_json(value: Any) -> Any:
    """A JSON value with :func:`storable_text` applied to every string, keys included (PostgreSQL
    accepts ``\\u0000`` in ``json`` but not in ``jsonb`` nor when it extracts text)."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {
            (storable_text(k) if isinstance(k, str) else k): storable_json(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [storable_json(v) for v in value]
    return value


class StorableString(AutoString):
    """SQLModel's ``AutoString`` (``VARCHAR(length)``) whose values pass :func:`storable_text`."""

    cache_ok = True

    def __init__(self, length: int | None = None, collation: str | None = None) -> None:
        super().__init__(length=length, collation=collation)
        self.length = length  # part of the statement cache key
        self.collation = collation

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return storable_text(value) if isinstance(value, str) else value


class StorableText(TypeDecorator[str]):
    """``TEXT`` whose values pass :func:`storable_text`."""

    impl = Text
    cache_ok = True

    def __init__(self, length: int | None = None, collation: str | None = None) -> None:
        super().__init__(length=length, collation=collation)
        self.length = length
        self.collation = collation

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return storable_text(value) if isinstance(value, str) else value


class StorableJSON(TypeDecorator[Any]):
    """``JSON`` whose strings (values and keys) pass :func:`storable_text`."""

    impl = JSON
    cache_ok = True
    hashable = False  # as JSON: dicts and lists in result rows cannot be hashed

    def __init__(self, none_as_null: bool = False) -> None:
        super().__init__(none_as_null=none_as_null)
        self.none_as_null = none_as_null
        # as JSON: None is written as JSON null unless none_as_null (the ORM asks the type)
        self.should_evaluate_none = not none_as_null

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return storable_json(value)


def storable_type(type_: TypeEngine[Any]) -> TypeEngine[Any] | None:
    """The storable replacement of a column type, or None when it needs none."""
    kind = type(type_)
    if kind is AutoString:  # a TypeDecorator of String: the length is on its String
        type_ = type_.impl_instance  # type: ignore[attr-defined]
        kind = type(type_)
    if kind is Text:
        assert isinstance(type_, Text)
        return StorableText(type_.length, type_.collation)
    if kind is String:
        assert isinstance(type_, String)
        return StorableString(type_.length, type_.collation)
    if kind is JSON:
        assert isinstance(type_, JSON)
        return StorableJSON(none_as_null=type_.none_as_null)
    return None


@event.listens_for(Column, "after_parent_attach")
def _storable_columns(column: Column[Any], parent: Any) -> None:
    """Give every String/Text/JSON column of a table on ``SQLModel.metadata`` its storable
    type, as the column joins its table (before the ORM maps it). Tables of other metadata
    (Alembic's migration scripts, tests) are left alone."""
    if isinstance(parent, Table) and parent.metadata is SQLModel.metadata:
        replacement = storable_type(column.type)
        if replacement is not None:
            column.type = replacement
