"""SQLModel tables. Layered as in full-stack-fastapi-template: ``*Base`` holds the
shared fields, the ``table=True`` class adds keys and bookkeeping."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import AwareDateTime, utcnow


def _json(default: Any) -> Any:
    return Field(default_factory=lambda: type(default)(), sa_column=Column(JSON, nullable=False))


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False))


# --------------------------------------------------------------------------- documents


class PolicyDocumentBase(SQLModel):
    key: str = Field(max_length=40, description="stable short key, e.g. wh-sme-2023")
    title: str = Field(max_length=300)
    doc_number: str | None = Field(default=None, max_length=100, description="文号")
    issuer: str | None = Field(default=None, max_length=200)
    addressee: str | None = Field(default=None, max_length=300)
    level: str | None = Field(default=None, max_length=8, description="国家/省/市/区")
    region: str | None = Field(default=None, max_length=50)
    publish_date: dt.date | None = None
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    source_url: str | None = Field(default=None, max_length=500)
    source_name: str | None = Field(default=None, max_length=300)
    content_hash: str = Field(max_length=64)


class PolicyDocument(PolicyDocumentBase, table=True):
    __tablename__ = "policy_document"
    __table_args__ = (UniqueConstraint("key", name="uq_policy_document_key"),)

    id: int | None = Field(default=None, primary_key=True)
    preamble: str | None = Field(default=None, sa_column=Column(Text))
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    attachments: list[str] = _json([])
    # titles of the documents this one repeals ("原《…》同时废止"), as its text gives them
    repeals: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=text("'[]'")),
    )
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


# --------------------------------------------------------------------------- entries


class PolicyEntryBase(SQLModel):
    entry_id: str = Field(max_length=80, description="stable id: <document key>:<numbering>")
    number: str = Field(default="", max_length=20)
    title: str = Field(max_length=300)
    position: int = 0


class PolicyEntry(PolicyEntryBase, table=True):
    __tablename__ = "policy_entry"
    __table_args__ = (
        UniqueConstraint("entry_id", name="uq_policy_entry_entry_id"),
        Index("ix_policy_entry_document", "document_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="policy_document.id", nullable=False)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    path: list[str] = _json([])
    categories: list[str] = _json([])
    audiences: list[str] = _json([])
    keywords: list[str] = _json([])
    alt_questions: list[str] = _json([])
    # 一策一表 guide: {field: {"value": str, "source": str}}; a field no source gives is absent
    guide: dict[str, dict[str, str]] = _json({})
    # who the entry is for, read from its text (knowledge.audience.Audience.to_json);
    # None: written before the tags existed (read from the text when needed)
    audience_tags: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    content_hash: str = Field(default="", max_length=64)
    removed_at: dt.datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


# --------------------------------------------------------------------------- events


class KBImport(SQLModel, table=True):
    """One import run (a transaction): what was read and what it changed."""

    __tablename__ = "kb_import"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=500, description="file name or 'bundled'")
    document_key: str | None = Field(default=None, max_length=40)
    added: int = 0
    changed: int = 0
    removed: int = 0
    created_at: dt.datetime = _created()


class PolicyEvent(SQLModel, table=True):
    """An entry that an import added, changed or removed (the "new policy" event)."""

    __tablename__ = "policy_event"
    __table_args__ = (Index("ix_policy_event_created", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="kb_import.id", nullable=False)
    entry_id: str = Field(max_length=80)
    kind: str = Field(max_length=10, description="added / changed / removed")
    created_at: dt.datetime = _created()


class QuestionLog(SQLModel, table=True):
    """Every question asked, with its outcome; unanswered ones guide maintainers."""

    __tablename__ = "question_log"
    __table_args__ = (Index("ix_question_log_answered", "answered", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(sa_column=Column(Text, nullable=False))
    normalized: str = Field(sa_column=Column(Text, nullable=False))
    answered: bool
    best_entry_id: str | None = Field(default=None, max_length=80)
    best_score: float = 0.0
    channel: str = Field(default="cli", max_length=20)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    # declined because no document speaks of its subject: the subject's label (报税和发票)
    outside_topic: str | None = Field(default=None, max_length=40)
    created_at: dt.datetime = _created()


# --------------------------------------------------------------------------- users


class UserRole(StrEnum):
    """Roles: the first three are chosen by the user at /start; the rest are granted."""

    HANDLER = "经办人"  # 企业经办人
    LEGAL_REP = "法人"  # 企业法人
    CITIZEN = "市民"
    COMMISSIONER = "专员"  # 企业服务专员, granted by an admin
    ADMIN = "管理员"  # granted by POLICYBOT_ADMIN_IDS or `policybot users grant`

    @classmethod
    def self_chosen(cls) -> tuple[UserRole, ...]:
        return (cls.HANDLER, cls.LEGAL_REP, cls.CITIZEN)


class BotUser(SQLModel, table=True):
    """A Telegram user the bot has seen. ``id`` is the Telegram user id."""

    __tablename__ = "bot_user"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    role: str | None = Field(default=None, max_length=10)
    language_code: str | None = Field(default=None, max_length=16)
    blocked_at: dt.datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    created_at: dt.datetime = _created()
    last_seen_at: dt.datetime = _created()


class Feedback(SQLModel, table=True):
    """有帮助 / 没帮助 on an answer card."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_entry", "entry_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    entry_id: str = Field(max_length=80)
    helpful: bool
    question_id: int | None = Field(default=None, foreign_key="question_log.id")
    created_at: dt.datetime = _created()


class BotState(SQLModel, table=True):
    """PTB persistence in the database: conversations, user_data, chat_data, callback_data.

    ``kind`` is e.g. ``conversation:<name>``, ``user_data``, ``chat_data``; ``key`` the
    JSON-encoded key within it. Any instance can serve the next update.
    """

    __tablename__ = "bot_state"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_bot_state_kind_key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=80)
    key: str = Field(max_length=200)
    data: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    # bumped on every write: an instance writes a conversation state only over the
    # version it last saw (storage/persistence.py), so a stale instance cannot undo it
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    updated_at: dt.datetime = _created()


import storage.models_kbops  # noqa: E402  (knowledge-base operations)
import storage.models_learning  # noqa: E402  (wordings learned from use)
import storage.models_profile  # noqa: E402  (enterprise profile and self-check)
import storage.models_push  # noqa: E402  (push tables, on the same metadata)
import storage.models_tickets  # noqa: E402, F401  (the tickets tables)
