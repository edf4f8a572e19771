from __future__ import annotations

from knowledge.text import normalize


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
