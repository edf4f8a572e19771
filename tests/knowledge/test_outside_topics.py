"""Subjects the library has nothing on (outside_topics.yaml) as data, and how a question
about one is declined with its name, unless some entry speaks of it."""

from __future__ import annotations

import dataclasses

import pytest

from knowledge.lexicon import Segmenter, default_lexicon, parse_outside, parse_trade
from knowledge.matcher import Matcher, OwnText
from tests.knowledge.conftest import fixture_entry

LEXICON = default_lexicon()
TOPICS = LEXICON.outside


_entry = fixture_entry


# test fixtures written for these tests (not real policies), imported without enrichment
FIXTURES = [
    _entry("1", "加快推进个转企", "对个体工商户转型为企业的,给予一次性奖励。"),
    _entry("2", "支持企业吸纳高校毕业生", "对招用高校毕业生的企业给予吸纳就业补贴。"),
    _entry("3", "降低融资担保费率", "政策性融资担保机构担保费率降至优惠标准。"),
    _entry("4", "支持企业参加境外展会", "对企业参加境外展会的展位费给予补贴。"),
    _entry(
        "5", "失业保险稳岗返还", "对不裁员或少裁员的企业,返还其上年度实际缴纳失业保险费的一部分。"
    ),
]
TAX_RELIEF = _entry(
    "6", "小规模纳税人开具发票减免", "小规模纳税人开具增值税普通发票的,减免增值税。"
)


@pytest.fixture(scope="module")
def library(segmenter: Segmenter) -> Matcher:
    return Matcher(FIXTURES, segmenter=segmenter)


def test_topics_are_well_formed() -> None:
    assert len(TOPICS) >= 10
    assert len({t.id for t in TOPICS}) == len(TOPICS)
    words = [w for t in TOPICS for w in t.words]
    assert len(words) == len(set(words)), "a word belongs to one subject"
    for topic in TOPICS:
        assert topic.label and topic.words, topic.id


def test_no_topic_word_is_a_concept_word_or_a_synonym() -> None:
    # a word the concept map or the synonym groups lead to a policy is not outside
    concept_words = {w for c in LEXICON.concepts for w in c.words}
    for topic in TOPICS:
        for word in topic.words:
            assert word not in concept_words, word
            assert not LEXICON.synonyms(word), word


@pytest.mark.parametrize(
    "question",
    [
        "去重庆参展有补贴吗",  # 去重 (removing duplicates)
        "合同中签订的付款期限到了还被拖欠怎么办",  # 中签 (winning a share lottery)
        "我们做空压机的小厂技改有补贴吗",  # 做空 (selling short)
        "推动更多云服务落地有什么支持",  # 多云 (cloudy)
    ],
)
def test_no_short_word_is_spelt_by_a_word_and_a_character(question: str) -> None:
    # words are found as substrings, and these are cut 去 | 重庆, 中 | 签订 …: a short
    # word such a cut spells is left out of the list
    assert not LEXICON.outside_in(question), question


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("今年报名什么时候截止", "年报"),
        ("融资平台风险补偿怎么申请", "台风"),
        ("部分手续能网上办吗", "分手"),
        ("提升职工技能有补贴吗", "升职"),
        ("海外仓位于欧洲的企业能拿补贴吗", "仓位"),
        ("盘活闲置厂房、扩大盘活存量有什么政策", "大盘"),
    ],
)
def test_a_word_spelt_across_two_words_is_not_said(
    library: Matcher, question: str, word: str
) -> None:
    # the list has the word, but the question says two other words (今年 | 报名)
    assert any(w == word for _, w in LEXICON.outside_in(question))
    assert library.search(question).outside != word


def test_a_word_said_whole_or_with_a_character_still_declines(library: Matcher) -> None:
    # (not 上市公司: in these five entries its concept's 上市辅导机构 resolves to 机构, the
    # most specific word the tiny index holds of it, so the 担保机构 measure is "about" it)
    assert library.search("这家公司的年报去哪下载").outside == "年报"
    assert library.search("开发票要交什么税").outside == "发票"  # 开发 | 票


