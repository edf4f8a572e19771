"""Data access for wordings learned from use (keyword-only, in the caller's session)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import QuestionLog
from storage.models_learning import EvidenceKind, LearnedEvidence, LearnedWording
from storage.types import utcnow


def question(session: Session, *, question_id: int) -> QuestionLog | None:
    return session.get(QuestionLog, question_id)


def add_evidence(
    session: Session,
    *,
    entry_id: str,
    question: str,
    normalized: str,
    kind: EvidenceKind,
    user_id: int | None,
    question_id: int | None,
) -> LearnedEvidence:
    row = LearnedEvidence(
        entry_id=entry_id,
        question=question,
        normalized=normalized,
        kind=kind.value,
        user_id=user_id,
        question_id=question_id,
    )
    session.add(row)
    session.flush()
    return row


def distinct_users(session: Session, *, normalized: str, entry_id: str) -> int:
    """How many different users gave evidence (a tap or a 👍) for this wording and entry."""
    stmt = select(func.count(func.distinct(LearnedEvidence.user_id))).where(
        LearnedEvidence.normalized == normalized,
        LearnedEvidence.entry_id == entry_id,
        col(LearnedEvidence.user_id).is_not(None),
        LearnedEvidence.kind != EvidenceKind.ADMIN.value,
    )
    return int(session.exec(stmt).one())


def wording(session: Session, *, normalized: str, entry_id: str) -> LearnedWording | None:
    stmt = select(LearnedWording).where(
        LearnedWording.normalized == normalized, LearnedWording.entry_id == entry_id
    )
    return session.exec(stmt).first()


def add_wording(
    session: Session,
    *,
    entry_id: str,
    question: str,
    normalized: str,
    basis: str,
    confirmed_by: int | None,
    users: int,
) -> LearnedWording:
    row = LearnedWording(
        entry_id=entry_id,
        question=question,
        normalized=normalized,
        basis=basis,
        confirmed_by=confirmed_by,
        users=users,
    )
    session.add(row)
    session.flush()
    return row


def wordings(session: Session, *, include_undone: bool = True) -> list[LearnedWording]:
    stmt = select(LearnedWording).order_by(col(LearnedWording.id))
    if not include_undone:
        stmt = stmt.where(col(LearnedWording.undone_at).is_(None))
    return list(session.exec(stmt))


def get_wording(session: Session, *, wording_id: int) -> LearnedWording | None:
    return session.get(LearnedWording, wording_id)


def mark_undone(session: Session, *, row: LearnedWording, user_id: int | None) -> None:
    row.undone_at = utcnow()
    row.undone_by = user_id
    session.add(row)


def anonymize_evidence(session: Session, *, user_id: int) -> int:
    """Forget who gave evidence (the evidence itself stays: it is about wordings)."""
    rows = list(session.exec(select(LearnedEvidence).where(LearnedEvidence.user_id == user_id)))
    for row in rows:
        row.user_id = None
        session.add(row)
    return len(rows)
