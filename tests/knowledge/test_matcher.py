"""Behaviour of the matcher on the bundled seed document."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge import matcher as matcher_module
from knowledge.evaluation import load_questions
from knowledge.lexicon import Segmenter
from knowledge.matcher import Matcher, MatcherConfig, _QueryTerm, _weight_table
from knowledge.model import EntryView
from knowledge.text import normalize
from tests.knowledge.conftest import SEED

CASES = [
    (
        "公司缺钱周转,没有抵押物能借到钱吗",
        {"wh-sme-2023:2.2.5", "wh-sme-2023:2.2.6", "wh-sme-2023:2.2.7"},
    ),
    ("个体户转成公司有奖励吗", {"wh-sme-2023:2.5.20"}),
    ("融资担保肥率", {"wh-sme-2023:2.2.6"}),  # typo: 肥率 → 费率
    ("個體戶轉企業有獎勵嗎", {"wh-sme-2023:2.5.20"}),  # traditional characters
    ("ＩＰＯ上市有奖励吗", {"wh-sme-2023:2.5.23"}),  # full-width latin
    ("小金规", {"wh-sme-2023:2.5.21"}),  # homophone typo of 小进规
]


@pytest.mark.parametrize(("question", "expected"), CASES)
def test_colloquial_questions_find_their_clause(
    matcher: Matcher, question: str, expected: set[str]
) -> None:
    result = matcher.search(question)
    assert result.answered, result
    assert result.matches[0].entry_id in expected


@pytest.mark.parametrize(
    "question",
    ["今天天气怎么样", "你是谁", "附近有什么好吃的火锅", "hello how are you", "护照怎么办理"],
)
def test_off_topic_questions_are_not_answered(matcher: Matcher, question: str) -> None:
    assert not matcher.search(question).answered


@pytest.mark.parametrize(
    "question",
    [
        *(
            "收到,谢谢",
            "好的收到谢谢",
            "好的",
            "知道了",
            "明白了,辛苦了",
            "OK 谢谢老师",
            "嗯嗯好的",
        ),
        *("谢谢您", "非常感谢!", "thank you", "好呀", "好哈", "懂哈", "行哈,多谢"),
    ],
)
def test_acknowledgements_are_declined_like_thanks(matcher: Matcher, question: str) -> None:
    """Chatter gets what "谢谢" gets: no card, no asking back, no suggestions."""
    assert matcher.search("谢谢").matches == ()
    result = matcher.search(question)
    assert not result.answered and not result.clarify and result.matches == ()
    assert result.chatter and matcher.search("谢谢").chatter  # the bot says 不客气


@pytest.mark.parametrize("text", ["的", "asdf", "今天天气怎么样", "感谢您的帮助,担保费率多少"])
def test_not_chatter(matcher: Matcher, text: str) -> None:
    """Declined or answered, but not a courtesy: a stopword alone, an unknown word,
    an off-topic question, thanks beside a real question."""
    assert not matcher.search(text).chatter


def test_every_pleasantry_alone_is_chatter(matcher: Matcher) -> None:
    """Each word of pleasantries.txt, alone or with 了, is declined as chatter, and the
    same rule keeps it out of the ranking (``explain`` finds nothing either)."""
    missed: list[str] = []
    for word in sorted(matcher.segmenter.lexicon.pleasantries):
        for text in (word, word + "了"):
            result = matcher.search(text)
            if not result.chatter or result.matches or matcher.explain(text):
                missed.append(text)
    assert missed == []


def test_a_pleasantry_inside_a_question_is_an_ordinary_word(matcher: Matcher) -> None:
    """收到 is chatter alone, a word of the question in 定期收到政策信息."""
    result = matcher.search("好的,我们想定期收到适合本公司的新政策信息")
    assert result.matches and (result.answered or result.clarify) and not result.chatter


def test_options_likely_together_are_offered_when_none_leads(
    matcher: Matcher, seed_views: list[EntryView], segmenter: Segmenter
) -> None:
    """Two loan entries, neither confident nor far ahead: together they are likely
    enough to ask which one was meant, where a shrug would hide the right one."""
    question = "没房子抵押,小公司还能从银行贷到款吗"
    result = matcher.search(question)
    assert not result.answered and result.clarify
    assert "wh-sme-2023:2.2.6" in [m.entry_id for m in result.matches]
    strict = dataclasses.replace(MatcherConfig(), offer_floor=2.0)
    without = Matcher(seed_views, segmenter=segmenter, config=strict).search(question)
    assert not without.clarify  # the sum of the options' confidences is what asks


def test_one_shared_word_is_not_worth_asking_about(matcher: Matcher) -> None:
    result = matcher.search("明天武汉会下雨吗")
    assert result.matches and not result.answered and not result.clarify


@pytest.mark.parametrize("question", ["", "   ", "😀😀😀", "???!!!", "\x00\x01"])
def test_empty_or_symbol_only_input(matcher: Matcher, question: str) -> None:
    result = matcher.search(question)
    assert not result.answered and result.matches == ()


def test_scores_are_probabilities_best_first(matcher: Matcher) -> None:
    result = matcher.search("专精特新小巨人企业有什么支持", top=5)
    scores = [m.score for m in result.matches]
    assert len(scores) == 5
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert result.matches[0].score >= 0.5


def test_unanswered_result_keeps_suggestions(matcher: Matcher) -> None:
    result = matcher.search("中小企业出海参展有没有人组织")
    assert len(result.matches) >= 1


def test_long_input_is_cut_not_rejected(matcher: Matcher) -> None:
    result = matcher.search("个体户转企业奖励" + "啊" * 20_000)
    assert result.matches and result.matches[0].entry_id == "wh-sme-2023:2.5.20"
    assert len(result.normalized) <= matcher.max_chars


def test_new_alternative_question_is_used_after_rebuild(
    seed_views: list[EntryView], segmenter: Segmenter
) -> None:
    question = "老板想给员工搞个年终团建,有政府补助吗"
    entry_id = "wh-sme-2023:2.3.13"
    before = Matcher(seed_views, segmenter=segmenter).search(question)
    assert not (before.answered and before.matches[0].entry_id == entry_id)
    views = [
        dataclasses.replace(v, alt_questions=(*v.alt_questions, question))
        if v.entry_id == entry_id
        else v
        for v in seed_views
    ]
    after = Matcher(views, segmenter=segmenter).search(question)
    assert after.answered and after.matches[0].entry_id == entry_id


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=400))
def test_any_text_gives_a_well_formed_result(matcher: Matcher, text: str) -> None:
    result = matcher.search(text, top=3)
    assert len(result.matches) <= 3
    assert all(0.0 <= m.score <= 1.0 for m in result.matches)
    assert [m.score for m in result.matches] == sorted(
        (m.score for m in result.matches), reverse=True
    )
    if result.answered:
        assert result.matches[0].score >= matcher.config.threshold
    assert not (result.answered and result.clarify)
    assert not result.clarify or len(result.matches) >= 2
    if result.chatter:  # one rule: chatter is never ranked
        assert result.matches == () and matcher.explain(text) == []


def _entry(entry_id: str, title: str, body: str, keywords: tuple[str, ...] = ()) -> EntryView:
    """A test entry (test fixture wording, not a real policy)."""
    return EntryView(
        entry_id=entry_id,
        document_key=entry_id.partition(":")[0],
        document_title="测试文件",
        path=(),
        number="1",
        title=title,
        body=body,
        keywords=keywords,
    )


def test_hand_keywords_naming_many_related_terms_do_not_outweigh_the_text(
    segmenter: Segmenter,
) -> None:
    # the enriched entry names many terms the concept of 国外 stands for; the bare one
    # says once what the question asks: each word of the question counts once per entry
    views = [
        _entry(
            "test-a:1",
            "组织企业开拓市场",
            "组织企业开拓市场,争取订单。",
            keywords=("海外", "境外", "海外仓", "跨境电商", "国际性", "拓市场"),
        ),
        _entry("test-b:1", "支持企业参加境外展会", "对企业参加境外展会发生的展位费给予补助。"),
    ]
    question = "去国外参展有补助吗"
    summing = Matcher(
        views, segmenter=segmenter, config=MatcherConfig(expansion_share=1.0)
    ).explain(question)
    once = Matcher(views, segmenter=segmenter).explain(question)
    bm25 = {entry_id: f.bm25 for entry_id, f, _ in once}
    assert bm25["test-b:1"] == 1.0
    assert {entry_id: f.bm25 for entry_id, f, _ in summing}["test-a:1"] > bm25["test-a:1"]
    assert once[0][0] == "test-b:1"


def test_an_unknown_word_and_its_part_are_one_word_of_the_question(matcher: Matcher) -> None:
    # search mode yields 摊位 and 摊位费, neither in the index: one unknown thing, not two
    units, _ = matcher._query(normalize("摊位费能少交点吗"))
    texts = [u.text for u in units]
    assert ("摊位" in texts) != ("摊位费" in texts)


def test_a_word_only_in_hand_keywords_covers_less_than_one_in_the_text(
    segmenter: Segmenter,
) -> None:
    # the same entry text, once with the question's words only among its keywords and
    # once saying them: the text is stronger evidence than what was added by hand
    said = _entry("test-c:1", "境外展会补助", "对企业参加境外展会发生的展位费给予补助。")
    tagged = _entry("test-d:1", "企业培训", "组织企业参加培训。", ("境外展会", "展位费"))
    question = "境外展会展位费有补助吗"
    by_id = {
        entry_id: f.coverage
        for entry_id, f, _ in Matcher([said, tagged], segmenter=segmenter).explain(question)
    }
    assert by_id["test-c:1"] > by_id["test-d:1"] > 0
    flat = Matcher(
        [said, tagged], segmenter=segmenter, config=MatcherConfig(hand_coverage=1.0)
    ).explain(question)
    assert {entry_id: f.coverage for entry_id, f, _ in flat}["test-d:1"] > by_id["test-d:1"]


def test_a_real_word_is_not_corrected_to_a_homophone(matcher: Matcher) -> None:
    # 手里 (shouli) is what the person meant, not a typo of the policy word 受理
    question = normalize("手里有几项发明专利")
    tokens = matcher.segmenter.tokens(question)
    assert "受理" not in [word for word, _ in matcher._corrections(question, tokens)]
    fee = normalize("融资担保肥率")  # a typo that is no word is still corrected
    assert "费率" in [w for w, _ in matcher._corrections(fee, matcher.segmenter.tokens(fee))]


DEV = Path(__file__).with_name("dev_questions.yaml")


def _bm25_term_by_term(matcher: Matcher, qterms: list[_QueryTerm]) -> np.ndarray:
    """The BM25 of Matcher._bm25 written plainly: one ``+=`` per query term, in order."""
    share = matcher.config.expansion_share
    scores = np.zeros(matcher.size, dtype=np.float32)
    by_unit: dict[int, list[_QueryTerm]] = {}
    for qt in qterms:
        by_unit.setdefault(qt.unit, []).append(qt)
    for unit, group in by_unit.items():
        if unit < 0 or len(group) == 1:
            for qt in group:
                lo, hi = matcher._offsets[qt.term_id], matcher._offsets[qt.term_id + 1]
                scores[matcher._all_docs[lo:hi]] += qt.weight * matcher._all_weights[lo:hi]
            continue
        best = np.zeros(matcher.size, dtype=np.float32)
        for qt in group:
            lo, hi = matcher._offsets[qt.term_id], matcher._offsets[qt.term_id + 1]
            docs = matcher._all_docs[lo:hi]
            weights = qt.weight * matcher._all_weights[lo:hi].astype(np.float32)
            best[docs] = np.maximum(best[docs], weights)
            scores[docs] += share * weights
        scores += (1 - share) * best
    return scores


@pytest.mark.parametrize("pending", [None, 7])
def test_bm25_scores_are_the_term_by_term_sums_to_the_bit(
    matcher: Matcher, pending: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vectorised BM25 (table look-ups, ordered np.add.at) adds the same float32
    numbers in the same order as the plain formula: not one score differs in any bit,
    also when the gathered postings are added in many small batches (large indexes)."""
    if pending is not None:
        monkeypatch.setattr(matcher_module, "_PENDING", pending)
    asked = 0
    for labelled in load_questions(DEV)[:120]:
        _, qterms = matcher._query(normalize(labelled.question))
        if qterms:
            asked += 1
            expected = _bm25_term_by_term(matcher, qterms)
            assert matcher._bm25(qterms).tobytes() == expected.tobytes(), labelled.question
    assert asked > 100


