"""Policy cards: escaping, sources of guide fields, no invented fields, splitting."""

from __future__ import annotations

import datetime as dt

from bot.render.cards import (
    UNKNOWN_FIELDS_NOTE,
    card_messages,
    full_text_messages,
    inline_message,
    no_answer_text,
)
from bot.render.markup import MESSAGE_LIMIT, tg_len
from knowledge.model import GUIDE_FIELDS, EntryView, Sourced

HOSTILE = "<script>alert('x')</script> & <b>"


def entry(**changes: object) -> EntryView:
    base: dict[str, object] = {
        "entry_id": "wh-sme-2023:2.5.20",
        "document_key": "wh-sme-2023",
        "document_title": "武汉市2023年中小企业工作要点",
        "path": ("二、重点任务", "(五)开展优质企业培育行动"),
        "number": "20.",
        "title": "加快推进“个转企”",
        "body": "力争全年推动“个转企”1000户以上,贷款余额增长25%以上。",
        "categories": ("企业培育",),
        "guide": {
            "support_target": Sourced("个体工商户", "《要点》二、(五)20"),
            "procedure": Sourced("设立绿色通道", "《要点》二、(五)20"),
        },
        "level": "市",
        "region": "武汉",
        "source_name": "领导小组《武汉市2023年中小企业工作要点》(2023年3月31日印发)",
    }
    base.update(changes)
    return EntryView(**base)  # type: ignore[arg-type]


def test_card_shows_title_source_section_and_figures() -> None:
    [html] = card_messages(entry())
    assert "加快推进“个转企”" in html
    assert "领导小组《武汉市2023年中小企业工作要点》" in html
    assert "二、重点任务 › (五)开展优质企业培育行动 › 20" in html
    assert "<b>1000户以上</b>" in html and "<b>25%以上</b>" in html


def test_guide_fields_with_sources_and_nothing_invented() -> None:
    [html] = card_messages(entry())
    assert "<b>支持对象</b>:个体工商户\n<i>来源:《要点》二、(五)20</i>" in html
    assert "<b>办理流程</b>:设立绿色通道" in html
    for name, label in GUIDE_FIELDS.items():
        if name not in ("support_target", "procedure"):
            assert f"<b>{label}</b>" not in html  # unknown fields are never filled in
    assert UNKNOWN_FIELDS_NOTE in html
    assert "申报条件" in html.split(UNKNOWN_FIELDS_NOTE)[1]  # listed as not stated


def test_all_fields_known_means_no_note() -> None:
    guide = {name: Sourced(f"值{name}", "来源") for name in GUIDE_FIELDS}
    [html] = card_messages(entry(guide=guide))
    assert UNKNOWN_FIELDS_NOTE not in html


def test_a_passed_application_deadline_is_said_to_have_passed() -> None:
    guide = {"deadline": Sourced("2026年10月31日前", "《通知》四、(二)")}
    [html] = card_messages(entry(guide=guide), today=dt.date(2026, 12, 6))
    assert "<b>申报期限</b>:2026年10月31日前" in html
    assert "申报期限 2026年10月31日已过(今天是 2026年12月6日)" in html
    assert "请向受理部门确认是否仍可申报" in html
    for today in (dt.date(2026, 10, 31), dt.date(2026, 1, 1)):  # the last day still counts
        [html] = card_messages(entry(guide=guide), today=today)
        assert "已过" not in html
    # a recurring or open deadline is not a date: nothing is claimed about it
    for text in ("每年6月30日前", "以当年申报通知为准", "2026年9月1日、10月8日两批"):
        guide = {"deadline": Sourced(text, "《通知》")}
        [html] = card_messages(entry(guide=guide), today=dt.date(2030, 1, 1))
        assert "已过" not in html


def test_hostile_data_is_escaped_everywhere() -> None:
    hostile = entry(
        title=HOSTILE,
        body=HOSTILE + " 5万元",
        source_name=HOSTILE,
        document_title=HOSTILE,
        path=(HOSTILE,),
        guide={"contact": Sourced(HOSTILE, HOSTILE)},
        source_url='https://x.gov.cn/"><script>',
    )
    for html in [*card_messages(hostile), *full_text_messages(hostile), inline_message(hostile)]:
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
        assert "& " not in html  # every ampersand is an entity
    assert "&quot;&gt;&lt;script&gt;" in full_text_messages(hostile)[-1]


def test_long_entries_split_under_the_limit() -> None:
    body = "企业可获得最高500万元的奖励。" * 900
    guide = {"conditions": Sourced("条件。" * 2000, "来源")}
    messages = card_messages(entry(body=body, guide=guide))
    assert len(messages) > 2
    assert all(0 < tg_len(m) <= MESSAGE_LIMIT for m in messages)
    assert all(m.count("<b>") == m.count("</b>") for m in messages)
    assert all(tg_len(m) <= MESSAGE_LIMIT for m in full_text_messages(entry(body=body)))
    assert tg_len(inline_message(entry(body=body))) <= MESSAGE_LIMIT


def test_full_text_has_document_issuer_and_date() -> None:
    [html] = full_text_messages(entry(effective_date=dt.date(2023, 3, 31)))
    assert "文件:《武汉市2023年中小企业工作要点》" in html
    assert "发文:领导小组" in html and "生效日期:2023年3月31日" in html
    assert "20. 加快推进“个转企”。力争全年" in html


def test_expired_entries_are_marked() -> None:
    [html] = card_messages(entry(expiry_date=dt.date(2020, 1, 1)), today=dt.date(2024, 1, 1))
    assert "已于 2020年1月1日失效" in html


def test_no_answer_text() -> None:
    assert "没有找到相关政策" in no_answer_text([])
    text = no_answer_text([entry(title="A<b>")])
    assert "没有找到与您的问题完全对应的政策" in text and "1. A&lt;b&gt;" in text


def test_card_says_who_the_measure_is_for_when_its_guide_does_not() -> None:
    audience = ("信息传输、软件和信息技术服务业", "小微企业")
    [html] = card_messages(entry(guide={}, audience=audience))
    assert "适用对象(据原文归纳):信息传输、软件和信息技术服务业、小微企业" in html
    # a 支持对象 line of the guide says it in the source's own words: no second line
    [html] = card_messages(entry(audience=audience))
    assert "适用对象" not in html and "<b>支持对象</b>:个体工商户" in html
    [html] = card_messages(entry(guide={}))
    assert "适用对象" not in html  # the text names no audience: nothing is said
