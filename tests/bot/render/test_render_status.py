"""A card says when its document no longer applies, and links a repealed one's successor."""

from __future__ import annotations

import datetime as dt

from bot.render.cards import card_messages, entry_list_text, full_text_messages
from bot.render.keyboards import card_keyboard
from knowledge.model import EntryView, Sourced

TODAY = dt.date(2026, 12, 6)


def view(**changes: object) -> EntryView:
    values: dict[str, object] = {
        "entry_id": "doc-a:1.1",
        "document_key": "doc-a",
        "document_title": "测试市专精特新企业培育办法",
        "path": ("一、培育奖励",),
        "number": "(一)",
        "title": "市级专精特新企业奖励",
        "body": "对新认定的市级专精特新中小企业,一次性奖励10万元。",
        "publish_date": dt.date(2021, 5, 10),
    }
    values.update(changes)
    return EntryView(**values)  # type: ignore[arg-type]


def test_a_repealed_card_names_its_successor_and_links_it() -> None:
    old = view(replaced_by="doc-b", replaced_by_title="测试市支持专精特新企业发展若干措施")
    [html] = card_messages(old, today=TODAY)
    assert "⚠️ 已废止,由《测试市支持专精特新企业发展若干措施》替代。" in html
    new = view(entry_id="doc-b:1.1", document_key="doc-b")
    rows = card_keyboard(old.entry_id, question_id=None, replacement=new).inline_keyboard
    assert rows[0][0].text == "➡️ 现行:市级专精特新企业奖励"
    assert rows[0][0].callback_data is not None and "doc-b:1.1" in str(rows[0][0].callback_data)
    listing = entry_list_text("<b>列表</b>", [old, new], first=1, today=TODAY)
    assert "1. 市级专精特新企业奖励〔已废止〕" in listing and "已被新文件替代" in listing


def test_a_past_years_plan_is_answered_as_such() -> None:
    plan = view(document_title="测试市2023年中小企业工作要点", plan_year=2023)
    [html] = card_messages(plan, today=TODAY)
    assert "此为2023年度工作要点,相关安排可能已调整。" in html
    [current] = card_messages(
        view(document_title="测试市2026年中小企业工作要点", plan_year=2026), today=TODAY
    )
    assert "年度工作要点" not in current


def test_the_full_text_shows_only_the_dates_a_source_gives() -> None:
    [html] = full_text_messages(view(doc_number="测经信规〔2021〕4号"))
    assert "印发日期:2021年5月10日" in html and "文号:测经信规〔2021〕4号" in html
    assert "生效日期" not in html and "失效日期" not in html
    [dated] = full_text_messages(
        view(effective_date=dt.date(2021, 6, 1), expiry_date=dt.date(2024, 6, 1))
    )
    assert "生效日期:2021年6月1日" in dated and "失效日期:2024年6月1日" in dated
    [expired] = card_messages(view(expiry_date=dt.date(2024, 6, 1)), today=TODAY)
    assert "已失效:本政策已于 2024年6月1日失效" in expired


def test_a_list_marks_entries_whose_application_deadline_has_passed() -> None:
    closed = view(guide={"deadline": Sourced("2026年10月31日", "《办法》四")})
    still_open = view(
        entry_id="doc-a:1.2", guide={"deadline": Sourced("2026年12月31日前", "《办法》四")}
    )
    listing = entry_list_text("<b>列表</b>", [closed, still_open], first=1, today=TODAY)
    assert "1. 市级专精特新企业奖励〔已截止〕" in listing
    assert "2. 市级专精特新企业奖励\n" in listing + "\n"
    assert "原文给出的申报期限已过" in listing
    # an expired document says so first: one mark per line
    expired = view(expiry_date=dt.date(2026, 1, 1), guide=closed.guide)
    assert "〔已失效〕" in entry_list_text("x", [expired], first=1, today=TODAY)
    assert "〔已截止〕" not in entry_list_text("x", [expired], first=1, today=TODAY)