def test_a_general_language_neighbour_does_not_make_the_word_known(segmenter: Segmenter) -> None:
    # 词林 puts 担保人 beside 总负责人: an entry naming a 总负责人 says nothing of standing
    # surety for a friend's loan
    entries = [*FIXTURES, _entry("9", "压实工作责任", "各区明确一名总负责人,统筹推进。")]
    result = Matcher(entries, segmenter=segmenter).search("朋友借钱让我当担保人,有啥风险")
    assert result.outside == "担保人" and not result.clarify and not result.answered


def test_a_trade_named_while_asking_for_support_says_who_asks(library: Matcher) -> None:
    # 保洁 and 宠物 are the enterprise's line of business here, not the subject: asked
    # back with the graduates' subsidy, and not declined by name
    result = library.search("我们是做家政保洁的,招大学生有补助吗")
    assert not result.outside and (result.answered or result.clarify)
    assert result.best is not None and result.best.entry_id == "test:2"
    assert not library.search("开宠物店的能申请补贴吗").outside
    assert not library.search("我们是做宠物食品的厂,想出口有什么支持").outside
    assert not library.search("做宠物用品的小店有什么帮扶").outside


@pytest.mark.parametrize(
    "question",
    [
        "开快递网点的,光凭信用能贷到款吗",  # a concept (凭信用) is asked about
        "我们是做保洁的,担保费率能优惠吗",  # 做 … 的
        "宠物医院想扩大经营,有什么扶持政策",  # 医院 is a business itself
        "我们养猫的宠物店能申请补贴吗",  # 养猫 的 宠物店
    ],
)
def test_a_trade_asking_about_a_measure_says_who_asks(library: Matcher, question: str) -> None:
    assert not library.search(question).outside


def test_words_saying_who_asks_are_not_what_the_answer_must_cover(library: Matcher) -> None:
    # 户外露营 (行业) is the asking enterprise, unknown to the library: the answer covers
    # under a quarter of the whole question but most of what it asks
    question = "户外露营行业的,招高校毕业生有没有补贴"
    features = library.explain(question, top=1)[0][1]
    assert features.coverage < library.config.answer_coverage
    result = library.search(question)
    assert result.answered and result.best is not None and result.best.entry_id == "test:2"


def test_any_word_is_a_trade_only_before_a_business_noun() -> None:
    # for a word of any kind (not only a listed subject) a cue must be a one-character
    # business right after it: 参加 before 企业家 is not a line of business
    question = "老板想去参加企业家培训班提升管理"
    assert LEXICON.names_a_trade(question, "参加")
    assert not LEXICON.names_a_trade(question, "参加", strict=True)
    assert LEXICON.names_a_trade("开烧烤店的有什么补贴", "烧烤", strict=True)
    assert LEXICON.names_a_trade("我们是做烧烤的,有什么补贴", "烧烤", strict=True)


def test_doing_something_is_not_a_trade(library: Matcher) -> None:
    # 做 before the word without 的 after it is an act, not a line of business
    assert library.search("朋友让我给他做担保人,担保费率多少").outside == "担保人"


@pytest.mark.parametrize(
    ("question", "word"),
    [("装修公司哪家靠谱", "装修"), ("个人买房有补贴吗", "买房"), ("开发票有补贴吗", "发票")],
)
def test_without_both_a_trade_and_a_support_ask_the_word_declines(
    library: Matcher, question: str, word: str
) -> None:
    assert library.search(question).outside == word


def test_an_enterprise_matter_is_marked_for_a_request(library: Matcher) -> None:
    # 发票 is the enterprise's own tax matter: a 诉求 can take it; the weather is not one
    by_id = {t.id: t for t in TOPICS}
    assert by_id["tax-filing"].request and not by_id["daily-life"].request
    invoice, weather = library.search("发票怎么开"), library.search("今天天气怎么样")
    assert invoice.outside == "发票" and invoice.outside_request
    assert weather.outside and not weather.outside_request


