"""The words by which a question names a level of government (knowledge/data/level_words.yaml)."""

from __future__ import annotations

import pytest

from knowledge.levels import levels_named
from knowledge.model import Level


@pytest.mark.parametrize(
    ("question", "levels"),
    [
        ("我们找第三方做检测花了不少钱,省里能报销一部分吗", {Level.PROVINCE}),
        ("公司拿到了小巨人称号,国家局那边有没有钱给", {Level.NATIONAL}),
        ("中央财政对重点小巨人还有奖金吗", {Level.NATIONAL}),
        ("国家对小巨人有奖励吗", {Level.NATIONAL}),
        ("拿了国家级小巨人,市里还有配套奖励吗", {Level.CITY}),
        ("招了应届生,社保费区里能补一半吗", {Level.DISTRICT}),
        ("县里有没有租金补贴", {Level.DISTRICT}),
        ("区里和市里的奖励能一起拿吗", {Level.DISTRICT, Level.CITY}),
        # titles of programmes name no issuer
        ("我们刚评上省级专精特新,有奖励吗", set()),
        ("国家级专精特新小巨人怎么申报", set()),
        # places that merely contain the characters
        ("我们园区里有中小企业服务站吗", set()),
        ("开发区里的厂房能租吗", set()),
        ("城市里开小店有补贴吗", set()),
        ("超市里买的东西能报销吗", set()),
    ],
)
def test_levels_named(question: str, levels: set[Level]) -> None:
    assert levels_named(question) == levels
