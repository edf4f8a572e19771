"""Profiles, self-check state and /forget's cleanup on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services import privacy
from storage import profiles, users
from storage.db import session_scope
from storage.models import BotState, QuestionLog
from storage.profiles import CheckState, CheckStatus

NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)


def test_profile_facts_name_and_delete(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert profiles.get_profile(session, user_id=1) is None
        view: profiles.ProfileView | None = profiles.update_facts(
            session, user_id=1, facts={"district": "江汉区", "is_sme": True}, now=NOW
        )
        assert view is not None and view.district == "江汉区" and not view.is_empty
        profiles.update_facts(session, user_id=1, facts={"is_sme": None, "employees": "80"})
        profiles.set_name(session, user_id=1, name="  甲公司  ", now=NOW)
        profiles.update_facts(session, user_id=2, facts={"district": "洪山区"}, now=NOW)
    with session_scope(engine) as session:
        view = profiles.get_profile(session, user_id=1)
        assert view is not None
        assert view.name == "甲公司"
        assert dict(view.facts) == {"district": "江汉区", "employees": "80"}
        assert view.updated_at.tzinfo is not None
        both = profiles.profiles_of(session, user_ids=[1, 2, 3])
        assert sorted(both) == [1, 2] and both[2].district == "洪山区"
        assert profiles.profiles_of(session, user_ids=[]) == {}
        profiles.set_name(session, user_id=1, name="   ")
        assert profiles.delete_profile(session, user_id=2) == 1
        assert profiles.delete_profile(session, user_id=2) == 0
    with session_scope(engine) as session:
        view = profiles.get_profile(session, user_id=1)
        assert view is not None and view.name is None
        assert profiles.get_profile(session, user_id=2) is None


def test_check_state_round_trip(engine: Engine) -> None:
    state = CheckState(user_id=5, chat_id=5, rule_id="tech-sme", entry_id="wh-sme-2023:1.3")
    state.answers = {"employees": "80", "total_assets": None, "resident_enterprise": True}
    state.asked = ["resident_enterprise", "employees", "total_assets"]
    with session_scope(engine) as session:
        profiles.save_check(session, state=state, now=NOW)
    with session_scope(engine) as session:
        loaded = profiles.get_check(session, user_id=5)
        assert loaded is not None
        assert loaded.answers == state.answers and loaded.asked == state.asked
        assert loaded.status == CheckStatus.ACTIVE and loaded.entry_id == "wh-sme-2023:1.3"
        loaded.status, loaded.rule_id, loaded.answers = CheckStatus.DONE, "first-loan", {}
        profiles.save_check(session, state=loaded, now=NOW)
    with session_scope(engine) as session:
        again = profiles.get_check(session, user_id=5)
        assert again is not None and again.rule_id == "first-loan" and again.answers == {}
        assert profiles.delete_check(session, user_id=5) == 1
        assert profiles.get_check(session, user_id=5) is None


def _state(session: Session, kind: str, key: str) -> None:
    session.add(BotState(kind=kind, key=key, data={"x": 1}, updated_at=NOW))


def test_forget_user_removes_everything_about_one_user(engine: Engine) -> None:
    me, other, group = 7_000_123, 7_000_456, -1001234
    with session_scope(engine) as session:
        for uid in (me, other):
            users.get_or_create_user(session, user_id=uid)
            users.add_feedback(session, user_id=uid, entry_id="x:1", helpful=True)
            session.add(QuestionLog(question="问", normalized="问", answered=True, user_id=uid))
            profiles.update_facts(session, user_id=uid, facts={"district": "江汉区"})
            profiles.save_check(session, state=CheckState(user_id=uid, chat_id=uid, rule_id="r"))
            _state(session, "user_data", str(uid))
            _state(session, "chat_data", str(uid))
            _state(session, "conversation:eligibility", json.dumps([uid, uid]))
            _state(session, "conversation:request", json.dumps([group, uid]))
            _state(session, "conversation:solo", json.dumps([uid]))
        _state(session, "conversation:request", json.dumps([group, int(f"1{me}")]))
    with session_scope(engine) as session:
        report = privacy.forget_user(session, user_id=me)
    core = {
        "enterprise_profile": 1,
        "eligibility_check": 1,
        "question_log": 1,
        "feedback": 1,
        "bot_state": 5,
        "bot_user": 1,
    }
    assert {name: report[name] for name in core} == core  # (other features add their own)
    assert list(report)[-1] == "bot_user"  # the user row goes last
    with session_scope(engine) as session:
        assert profiles.get_profile(session, user_id=me) is None
        assert profiles.get_check(session, user_id=me) is None
        assert users.get_user(session, user_id=me) is None
        assert users.feedback_of_user(session, user_id=me) == []
        logged = session.exec(select(QuestionLog.user_id)).all()
        assert sorted(logged, key=str) == sorted([None, other], key=str)
        keys = {(row.kind, row.key) for row in session.exec(select(BotState)).all()}
        assert len(keys) == 6 and not any(str(me) in key and f"1{me}" not in key for _, key in keys)
        # the other user keeps everything
        assert profiles.get_profile(session, user_id=other) is not None
        assert users.get_user(session, user_id=other) is not None


def test_register_forgetter_adds_and_replaces(engine: Engine) -> None:
    calls: list[int] = []

    def mine(session: Session, *, user_id: int) -> int:
        calls.append(user_id)
        return 3

    privacy.register_forgetter("test_extra", mine)
    privacy.register_forgetter("test_extra", mine)  # again: replaced, not doubled
    try:
        with session_scope(engine) as session:
            report = privacy.forget_user(session, user_id=42)
        assert report["test_extra"] == 3 and calls == [42]
        assert list(report)[-1] == "bot_user"
    finally:
        privacy._FORGETTERS.pop("test_extra", None)
