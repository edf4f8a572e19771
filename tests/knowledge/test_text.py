from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.evaluation import load_questions
from knowledge.text import asks, asks_for_list, normalize

QUESTIONS = Path(__file__).parent


def test_traditional_to_simplified_and_punctuation() -> None:
    assert normalize("個體戶轉企業有獎勵嗎?") == "个体户转企业有奖励吗"


def test_full_width_is_folded_and_lowercased() -> None:
    assert normalize("ＩＰＯ上市　奖励１００万") == "ipo上市 奖励100万"


def test_emoji_and_controls_become_spaces() -> None:
    assert normalize("贷款😀😀利率\x00\u200b多少👍") == "贷款 利率 多少"


def test_over_long_input_is_cut() -> None:
    assert len(normalize("贷" * 10_000, max_chars=300)) == 300


def test_only_symbols_normalises_to_empty() -> None:
    assert normalize("🙂🙂🙂!!!  ...") == ""


@pytest.mark.parametrize(
    "text",
    [
        "个体户转成公司有奖励吗",
        "個轉企有獎勵嗎",
        "融资担保费率现在是多少",
        "服务站几点下班",
        "那服务站呢?",
        "出国参展政府给不给钱",
        "武汉有没有促进中小企业发展的领导小组",
        "我想知道今年武汉新开软件企业的数量要涨多少",
        "What is the guarantee fee?",
    ],
)
def test_questions_are_recognised(text: str) -> None:
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "纳税证明明天上午送到园区服务站",  # shares 纳税/证明/服务站 with the entries
        "好的,证明我明天上午送过去",
        "融资担保材料已经准备好了",
        "好的,我们过几天补充材料",
        "几乎都准备好了",
        "哪怕晚一天也行",
        "收到,谢谢",
        "高新技术企业认定条件",  # a subject, not phrased as a question
    ],
)
def test_statements_are_not_questions(text: str) -> None:
    assert not asks(text)


def test_most_labelled_sentences_are_recognised_as_questions() -> None:
    """The paraphrase set is people asking in their own words (the rest are mostly bare
    subjects such as 高企数量, or wishes such as 想租现成的标准厂房)."""
    items = [q for q in load_questions(QUESTIONS / "paraphrase_questions.yaml") if q.expect]
    assert sum(asks(q.question) for q in items) / len(items) >= 0.8


@pytest.mark.parametrize(
    "text",
    [
        "区里对软件企业有什么补贴",
        "省里有哪些融资政策",
        "我们是做软件的小公司,能申请什么补贴",
        "外贸企业有哪些支持政策",
        "创业有啥好政策",
        "專精特新企業有哪些獎勵",  # traditional characters
    ],
)
def test_asking_which_measures_there_are(text: str) -> None:
    assert asks_for_list(text)


@pytest.mark.parametrize(
    "text",
    [
        "申请条件有哪些",  # one measure's details
        "需要哪些材料",
        "补贴什么时候发",
        "什么时候能拿到补贴",
        "哪些企业能拿首贷贴息",  # who qualifies
        "个体户转成公司有奖励吗",
        "小巨人认定有什么条件",
    ],
)
def test_asking_about_one_measure_is_not_asking_for_a_list(text: str) -> None:
    assert not asks_for_list(text)
