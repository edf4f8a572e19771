"""Unit tests of the HTML / MarkdownV2 parsers and text helpers (no server)."""

from __future__ import annotations

from typing import Any

import pytest

from policybot_localapi.htmlcheck import EntityParseError, check_url, parse_html
from policybot_localapi.markdown import parse_markdown, parse_markdown_v2
from policybot_localapi.textutil import detect_entities, trim, utf16_len

# Cases follow TDLib's own parse_html tests: 🏟 is 4 UTF-8 bytes / 2 UTF-16 units.
HTML_ERRORS = [
    ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
    ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba>", 'Can\'t find end tag corresponding to start tag "i"'),
    ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
    ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
    ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
    ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
    (
        "🏟 🏟&lt;<i>a</em   >",
        'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"',
    ),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
]


@pytest.mark.parametrize(("markup", "error"), HTML_ERRORS)
def test_html_errors_match_telegram(markup: str, error: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_html(markup)
    assert str(info.value) == error


HTML_OK: list[tuple[str, str, list[dict[str, Any]]]] = [
    ("&ge;&lt;&gt;&amp;&quot;&#12345678;", '&ge;<>&"&#12345678;', []),
    ("&Or; a & b", "&Or; a & b", []),
    (
        "🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>",
        "🏟 🏟🏟 ><🏟",
        [{"type": "italic", "offset": 5, "length": 7}, {"type": "bold", "offset": 9, "length": 3}],
    ),
    ("🏟 🏟&lt;<b></b>", "🏟 🏟<", []),
    (
        "<a href=telegram.org>\t</a>",
        "\t",
        [{"type": "text_link", "offset": 0, "length": 1, "url": "http://telegram.org/"}],
    ),
    ("<a>telegram.org </a>", "telegram.org ", []),
    (
        '<pre><code class="language-python">x = 1</code></pre>',
        "x = 1",
        [{"type": "pre", "offset": 0, "length": 5, "language": "python"}],
    ),
    (
        "<blockquote expandable>q</blockquote><tg-spoiler>s</tg-spoiler>",
        "qs",
        [
            {"type": "expandable_blockquote", "offset": 0, "length": 1},
            {"type": "spoiler", "offset": 1, "length": 1},
        ],
    ),
    (
        '<span class="tg-spoiler">秘</span><u>下</u><s>划</s><ins>i</ins><del>d</del>',
        "秘下划id",
        [
            {"type": "spoiler", "offset": 0, "length": 1},
            {"type": "underline", "offset": 1, "length": 1},
            {"type": "strikethrough", "offset": 2, "length": 1},
            {"type": "underline", "offset": 3, "length": 1},
            {"type": "strikethrough", "offset": 4, "length": 1},
        ],
    ),
]


@pytest.mark.parametrize(("markup", "text", "entities"), HTML_OK)
def test_html_parses_like_telegram(markup: str, text: str, entities: list[Any]) -> None:
    assert parse_html(markup) == (text, entities)


def test_surrogate_character_reference_is_rejected() -> None:
    with pytest.raises(EntityParseError, match="unmatched surrogate"):
        parse_html("&#57311;")


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("🏟 🏟_abacaba", "Can't find end of Italic entity at byte offset 9"),
        ("🏟 🏟!", "Character '!' is reserved and must be escaped with the preceding '\\'"),
        ("版本 1.5", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("🏟 🏟```a ", "Can't find end of PreCode entity at byte offset 9"),
        ("[telegram\\.org](asd", "Can't find end of a URL at byte offset 16"),
    ],
)
def test_markdown_v2_errors(markup: str, error: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_markdown_v2(markup)
    assert str(info.value) == error


def test_markdown_v2_entities() -> None:
    text, entities = parse_markdown_v2("*粗体* _it_ __u__ ~s~ ||sp|| `c` [链接](example.com) 1\\.5")
    assert text == "粗体 it u s sp c 链接 1.5"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert entities[-1]["url"] == "http://example.com/"
    assert parse_markdown_v2(">引用\n正文") == (
        "引用\n正文",
        [{"type": "blockquote", "offset": 0, "length": 3}],
    )


def test_legacy_markdown() -> None:
    assert parse_markdown("*b* _i_ `c`")[0] == "b i c"
    with pytest.raises(EntityParseError, match="Can't find end of the entity"):
        parse_markdown("*open")


def test_check_url_normalizes() -> None:
    assert check_url("https://telegram.dog?") == "https://telegram.dog/?"
    assert check_url("www.wuhan.gov.cn/zc") == "http://www.wuhan.gov.cn/zc"
    assert check_url("tg://user?id=1") == "tg://user?id=1"
    assert check_url("as") is None
    assert check_url("javascript:alert(1)") is None


def test_detect_entities_and_trim() -> None:
    text = "/start@policybot_bot 你好 @zhangsan #补贴 https://www.gov.cn/a."
    kinds = [(e["type"], e["offset"], e["length"]) for e in detect_entities(text)]
    assert kinds == [
        ("bot_command", 0, 20),
        ("mention", 24, 9),
        ("hashtag", 34, 3),
        ("url", 38, 20),
    ]
    assert utf16_len("🏟a") == 3
    stripped, entities = trim("  \n<b>x\n", [{"type": "bold", "offset": 3, "length": 5}])
    assert stripped == "<b>x"
    assert entities == [{"type": "bold", "offset": 0, "length": 4}]
