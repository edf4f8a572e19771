"""/subscribe, the card's 订阅此类政策, /subscriptions, settings and /unsubscribe through the
local Bot API, with the real database."""

from __future__ import annotations

from sqlmodel import Session

from storage import push
from storage.models_push import Cadence
from tests.bot.e2e_support import QUESTION, Bot
from tests.bot.push_support import Clock, at, build

STALE = "按钮已过期,请重新提问或使用 /browse"


def subscriptions_of(bot: Bot, user_id: int) -> list[push.SubscriptionView]:
    with Session(bot.engine) as session:
        return push.list_subscriptions(session, user_id=user_id)


def actions_of(bot: Bot, actor_id: int) -> list[str]:
    with Session(bot.engine) as session:
        rows = push.audit_entries(session, action_prefix="push.")
    return [row.action for row in reversed(rows) if row.actor_id == actor_id]


async def test_topic_subscription_wizard(harness: Bot) -> None:
    async with harness.run(build(harness, Clock(at(10)))):
        user = await harness.user()
        [intro] = await harness.command(user, "subscribe")
        assert "订阅方式" in (intro.text or "")
        await harness.press(user, intro, text="📚 按主题订阅")
        wizard = await harness.client.wait_for_edit(user, intro.message_id)
        assert "第 1/4 步:政策分类" in (wizard.text or "")
        assert "融资服务" in wizard.button_texts
        await harness.press(user, wizard, text="融资服务")
        wizard = await harness.client.wait_for_edit(user, intro.message_id, edits=2)
        assert "✅ 融资服务" in wizard.button_texts
        await harness.press(user, wizard, text="政策层级 ›")
        wizard = await harness.client.wait_for_edit(user, intro.message_id, edits=3)
        assert wizard.button_texts[:4] == ["国家", "省", "市", "区"]
        await harness.press(user, wizard, text="区")
        wizard = await harness.client.wait_for_edit(user, intro.message_id, edits=4)
        await harness.press(user, wizard, text="所在区 ›")
        wizard = await harness.client.wait_for_edit(user, intro.message_id, edits=5)
        await harness.press(user, wizard, text="江岸")
        wizard = await harness.client.wait_for_edit(user, intro.message_id, edits=6)
        toggle = str(wizard.buttons[0]["callback_data"])
        answer = await harness.press(user, wizard, text="✅ 保存订阅")
        assert answer.text == "已保存"
        saved = await harness.client.wait_for_edit(user, intro.message_id, edits=7)
        assert "已订阅:分类:融资服务;层级:区级;区:江岸" in (saved.text or "")
        [sub] = subscriptions_of(harness, user.id)
        assert sub.filters.categories == ("融资服务",)
        assert sub.filters.levels == ("区",) and sub.filters.districts == ("江岸",)
        # the draft is used up: its buttons are stale now
        stale = await harness.press(user, wizard, data=toggle)
        assert stale.text == STALE
        assert actions_of(harness, user.id) == ["push.subscribe"]


async def test_card_button_prefills_category_and_entry(harness: Bot) -> None:
    async with harness.run(build(harness, Clock(at(10)))):
        user = await harness.user()
        [card] = await harness.say(user, QUESTION)
        answer = await harness.press(user, card, text="🔔 订阅此类政策")
        assert answer.text is None
        [wizard] = await harness.next(user)
        text = wizard.text or ""
        assert "政策分类:企业培育" in text and "关注政策:加快推进“个转企”" in text
        assert "✅ 企业培育" in wizard.button_texts
        await harness.press(user, wizard, text="✅ 保存订阅")
        await harness.client.wait_for_edit(user, wizard.message_id)
        [sub] = subscriptions_of(harness, user.id)
        assert sub.filters.categories == ("企业培育",)
        assert sub.filters.entry_id == "wh-sme-2023:2.5.20"


async def test_profile_subscription_list_edit_settings_and_unsubscribe(harness: Bot) -> None:
    async with harness.run(build(harness, Clock(at(10)))):
        user = await harness.user()
        [intro] = await harness.command(user, "subscribe")
        await harness.press(user, intro, text="🏢 符合我企业档案的政策")
        draft = await harness.client.wait_for_edit(user, intro.message_id)
        assert "/profile" in (draft.text or "")
        await harness.press(user, draft, text="✅ 保存订阅")
        await harness.client.wait_for_edit(user, intro.message_id, edits=2)

        [listing] = await harness.command(user, "subscriptions")
        assert "1. 符合我企业档案的政策" in (listing.text or "")
        assert "推送方式:即时推送" in (listing.text or "")
        assert "免打扰:22:00–08:00" in (listing.text or "")
        await harness.press(user, listing, text="⚙️ 推送设置")
        prefs = await harness.client.wait_for_edit(user, listing.message_id)
        answer = await harness.press(user, prefs, text="每日摘要")
        assert answer.text == "已更新推送设置"
        prefs = await harness.client.wait_for_edit(user, listing.message_id, edits=2)
        assert "每日摘要(每天 09:00)" in (prefs.text or "")
        await harness.press(user, prefs, text="推迟半小时 ⏩")
        prefs = await harness.client.wait_for_edit(user, listing.message_id, edits=3)
        await harness.press(user, prefs, text="关闭免打扰")
        prefs = await harness.client.wait_for_edit(user, listing.message_id, edits=4)
        assert "每天 09:30" in (prefs.text or "") and "免打扰:已关闭" in (prefs.text or "")
        with Session(harness.engine) as session:
            stored = push.get_prefs(session, user_id=user.id)
        assert stored.cadence is Cadence.DAILY and stored.deliver_minute == 570
        assert stored.quiet_start == stored.quiet_end

        forged = await harness.press(user, prefs, data="sub:del:999999")  # not this user's
        assert forged.text == STALE
        [listing] = await harness.command(user, "unsubscribe")
        assert "请选择要退订的订阅" in (listing.text or "")
        answer = await harness.press(user, listing, text="🗑 退订 1")
        assert answer.text == "已退订。"
        assert subscriptions_of(harness, user.id) == []
        [reply] = await harness.command(user, "unsubscribe", "全部")
        assert "还没有订阅" in (reply.text or "")
        assert actions_of(harness, user.id) == [
            *("push.subscribe", "push.prefs", "push.prefs", "push.prefs", "push.unsubscribe")
        ]


async def test_unsubscribe_all_and_by_number(harness: Bot) -> None:
    async with harness.run(build(harness, Clock(at(10)))):
        user = await harness.user()
        with Session(harness.engine) as session:
            for category in ("融资服务", "创新发展", "市场法治"):
                push.add_subscription(
                    session,
                    user_id=user.id,
                    filters=push.Filters(categories=(category,)),
                    now=at(10),
                )
            session.commit()
        [reply] = await harness.command(user, "unsubscribe", "2")
        assert reply.text == "已退订。"
        left = [s.filters.categories for s in subscriptions_of(harness, user.id)]
        assert left == [("融资服务",), ("市场法治",)]
        [reply] = await harness.command(user, "unsubscribe", "9")
        assert "没有第 9 个订阅" in (reply.text or "")
        [reply] = await harness.command(user, "unsubscribe", "all")
        assert "已全部退订(2 个)" in (reply.text or "")
        assert subscriptions_of(harness, user.id) == []