def test_malformed_topics_are_errors() -> None:
    with pytest.raises(ValueError, match="request must be true or false"):
        parse_outside({"topics": [{"id": "x", "label": "X", "words": ["a"], "request": "y"}]})
    with pytest.raises(ValueError, match=r"as_a_trade\.after must be a list"):
        parse_trade({"as_a_trade": {"after": "店"}})
    with pytest.raises(ValueError, match="within must be a list"):
        parse_outside({"topics": [{"id": "x", "label": "X", "words": ["a"], "within": "y"}]})
    with pytest.raises(ValueError, match="without id or label"):
        parse_outside({"topics": [{"id": "x", "words": ["发票"]}]})
    with pytest.raises(ValueError, match="no words"):
        parse_outside({"topics": [{"id": "x", "label": "X", "words": []}]})
    assert parse_outside({}) == ()


@pytest.mark.parametrize(
    ("question", "word", "label"),
    [
        ("发票怎么开", "发票", "报税和发票"),
        ("明天会下雨吗", "下雨", "日常生活"),
        ("员工的劳动合同到期了怎么续签", "劳动合同", "劳动合同和劳动纠纷"),
        ("怎么申请信用卡", "信用卡", "个人金融"),
    ],
)
def test_a_question_about_an_outside_subject_is_declined_with_its_name(
    library: Matcher, question: str, word: str, label: str
) -> None:
    result = library.search(question)
    assert not result.answered and not result.clarify
    assert (result.outside, result.outside_label) == (word, label)


def test_a_subject_is_outside_only_while_no_entry_speaks_of_it(segmenter: Segmenter) -> None:
    question = "开发票能减免增值税吗"
    assert Matcher(FIXTURES, segmenter=segmenter).search(question).outside
    result = Matcher([*FIXTURES, TAX_RELIEF], segmenter=segmenter).search(question)
    assert not result.outside
    assert result.answered and result.best is not None
    assert result.best.entry_id == "test:6"


def test_a_compound_whose_words_the_library_has_is_not_outside(library: Matcher) -> None:
    # 失业保险 is no word of the index (its text is cut into 失业 and 保险), yet entry 5
    # speaks of it
    result = library.search("失业保险费能返还多少")
    assert not result.outside
    assert result.best is not None and result.best.entry_id == "test:5"


def test_a_programme_the_best_entry_is_about_keeps_the_question(library: Matcher) -> None:
    # 营业执照 is outside, but the question is about 个转企, which entry 1 is about
    result = library.search("个体户转公司要换营业执照吗")
    assert not result.outside and (result.answered or result.clarify)
    assert result.best is not None and result.best.entry_id == "test:1"


def test_a_programme_the_subject_is_not_a_step_of_keeps_the_question_only_if_covered(
    segmenter: Segmenter,
) -> None:
    # 上市 names the listing programme, but a listed firm's market value is stock-market
    # talk: the entry about listing covers little of the rest of the question
    listing = _entry("9", "支持企业上市", "对在证券交易所上市的企业给予奖励。")
    matcher = Matcher([*FIXTURES, listing], segmenter=segmenter)
    result = matcher.search("小米上市几年了,现在市值多少")
    assert result.outside == "市值" and not result.clarify and not result.answered


def test_every_programme_a_subject_is_within_is_a_key_concept() -> None:
    keys = {c.id for c in LEXICON.concepts if c.key}
    assert any(t.within for t in TOPICS)
    for topic in TOPICS:
        assert set(topic.within) <= keys, topic.id


