"""Tables of knowledge-base operations: uploads waiting for confirmation, the
publish audit log (with the snapshot a rollback restores) and the triage of unanswered
questions (attached as an alternative question, or off-topic)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from storage.types import AwareDateTime, utcnow


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False))


class UploadStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class KBPendingUpload(SQLModel, table=True):
    """A file an admin sent to the bot: kept until it is published or cancelled, so the
    preview's buttons keep working after a restart."""

    __tablename__ = "kb_pending_upload"
    __table_args__ = (Index("ix_kb_pending_upload_user", "user_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    file_name: str = Field(max_length=200)
    kind: str = Field(max_length=10, description="text / markdown / docx / doc / pdf / html / yaml")
    content: str = Field(
        sa_column=Column(Text, nullable=False), description="decoded text (html: the page)"
    )
    # metadata the admin edited: level, region, effective_date, expiry_date, categories
    edits: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=UploadStatus.PENDING.value, max_length=10)
    import_id: int | None = Field(default=None, description="kb_import.id once published")
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class KBPublish(SQLModel, table=True):
    """Audit log of publishes and rollbacks: who, when, which file, the report, and the
    state of the affected entries before the change (``snapshot``)."""

    __tablename__ = "kb_publish"
    __table_args__ = (Index("ix_kb_publish_import", "import_id"),)

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=10, description="publish / rollback")
    import_id: int = Field(foreign_key="kb_import.id", nullable=False)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    actor: str = Field(max_length=100, description="e.g. telegram:123 or cli")
    file_name: str = Field(default="", max_length=200)
    document_key: str | None = Field(default=None, max_length=40)
    report: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rollback_of: int | None = Field(default=None, description="kb_publish.id undone by this")
    rolled_back_at: dt.datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    created_at: dt.datetime = _created()


class TriageStatus(StrEnum):
    ATTACHED = "attached"  # added to an entry as an alternative question
    OFF_TOPIC = "offtopic"


class KBQuestionTriage(SQLModel, table=True):
    """An unanswered question text an admin dealt with; it is no longer listed."""

    __tablename__ = "kb_question_triage"

    id: int | None = Field(default=None, primary_key=True)
    normalized: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=10)
    entry_id: str | None = Field(default=None, max_length=80)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: dt.datetime = _created()
