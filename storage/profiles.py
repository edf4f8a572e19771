"""Data access for enterprise profiles and self-checks. Keyword-only functions; callers own
the session. Values are plain JSON scalars (see ``services.eligibility`` for their meaning).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models_profile import EligibilityCheck, EnterpriseProfile
from storage.types import utcnow

NAME_MAX = 100
JsonScalar = bool | int | float | str


class CheckStatus:
    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class ProfileView:
    """A user's enterprise profile (detached from the session)."""

    user_id: int
    name: str | None
    facts: Mapping[str, Any]
    updated_at: dt.datetime

    @property
    def district(self) -> str | None:
        """The registered district (a value of ``_districts.yaml``, e.g. "蔡甸区")."""
        value = self.facts.get("district")
        return value if isinstance(value, str) else None

    @property
    def is_empty(self) -> bool:
        return not self.name and not self.facts


@dataclass(slots=True)
class CheckState:
    """A self-check in progress (or finished): plain data the service changes."""

    user_id: int
    chat_id: int
    rule_id: str
    entry_id: str | None = None
    status: str = CheckStatus.ACTIVE
    answers: dict[str, Any] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    updated_at: dt.datetime | None = None


def _count(result: object) -> int:
    """Rows a DELETE removed (``CursorResult.rowcount``; 0 when unknown)."""
    count = getattr(result, "rowcount", 0)
    return count if isinstance(count, int) and count > 0 else 0


def _view(row: EnterpriseProfile) -> ProfileView:
    return ProfileView(
        user_id=row.user_id, name=row.name, facts=dict(row.facts or {}), updated_at=row.updated_at
    )


# ------------------------------------------------------------------ profiles


def get_profile(session: Session, *, user_id: int) -> ProfileView | None:
    """The user's profile, or None when there is none (other features read the enterprise
    name and district from it)."""
    row = session.get(EnterpriseProfile, user_id)
    return _view(row) if row is not None else None


def profiles_of(session: Session, *, user_ids: Collection[int]) -> dict[int, ProfileView]:
    if not user_ids:
        return {}
    stmt = select(EnterpriseProfile).where(col(EnterpriseProfile.user_id).in_(list(user_ids)))
    return {row.user_id: _view(row) for row in session.exec(stmt).all()}


def _row(session: Session, user_id: int, now: dt.datetime) -> EnterpriseProfile:
    row = session.get(EnterpriseProfile, user_id)
    if row is None:
        row = EnterpriseProfile(user_id=user_id, facts={}, created_at=now, updated_at=now)
    return row


def update_facts(
    session: Session,
    *,
    user_id: int,
    facts: Mapping[str, JsonScalar | None],
    now: dt.datetime | None = None,
) -> ProfileView:
    """Merge ``facts`` into the profile (created on first use); ``None`` removes a fact."""
    now = now or utcnow()
    row = _row(session, user_id, now)
    merged = dict(row.facts or {})
    for key, value in facts.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    row.facts = merged  # a new dict: SQLAlchemy sees the change
    row.updated_at = now
    session.add(row)
    session.flush()
    return _view(row)


def set_name(
    session: Session, *, user_id: int, name: str | None, now: dt.datetime | None = None
) -> ProfileView:
    now = now or utcnow()
    row = _row(session, user_id, now)
    row.name = name.strip()[:NAME_MAX] if name and name.strip() else None
    row.updated_at = now
    session.add(row)
    session.flush()
    return _view(row)


def delete_profile(session: Session, *, user_id: int) -> int:
    """Delete the profile; the number of rows removed (0 or 1)."""
    stmt = delete(EnterpriseProfile).where(col(EnterpriseProfile.user_id) == user_id)
    return _count(session.connection().execute(stmt))


# ------------------------------------------------------------------ self-checks


def get_check(session: Session, *, user_id: int) -> CheckState | None:
    row = session.get(EligibilityCheck, user_id)
    if row is None:
        return None
    return CheckState(
        user_id=row.user_id,
        chat_id=row.chat_id,
        rule_id=row.rule_id,
        entry_id=row.entry_id,
        status=row.status,
        answers=dict(row.answers or {}),
        asked=list(row.asked or []),
        updated_at=row.updated_at,
    )


def save_check(
    session: Session, *, state: CheckState, now: dt.datetime | None = None
) -> CheckState:
    """Insert or replace the user's check (one per user)."""
    now = now or utcnow()
    row = session.get(EligibilityCheck, state.user_id)
    if row is None:
        row = EligibilityCheck(user_id=state.user_id, chat_id=state.chat_id, rule_id="")
        row.created_at = now
    row.chat_id = state.chat_id
    row.rule_id = state.rule_id
    row.entry_id = state.entry_id
    row.status = state.status
    row.answers = dict(state.answers)
    row.asked = list(state.asked)
    row.updated_at = now
    session.add(row)
    session.flush()
    state.updated_at = now
    return state


def delete_check(session: Session, *, user_id: int) -> int:
    stmt = delete(EligibilityCheck).where(col(EligibilityCheck.user_id) == user_id)
    return _count(session.connection().execute(stmt))