def test_a_need_the_best_entry_meets_does_not_keep_the_question(library: Matcher) -> None:
    # 外贸 reaches entry 4's 境外展会, but a trading firm's insurance claim is not about
    # going abroad: only a named programme (个转企, 专精特新 …) keeps a question in
    result = library.search("外贸公司给员工买的意外险怎么理赔")
    assert result.outside == "意外险" and not result.clarify and not result.answered


def test_an_answer_covering_the_rest_keeps_a_passing_mention(library: Matcher) -> None:
    # 面试 in passing: the answer covers the rest of the question (hiring graduates)
    result = library.search("招应届毕业生面试通过了,有补贴吗")
    assert not result.outside and result.answered
    assert result.best is not None and result.best.entry_id == "test:2"


def test_a_passing_mention_is_kept_only_in_a_question_of_the_policies(
    segmenter: Segmenter,
) -> None:
    # the same covered rest keeps 面试 in a question asking for support (above), not in
    # one asking where to study: 知识产权 is covered, 考研 is what is asked
    ip = _entry("8", "加强知识产权保护", "支持企业开展知识产权保护和运用。")
    matcher = Matcher([*FIXTURES, ip], segmenter=segmenter)
    result = matcher.search("知识产权专业考研哪个学校好考")
    assert result.outside == "考研" and not result.answered and not result.clarify
    result = matcher.search("我们公司知识产权专业考研的员工,有补贴吗")
    assert not result.outside


def test_an_answer_covering_the_rest_of_the_question_keeps_it(library: Matcher) -> None:
    # 注销 is a step of the 个转企 the rest of the question asks about
    result = library.search("个体工商户注销后转型为企业有奖励吗")
    assert not result.outside and result.answered
    assert result.best is not None and result.best.entry_id == "test:1"


def test_two_entries_on_one_measure_ask_back_instead_of_declining(segmenter: Segmenter) -> None:
    # a notice and the work plan on the same measure tie, so neither is the answer; the
    # question is still about it, and is asked back rather than declined for 注销
    twin = _entry("7", "加快推进个转企", "对个体工商户转型为企业的,给予一次性奖励。")
    matcher = Matcher([*FIXTURES, twin], segmenter=segmenter)
    result = matcher.search("个体工商户注销后转型为企业有一次性奖励吗")
    assert not result.outside and result.clarify and not result.answered
    assert {m.entry_id for m in result.matches[:2]} == {"test:1", "test:7"}


def test_a_word_cut_across_two_words_is_not_the_rest_of_the_question(library: Matcher) -> None:
    # 买车贷款 is cut 买车 + 贷款: both hold 车贷, so 贷款 does not count as what the
    # guarantee entry covers besides it (it had been answered at 0.89)
    result = library.search("买车贷款要融资担保吗")
    assert result.outside == "车贷" and not result.answered and not result.clarify


def test_without_outside_topics_the_same_question_is_not_declined_by_name(
    segmenter: Segmenter, library: Matcher
) -> None:
    plain = dataclasses.replace(LEXICON, outside=())
    matcher = Matcher(FIXTURES, segmenter=Segmenter(plain))
    assert library.search("发票怎么开").outside
    assert not matcher.search("发票怎么开").outside


def test_a_compound_must_be_said_whole(segmenter: Segmenter) -> None:
    # 工作 and 许可 stand apart in the entry: by the index alone that is 工作许可, by the
    # entries' own text it is not. A matcher built from the entries reads their text; one
    # read from a stored index has the index alone until its owner gives it the texts
    entries = [*FIXTURES, _entry("9", "推进工作落实", "对取得生产许可的企业给予补贴。")]
    matcher = Matcher(entries, segmenter=segmenter)
    question = "外国员工的工作许可怎么办"
    assert matcher.search(question).outside == "工作许可"
    arrays, meta = matcher.to_arrays()
    stored = Matcher.from_arrays(arrays, meta, segmenter=segmenter)
    assert not stored.search(question).outside
    stored.speaks_of = OwnText({e.entry_id: e for e in entries})
    assert stored.search(question).outside == "工作许可"
