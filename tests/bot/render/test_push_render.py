"""Push texts and keyboards: callback data ≤ 64 bytes and anchored, notices escaped."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardMarkup

from bot.render import push as ui
from bot.render import push_texts as texts
from storage.models_push import Cadence, NoticeKind, SubscriptionKind
from storage.push import Filters, Prefs, SubscriptionView
from storage.push_outbox import NoticeData

TODAY = dt.date(2026, 12, 2)


def data_of(markup: InlineKeyboardMarkup) -> list[str]:
    return [str(b.callback_data) for row in markup.inline_keyboard for b in row]


def test_callback_data_fits_and_matches_the_patterns() -> None:
    names = [f"很长的政策分类名称第{n}号" * 3 for n in range(30)]
    markups = [
        ui.kind_keyboard(),
        ui.wizard_keyboard(123_456_789, "dist", names, names[:2]),
        ui.list_keyboard([SubscriptionView(999_999_999, Filters())]),  # row ids: ≤ 9 digits
        ui.prefs_keyboard(Prefs(cadence=Cadence.WEEKLY)),
        ui.broadcast_keyboard(123_456_789),
        ui.broadcast_choices(123_456_789, "cat", names),
        ui.notice_keyboard([("a-very-long-document-key-for-testing:12.34.56.78.90.11", "标题")]),
    ]
    patterns = [
        ui.SUB_FIXED_RE,
        ui.SUB_KIND_RE,
        ui.SUB_STEP_RE,
        ui.SUB_TOGGLE_RE,
        ui.SUB_DRAFT_RE,
        ui.SUB_ITEM_RE,
        ui.SUB_CADENCE_RE,
        ui.SUB_TIME_RE,
        ui.SUB_WEEKDAY_RE,
        ui.SUB_QUIET_RE,
        ui.BC_ACTION_RE,
        ui.BC_PICK_RE,
    ]
    for markup in markups:
        for data in data_of(markup):
            assert len(data.encode()) <= 64
            if data.startswith(("sub:", "bc:")):
                assert any(p.match(data) for p in patterns), data
    assert not ui.SUB_ITEM_RE.match("sub:del:1:x") and not ui.SUB_FIXED_RE.match("sub:listx")


def test_single_notice_is_escaped_and_links_to_the_card() -> None:
    notice = NoticeData(
        id=1,
        kind=NoticeKind.NEW,
        entry_id="qu:1",
        title="<b>贴息</b> & 补助",
        summary="最高<50万元>",
        source="某区",
        scope="江岸 · 区级",
    )
    text, markup = ui.notice_message([notice], digest=None, today=TODAY)
    assert "&lt;b&gt;贴息&lt;/b&gt; &amp; 补助" in text and "最高&lt;50万元&gt;" in text
    assert markup is not None and data_of(markup) == ["card:show:qu:1", "sub:list"]


def test_digest_lists_each_policy_once_with_deadlines() -> None:
    notices = [
        NoticeData(id=1, kind=NoticeKind.NEW, entry_id="a:1", title="甲"),
        NoticeData(id=2, kind=NoticeKind.CHANGED, entry_id="a:1", title="甲"),  # same entry
        NoticeData(id=3, kind=NoticeKind.CHANGED, entry_id="a:2", title="乙"),
        NoticeData(
            id=4,
            kind=NoticeKind.DEADLINE,
            entry_id="a:1",
            title="甲",
            deadline=dt.date(2026, 12, 5),
            deadline_text="2026年12月5日前",
        ),
    ]
    text, markup = ui.notice_message(notices, digest=Cadence.WEEKLY, today=TODAY)
    assert "<b>每周政策摘要</b> · 3 条" in text
    assert "1. 🆕 甲" in text and "2. 🔄 乙(更新)" in text
    assert "3. ⏰ 甲(申报截止 2026年12月5日,距截止还有 <b>3 天</b>)" in text
    assert markup is not None and data_of(markup)[-1] == "sub:list"


def test_broadcast_and_test_notices_have_no_policy_buttons() -> None:
    broadcast = NoticeData(id=1, kind=NoticeKind.BROADCAST, summary="通知 <内容>")
    text, markup = ui.notice_message([broadcast], digest=None, today=TODAY)
    assert text == "📢 <b>通知</b>\n\n通知 &lt;内容&gt;" and markup is None
    text, markup = ui.notice_message(
        [NoticeData(id=2, kind=NoticeKind.TEST)], digest=None, today=TODAY
    )
    assert "测试推送" in text and markup is None


def test_subscription_descriptions() -> None:
    assert texts.describe(Filters()) == "全部政策"
    assert texts.describe(Filters(kind=SubscriptionKind.PROFILE)).startswith("符合我企业档案")
    both = Filters(categories=("融资<服务>",), levels=("区",), entry_id="x:1")
    assert texts.describe(both, "个转企") == "分类:融资&lt;服务&gt;;层级:区级;关注:个转企"
    assert texts.cadence_text(Prefs(cadence=Cadence.WEEKLY, weekday=6)) == "每周摘要(每周日 09:00)"
    assert texts.quiet_text(Prefs(quiet_start=0, quiet_end=0)) == "已关闭"


def test_withdrawal_notice_is_short_and_has_no_card_button() -> None:
    notice = NoticeData(
        id=5, kind=NoticeKind.WITHDRAWN, entry_id="qu:1", title="贷款<贴息>", source="某区措施"
    )
    text, markup = ui.notice_message([notice], digest=None, today=TODAY)
    assert text.startswith("↩️ <b>政策已撤回</b>\n<b>贷款&lt;贴息&gt;</b>\n此前推送给您的")
    assert "出处:某区措施" in text and "适用" not in text
    assert markup is not None and data_of(markup) == ["sub:list"]
    news = NoticeData(id=6, kind=NoticeKind.NEW, entry_id="qu:2", title="担保")
    text, markup = ui.notice_message([news, notice], digest=Cadence.DAILY, today=TODAY)
    assert "(已撤回)" in text
    assert markup is not None and data_of(markup) == ["card:show:qu:2", "sub:list"]
