"""Removing what the core tables hold about one user (PIPL ``/forget``). Keyword-only
functions; callers own the session. Each returns the number of rows changed."""

from __future__ import annotations

import json

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col

from storage.bot_state_kinds import CHAT_DATA, USER_DATA, conversation_kind
from storage.models import BotState, BotUser, Feedback, QuestionLog


def _count(result: object) -> int:
    count = getattr(result, "rowcount", 0)
    return count if isinstance(count, int) and count > 0 else 0


def anonymize_questions(session: Session, *, user_id: int) -> int:
    """Questions stay for the statistics, without the user id."""
    stmt = update(QuestionLog).where(col(QuestionLog.user_id) == user_id).values(user_id=None)
    return _count(session.connection().execute(stmt))


def delete_feedback(session: Session, *, user_id: int) -> int:
    stmt = delete(Feedback).where(col(Feedback.user_id) == user_id)
    return _count(session.connection().execute(stmt))


def delete_bot_user(session: Session, *, user_id: int) -> int:
    stmt = delete(BotUser).where(col(BotUser.id) == user_id)
    return _count(session.connection().execute(stmt))


def delete_bot_state(session: Session, *, user_id: int) -> int:
    """PTB persistence rows of the user: user_data, the private chat's chat_data (a private
    chat's id is the user id) and every conversation keyed by the user (``[chat, user]`` or
    ``[user]``)."""
    one = json.dumps([user_id])
    conversation = col(BotState.kind).like(conversation_kind("%"))
    stmt = delete(BotState).where(
        or_(
            (col(BotState.kind) == USER_DATA) & (col(BotState.key) == str(user_id)),
            (col(BotState.kind) == CHAT_DATA) & (col(BotState.key) == str(user_id)),
            conversation & (col(BotState.key) == one),
            conversation & col(BotState.key).like(f"%, {user_id}]"),
            conversation & col(BotState.key).like(f"[{user_id}, %"),
        )
    )
    return _count(session.connection().execute(stmt))
