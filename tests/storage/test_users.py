"""storage/users.py against SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from storage import kb, users
from storage.db import session_scope
from storage.models import UserRole


def test_get_or_create_is_idempotent_and_refreshes(engine: Engine) -> None:
    with session_scope(engine) as session:
        first = users.get_or_create_user(session, user_id=10**12, language_code="zh-hans")
        seen = first.last_seen_at
    with session_scope(engine) as session:
        again = users.get_or_create_user(session, user_id=10**12, language_code="en")
        assert again.created_at == first.created_at
        assert again.last_seen_at >= seen
        assert again.language_code == "en"
        assert again.role is None


def test_choose_role_only_self_chosen(engine: Engine) -> None:
    with session_scope(engine) as session:
        user = users.choose_role(session, user_id=1, role=UserRole.LEGAL_REP)
        assert user.role == "法人"
        for granted in (UserRole.COMMISSIONER, UserRole.ADMIN):
            with pytest.raises(ValueError):
                users.choose_role(session, user_id=1, role=granted)
    with session_scope(engine) as session:
        assert (stored := users.get_user(session, user_id=1)) is not None
        assert stored.role == "法人"


def test_granted_role_is_not_downgraded_by_a_choice(engine: Engine) -> None:
    with session_scope(engine) as session:
        users.set_role(session, user_id=2, role=UserRole.ADMIN)
        assert users.choose_role(session, user_id=2, role=UserRole.CITIZEN).role == "管理员"


def test_feedback_with_question_and_revote(engine: Engine) -> None:
    with session_scope(engine) as session:
        question = kb.log_question(
            session,
            question="个体户转成公司有奖励吗",
            normalized="个体户转成公司有奖励吗",
            answered=True,
            best_entry_id="wh-sme-2023:2.5.20",
            best_score=0.9,
            channel="telegram",
            user_id=7,
        )
        qid = question.id
    with session_scope(engine) as session:
        users.add_feedback(session, user_id=7, entry_id="e:1", helpful=True, question_id=qid)
        users.add_feedback(session, user_id=7, entry_id="e:1", helpful=False, question_id=qid)
        users.add_feedback(session, user_id=7, entry_id="e:2", helpful=True)
    with session_scope(engine) as session:
        rows = users.feedback_of_user(session, user_id=7)
    assert [(r.entry_id, r.helpful, r.question_id) for r in rows] == [
        ("e:1", False, qid),
        ("e:2", True, None),
    ]


def test_forged_or_foreign_question_ids_are_dropped(engine: Engine) -> None:
    with session_scope(engine) as session:
        other = kb.log_question(
            session,
            question="q",
            normalized="q",
            answered=False,
            best_entry_id=None,
            best_score=0.0,
            channel="telegram",
            user_id=99,
        )
        forged = users.add_feedback(
            session, user_id=8, entry_id="e:1", helpful=True, question_id=987654321
        )
        foreign = users.add_feedback(
            session, user_id=8, entry_id="e:1", helpful=True, question_id=other.id
        )
    assert forged.question_id is None and foreign.question_id is None
