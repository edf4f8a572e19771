"""Expired policies stay findable but are marked 已失效 and never a confident answer;
admins get a weekly digest of what expires within 30 days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot.app import build_application
from bot.render import cards, kb_triage
from knowledge.model import DocumentMeta
from scheduler import kb_expiry
from services.knowledge import KnowledgeBase
from tests.bot.e2e_support import make_settings
from tests.kbops.samples import DISTRICT_DOC, QUESTION

SHANGHAI = ZoneInfo("Asia/Shanghai")


def import_sample(knowledge: KnowledgeBase, tmp_path: Path, expiry: dt.date) -> str:
    path = tmp_path / "district.txt"
    path.write_text(DISTRICT_DOC, encoding="utf-8")
    meta = DocumentMeta(key="qu-sample", level="区", region="示例", expiry_date=expiry)
    knowledge.import_paths([path], meta=meta)
    return "qu-sample:1.1"


def test_expired_entries_are_found_but_not_answered(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    entry_id = import_sample(knowledge, tmp_path, dt.date(2024, 12, 31))
    current = knowledge.search(QUESTION, today=dt.date(2024, 12, 31))
    assert current.answered and current.best is not None and current.best.entry_id == entry_id
    expired = knowledge.search(QUESTION, today=dt.date(2025, 1, 1))
    assert not expired.answered
    assert expired.best is not None and expired.best.entry_id == entry_id  # still findable
    knowledge.clock = lambda: dt.datetime(2025, 1, 1, 0, 30, tzinfo=SHANGHAI)
    answer = knowledge.ask(QUESTION)  # the knowledge base's own clock (Shanghai calendar)
    assert not answer.result.answered


def test_cards_and_lists_mark_expired(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    entry_id = import_sample(knowledge, tmp_path, dt.date(2024, 12, 31))
    entry = knowledge.entry(entry_id)
    assert entry is not None
    today = dt.date(2025, 6, 1)
    [card] = cards.card_messages(entry, today=today)
    assert "⚠️ 已失效" in card and "2024年12月31日" in card
    listing = cards.entry_list_text("<b>结果</b>", [entry], first=1, today=today)
    assert "1. 贷款贴息〔已失效〕" in listing and "已过有效期" in listing
    fresh = cards.entry_list_text("<b>结果</b>", [entry], first=1, today=dt.date(2024, 1, 1))
    assert "已失效" not in fresh
    assert "〔已失效〕" in cards.no_answer_text([entry], today=today)


def test_expiry_digest_lists_the_next_30_days(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    import_sample(knowledge, tmp_path, dt.date(2025, 3, 20))
    entries = knowledge.entries()
    text = kb_triage.expiry_digest(entries, today=dt.date(2025, 3, 1), days=30)
    assert text is not None
    assert "2025-03-20(还有 19 天)" in text and "3 条" in text and "qu-sample" in text
    assert kb_triage.expiry_digest(entries, today=dt.date(2025, 1, 1), days=30) is None
    assert kb_triage.expiry_digest(entries, today=dt.date(2025, 3, 21), days=30) is None


def test_digest_job_runs_mondays_at_nine_shanghai(engine: Engine, knowledge: KnowledgeBase) -> None:
    app = build_application(make_settings(), knowledge=knowledge, engine=engine)
    assert app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name(kb_expiry.JOB_NAME)
    start = dt.datetime(2026, 3, 4, 12, 0, tzinfo=SHANGHAI)  # a Wednesday
    fire = job.job.trigger.get_next_fire_time(None, start).astimezone(SHANGHAI)
    assert (fire.date().isoformat(), fire.hour, fire.minute) == ("2026-03-09", 9, 0)
    assert fire.weekday() == 0  # Monday
