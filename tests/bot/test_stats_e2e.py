"""End to end: /stats sends the summary and the chart (a photo); /ebook sends the policy
e-book as a document (HTML by default, EPUB and Markdown on request)."""

from __future__ import annotations

import sys

import pytest

from tests.bot.e2e_support import QUESTION, Bot, make_settings

ADMIN_ID = 9_100_004


async def test_stats_and_ebook(harness: Bot) -> None:
    harness.settings = make_settings(admin_ids=[ADMIN_ID])
    async with harness.run():
        bot = harness
        user = await bot.user()
        [card] = await bot.say(user, QUESTION)
        await bot.press(user, card, text="👍 有帮助")
        await bot.say(user, "附近哪家火锅好吃")
        await bot.say(user, "发票怎么开")  # declined: no document speaks of 发票

        admin = await bot.client.create_user("管理员", user_id=ADMIN_ID)
        summary, chart = await bot.command(admin, "stats", count=2)
        text = summary.text or ""
        assert "使用统计" in text and "提问 3 个,已回答 1 个(回答率 33%)" in text
        assert "有帮助 1 · 没帮助 0" in text and "附近哪家火锅好吃" in text
        assert "热门主题" in text and "企业培育 1" in text
        assert "未收录的主题" in text and "报税和发票 1" in text
        assert chart.kind == "photo" and "每日提问量" in (chart.caption or "")

        [book] = await bot.command(admin, "ebook")
        assert book.kind == "document" and book.document is not None
        assert book.document["file_name"].startswith("policybook-")
        assert book.document["file_name"].endswith(".html")
        html = bot.client.file_bytes(book.document["file_id"]).decode("utf-8")
        assert "惠企政策汇编" in html and "加快推进“个转企”" in html
        assert "共 32 条现行政策" in (book.caption or "")
        [epub] = await bot.command(admin, "ebook", "epub")
        assert epub.document is not None and epub.document["file_name"].endswith(".epub")
        assert bot.client.file_bytes(epub.document["file_id"]).startswith(b"PK")
        [usage] = await bot.command(admin, "ebook", "pdf")
        assert "用法" in (usage.text or "")
        [menu] = await bot.command(admin, "kbadmin")
        assert "/unanswered" in (menu.text or "") and "kb rollback" in (menu.text or "")


async def test_without_the_chart_and_ebook_extras(
    harness: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server installed without ``policybot[chart]`` / ``policybot[ebook]``: the admin
    gets the figures and a reply naming the install command, never an error."""
    for module in ("matplotlib", "ebooklib"):
        monkeypatch.setitem(sys.modules, module, None)  # what `import` of a missing one sees
    harness.settings = make_settings(admin_ids=[ADMIN_ID])
    async with harness.run():
        admin = await harness.client.create_user("管理员", user_id=ADMIN_ID)
        summary, note = await harness.command(admin, "stats", count=2)
        assert "使用统计" in (summary.text or "")
        assert "pip install 'policybot[chart]'" in (note.text or "") and note.kind == "text"
        [reply] = await harness.command(admin, "ebook", "epub")
        assert "pip install 'policybot[ebook]'" in (reply.text or "")
        assert "/ebook html" in (reply.text or "")
        [book] = await harness.command(admin, "ebook", "md")  # needs nothing more
        assert book.document is not None and book.document["file_name"].endswith(".md")
