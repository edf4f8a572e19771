"""The dev question set (and the held-out set) and the floors on the engine's rates."""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from pathlib import Path

import pytest

from knowledge.evaluation import EvalReport, LabelledQuestion, evaluate, load_questions
from knowledge.importing.views import read_manifest_views
from knowledge.lexicon import Segmenter, default_lexicon
from knowledge.matcher import Matcher
from knowledge.model import EntryView

HERE = Path(__file__).resolve().parent
DEV = HERE / "dev_questions.yaml"
HOLDOUT = HERE / "holdout_questions.yaml"
PARAPHRASE = HERE / "paraphrase_questions.yaml"
NOTICE_QUESTIONS = HERE / "notice_questions.yaml"
OFF_TOPIC = HERE / "offtopic_questions.yaml"
OFF_TOPIC_HOLDOUT = HERE / "offtopic_holdout_questions.yaml"
OFF_TOPIC_HOLDOUT2 = HERE / "offtopic_holdout2_questions.yaml"
OFF_TOPIC_HOLDOUT3 = HERE / "offtopic_holdout3_questions.yaml"
OFF_TOPIC_HOLDOUT4 = HERE / "offtopic_holdout4_questions.yaml"
NEAR_MISS = HERE / "nearmiss_offtopic_questions.yaml"
NEAR_MISS_TWINS = HERE / "nearmiss_twins_questions.yaml"
TRADES = HERE / "trades_questions.yaml"
FRAMED_OFF = HERE / "framed_offtopic_questions.yaml"
NOTICES = HERE / "notices"
LIBRARY_QUESTIONS = HERE.parent / "fixtures" / "library" / "questions.yaml"


def _report(matcher: Matcher, views: list[EntryView], path: Path) -> EvalReport:
    texts = {v.entry_id: f"{v.title} {v.body}" for v in views}
    return evaluate(
        load_questions(path), matcher.search, entry_texts=texts, tokenize=matcher.segmenter.tokens
    )


def test_dev_set_shape(seed_views: list[EntryView]) -> None:
    questions = load_questions(DEV)
    ids = {v.entry_id for v in seed_views}
    assert len(questions) >= 200
    assert sum(1 for q in questions if not q.in_scope) >= 30
    per_entry = Counter(q.expect[0] for q in questions if q.in_scope)
    assert set(per_entry) == ids, "every entry is covered"
    assert min(per_entry.values()) >= 4
    assert all(e in ids for q in questions for e in q.expect)
    assert sum("traditional" in q.tags for q in questions) >= 10
    assert sum("typo" in q.tags for q in questions) >= 10
    holdout = {q.question for q in load_questions(HOLDOUT)}
    assert not holdout & {q.question for q in questions}, (
        "held-out questions are not in the dev set"
    )


def test_dev_set_floors(matcher: Matcher, seed_views: list[EntryView]) -> None:
    report = _report(matcher, seed_views, DEV)
    assert report.top1_rate >= 0.95, report.as_dict()
    assert report.top3_rate >= 0.99, report.as_dict()
    # answered right, or asked back with the right item among the options
    assert report.offered_rate >= 0.97, report.as_dict()
    # neither answered nor asked back
    assert report.declined_rate >= 0.95, report.as_dict()
    assert report.low_overlap >= 20
    assert report.low_overlap_top1_rate >= 0.80, report.as_dict()


def test_holdout_floors(matcher: Matcher, seed_views: list[EntryView]) -> None:
    """The held-out set is never used to tune; its floors guard against over-fitting."""
    report = _report(matcher, seed_views, HOLDOUT)
    assert report.top1_rate >= 0.88, report.as_dict()
    assert report.top3_rate >= 0.95, report.as_dict()
    assert report.declined_rate >= 0.95, report.as_dict()


def test_paraphrase_set_shape(seed_views: list[EntryView]) -> None:
    questions = load_questions(PARAPHRASE)
    ids = {v.entry_id for v in seed_views}
    assert len(questions) >= 150
    assert sum(1 for q in questions if not q.in_scope) >= 20
    assert all(e in ids for q in questions for e in q.expect)
    others = {q.question for path in (DEV, HOLDOUT) for q in load_questions(path)}
    assert not others & {q.question for q in questions}


def test_paraphrase_floors(matcher: Matcher, seed_views: list[EntryView]) -> None:
    report = _report(matcher, seed_views, PARAPHRASE)
    assert report.top1_rate >= 0.85, report.as_dict()
    assert report.top3_rate >= 0.97, report.as_dict()
    assert report.offered_rate >= 0.90, report.as_dict()
    assert report.declined_rate >= 0.92, report.as_dict()
    assert report.answers and sum(r for s, r in report.answers if s >= 0.9) >= 0.95 * sum(
        1 for s, _ in report.answers if s >= 0.9
    )


