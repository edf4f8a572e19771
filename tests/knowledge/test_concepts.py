"""The concept map and 词林 as data, and what they change in matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.lexicon import Segmenter, cilin_synonyms, default_lexicon
from knowledge.matcher import Matcher
from tests.knowledge.conftest import fixture_entry

RULES = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "rules"
CONCEPTS = default_lexicon().concepts


_entry = fixture_entry


# test fixtures written for these tests (not real policies), imported without enrichment
FIXTURES = [
    _entry("1", "支持企业开拓境外市场", "组织企业参加境外展会,争取外贸订单,拓展海外仓。"),
    _entry("2", "推动中小企业数字化转型", "对企业上云和购买工业软件给予补贴。"),
    _entry("3", "支持企业吸纳高校毕业生", "对招用高校毕业生的企业给予吸纳就业补贴。"),
    _entry("4", "降低融资担保费率", "政策性融资担保机构担保费率降至优惠标准。"),
    _entry("5", "鼓励专精特新企业上市", "对专精特新企业上市辅导备案给予奖励。"),
    _entry("6", "专精特新企业培育", "每年认定一批专精特新中小企业。"),
    _entry("7", "园区租金减免", "对入驻产业园区的初创企业,厂房租金予以减免。"),
    _entry("8", "清理拖欠中小企业账款", "督促机关和大型企业及时支付拖欠中小企业账款。"),
]


@pytest.fixture(scope="module")
def fixtures_matcher(segmenter: Segmenter) -> Matcher:
    return Matcher(FIXTURES, segmenter=segmenter)


def test_concepts_are_well_formed() -> None:
    assert len(CONCEPTS) >= 30
    assert len({c.id for c in CONCEPTS}) == len(CONCEPTS)
    for concept in CONCEPTS:
        assert concept.words and concept.terms, concept.id
        if concept.self_check:
            assert (RULES / f"{concept.self_check}.yaml").is_file(), concept.id


@pytest.mark.parametrize("concept", CONCEPTS, ids=lambda c: c.id)
def test_each_word_reaches_its_concept(concept: object) -> None:
    lexicon = default_lexicon()
    for word in concept.words:  # type: ignore[attr-defined]
        found = [c for c, _ in lexicon.concepts_in(f"我们公司{word}怎么办")]
        assert concept in found, word


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("我们想把产品卖到国外去", "test:1"),
        ("工厂想把设备连网搞智能化", "test:2"),
        ("公司想招几个应届生", "test:3"),
        ("找担保公司收费太高了", "test:4"),
        ("我们的房租能减一点吗", "test:7"),
        ("客户一直不给钱怎么办", "test:8"),
    ],
)
def test_concepts_link_everyday_words_to_policy_terms(
    fixtures_matcher: Matcher, question: str, expected: str
) -> None:
    best = fixtures_matcher.search(question).best
    assert best is not None and best.entry_id == expected


def test_without_the_concept_layer_these_questions_miss(tmp_path: Path) -> None:
    from knowledge.lexicon import Lexicon

    empty = tmp_path / "concepts.yaml"
    empty.write_text("concepts: []\n", encoding="utf-8")
    lexicon = Lexicon.from_files(concepts=empty, use_cilin=False)
    assert lexicon.concepts == ()
    plain = Matcher(FIXTURES, segmenter=Segmenter(lexicon))
    for question in ("工厂想把设备连网搞智能化", "我们的东西想卖给老外"):
        assert plain.search(question).best is None
    full = Matcher(FIXTURES, segmenter=Segmenter(default_lexicon()))
    best = full.search("我们的东西想卖给老外").best
    assert best is not None and best.entry_id == "test:1"


def test_cilin_is_loaded_with_synonym_groups_only() -> None:
    table = cilin_synonyms()
    assert len(table) > 10_000
    assert "征聘" in table["招聘"]
    assert all(len(w) >= 2 for w in table["招聘"])


def test_question_and_document_segment_the_same_word(segmenter: Segmenter) -> None:
    assert "最多" in segmenter.tokens("每年最多申领一次")
    assert "最多" in segmenter.tokens("最多能领多少")


def test_a_programme_question_offers_its_self_check(fixtures_matcher: Matcher) -> None:
    result = fixtures_matcher.search("专精特新怎么申报")
    assert "specialized-sme" in result.self_checks
    # two entries are about 专精特新 and the question says nothing else: ask
    assert result.clarify and not result.answered
    assert {m.entry_id for m in result.matches[:2]} == {"test:5", "test:6"}


def test_off_topic_is_declined_not_clarified(fixtures_matcher: Matcher) -> None:
    for question in ("今天天气怎么样", "护照怎么办理", "推荐一部好看的电影"):
        result = fixtures_matcher.search(question)
        assert not result.answered and not result.clarify, question


def test_asking_whether_support_is_paid_is_not_about_arrears() -> None:
    # concept words are found as substrings: "给不给钱" must not read as "不给钱" (arrears)
    found = {c.id for c, _ in default_lexicon().concepts_in("参加展会政府给不给钱")}
    assert "arrears" not in found
    assert "arrears" in {c.id for c, _ in default_lexicon().concepts_in("客户拖着不付尾款")}


def test_every_word_of_a_concept_in_the_question_stands_for_it(
    fixtures_matcher: Matcher,
) -> None:
    # 参展 and 摊位 are both words of one concept: the second one is not an unknown word
    lexicon = default_lexicon()
    named = {(c.id, w) for c, w in lexicon.concept_words_in("想去参展摊位费贵")}
    assert {("trade-fair", "参展"), ("trade-fair", "摊位")} <= named
    units, _ = fixtures_matcher._query("想去参展 摊位费贵")
    assert all(u.term_ids for u in units if u.text == "摊位")


# test fixtures (not real policies): the same topic as a planned activity and as a paid measure
TRADE_FAIR_ACTIVITY = _entry("9", "组织企业赴境外参展", "全年组织企业参加国际性专业展会100场。")
TRADE_FAIR_SUBSIDY = _entry(
    "10", "支持企业参加境外展会", "对企业参加境外展会发生的展位费给予补助。"
)


def test_asking_for_money_prefers_the_measure_that_pays(segmenter: Segmenter) -> None:
    assert any(c.intent for c in CONCEPTS)
    matcher = Matcher([TRADE_FAIR_ACTIVITY, TRADE_FAIR_SUBSIDY], segmenter=segmenter)
    for question in ("我们去国外参展,摊位费能报销吗", "出国参加博览会政府给不给钱"):
        best = matcher.search(question).best
        assert best is not None and best.entry_id == "test:10", question


def test_asking_for_money_alone_does_not_make_a_question_in_scope(
    fixtures_matcher: Matcher,
) -> None:
    # 报销 is a word of the cash-support concept, and several fixtures pay 补贴
    for question in ("医保报销比例是多少", "出差的车票怎么报销"):
        result = fixtures_matcher.search(question)
        assert not result.answered and not result.clarify, question


def test_an_entry_imported_as_is_is_answered_when_its_text_says_it(
    fixtures_matcher: Matcher,
) -> None:
    # without keywords or alternative questions an entry cannot score on those features:
    # the confidence model reads its text's coverage instead of asking back every time
    for question, expected in (
        ("公司想招几个应届生", "test:3"),
        ("我们的房租能减一点吗", "test:7"),
    ):
        (_, features, _), *_ = fixtures_matcher.explain(question)
        assert features.bare == 1.0
        result = fixtures_matcher.search(question)
        assert result.answered, question
        assert result.best is not None and result.best.entry_id == expected


def test_a_probation_period_is_not_a_government_trial() -> None:
    lexicon = default_lexicon()
    assert "government-trial" not in {c.id for c, _ in lexicon.concepts_in("试用期员工的社保")}
    assert "government-trial" in {c.id for c, _ in lexicon.concepts_in("新产品想让政府先试用")}


def test_two_words_of_a_pair_name_the_concept_wherever_they_stand() -> None:
    lexicon = default_lexicon()
    found = dict(lexicon.concepts_in("手里有几项专利,能拿去银行换贷款吗"))
    assert any(c.id == "ip-pledge" for c in found)
    named = {(c.id, w) for c, w in lexicon.concept_words_in("专利能拿去银行换贷款吗")}
    assert {("ip-pledge", "专利"), ("ip-pledge", "贷款")} <= named
    # one word of the pair is not the concept
    assert "ip-pledge" not in {c.id for c, _ in lexicon.concepts_in("专利怎么申请")}
    assert "ip-pledge" not in {c.id for c, _ in lexicon.concepts_in("小微企业贷款有什么支持")}


def test_a_pair_is_two_words() -> None:
    from knowledge.lexicon import parse_concepts

    good = {"id": "x", "words": ["甲"], "terms": ["乙"], "pairs": [["丙", "丁"]]}
    assert parse_concepts({"concepts": [good]})[0].pairs == (("丙", "丁"),)
    with pytest.raises(ValueError, match="a pair is two words"):
        parse_concepts({"concepts": [{**good, "pairs": [["丙"]]}]})


def test_a_multi_word_policy_term_reaches_its_specific_part_only(segmenter: Segmenter) -> None:
    # the listing concept's 股权托管交易中心 is not one index word: it stands for its most
    # specific part, so an entry about a 技术中心 is not "about listing"
    entries = [
        _entry("1", "企业技术中心奖励", "对新认定的市级企业技术中心,一次性奖励30万元。"),
        _entry("2", "企业研发中心补助", "对新建的企业研发中心给予补助。"),
        _entry("3", "区域股权市场挂牌", "支持企业到区域性股权市场挂牌,托管和交易给予补贴。"),
    ]
    matcher = Matcher(entries, segmenter=segmenter)
    [listing] = [c for c in CONCEPTS if c.id == "listing"]
    reached = {matcher._words[t] for t in matcher._concept_terms(listing)}
    assert "中心" not in reached and reached & {"股权", "托管"}
    assert matcher.search("公司想上市,有什么奖励").matches[0].entry_id == "test:3"