@pytest.mark.parametrize("weight", [1.0, 0.5, 0.35, 0.3, 0.28, 0.8, 0.7 * 0.6, 1.7])
def test_weight_tables_are_the_float16_and_float32_products(weight: float) -> None:
    halves = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    halves = halves[np.isfinite(halves)]  # every weight a posting can have
    bits = halves.view(np.uint16)
    with np.errstate(over="ignore"):  # 1.7 × the largest float16 is past its range
        in_half = (weight * halves).astype(np.float32)  # numpy's float16 arithmetic
    in_single = weight * halves.astype(np.float32)
    assert np.array_equal(_weight_table(weight, half=True)[bits], in_half)
    assert np.array_equal(_weight_table(weight, half=False)[bits], in_single)


_EXPLAIN = """
import sys
from knowledge.importing.views import read_manifest_views
from knowledge.lexicon import Segmenter, default_lexicon
from knowledge.matcher import Matcher
views = read_manifest_views(__import__("pathlib").Path(sys.argv[1]))
matcher = Matcher(views, segmenter=Segmenter(default_lexicon()))
for question in sys.argv[2:]:
    print([(entry_id, repr(features)) for entry_id, features, _ in matcher.explain(question)])
"""


def test_scores_do_not_depend_on_the_string_hash() -> None:
    # a word's synonyms come from a set of strings, whose order changes with the hash
    # seed of the process; the order BM25 terms are added in changes float sums
    questions = ["国企拖着账款不付,我们小公司能找谁", "小公司请不起律师,有免费的法律咨询吗"]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _EXPLAIN, str(SEED), *questions],
            capture_output=True,
            text=True,
            check=True,
            cwd=SEED.parents[3],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2)
    }
    assert len(outputs) == 1


def test_a_question_mostly_about_something_else_is_not_answered(matcher: Matcher) -> None:
    # 招人 is the one thing the work plan knows of it, and its keyword makes the score high
    question = "小米武汉总部最近招不招人"
    (_, features, confidence), *_ = matcher.explain(question)
    assert confidence >= matcher.config.threshold
    assert features.coverage < matcher.config.answer_coverage
    assert not matcher.search(question).answered


def test_two_close_candidates_are_asked_back(matcher: Matcher) -> None:
    # 精上市 (listing rewards) covers 小公司, 申请 and 补贴, 百场万企 covers 软件: neither
    # answers what a small software firm can apply for, and they score 0.90 and 0.84
    result = matcher.search("我们是做软件的小公司,能申请什么补贴")
    assert not result.answered and result.clarify
    assert {m.entry_id for m in result.matches[:2]} == {"wh-sme-2023:2.5.23", "wh-sme-2023:2.4.14"}