def test_documents_without_enrichment(seed_views: list[EntryView]) -> None:
    """Quality comes from the engine: the bundled document with its keywords and
    alternative questions switched off, plus our own test notices imported as-is.
    A segmenter of its own: the shared one has learnt the bundled document's keywords
    from the other tests, which a knowledge base without them would not have."""
    segmenter = Segmenter(default_lexicon())
    bare = [dataclasses.replace(v, keywords=(), alt_questions=()) for v in seed_views]
    notices = [v for p in sorted(NOTICES.glob("*.yaml")) for v in read_manifest_views(p)]
    assert notices and all(not v.keywords and not v.alt_questions for v in notices)
    on_seed = evaluate(load_questions(PARAPHRASE), Matcher(bare, segmenter=segmenter).search)
    assert on_seed.top1_rate >= 0.82, on_seed.as_dict()
    mixed = Matcher(bare + notices, segmenter=segmenter)
    on_notices = evaluate(load_questions(NOTICE_QUESTIONS), mixed.search)
    assert on_notices.top3_rate >= 0.9, on_notices.as_dict()


def _shared(questions: list[LabelledQuestion], older: tuple[Path, ...]) -> int:
    """How many of ``questions`` an older set has too: a count, not the questions, so a
    failure never shows a held-out set's questions."""
    others = {q.question for older_path in older for q in load_questions(older_path)}
    return len(others & {q.question for q in questions})


def _declined(seed_views: list[EntryView], path: Path, older: tuple[Path, ...]) -> EvalReport:
    """An off-topic set, checked to be off-topic and disjoint from ``older`` sets, asked
    of the bundled document with the test notices beside it."""
    questions = load_questions(path)
    assert not any(q.in_scope for q in questions)
    shared = _shared(questions, older)
    assert shared == 0, f"{shared} question(s) of {path.name} are in an older set"
    notices = [v for p in sorted(NOTICES.glob("*.yaml")) for v in read_manifest_views(p)]
    matcher = Matcher(seed_views + notices, segmenter=Segmenter(default_lexicon()))
    return evaluate(questions, matcher.search)


def test_off_topic_set(seed_views: list[EntryView]) -> None:
    """Questions no document of the library answers, many sharing words with policy
    topics (银行, 招聘, 上市, 补贴 …): declined means neither answered nor asked back."""
    report = _declined(seed_views, OFF_TOPIC, (DEV, HOLDOUT, PARAPHRASE, NOTICE_QUESTIONS))
    assert report.off_topic >= 60 and report.declined_rate >= 0.95, report.as_dict()


def test_off_topic_held_out_set(seed_views: list[EntryView]) -> None:
    """Off-topic questions written blind to the engine and to the other sets, after the
    subjects the library has nothing on (outside_topics.yaml) were written; never tuned on:
    its floor guards against over-fitting the off-topic development set."""
    older = (DEV, HOLDOUT, PARAPHRASE, NOTICE_QUESTIONS, OFF_TOPIC)
    # numbers only: a failure must not show the set's questions (the report's misses)
    report = _declined(seed_views, OFF_TOPIC_HOLDOUT, older)
    asked, declined = report.off_topic, report.declined_rate
    assert asked >= 95 and declined >= 0.90, declined


def test_second_off_topic_held_out_set(seed_views: list[EntryView]) -> None:
    """A second blind set, written after the first had been run many times (and a few of
    its questions seen): measured, never tuned on."""
    older = (DEV, HOLDOUT, PARAPHRASE, NOTICE_QUESTIONS, OFF_TOPIC, OFF_TOPIC_HOLDOUT)
    report = _declined(seed_views, OFF_TOPIC_HOLDOUT2, older)
    asked, declined = report.off_topic, report.declined_rate
    assert asked >= 99 and declined >= 0.90, declined


def test_third_off_topic_held_out_set(seed_views: list[EntryView]) -> None:
    """A third blind set, written beside the near-miss development pair and run once on
    the engine before and once after the changes made while it was being written."""
    older = (
        *(DEV, HOLDOUT, PARAPHRASE, NOTICE_QUESTIONS),
        *(OFF_TOPIC, OFF_TOPIC_HOLDOUT, OFF_TOPIC_HOLDOUT2, NEAR_MISS, NEAR_MISS_TWINS),
    )
    report = _declined(seed_views, OFF_TOPIC_HOLDOUT3, older)
    asked, declined = report.off_topic, report.declined_rate
    assert asked >= 114 and declined >= 0.90, declined


