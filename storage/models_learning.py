"""Tables of learning from use: evidence that a wording belongs to an entry (a tap on a
clarification option, a 👍 on an answer, an admin's attach in the unanswered loop), and
the wordings confirmed by it, which become alternative questions of the entry."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import AwareDateTime, utcnow


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False))


class EvidenceKind(StrEnum):
    CLARIFY = "clarify"  # the user chose this entry among "您是想了解以下哪项?"
    HELPFUL = "helpful"  # 👍 on the card answering the question
    ADMIN = "admin"  # an admin attached the question to the entry (unanswered loop)


class LearnedEvidence(SQLModel, table=True):
    """One sign that ``question`` was about ``entry_id``."""

    __tablename__ = "learned_evidence"
    __table_args__ = (Index("ix_learned_evidence_wording", "normalized", "entry_id"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(max_length=80)
    question: str = Field(sa_column=Column(Text, nullable=False))
    normalized: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=10)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    question_id: int | None = Field(default=None)
    created_at: dt.datetime = _created()


class LearnedWording(SQLModel, table=True):
    """A wording confirmed for an entry (by an admin, or by enough distinct users), with
    its provenance; undone ones stay listed with who undid them and when."""

    __tablename__ = "learned_wording"
    __table_args__ = (UniqueConstraint("normalized", "entry_id", name="uq_learned_wording"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(max_length=80, index=True)
    question: str = Field(sa_column=Column(Text, nullable=False))
    normalized: str = Field(sa_column=Column(Text, nullable=False))
    # how it was confirmed: "admin" (confirmed_by = the admin) or "users" (users = count)
    basis: str = Field(max_length=10)
    confirmed_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    users: int = 0
    confirmed_at: dt.datetime = _created()
    undone_at: dt.datetime | None = Field(
        default=None, sa_column=Column(AwareDateTime(), nullable=True)
    )
    undone_by: int | None = Field(default=None, sa_column=Column(BigInteger))
