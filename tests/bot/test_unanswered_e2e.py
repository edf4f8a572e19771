"""End to end: a missed question shows up in /unanswered (thanks do not); the admin
attaches it to the closest entry in one tap, and the same question is answered right away."""

from __future__ import annotations

from tests.bot.e2e_support import Bot, make_settings

ADMIN_ID = 9_100_002
MISSED = "周转不开咋整"


async def test_attach_unanswered_question(harness: Bot) -> None:
    harness.settings = make_settings(admin_ids=[ADMIN_ID])
    async with harness.run():
        bot = harness
        user = await bot.user()
        [reply] = await bot.say(user, MISSED)
        assert (reply.text or "").startswith("没有找到")
        await bot.say(user, "附近哪家火锅好吃")
        [thanks] = await bot.say(user, "谢谢")  # a courtesy, not a missed question
        assert (thanks.text or "").startswith("不客气。")

        admin = await bot.client.create_user("管理员", user_id=ADMIN_ID)
        [listing] = await bot.command(admin, "unanswered")
        text = listing.text or ""
        assert "未答问题" in text and f"「{MISSED}」 ×1" in text and "附近哪家火锅好吃" in text
        assert "谢谢" not in text and not any("谢谢" in t for t in listing.button_texts)
        button = next(t for t in listing.button_texts if MISSED in t)
        await bot.press(admin, listing, text=button)
        [detail] = await bot.next(admin)
        assert "最接近的条目" in (detail.text or "")
        attach = next(t for t in detail.button_texts if "扩大小微企业贷款规模" in t)
        assert detail.button_texts[-1] == "🚫 标为无关"
        answer = await bot.press(admin, detail, text=attach)
        assert answer.text == "已添加为备选问法"
        done = await bot.client.wait_for_edit(admin, detail.message_id)
        assert "已把「周转不开咋整」添加为「扩大小微企业贷款规模」的备选问法" in (done.text or "")
        stale = await bot.press(admin, listing, text=button)
        assert stale.text == "该问题已处理或已不在列表中。"

        [card] = await bot.say(user, MISSED)
        assert "📄 扩大小微企业贷款规模" in (card.text or "")

        hotpot = next(t for t in listing.button_texts if "火锅" in t)
        await bot.press(admin, listing, text=hotpot)
        [detail] = await bot.next(admin)
        await bot.press(admin, detail, text="🚫 标为无关")
        await bot.client.wait_for_edit(admin, detail.message_id)
        [empty] = await bot.command(admin, "unanswered")
        assert "暂无未答" in (empty.text or "")


async def test_an_outside_subject_is_named_to_the_admin(harness: Bot) -> None:
    harness.settings = make_settings(admin_ids=[ADMIN_ID])
    async with harness.run():
        bot = harness
        user = await bot.user()
        [reply] = await bot.say(user, "发票怎么开")
        assert "没有关于「发票」的内容" in (reply.text or "")
        admin = await bot.client.create_user("管理员", user_id=ADMIN_ID)
        [listing] = await bot.command(admin, "unanswered")
        await bot.press(admin, listing, text=next(t for t in listing.button_texts if "发票" in t))
        [detail] = await bot.next(admin)
        # why it was declined, and what would change that
        assert "已收录的文件里没有「发票」(报税和发票)" in (detail.text or "")
        assert "导入讲到它的政策文件后即可正常检索" in (detail.text or "")
        assert detail.button_texts[-1] == "🚫 标为无关"