def test_fourth_off_topic_held_out_set(seed_views: list[EntryView]) -> None:
    """A fourth blind set, written while the engine learned to tell a question that
    speaks as an enterprise from one that only shares a word with the policies; run once
    on the engine before that change and once after it."""
    older = (
        *(DEV, HOLDOUT, PARAPHRASE, NOTICE_QUESTIONS, TRADES, LIBRARY_QUESTIONS),
        *(OFF_TOPIC, OFF_TOPIC_HOLDOUT, OFF_TOPIC_HOLDOUT2, OFF_TOPIC_HOLDOUT3),
        *(NEAR_MISS, NEAR_MISS_TWINS),
    )
    report = _declined(seed_views, OFF_TOPIC_HOLDOUT4, older)
    asked, declined = report.off_topic, report.declined_rate
    assert asked >= 119 and declined >= 0.95, declined


def test_near_miss_sets(seed_views: list[EntryView]) -> None:
    """Off-topic questions using a word of the documents in another sense (the hardest
    to decline), and in-scope twins using such words as the documents mean them: a
    development pair, so declining more near misses cannot cost the twins unseen."""
    older = (
        *(DEV, HOLDOUT, PARAPHRASE, NOTICE_QUESTIONS),
        *(OFF_TOPIC, OFF_TOPIC_HOLDOUT, OFF_TOPIC_HOLDOUT2),
    )
    report = _declined(seed_views, NEAR_MISS, older)
    assert report.off_topic >= 130 and report.declined_rate >= 0.9, report.as_dict()
    twins = load_questions(NEAR_MISS_TWINS)
    ids = {v.entry_id for v in seed_views}
    assert len(twins) >= 60 and all(q.in_scope and set(q.expect) <= ids for q in twins)
    assert _shared(twins, (*older, NEAR_MISS)) == 0
    on_seed = evaluate(twins, Matcher(seed_views, segmenter=Segmenter(default_lexicon())).search)
    assert on_seed.offered_rate >= 0.93 and on_seed.top3_rate >= 0.95, on_seed.as_dict()


def test_framed_off_topic_set(seed_views: list[EntryView]) -> None:
    """Off-topic questions that speak as an enterprise (我们公司, 我们店 …) about its own
    day-to-day business (a job ad, a meeting, a product launch): the enterprise's words keep
    a question the entries only touch in, so these are the hardest to decline."""
    older = (
        *(DEV, HOLDOUT, PARAPHRASE, NOTICE_QUESTIONS, TRADES, LIBRARY_QUESTIONS),
        *(OFF_TOPIC, OFF_TOPIC_HOLDOUT, OFF_TOPIC_HOLDOUT2, OFF_TOPIC_HOLDOUT3),
        *(OFF_TOPIC_HOLDOUT4, NEAR_MISS, NEAR_MISS_TWINS),
    )
    report = _declined(seed_views, FRAMED_OFF, older)
    assert report.off_topic >= 110 and report.declined_rate >= 0.85, report.as_dict()


def test_trades_set(seed_views: list[EntryView]) -> None:
    """Support questions naming an everyday line of business (火锅店, 宠物医院, 驾校 …),
    whose words are also everyday subjects the library has nothing on: naming the trade
    must not make the bot decline the question."""
    questions = load_questions(TRADES)
    ids = {v.entry_id for v in seed_views}
    assert len(questions) >= 120 and all(q.in_scope and set(q.expect) <= ids for q in questions)
    assert _shared(questions, (DEV, HOLDOUT, PARAPHRASE, NOTICE_QUESTIONS, NEAR_MISS_TWINS)) == 0
    # each question searched once, for the rates and for the count declined by name
    search = functools.cache(Matcher(seed_views, segmenter=Segmenter(default_lexicon())).search)
    report = evaluate(questions, search)
    assert report.offered_rate >= 0.93 and report.top3_rate >= 0.97, report.as_dict()
    assert report.answered_rate >= 0.4, report.as_dict()
    declined_by_name = sum(1 for q in questions if search(q.question).outside)
    assert declined_by_name <= 5, declined_by_name


@pytest.mark.parametrize(
    "path",
    [
        DEV,
        HOLDOUT,
        PARAPHRASE,
        NOTICE_QUESTIONS,
        OFF_TOPIC,
        OFF_TOPIC_HOLDOUT,
        OFF_TOPIC_HOLDOUT2,
        OFF_TOPIC_HOLDOUT3,
        OFF_TOPIC_HOLDOUT4,
        NEAR_MISS,
        NEAR_MISS_TWINS,
        TRADES,
        FRAMED_OFF,
    ],
)
def test_question_files_load(path: Path) -> None:
    assert load_questions(path)
