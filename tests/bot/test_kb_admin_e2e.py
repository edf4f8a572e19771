"""End to end: an admin uploads a policy document, sees the preview, edits metadata with
buttons and a typed reply, publishes it, and the new policy is answered. Non-admins are
refused, bad files change nothing, and the preview outlives a restart."""

from __future__ import annotations

from sqlmodel import Session, func, select

from storage.models import PolicyEntry, PolicyEvent
from storage.models_kbops import KBPublish
from tests.bot.e2e_support import Bot, make_settings
from tests.kbops.samples import DISTRICT_DOC, QUESTION, docx_bytes

ADMIN_ID = 9_100_001


async def admin_bot(harness: Bot) -> Bot:
    harness.settings = make_settings(admin_ids=[ADMIN_ID])
    return harness


def entry_count(bot: Bot) -> int:
    with Session(bot.engine) as session:
        return session.exec(select(func.count()).select_from(PolicyEntry)).one()


async def test_upload_preview_edit_publish_answer(harness: Bot) -> None:
    bot = await admin_bot(harness)
    async with bot.run():
        admin = await bot.client.create_user("管理员", user_id=ADMIN_ID)
        before = entry_count(bot)
        await bot.client.send_document(admin, "示例区措施.txt", DISTRICT_DOC.encode("gbk"))
        [preview] = await bot.next(admin)
        text = preview.text or ""
        assert "上传预览" in text and "标题:示例区促进小微企业发展若干措施" in text
        assert "发文机关:示例区人民政府" in text and "发文日期:2024-05-06" in text
        assert "层级:区级 · 地区:示例" in text
        assert "将新增 3 条" in text and "+ 贷款贴息" in text and "+ 研发奖励" in text
        assert "确认发布前,知识库不会有任何改动" in text
        assert preview.button_texts[:2] == ["✅ 确认发布", "✖️ 取消"]
        assert entry_count(bot) == before  # the preview changed nothing

        # the level: buttons
        await bot.press(admin, preview, text="🏛 层级")
        await bot.client.wait_for_edit(admin, preview.message_id)
        choices = bot.client.message(admin, preview.message_id)
        assert choices.button_texts == ["国家级", "省级", "市级", "区级", "« 返回"]
        await bot.press(admin, choices, text="市级")
        edited = await bot.client.wait_for_edit(admin, preview.message_id, edits=2)
        assert "层级:市级" in (edited.text or "")

        # the expiry date: a typed reply to the bot's prompt
        await bot.press(admin, edited, text="⏳ 失效日期")
        [prompt] = await bot.next(admin)
        assert "失效日期" in (prompt.text or "")
        assert (prompt.reply_markup or {}).get("force_reply") is True
        await bot.client.send_message(admin, "明年", reply_to=prompt)
        [refused] = await bot.next(admin)
        assert "日期格式应为 YYYY-MM-DD" in (refused.text or "")
        await bot.client.send_message(admin, "2020-12-31", reply_to=prompt)
        [expired] = await bot.next(admin)  # the admin is told it will not be pushed as news
        assert "失效日期:2020-12-31" in (expired.text or "")
        assert "⚠️ 该文件已过失效日期" in (expired.text or "") and "不会作为新政策推送" in (
            expired.text or ""
        )
        await bot.press(admin, expired, text="⏳ 失效日期")
        [prompt] = await bot.next(admin)
        await bot.client.send_message(admin, "2099-12-31", reply_to=prompt)
        [again] = await bot.next(admin)
        assert "失效日期:2099-12-31" in (again.text or "") and "层级:市级" in (again.text or "")
        assert "已过失效日期" not in (again.text or "")

        answer = await bot.press(admin, again, text="✅ 确认发布")
        assert answer.text == "已发布"
        done = await bot.client.wait_for_edit(admin, again.message_id)
        assert "✅ 已发布" in (done.text or "") and "新增 3 条" in (done.text or "")
        assert done.buttons == []
        assert entry_count(bot) == before + 3
        with Session(bot.engine) as session:
            log = session.exec(select(KBPublish)).one()
            events = session.exec(
                select(PolicyEvent).where(PolicyEvent.import_id == log.import_id)
            ).all()
        assert log.user_id == ADMIN_ID and log.file_name == "示例区措施.txt"
        assert len(events) == 3  # what the push feature turns into notices
        stale = await bot.press(admin, preview, text="✅ 确认发布")  # the first preview
        assert stale.text == "该上传已发布、已取消或已过期,请重新上传文件。"
        await bot.client.expect_no_messages(admin, within=0.3)

        user = await bot.user()
        [card] = await bot.say(user, QUESTION)
        assert "📄 贷款贴息" in (card.text or "")
        assert "适用:示例 · 市级" in (card.text or "")


