"""End to end through the local Bot API: an admin uploads the PDF, web-page and legacy
Word versions of the format fixtures (test documents written by the team), publishes them
and the new measures are answered; damaged, scanned and unsupported files get the
importer's message and change nothing, also for files that are not policy formats."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from bot.render.clarify import QUESTION
from storage.models import PolicyEntry
from tests.bot.e2e_support import Bot, make_settings
from tests.fixtures.formats.documents import JIUYE, KEJI, ZHUANJING, Document

ADMIN_ID = 9_100_014
FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "formats"


def entry_count(bot: Bot) -> int:
    with Session(bot.engine) as session:
        return session.exec(select(func.count()).select_from(PolicyEntry)).one()


@pytest.mark.parametrize(
    ("file_name", "source", "doc", "question", "title"),
    [
        ("科技措施.pdf", "yangli-keji.pdf", KEJI, "软著补贴每件多少钱", "软件著作权补贴"),
        ("就业政策.html", "yangli-jiuye.html", JIUYE, "以工代训每月补多少钱", "以工代训补贴"),
        ("专精.doc", "yangli-zhuanjing.doc", ZHUANJING, "上云费用有补助吗", "工业互联网平台应用"),
        ("网页另存.txt", "yangli-jiuye.html", JIUYE, "以工代训每月补多少钱", "以工代训补贴"),
    ],
)  # fmt: skip
async def test_each_format_is_uploaded_published_and_answered(
    harness: Bot, file_name: str, source: str, doc: Document, question: str, title: str
) -> None:
    if source.endswith(".doc") and shutil.which("catdoc") is None:
        pytest.skip("catdoc missing (apt-get install catdoc)")
    harness.settings = make_settings(admin_ids=[ADMIN_ID])
    bot = harness
    count = doc.entry_count()
    async with bot.run():
        admin = await bot.client.create_user("管理员", user_id=ADMIN_ID)
        before = entry_count(bot)
        await bot.client.send_document(admin, file_name, (FOLDER / source).read_bytes())
        [preview] = await bot.next(admin)
        text = preview.text or ""
        assert "上传预览" in text and f"将新增 {count} 条" in text, text
        assert f"+ {title}" in text
        assert entry_count(bot) == before  # the preview changed nothing
        await bot.press(admin, preview, text="✅ 确认发布")
        done = await bot.client.wait_for_edit(admin, preview.message_id)
        assert "✅ 已发布" in (done.text or "")
        assert entry_count(bot) == before + count
        user = await bot.user()
        [reply] = await bot.say(user, question)
        if QUESTION in (reply.text or ""):  # asked back: the measure is the first choice
            assert title in reply.button_texts[0], reply.button_texts
        else:
            assert f"📄 {title}" in (reply.text or ""), reply.text


async def test_bad_and_unsupported_files_get_the_importers_message(harness: Bot) -> None:
    harness.settings = make_settings(admin_ids=[ADMIN_ID])
    bot = harness
    async with bot.run():
        before = entry_count(bot)
        admin = await bot.client.create_user("管理员", user_id=ADMIN_ID)
        cases = [
            ("通知.pdf", (FOLDER / "damaged.pdf").read_bytes(), "无法读取这个 PDF"),
            ("扫描件.pdf", (FOLDER / "scanned.pdf").read_bytes(), "扫描件"),
            ("网页.html", (FOLDER / "damaged.html").read_bytes(), "网页文件不完整"),
            ("表格.xlsx", b"PK\x03\x04xl/workbook.xml", "不支持的文件类型 .xlsx"),
            ("照片.jpg", b"\xff\xd8\xff\xe0JFIF", "另存为 .docx"),
        ]
        if shutil.which("catdoc"):
            cases.append(("旧文件.doc", (FOLDER / "damaged.doc").read_bytes(), "旧版 Word"))
        for name, data, expected in cases:
            await bot.client.send_document(admin, name, data)
            [reply] = await bot.next(admin)
            text = reply.text or ""
            assert "❌ 无法导入" in text and expected in text, (name, text)
            assert "知识库未做任何改动" in text and "我暂时无法阅读文件" not in text
        assert entry_count(bot) == before

        user = await bot.user()
        await bot.client.send_document(user, "通知.pdf", (FOLDER / "yangli-keji.pdf").read_bytes())
        [refused] = await bot.next(user)
        assert "仅限管理员" in (refused.text or "")
        await bot.client.send_document(user, "照片.jpg", b"\xff\xd8\xff\xe0JFIF")
        [general] = await bot.next(user)
        assert (general.text or "").startswith("我暂时无法阅读文件。")
        assert entry_count(bot) == before
