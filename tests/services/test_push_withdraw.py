"""Withdrawal notices on SQLite and PostgreSQL: whoever was sent an announcement of an
entry that is then withdrawn gets one withdrawal notice; unsent announcements are
cancelled; paused, unsubscribed and never-told users get nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from knowledge.lexicon import Segmenter, default_lexicon
from services import kbpublish
from services import push as planner
from services.knowledge import KnowledgeBase
from storage import push
from storage.db import session_scope
from storage.models_push import OutboxState, PushNotice, PushOutbox
from storage.push import Filters
from tests.bot.push_support import write_document

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SH)
NOBODY = planner.NoProfileMatcher()
ENTRIES = [{"id": "1", "title": "贷款贴息"}, {"id": "2", "title": "担保补助"}]


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter(default_lexicon())


@pytest.fixture
def kb(engine: Engine, segmenter: Segmenter) -> KnowledgeBase:
    return KnowledgeBase(engine, segmenter=segmenter)


def plan(engine: Engine) -> planner.PlanReport:
    with session_scope(engine) as session:
        return planner.plan_events(session, now=NOW, tz=SH, matcher=NOBODY)


def deliver_all(engine: Engine) -> None:
    """What the delivery job records for rows it sent."""
    with session_scope(engine) as session:
        session.execute(
            update(PushOutbox)
            .where(col(PushOutbox.state) == OutboxState.PENDING.value)
            .values(state=OutboxState.SENT.value, sent_at=NOW)
        )


def outbox(engine: Engine) -> list[tuple[int, str | None, str, str]]:
    with Session(engine) as session:
        stmt = (
            select(PushOutbox, PushNotice)
            .where(PushOutbox.notice_id == PushNotice.id)
            .order_by(col(PushOutbox.id))
        )
        return [(o.user_id, n.entry_id, n.kind, o.state) for o, n in session.exec(stmt)]


def withdrawals(engine: Engine) -> list[tuple[int, str | None, str]]:
    return [(u, e, s) for u, e, k, s in outbox(engine) if k == "withdrawn"]


def subscribe(engine: Engine, user_id: int) -> None:
    with session_scope(engine) as session:
        push.add_subscription(session, user_id=user_id, filters=Filters(), now=NOW)


def test_told_users_hear_of_a_rollback_once(
    engine: Engine, kb: KnowledgeBase, tmp_path: Path
) -> None:
    for user_id in (1, 2, 3, 4):
        subscribe(engine, user_id)
    [report] = kb.import_paths([write_document(tmp_path, "qu-w", ENTRIES)])
    assert plan(engine).rows == 8
    deliver_all(engine)
    subscribe(engine, 5)  # subscribed after the push: never told
    with session_scope(engine) as session:
        push.pause_user(session, user_id=3, reason="blocked", now=NOW)
        push.remove_all_subscriptions(session, user_id=4)

    assert report.import_id is not None
    kbpublish.rollback(kb, report.import_id, actor="cli")
    result = plan(engine)
    assert (result.events, result.notices, result.rows) == (2, 2, 4)
    assert withdrawals(engine) == [
        (1, "qu-w:1", "pending"),
        (2, "qu-w:1", "pending"),
        (1, "qu-w:2", "pending"),
        (2, "qu-w:2", "pending"),
    ]
    assert plan(engine) == planner.PlanReport()  # planned once, survives a re-run
    with Session(engine) as session:
        notice = session.exec(select(PushNotice).where(PushNotice.kind == "withdrawn")).first()
    assert notice is not None and notice.title == "贷款贴息" and notice.summary is None


def test_unsent_news_is_cancelled_and_repeat_removals_tell_once(
    engine: Engine, kb: KnowledgeBase, tmp_path: Path
) -> None:
    subscribe(engine, 1)
    kb.import_paths([write_document(tmp_path, "qu-r", ENTRIES)])
    plan(engine)
    deliver_all(engine)  # user 1 was told about both entries

    removed = kbpublish.remove_document(kb, "qu-r", actor="cli")
    plan(engine)
    deliver_all(engine)
    assert len(withdrawals(engine)) == 2

    # the removal is undone (news of the entries again, not sent yet), then the
    # document is removed again: the unsent news is cancelled and nobody is told twice
    assert removed.import_id is not None
    kbpublish.rollback(kb, removed.import_id, actor="cli")
    plan(engine)
    kbpublish.remove_document(kb, "qu-r", actor="cli")
    result = plan(engine)
    assert result.rows == 0
    news = [(e, s) for u, e, k, s in outbox(engine) if k == "new"]
    assert news == [
        ("qu-r:1", "sent"),
        ("qu-r:2", "sent"),
        ("qu-r:1", "cancelled"),
        ("qu-r:2", "cancelled"),
    ]
    assert len(withdrawals(engine)) == 2


def test_an_entry_back_before_planning_is_not_withdrawn(
    engine: Engine, kb: KnowledgeBase, tmp_path: Path
) -> None:
    subscribe(engine, 1)
    kb.import_paths([write_document(tmp_path, "qu-b", ENTRIES)])
    plan(engine)
    deliver_all(engine)
    removed = kbpublish.remove_document(kb, "qu-b", actor="cli")
    assert removed.import_id is not None
    kbpublish.rollback(kb, removed.import_id, actor="cli")  # undone within one planning run
    plan(engine)
    assert withdrawals(engine) == []
