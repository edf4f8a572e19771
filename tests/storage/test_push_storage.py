"""Outbox claims (per user, quiet hours, SKIP LOCKED), audiences and packed filters."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services import privacy, push_subs  # push_subs registers its /forget cleanup
from storage import push, push_admin
from storage.db import session_scope
from storage.models import UserRole
from storage.models_push import NoticeKind, PushNotice, PushOutbox
from storage.push_delivery import claim_due, outbox_rows
from storage.users import set_role

NOW = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)


def test_pack_and_terms() -> None:
    assert push.pack(["融资服务", " a|b ", "融资服务", ""]) == "|融资服务|a/b|"
    assert push.terms("|融资服务|a/b|") == ("融资服务", "a/b")
    assert push.pack([]) == "" and push.terms("") == ()


def queue(engine: Engine, users: dict[int, int]) -> None:
    """``users``: user id → how many due rows."""
    with session_scope(engine) as session:
        for user_id, count in users.items():
            for n in range(count):
                notice = PushNotice(
                    kind=NoticeKind.NEW.value, dedupe_key=f"t:{user_id}:{n}", title=f"第{n}条"
                )
                session.add(notice)
                session.flush()
                assert notice.id is not None
                session.add(
                    PushOutbox(notice_id=notice.id, user_id=user_id, due_at=NOW, created_at=NOW)
                )


def test_claim_keeps_a_users_rows_together(engine: Engine) -> None:
    queue(engine, {1: 3, 2: 1, 3: 25})
    with session_scope(engine) as session:
        push.pause_user(session, user_id=2, reason="blocked", now=NOW)  # cancels its row
        claimed = claim_due(session, now=NOW, limit=2, per_user=20, hold=lambda p, k: None)
    per_user: dict[int, int] = {}
    for row in claimed:
        per_user[row.user_id] = per_user.get(row.user_id, 0) + 1
    assert per_user == {1: 3}  # the first two due rows are user 1's: all three travel
    with session_scope(engine) as session:
        claimed = claim_due(session, now=NOW, limit=5, per_user=20, hold=lambda p, k: None)
    assert {row.user_id for row in claimed} == {3} and len(claimed) == 20  # one digest's worth
    with Session(engine) as session:
        states = sorted(row.state for row in outbox_rows(session))
    assert states.count("sending") == 23 and states.count("cancelled") == 1


def test_held_rows_wait(engine: Engine) -> None:
    queue(engine, {1: 1})
    later = NOW + dt.timedelta(hours=6)
    with session_scope(engine) as session:
        assert claim_due(session, now=NOW, limit=5, per_user=20, hold=lambda p, k: later) == []
    with Session(engine) as session:
        [row] = outbox_rows(session)
    assert row.state == "pending" and row.due_at == later


def test_concurrent_claims_skip_locked_rows(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL (SQLite serialises writers)")
    queue(engine, {n: 1 for n in range(1, 11)})
    with Session(engine) as first, Session(engine) as second:
        mine = claim_due(first, now=NOW, limit=4, per_user=1, hold=lambda p, k: None)
        theirs = claim_due(second, now=NOW, limit=4, per_user=1, hold=lambda p, k: None)
        first.commit()
        second.commit()
    assert len(mine) == len(theirs) == 4
    assert not {r.outbox_id for r in mine} & {r.outbox_id for r in theirs}


def test_broadcast_audiences(engine: Engine) -> None:
    with session_scope(engine) as session:
        for user_id, categories in ((1, ("融资服务",)), (2, ("创新发展",)), (3, ())):
            push.add_subscription(
                session, user_id=user_id, filters=push.Filters(categories=categories), now=NOW
            )
        push.add_subscription(session, user_id=4, filters=push.Filters(entry_id="x:1"), now=NOW)
        push.pause_user(session, user_id=2, reason="blocked", now=NOW)
        for user_id in (5, 6):
            set_role(session, user_id=user_id, role=UserRole.CITIZEN)
        push.pause_user(session, user_id=6, reason="deactivated", now=NOW)

    def count(audience: push_admin.Audience) -> int:
        with Session(engine) as session:
            return push_admin.count_audience(session, audience=audience)

    kinds = push_admin.AudienceKind
    assert count(push_admin.Audience()) == 3  # 1, 3, 4 (2 is paused)
    assert count(push_admin.Audience(kinds.CATEGORY, "融资服务")) == 2  # 1 and "all" (3)
    assert count(push_admin.Audience(kinds.CATEGORY, "创新发展")) == 1  # 3 only
    assert count(push_admin.Audience(kinds.ROLE, UserRole.CITIZEN.value)) == 1


def test_forget_removes_the_users_push_data(engine: Engine) -> None:
    queue(engine, {7: 2, 8: 1})
    with session_scope(engine) as session:
        push_subs.subscribe(session, user_id=7, filters=push.Filters(), now=NOW)
        report = privacy.forget_user(session, user_id=7)
    assert report["push_subscription"] == 4  # subscription, preferences, two outbox rows
    with Session(engine) as session:
        assert [row.user_id for row in outbox_rows(session)] == [8]
        assert push.list_subscriptions(session, user_id=7) == []
