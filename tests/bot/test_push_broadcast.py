"""/broadcast: admins only, preview, audience choice, confirm → outbox → delivered."""

from __future__ import annotations

from sqlmodel import Session

from storage import push
from tests.bot.e2e_support import Bot
from tests.bot.push_support import Clock, at, build, deliver, rows, subscribe

ADMIN = 7_000_001


async def test_broadcast_to_a_category(harness: Bot) -> None:
    clock = Clock(at(10))
    async with harness.run(build(harness, clock, admin_ids=[ADMIN])) as app:
        admin, finance, innovation, everything = [await harness.user() for _ in range(4)]
        assert admin.id == ADMIN
        subscribe(harness.engine, finance.id, clock(), categories=("融资服务",))
        subscribe(harness.engine, innovation.id, clock(), categories=("创新发展",))
        subscribe(harness.engine, everything.id, clock())
        text = "关于开展2026年贷款贴息申报的通知\n请于月底前提交材料 <注意>"
        [preview] = await harness.command(admin, "broadcast", text)
        assert "受众:全部订阅用户(共 3 人)" in (preview.text or "")
        assert "请于月底前提交材料 <注意>" in (preview.text or "")  # escaped, newlines kept
        await harness.press(admin, preview, text="按分类")
        choices = await harness.client.wait_for_edit(admin, preview.message_id)
        await harness.press(admin, choices, text="融资服务")
        preview = await harness.client.wait_for_edit(admin, preview.message_id, edits=2)
        assert "受众:订阅“融资服务”的用户(共 2 人)" in (preview.text or "")
        answer = await harness.press(admin, preview, text="✅ 确认发送")
        assert answer.text == "已加入发送队列"
        done = await harness.client.wait_for_edit(admin, preview.message_id, edits=3)
        assert "2 位用户" in (done.text or "") and done.buttons == []
        again = await harness.press(admin, done, data="bc:ok:1")  # no double sending
        assert again.text and "过期" in again.text
        assert (await deliver(app)).sent == 2
        for user in (finance, everything):
            [message] = await harness.next(user)
            assert (message.text or "").startswith("📢 通知")
            assert "贷款贴息申报" in (message.text or "")
        assert rows(harness.engine, innovation.id) == []
        with Session(harness.engine) as session:
            [entry] = push.audit_entries(session, action_prefix="push.broadcast")
        assert entry.actor_id == ADMIN and entry.details["recipients"] == 2
        assert entry.details["audience"] == "category:融资服务"
        assert "贴息" not in str(entry.details)  # the text is not copied into the log


async def test_broadcast_by_role_and_refusals(harness: Bot) -> None:
    clock = Clock(at(10))
    async with harness.run(build(harness, clock, admin_ids=[ADMIN])):
        admin, citizen = await harness.user(), await harness.user()
        [welcome] = await harness.command(citizen, "start")
        await harness.press(citizen, welcome, text="市民")
        await harness.next(citizen)
        [refused] = await harness.command(citizen, "broadcast", "你好")
        assert refused.text == "/broadcast 仅限管理员使用。"
        [usage] = await harness.command(admin, "broadcast")
        assert "用法" in (usage.text or "")
        [preview] = await harness.command(admin, "broadcast", "市民朋友们好")
        forged = await harness.press(citizen, preview, data="bc:ok:1")
        assert forged.text == "该功能仅限管理员使用。"
        await harness.press(admin, preview, text="按身份")
        choices = await harness.client.wait_for_edit(admin, preview.message_id)
        assert choices.button_texts[:3] == ["企业经办人", "企业法人", "市民"]
        await harness.press(admin, choices, text="市民")
        preview = await harness.client.wait_for_edit(admin, preview.message_id, edits=2)
        assert "身份为“市民”的用户(共 1 人)" in (preview.text or "")
        await harness.press(admin, preview, text="取消")
        cancelled = await harness.client.wait_for_edit(admin, preview.message_id, edits=3)
        assert cancelled.text == "已取消广播。"
        assert rows(harness.engine) == []
