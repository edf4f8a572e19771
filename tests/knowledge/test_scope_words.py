"""How a question says it is an enterprise's question about public support
(scope_words.yaml), and how a question the entries only touch is asked back only then."""

from __future__ import annotations

import pytest
import yaml

from knowledge.lexicon import DATA, default_lexicon, normalize, parse_scope_words
from knowledge.matcher import Matcher

LEXICON = default_lexicon()


def test_words_are_normalised_and_listed_once() -> None:
    raw = yaml.safe_load((DATA / "scope_words.yaml").read_text(encoding="utf-8"))
    assert set(raw) == {"enterprise", "not_enterprise", "support", "government", "task"}
    listed = [str(w) for words in raw.values() for w in words]
    assert len(listed) == len(set(listed)), "a word is listed once"
    assert all(normalize(w) == w for w in listed)
    words = LEXICON.scope_words
    assert words.enterprise == tuple(raw["enterprise"]) and words.task == tuple(raw["task"])
    assert words.not_enterprise == tuple(raw["not_enterprise"])
    # each holds an enterprise word, or it would have nothing to take back
    assert all(any(e in w for e in words.enterprise) for w in words.not_enterprise)
    assert words.support == (*raw["support"], *raw["government"])


def test_no_scope_word_is_an_outside_word() -> None:
    # an outside word declines a question; a scope word keeps it in: never the same word
    outside = {w for topic in LEXICON.outside for w in topic.words}
    words = LEXICON.scope_words
    assert not outside & {*words.enterprise, *words.support}


@pytest.mark.parametrize(
    "raw", [{"support": "补贴"}, {"support": ["补贴", " "]}, {"suport": ["补贴"]}]
)
def test_a_malformed_list_is_an_error(raw: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"scope_words\.yaml: sup+ort"):
        parse_scope_words(raw)


@pytest.mark.parametrize(
    ("question", "speaks"),
    [
        ("区里有没有钱", True),  # a level of government
        ("我们想去展会", True),  # an enterprise asking
        ("专精特新是什么", True),  # a programme (key concept)
        ("参展能报销吗", True),  # asks for money (intent concept)
        ("这周末有个动漫展会", False),
        ("爱迪生一共拿了多少项专利", False),
        ("公司想上市", True),  # the listing programme (key concept)
        ("新建厂房的环评报告找谁做", False),  # 厂 of 厂房: premises, not who asks
        ("我们厂新建了厂房", True),
        ("今年明前龙井啥时候上市", False),  # a season's tea, not the programme
    ],
)
def test_speaks_in_scope(question: str, speaks: bool) -> None:
    compact = normalize(question).replace(" ", "")
    support = LEXICON.asks_support(compact, LEXICON.concepts_in(compact))
    assert (support or LEXICON.speaks_as_enterprise(compact)) is speaks


@pytest.mark.parametrize(
    ("declined", "offered", "entry"),
    [
        # a question the entries only touch is asked back when an enterprise asks it
        (
            "这周末有个动漫展会 cos什么角色最火",
            "这周末的动漫展会我们公司想去摆摊",
            "wh-sme-2023:2.4.15",
        ),
        ("爱迪生一辈子一共拿了多少项专利", "我们厂一共拿了多少项专利", "wh-sme-2023:2.3.11"),
        (
            "应届毕业生穿学士服，流苏要拨到哪一边",
            "我们招了几个应届毕业生,穿学士服拍照要注意啥",
            "wh-sme-2023:2.3.13",
        ),
        # the enterprise says what it trades in (手办, a word the index does not know)
        ("这周末有个动漫展会 cos什么角色最火", "开手办店的,想去动漫展会摆摊", "wh-sme-2023:2.4.15"),
        # how to do a piece of work, not asking for support: declined even when an entry is
        # close enough to answer
        (
            "我们公司招一个前台,招聘启事怎么写才吸引人",
            "我们公司招高校毕业生有补贴吗",
            "wh-sme-2023:2.3.13",
        ),
        ("展会的展位怎么布置比较吸引人", "参加展会的展位费能补贴吗", "wh-sme-2023:2.4.15"),
    ],
)
def test_declined_unless_it_speaks_as_an_enterprise_or_asks_for_support(
    matcher: Matcher, declined: str, offered: str, entry: str
) -> None:
    result = matcher.search(declined)
    assert not result.answered and not result.clarify
    assert not result.outside  # not a listed subject: the scope words decide
    assert result.matches and result.matches[0].entry_id == entry  # still listed
    result = matcher.search(offered)
    assert result.answered or result.clarify
    assert entry in [m.entry_id for m in result.matches[:3]]


def test_a_piece_of_work_asked_with_support_is_a_question_of_the_policies(
    matcher: Matcher,
) -> None:
    both = matcher.search("招聘启事怎么写?招高校毕业生有补贴吗")
    assert both.answered or both.clarify
    assert "wh-sme-2023:2.3.13" in [m.entry_id for m in both.matches[:3]]
