"""The test library imported as-is next to the bundled document, and its question set
asked as users are answered (``policybot eval``): the issue's targets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from knowledge.evaluation import evaluate, load_questions
from knowledge.model import DocStatus
from services.knowledge import KnowledgeBase
from storage.db import make_engine, upgrade

LIBRARY = Path(__file__).resolve().parents[1] / "fixtures" / "library"
TODAY = dt.datetime(2026, 12, 6, 4, tzinfo=dt.UTC)  # the statuses below are as of this day


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    engine: Engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('lib')}/kb.db")
    upgrade(engine)
    service = KnowledgeBase(engine)
    service.clock = lambda: TODAY
    service.ensure_bundled()
    files = sorted(p for p in LIBRARY.iterdir() if p.suffix in (".txt", ".md", ".docx"))
    service.import_paths(files)
    yield service
    engine.dispose()


def test_statuses_as_the_documents_state_them(library: KnowledgeBase) -> None:
    today = library.today()
    by_title = {e.document_title: e for e in library.entries()}
    assert by_title["示范市专精特新企业培育办法"].status_on(today) is DocStatus.REPEALED
    assert by_title["示范市专精特新企业培育办法"].replaced_by_title == (
        "示范市经济和信息化局 示范市财政局关于印发示范市支持专精特新企业发展若干措施的通知"
    )
    assert by_title["示范市中小企业研发费用补贴办法"].status_on(today) is DocStatus.EXPIRED
    assert by_title["武汉市2023年中小企业工作要点"].status_on(today) is DocStatus.PAST_YEAR
    assert by_title["样板省中小企业发展促进办法"].status_on(today) is DocStatus.IN_FORCE


def test_the_question_set_meets_the_targets(library: KnowledgeBase) -> None:
    questions = load_questions(LIBRARY / "questions.yaml")
    assert len(questions) >= 120
    entries = library.snapshot.entries
    assert {e for q in questions for e in q.expect} <= entries.keys()
    today = library.today()
    report = evaluate(
        questions,
        lambda q: library.search(q, top=3),
        is_stale=lambda entry_id: (
            entries[entry_id].status_on(today) in (DocStatus.REPEALED, DocStatus.EXPIRED)
        ),
    )
    assert report.top1_rate >= 0.90, [(m.question, m.got) for m in report.misses]
    assert report.stale_top1 == 0


def test_the_bundled_plan_still_answers_beside_current_documents(
    library: KnowledgeBase,
) -> None:
    # the 2023 plan is a past year's plan here: its items give way to current measures
    # that compete with them, never to weak current matches on another subject (which
    # once buried it: top-1 46%). Its labels name the plan's items only, so a current
    # measure on the same subject counts as a miss: the floor is below the plan's own.
    dev = Path(__file__).resolve().parents[1] / "knowledge" / "dev_questions.yaml"
    questions = [q for q in load_questions(dev) if q.expect]
    report = evaluate(questions, lambda q: library.search(q, top=3))
    assert report.top1_rate >= 0.8 and report.top3_rate >= 0.9


def test_a_repealed_card_points_to_its_replacement(library: KnowledgeBase) -> None:
    old = next(e for e in library.entries() if e.replaced_by is not None)
    new = library.replacement(old)
    assert new is not None and new.document_key == old.replaced_by
    assert new.title == old.title == "市级专精特新企业奖励"


def test_the_e_book_leaves_out_repealed_and_expired_documents_and_dates_plans(
    library: KnowledgeBase,
) -> None:
    from services.ebook import BookFormat, export

    text = export(library.entries(), BookFormat.MD, exported_at=TODAY).decode("utf-8")
    assert "示范市中小企业研发费用补贴办法" not in text  # expired
    assert "示范市专精特新企业培育办法" not in text  # repealed
    assert "一次性奖励20万元" in text  # its replacement is in
    assert "**状态**:此为2023年度工作要点,相关安排可能已调整。" in text
    assert "**印发日期**:2026-11-20" in text
