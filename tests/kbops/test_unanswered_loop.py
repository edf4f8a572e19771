"""The unanswered loop: grouping by similarity, 没帮助 questions, attaching a question to
an entry (answered afterwards) and marking one off-topic."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from rapidfuzz import fuzz, process
from sqlalchemy.engine import Engine

from services import stats, unanswered
from services.knowledge import KnowledgeBase
from storage import users
from storage.db import session_scope
from storage.kbops import AskedQuestion

MISSED = "周转不开咋整"  # not answered by the bundled knowledge base
ENTRY = "wh-sme-2023:2.2.6"  # 扩大小微企业贷款规模
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def asked(n: int, text: str, minutes: int = 0, *, unhelpful: bool = False) -> AskedQuestion:
    return AskedQuestion(n, text, text, T0 + dt.timedelta(minutes=minutes), None, unhelpful)


def test_similar_questions_are_grouped_by_frequency() -> None:
    rows = [
        asked(1, "个体户转公司有什么奖励"),
        asked(2, "附近哪家火锅好吃", 1),
        asked(3, "个体户转公司有什么奖励吗", 2),
        asked(4, "个体户转公司有什么奖励", 3, unhelpful=True),
        asked(5, "今天天气怎么样", 4),
        asked(6, "附近哪家火锅好吃", 5),
    ]
    groups = unanswered.group_questions(rows)
    assert [(g.example, g.count) for g in groups] == [
        ("个体户转公司有什么奖励", 3),
        ("附近哪家火锅好吃", 2),
        ("今天天气怎么样", 1),
    ]
    first = groups[0]
    assert first.question_id == 4 and first.unhelpful == 1 and first.unanswered == 2
    assert first.variants == ("个体户转公司有什么奖励吗",)
    assert first.last_asked == T0 + dt.timedelta(minutes=3)
    assert unanswered.group_questions([]) == []


def _greedy(texts: list[str], similarity: float) -> list[int | None]:
    """The rule, one text at a time: join the most similar earlier leader (the first on
    ties) at >= similarity, or lead a group."""
    leaders: list[str] = []
    joined: list[int | None] = []
    for text in texts:
        found = process.extractOne(text, leaders, scorer=fuzz.ratio, score_cutoff=similarity)
        joined.append(None if found is None else found[2])
        if found is None:
            leaders.append(text)
    return joined


@pytest.mark.parametrize("block", [1, 3, 7, 256])
def test_blockwise_grouping_is_the_greedy_rule(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # a random walk of one-character edits: most texts are close to several earlier
    # leaders, inside their block and across blocks, so the choice among them matters
    rng = random.Random(block)
    alphabet = "政策补贴企业申请怎么办理流程条件"
    texts = ["".join(rng.choices(alphabet, k=14))]
    while len(texts) < 400:
        chars = list(rng.choice(texts[-30:]))
        chars[rng.randrange(len(chars))] = rng.choice(alphabet)
        if rng.random() < 0.05:
            chars = rng.choices(alphabet, k=rng.randint(10, 16))
        texts = list(dict.fromkeys([*texts, "".join(chars)]))
    monkeypatch.setattr(unanswered, "BLOCK", block)
    for similarity in (unanswered.SIMILARITY, 60):  # 60: several leaders within reach
        expected = _greedy(texts, similarity)
        assert sum(j is not None for j in expected) > 10  # the sample does group
        assert unanswered._leaders(texts, similarity) == expected


def test_unhelpful_answers_are_listed(knowledge: KnowledgeBase) -> None:
    answer = knowledge.ask("个体户转成公司有奖励吗", user_id=5)
    assert answer.result.answered and answer.question_id is not None
    assert unanswered.list_groups(knowledge.engine) == []
    question_id = answer.question_id
    with session_scope(knowledge.engine) as session:
        users.add_feedback(
            session,
            user_id=5,
            entry_id="wh-sme-2023:2.5.20",
            helpful=False,
            question_id=question_id,
        )
    [group] = unanswered.list_groups(knowledge.engine)
    assert group.example == "个体户转成公司有奖励吗" and group.unhelpful == 1


def test_attach_makes_a_missed_question_answered(knowledge: KnowledgeBase) -> None:
    first = knowledge.ask(MISSED, user_id=7)
    assert not first.result.answered
    knowledge.ask(MISSED + "啊", user_id=8)  # a similar wording joins the group
    [group] = unanswered.list_groups(knowledge.engine)
    assert group.count == 2
    suggested = [e.entry_id for e in unanswered.review(knowledge, group).entries]
    assert ENTRY in suggested
    attached = unanswered.attach(knowledge, group.question_id, ENTRY, user_id=1)
    assert attached is not None
    entry = knowledge.entry(ENTRY)
    assert entry is not None and group.example in entry.alt_questions
    again = knowledge.search(MISSED)  # the index was rebuilt: answered at once
    assert again.answered and again.best is not None and again.best.entry_id == ENTRY
    assert unanswered.list_groups(knowledge.engine) == []
    assert unanswered.attach(knowledge, group.question_id, ENTRY, user_id=1) is None  # stale
    fresh = KnowledgeBase(knowledge.engine, segmenter=knowledge._segmenter)
    assert fresh.search(MISSED).answered  # stored, not only in memory


def test_off_topic_is_no_longer_listed(engine: Engine, knowledge: KnowledgeBase) -> None:
    knowledge.ask("附近哪家火锅好吃")
    knowledge.ask(MISSED)
    groups = unanswered.list_groups(engine)
    hotpot = next(g for g in groups if g.example == "附近哪家火锅好吃")
    assert unanswered.mark_off_topic(engine, hotpot.question_id, user_id=1) is not None
    assert [g.example for g in unanswered.list_groups(engine)] == [MISSED]
    knowledge.ask("附近哪家火锅好吃")  # asked again: still off-topic
    assert [g.example for g in unanswered.list_groups(engine)] == [MISSED]
    assert unanswered.mark_off_topic(engine, hotpot.question_id, user_id=1) is None
    assert unanswered.find_group(engine, 10_000) is None


def test_a_question_on_an_outside_subject_is_reviewed_with_it(knowledge: KnowledgeBase) -> None:
    knowledge.ask("发票怎么开", user_id=7)
    knowledge.ask(MISSED, user_id=7)
    groups = {g.example: g for g in unanswered.list_groups(knowledge.engine)}
    invoice = unanswered.review(knowledge, groups["发票怎么开"])
    assert (invoice.outside, invoice.outside_label) == ("发票", "报税和发票")
    assert not unanswered.review(knowledge, groups[MISSED]).outside


def test_chatter_is_not_an_unanswered_question(knowledge: KnowledgeBase) -> None:
    """谢谢 and 收到,谢谢 are no questions: not logged, so neither listed as unanswered nor
    counted as asked; a missed question beside them still is."""
    for text in ("谢谢", "收到,谢谢", "好的", "知道了"):
        answer = knowledge.ask(text, user_id=7)
        assert answer.result.chatter and answer.question_id is None, text
    knowledge.ask(MISSED, user_id=7)
    assert [g.example for g in unanswered.list_groups(knowledge.engine)] == [MISSED]
    report = stats.collect(knowledge, days=2, now=dt.datetime.now(dt.UTC))
    assert report.asked == 1 and report.answered == 0
    assert [g.example for g in report.unanswered] == [MISSED]
