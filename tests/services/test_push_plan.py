"""Planning on SQLite and PostgreSQL: matching by topic, level, district and audience,
events planned once and atomically, deadline reminders, the profile-matcher hook."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select

from knowledge.lexicon import Segmenter, default_lexicon
from knowledge.model import EntryView
from services import push as planner
from services import push_subs
from services.knowledge import KnowledgeBase
from storage import push, push_outbox
from storage.db import session_scope
from storage.models_push import Cadence, PushNotice, PushOutbox, Subscription, SubscriptionKind
from storage.push import Filters
from storage.push_delivery import outbox_rows
from tests.bot.push_support import write_document

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SH)
NOBODY = planner.NoProfileMatcher()


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter(default_lexicon())  # loading jieba takes ~1 s: once per module


@pytest.fixture
def kb(engine: Engine, segmenter: Segmenter) -> KnowledgeBase:
    """A knowledge base whose earlier events are planned already (nobody subscribed)."""
    service = KnowledgeBase(engine, segmenter=segmenter)
    with session_scope(engine) as session:
        planner.plan_events(session, now=NOW, tz=SH, matcher=NOBODY)
    return service


def plan(engine: Engine, matcher: planner.ProfileMatcher = NOBODY) -> planner.PlanReport:
    with session_scope(engine) as session:
        return planner.plan_events(session, now=NOW, tz=SH, matcher=matcher)


def recipients(engine: Engine) -> dict[int, int]:
    with Session(engine) as session:
        found: dict[int, int] = {}
        for row in outbox_rows(session):
            found[row.user_id] = found.get(row.user_id, 0) + 1
        return found


def add(engine: Engine, user_id: int, **filters: Any) -> None:
    with session_scope(engine) as session:
        push.add_subscription(session, user_id=user_id, filters=Filters(**filters), now=NOW)


def test_matching_by_topic_level_district_and_audience(
    engine: Engine, kb: KnowledgeBase, tmp_path: Path
) -> None:
    add(engine, 1, categories=("融资服务",))
    add(engine, 2, categories=("创新发展",))
    add(engine, 3, levels=("区",), districts=("江岸",))
    add(engine, 4, levels=("区",), districts=("洪山",))
    add(engine, 5, districts=("洪山",))  # higher levels apply to every district: 市 matches
    add(engine, 6, levels=("市",))
    add(engine, 7, audiences=("小微企业",))
    add(engine, 8, audiences=("外贸企业",))
    add(engine, 9)  # everything
    add(engine, 10, entry_id="qu-x:2")  # follows one entry only
    add(engine, 11, categories=("融资服务",), levels=("国家",))
    add(engine, 12, categories=("100%_贴息",))  # LIKE wildcards are escaped
    add(engine, 1, categories=("融资服务",), levels=("区",))  # two matching: one row
    entries = [
        {"id": "1", "title": "贷款贴息", "categories": ["融资服务"], "audiences": ["小微企业"]},
        {"id": "2", "title": "园区租金", "categories": ["载体建设"]},
    ]
    kb.import_paths([write_document(tmp_path, "qu-x", entries)])
    report = plan(engine)
    assert (report.events, report.notices, report.rows) == (2, 2, 9)
    # 8: 外贸企业 is not among entry 1's audiences; entry 2 names none, so it is for all
    assert recipients(engine) == {1: 1, 3: 2, 7: 2, 8: 1, 9: 2, 10: 1}
    with Session(engine) as session:
        rows = outbox_rows(session, user_id=10)
    assert [r.digest for r in rows] == [False]

    city = [{"id": "1", "title": "市级贷款贴息", "categories": ["融资服务"]}]
    kb.import_paths([write_document(tmp_path, "shi-y", city, level="市", region="武汉")])
    plan(engine)
    assert recipients(engine) == {1: 2, 3: 2, 5: 1, 6: 1, 7: 3, 8: 2, 9: 3, 10: 1}


def test_paused_users_get_nothing_and_duplicates_are_impossible(
    engine: Engine, kb: KnowledgeBase, tmp_path: Path
) -> None:
    add(engine, 1)
    add(engine, 2)
    with session_scope(engine) as session:
        push.pause_user(session, user_id=2, reason="blocked", now=NOW)
    kb.import_paths([write_document(tmp_path, "qu-p", [{"id": "1", "title": "补贴"}])])
    plan(engine)
    assert recipients(engine) == {1: 1}
    with session_scope(engine) as session:  # fanning out the same notice again adds nothing
        [row] = outbox_rows(session)
        again = push_outbox.fan_out(
            session,
            notice_id=row.notice_id,
            where=col(Subscription.user_id) > 0,
            now=NOW,
            slots=None,
        )
    assert again == 0


def test_events_are_planned_once_and_atomically(
    engine: Engine, kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(engine, 1)
    kb.import_paths([write_document(tmp_path, "qu-t", [{"id": "1", "title": "补贴"}])])

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("crash while planning")

    monkeypatch.setattr(planner.push_events, "mark_planned", broken)
    with pytest.raises(RuntimeError):
        plan(engine)
    assert recipients(engine) == {}  # the outbox rows rolled back with the mark
    monkeypatch.undo()
    assert plan(engine).rows == 1
    assert plan(engine) == planner.PlanReport()
    assert recipients(engine) == {1: 1}


def test_updates_are_marked_and_unsent_news_of_removed_entries_is_cancelled(
    engine: Engine, kb: KnowledgeBase, tmp_path: Path
) -> None:
    add(engine, 1)
    first = [{"id": "1", "title": "补贴"}, {"id": "2", "title": "奖励"}]
    kb.import_paths([write_document(tmp_path, "qu-u", first)])
    plan(engine)
    changed = [{"id": "1", "title": "补贴", "body": "补贴标准提高。"}]
    kb.import_paths([write_document(tmp_path, "qu-u", changed)])
    report = plan(engine)
    # 更新 of entry 1; entry 2 was never delivered: its 新政策 row is cancelled and no
    # withdrawal notice is made
    assert (report.events, report.notices, report.rows) == (2, 1, 1)
    with Session(engine) as session:
        kinds = sorted(n.kind for n in session.exec(select(PushNotice)))
        states = {
            (notice.entry_id, notice.kind): row.state
            for row, notice in session.exec(
                select(PushOutbox, PushNotice).where(PushOutbox.notice_id == PushNotice.id)
            )
        }
    assert kinds == ["changed", "new", "new"]
    assert states == {
        ("qu-u:1", "new"): "pending",
        ("qu-u:2", "new"): "cancelled",
        ("qu-u:1", "changed"): "pending",
    }


def test_digest_rows_wait_for_the_slot_and_follow_prefs_changes(
    engine: Engine, kb: KnowledgeBase, tmp_path: Path
) -> None:
    add(engine, 1)
    with session_scope(engine) as session:
        prefs = push.Prefs(cadence=Cadence.WEEKLY, deliver_minute=8 * 60, weekday=4)
        push_subs.change_prefs(session, user_id=1, prefs=prefs, now=NOW, tz=SH)
    kb.import_paths([write_document(tmp_path, "qu-d", [{"id": "1", "title": "补贴"}])])
    plan(engine)
    with Session(engine) as session:
        [row] = outbox_rows(session)
    assert row.digest and row.due_at == dt.datetime(2026, 12, 4, 8, 0, tzinfo=SH)  # Friday
    with session_scope(engine) as session:
        push_subs.change_prefs(session, user_id=1, prefs=push.Prefs(), now=NOW, tz=SH)
    with Session(engine) as session:
        [row] = outbox_rows(session)
        audit = push.audit_entries(session, action_prefix="push.prefs")
    assert not row.digest and row.due_at == NOW
    assert [a.details.get("cadence") for a in audit] == ["instant", "weekly"]


def test_deadline_reminders(engine: Engine, kb: KnowledgeBase, tmp_path: Path) -> None:
    add(engine, 1, categories=("融资服务",))
    add(engine, 2, categories=("创新发展",))
    with session_scope(engine) as session:  # digests do not delay a deadline
        push.set_prefs(session, user_id=1, prefs=push.Prefs(cadence=Cadence.DAILY), now=NOW)

    def guide(value: str) -> dict[str, dict[str, str]]:
        return {"deadline": {"value": value, "source": "通知第三条"}}

    entries = [
        {
            "id": "1",
            "title": "贴息申报",
            "categories": ["融资服务"],
            "guide": guide("2026年12月5日前"),
        },
        {
            "id": "2",
            "title": "远期申报",
            "categories": ["融资服务"],
            "guide": guide("2026年12月20日"),
        },
        {
            "id": "3",
            "title": "年度申报",
            "categories": ["融资服务"],
            "guide": guide("每年12月4日前"),
        },
        {
            "id": "4",
            "title": "过期申报",
            "categories": ["融资服务"],
            "guide": guide("2026年12月1日"),
        },
    ]
    kb.import_paths([write_document(tmp_path, "qu-dl", entries)])
    plan(engine)  # the "new policy" notices
    with session_scope(engine) as session:
        session.exec(delete(PushOutbox))

    def remind(now: dt.datetime) -> planner.PlanReport:
        with session_scope(engine) as session:
            return planner.plan_deadlines(session, now=now, tz=SH, remind_days=3, matcher=NOBODY)

    assert remind(NOW).notices == 1  # only 12-05 is within 3 days of 12-02
    assert remind(NOW + dt.timedelta(hours=1)).notices == 0  # once per entry and deadline
    with Session(engine) as session:
        [row] = outbox_rows(session)
        notice = session.get(PushNotice, row.notice_id)
    assert row.user_id == 1 and not row.digest and row.due_at == NOW
    assert notice is not None and notice.kind == "deadline"
    assert notice.deadline == dt.date(2026, 12, 5) and notice.deadline_text == "2026年12月5日前"


def test_measures_that_no_longer_apply_are_not_news(
    engine: Engine, kb: KnowledgeBase, tmp_path: Path
) -> None:
    add(engine, 1)
    closed = {"deadline": {"value": "2026年12月1日", "source": "通知第三条"}}
    still_open = {"deadline": {"value": "2026年12月31日前", "source": "通知第三条"}}
    entries = [
        {"id": "1", "title": "已截止的补贴", "guide": closed},
        {"id": "2", "title": "仍可申报的补贴", "guide": still_open},
    ]
    kb.import_paths([write_document(tmp_path, "qu-open", entries)])
    old = [{"id": "1", "title": "旧办法的奖励"}]
    kb.import_paths([write_document(tmp_path, "qu-old", old, expiry_date="2025-12-31")])
    plan_2024 = [{"id": "1", "title": "新增市场主体目标"}]
    title = "某区2024年中小企业工作要点"  # a past year's plan: targets, not news
    kb.import_paths([write_document(tmp_path, "qu-plan", plan_2024, title=title)])
    report = plan(engine)
    assert (report.events, report.notices, report.stale) == (4, 1, 3)
    with Session(engine) as session:
        [row] = outbox_rows(session)
        notice = session.get(PushNotice, row.notice_id)
    assert notice is not None and notice.title == "仍可申报的补贴"
    assert plan(engine) == planner.PlanReport()  # the stale events are planned, not retried


class PickOdd:
    def __init__(self) -> None:
        self.asked: list[tuple[str, list[int]]] = []

    def users_for(
        self, session: Session, entry: EntryView, user_ids: Sequence[int]
    ) -> Collection[int]:
        self.asked.append((entry.entry_id, list(user_ids)))
        return [u for u in user_ids if u % 2]


def test_profile_subscriptions_use_the_matcher(
    engine: Engine, kb: KnowledgeBase, tmp_path: Path
) -> None:
    for user_id in (1, 2, 3):
        add(engine, user_id, kind=SubscriptionKind.PROFILE)
    kb.import_paths([write_document(tmp_path, "qu-pr", [{"id": "1", "title": "补贴"}])])
    assert plan(engine).rows == 0
    assert recipients(engine) == {}  # NoProfileMatcher: nobody
    kb.import_paths([write_document(tmp_path, "qu-pr2", [{"id": "1", "title": "奖励"}])])
    matcher = PickOdd()
    plan(engine, matcher)
    assert matcher.asked == [("qu-pr2:1", [1, 2, 3])]
    assert recipients(engine) == {1: 1, 3: 1}
