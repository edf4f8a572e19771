"""HTML helpers: escaping, key figures, splitting under Telegram's 4096 limit."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.render.markup import (
    MESSAGE_LIMIT,
    esc,
    highlight_figures,
    pack_blocks,
    render_long,
    split_plain,
    tg_len,
)


def test_escape_hostile_text() -> None:
    assert esc("<script>alert(1)</script> & more") == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"
    )


def test_key_figures_are_bold() -> None:
    html = highlight_figures("力争全年普惠小微贷款余额增长25%以上,不低于3500亿元,推动1000户以上。")
    assert "<b>25%以上</b>" in html
    assert "<b>不低于3500亿元</b>" in html
    assert "<b>1000户以上</b>" in html


def test_years_are_not_figures() -> None:
    assert "<b>" not in highlight_figures("2023年3月31日印发")


def test_highlight_escapes_around_figures() -> None:
    html = highlight_figures("<b>x</b> & 5万元")
    assert html == "&lt;b&gt;x&lt;/b&gt; &amp; <b>5万元</b>"


def test_split_plain_prefers_sentence_ends() -> None:
    text = "第一句话。" * 1000
    pieces = split_plain(text, 100)
    assert all(tg_len(p) <= 100 for p in pieces)
    assert all(p.endswith("。") for p in pieces)
    assert "".join(pieces) == text


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert tg_len("😀") == 2
    pieces = split_plain("😀" * 3000, MESSAGE_LIMIT)
    assert all(tg_len(p) <= MESSAGE_LIMIT for p in pieces)


def test_render_long_keeps_escaped_pieces_under_limit() -> None:
    pieces = render_long("&" * 5000, esc, 1000)
    assert all(tg_len(p) <= 1000 for p in pieces)
    assert "".join(pieces) == "&amp;" * 5000


def test_pack_blocks_joins_until_the_limit() -> None:
    messages = pack_blocks(["a" * 3000, "b" * 1000, "c" * 100])
    assert [len(m) for m in messages] == [3000 + 2 + 1000, 100]


@given(st.text(min_size=0, max_size=9000))
def test_any_text_renders_into_balanced_pieces_under_the_limit(text: str) -> None:
    for piece in render_long(text, highlight_figures, 3000):
        assert tg_len(piece) <= 3000
        assert piece.count("<b>") == piece.count("</b>")
        assert not re.search(r"<(?!/?b>)", piece)  # the only tags are ours
