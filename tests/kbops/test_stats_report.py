"""Statistics: per-day counts in the bot's calendar, rates, topics, top unanswered, the
other features' counts (absent tables give None), and the chart without warnings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from services import stats, stats_chart
from services.knowledge import KnowledgeBase
from storage import kb, users
from storage import stats as store
from storage.db import make_engine, session_scope
from storage.models import Feedback, QuestionLog

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 10, 20, 0, tzinfo=SHANGHAI)


def log(knowledge: KnowledgeBase, when: dt.datetime, question: str) -> int:
    result = knowledge.search(question)
    best = result.best
    with session_scope(knowledge.engine) as session:
        row = kb.log_question(
            session,
            question=question,
            normalized=result.normalized,
            answered=result.answered,
            best_entry_id=best.entry_id if best else None,
            best_score=best.score if best else 0.0,
            channel="telegram",
            user_id=1,
            outside_topic=result.outside_label or None,
        )
        row.created_at = when
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def test_report(knowledge: KnowledgeBase) -> None:
    # 2026-03-09 23:30 in Shanghai is 15:30 UTC: it counts for the 9th, not the 10th
    log(knowledge, dt.datetime(2026, 3, 9, 15, 30, tzinfo=dt.UTC), "个体户转成公司有奖励吗")
    qid = log(knowledge, NOW - dt.timedelta(hours=1), "小微企业贷款有什么支持")
    log(knowledge, NOW - dt.timedelta(hours=2), "附近哪家火锅好吃")
    log(knowledge, NOW - dt.timedelta(hours=3), "附近哪家火锅好吃")
    log(knowledge, NOW - dt.timedelta(days=40), "很久以前的问题")
    log(knowledge, NOW - dt.timedelta(hours=4), "发票怎么开")
    log(knowledge, NOW - dt.timedelta(hours=5), "增值税专票怎么认证")
    log(knowledge, NOW - dt.timedelta(days=40), "明天下雨吗")  # before the period
    with session_scope(knowledge.engine) as session:
        users.add_feedback(session, user_id=1, entry_id="wh-sme-2023:2.2.6", helpful=True)
        vote = users.add_feedback(
            session, user_id=1, entry_id="wh-sme-2023:2.2.6", helpful=False, question_id=qid
        )
        vote.created_at = NOW - dt.timedelta(minutes=5)
    report = stats.collect(knowledge, days=30, now=NOW)
    assert report.start == dt.date(2026, 2, 9) and report.end == dt.date(2026, 3, 10)
    assert len(report.per_day) == 30
    by_day = {d.day.isoformat(): (d.asked, d.answered) for d in report.per_day if d.asked}
    assert by_day == {"2026-03-09": (1, 1), "2026-03-10": (5, 1)}
    assert (report.asked, report.answered) == (6, 2)
    # what people asked beyond the library, by subject
    assert report.outside == (("报税和发票", 2), ("日常生活", 2))  # 好吃: 附近哪家火锅好吃
    assert (report.helpful, report.unhelpful, report.helpful_rate) == (1, 1, 0.5)
    assert dict(report.topics) == {"企业培育": 1, "融资服务": 1}
    assert report.unanswered[0].example == "附近哪家火锅好吃"
    assert report.unanswered[0].count == 2
    assert "小微企业贷款有什么支持" in [g.example for g in report.unanswered]  # 没帮助
    extras = report.extras  # the push and ticket tables exist in this database
    assert extras.subscribers == 0 and extras.pushes_sent == 0
    assert extras.tickets_by_status == {}
    with pytest.raises(ValueError, match="aware"):
        stats.collect(knowledge, days=7, now=NOW.replace(tzinfo=None))


def test_absent_feature_tables_give_none(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bare.db'}")
    tables = [SQLModel.metadata.tables[name] for name in ("question_log", "feedback")]
    SQLModel.metadata.create_all(engine, tables=tables)
    with session_scope(engine) as session:
        extras = store.optional_counts(session, since=NOW)
        session.execute(text("select 1"))  # the transaction is still usable
    assert extras == store.OptionalCounts(None, None, None)
    assert QuestionLog.__tablename__ and Feedback.__tablename__
    engine.dispose()


@pytest.mark.parametrize("cjk", [True, False])
def test_chart_is_a_png_without_warnings(knowledge: KnowledgeBase, cjk: bool) -> None:
    log(knowledge, NOW - dt.timedelta(days=2), "个体户转成公司有奖励吗")
    report = stats.collect(knowledge, days=30, now=NOW)
    png = stats_chart.chart_png(report, cjk=cjk)  # filterwarnings=error: no glyph warning
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    empty = stats.collect(knowledge, days=1, now=NOW + dt.timedelta(days=100))
    assert stats_chart.chart_png(empty, cjk=cjk).startswith(b"\x89PNG")
