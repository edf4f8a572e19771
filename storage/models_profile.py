"""Tables of the enterprise profile and the eligibility self-check.

Both are keyed by the Telegram user id: a profile and at most one self-check (the current
or last one) per user. Facts are JSON scalars keyed by rule field id (see
``services.eligibility``: numbers as decimal strings, dates as ISO strings, booleans,
choice values); they are private to their owner and removed by ``/forget``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from storage.types import AwareDateTime, utcnow


def _json_dict() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def _when() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False))


class EnterpriseProfile(SQLModel, table=True):
    """The enterprise's facts (企业档案), one row per Telegram user."""

    __tablename__ = "enterprise_profile"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    name: str | None = Field(default=None, max_length=100, description="企业名称")
    facts: dict[str, Any] = _json_dict()  # field id -> JSON scalar
    created_at: dt.datetime = _when()
    updated_at: dt.datetime = _when()


class EligibilityCheck(SQLModel, table=True):
    """The user's current (or last) 资格自测: the answers so far, so that a check survives a
    restart or a pause. ``answers`` maps field id to a JSON scalar, or null for 不清楚/跳过;
    ``asked`` lists the answered field ids in order (the 上一步 stack)."""

    __tablename__ = "eligibility_check"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    rule_id: str = Field(max_length=64)
    entry_id: str | None = Field(default=None, max_length=80, description="card it came from")
    status: str = Field(default="active", max_length=10, description="active/paused/done")
    answers: dict[str, Any] = _json_dict()
    asked: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = _when()
    updated_at: dt.datetime = _when()