async def test_docx_upload_and_cancel(harness: Bot) -> None:
    bot = await admin_bot(harness)
    async with bot.run():
        admin = await bot.client.create_user("管理员", user_id=ADMIN_ID)
        await bot.client.send_document(admin, "措施.docx", docx_bytes())
        [preview] = await bot.next(admin)
        assert "将新增 3 条" in (preview.text or "")
        publish = preview.buttons[0]["callback_data"]
        # a plain message (not a reply) right after the prompt is the answer too
        await bot.press(admin, preview, text="📍 地区")
        await bot.next(admin)  # the prompt
        [edited] = await bot.say(admin, "洪山")
        assert "地区:洪山" in (edited.text or "")
        await bot.press(admin, edited, text="🏷 分类")
        await bot.next(admin)
        [gave_up] = await bot.say(admin, "取消")
        assert gave_up.text == "已取消输入,上传预览中的按钮仍然可用。"
        [card] = await bot.say(admin, "个体户转成公司有奖励吗")  # questions work again
        assert "加快推进“个转企”" in (card.text or "")
        await bot.press(admin, preview, text="✖️ 取消")
        cancelled = await bot.client.wait_for_edit(admin, preview.message_id)
        assert "已取消上传" in (cancelled.text or "")
        answer = await bot.press(admin, preview, data=publish)
        assert answer.text == "该上传已发布、已取消或已过期,请重新上传文件。"


async def test_non_admins_and_bad_files_are_refused(harness: Bot) -> None:
    bot = await admin_bot(harness)
    async with bot.run():
        before = entry_count(bot)
        user = await bot.user()
        await bot.client.send_document(user, "措施.txt", DISTRICT_DOC.encode())
        [refused] = await bot.next(user)
        assert "仅限管理员" in (refused.text or "")
        [denied] = await bot.command(user, "stats")
        assert denied.text == "/stats 仅限管理员使用。"
        answer = await bot.press(user, refused, data="kbu:pub:1")
        assert answer.text == "该功能仅限管理员使用。"

        admin = await bot.client.create_user("管理员", user_id=ADMIN_ID)
        for name, data, expected in (
            ("a.txt", b"\x00\x01binary\x00", "二进制"),
            ("b.md", b"", "空"),
            ("c.txt", "没有编号的一段话。".encode(), "编号结构"),
            ("d.docx", b"\xd0\xcf\x11\xe0old", "旧版 Word"),
        ):
            await bot.client.send_document(admin, name, data)
            [reply] = await bot.next(admin)
            assert "❌ 无法导入" in (reply.text or "") and expected in (reply.text or ""), name
            assert "知识库未做任何改动" in (reply.text or "")
        assert entry_count(bot) == before


async def test_preview_buttons_work_after_a_restart(harness: Bot) -> None:
    bot = await admin_bot(harness)
    async with bot.run():
        admin = await bot.client.create_user("管理员", user_id=ADMIN_ID)
        await bot.client.send_document(admin, "措施.md", DISTRICT_DOC.encode())
        [preview] = await bot.next(admin)
    async with bot.run():  # a new Application: nothing of the upload is in memory
        await bot.press(admin, preview, text="✅ 确认发布")
        done = await bot.client.wait_for_edit(admin, preview.message_id)
        assert "✅ 已发布" in (done.text or "")
