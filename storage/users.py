"""Data access for bot users and feedback. Keyword-only functions; callers own the session."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import BotUser, Feedback, QuestionLog, UserRole
from storage.types import utcnow


def get_user(session: Session, *, user_id: int) -> BotUser | None:
    return session.get(BotUser, user_id)


def get_or_create_user(
    session: Session, *, user_id: int, language_code: str | None = None
) -> BotUser:
    """The user row, created on first sight; ``last_seen_at`` and language are refreshed.

    Safe against a concurrent insert of the same user (savepoint + re-read)."""
    now = utcnow()
    user = session.get(BotUser, user_id)
    if user is None:
        try:
            with session.begin_nested():
                user = BotUser(
                    id=user_id,
                    language_code=language_code[:16] if language_code else None,
                    created_at=now,
                    last_seen_at=now,
                )
                session.add(user)
            return user
        except IntegrityError:
            user = session.get(BotUser, user_id, populate_existing=True)
            if user is None:  # pragma: no cover - the conflicting row vanished again
                raise
    user.last_seen_at = now
    if language_code:
        user.language_code = language_code[:16]
    session.add(user)
    session.flush()
    return user


def user_role(session: Session, *, user_id: int) -> UserRole | None:
    """The role stored for the user, or None (unknown user or no role chosen yet)."""
    user = session.get(BotUser, user_id)
    if user is None or user.role is None:
        return None
    try:
        return UserRole(user.role)
    except ValueError:
        return None


def set_role(session: Session, *, user_id: int, role: UserRole) -> BotUser:
    """Set any role (granting 专员/管理员 is the caller's decision)."""
    user = get_or_create_user(session, user_id=user_id)
    user.role = role.value
    session.add(user)
    session.flush()
    return user


def choose_role(session: Session, *, user_id: int, role: UserRole) -> BotUser:
    """A role the user picks at /start: only 经办人/法人/市民.

    Raises ValueError for a granted role; a user who holds a granted role keeps it."""
    if role not in UserRole.self_chosen():
        raise ValueError(f"role {role.value!r} cannot be self-chosen")
    user = get_or_create_user(session, user_id=user_id)
    if user.role in (UserRole.COMMISSIONER.value, UserRole.ADMIN.value):
        return user
    return set_role(session, user_id=user_id, role=role)


def add_feedback(
    session: Session,
    *,
    user_id: int,
    entry_id: str,
    helpful: bool,
    question_id: int | None = None,
) -> Feedback:
    """Record 有帮助/没帮助; pressing again on the same answer updates the vote.

    ``question_id`` comes from callback data, so it is kept only when it names a logged
    question of this user (a forged or foreign id is dropped, never a foreign-key error).
    """
    if question_id is not None:
        question = session.get(QuestionLog, question_id)
        if question is None or question.user_id not in (None, user_id):
            question_id = None
    existing = None
    if question_id is not None:
        stmt = select(Feedback).where(
            Feedback.user_id == user_id,
            Feedback.entry_id == entry_id,
            Feedback.question_id == question_id,
        )
        existing = session.exec(stmt).first()
    row = existing or Feedback(
        user_id=user_id, entry_id=entry_id[:80], helpful=helpful, question_id=question_id
    )
    row.helpful = helpful
    row.created_at = utcnow()
    session.add(row)
    session.flush()
    return row


def feedback_of_user(session: Session, *, user_id: int) -> list[Feedback]:
    stmt = select(Feedback).where(Feedback.user_id == user_id).order_by(col(Feedback.id))
    return list(session.exec(stmt).all())
