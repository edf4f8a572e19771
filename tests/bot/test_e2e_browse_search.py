"""/browse (category → level → pages → card, back buttons), /search and inline mode."""

from __future__ import annotations

from pathlib import Path

from tests.bot.e2e_support import USERNAME, Bot, import_district_document


async def test_browse_levels_pages_back_and_card(bot: Bot, tmp_path: Path) -> None:
    import_district_document(bot.knowledge, tmp_path, count=10)
    user = await bot.user()
    [menu] = await bot.command(user, "browse")
    assert "请选择政策分类" in (menu.text or "")
    assert menu.button_texts[:2] == ["发展目标", "企业培育"]

    edits = 0

    async def press(text: str) -> str:
        nonlocal edits
        edits += 1
        await bot.press(user, menu, text=text)
        record = await bot.client.wait_for_edit(user, menu.message_id, edits=edits)
        return record.text or ""

    assert "请选择政策层级" in await press("融资服务")
    current = bot.client.message(user, menu.message_id)
    assert current.button_texts == ["市级", "区级", "« 返回分类"]
    page = await press("区级")
    assert "融资服务 · 区 共 10 条,第 1/2 页" in page
    assert "1. <b>贴息</b> & 补助" in page  # escaped on the way, shown literally
    current = bot.client.message(user, menu.message_id)
    assert current.button_texts[-2:] == ["下一页 ›", "« 返回层级"]
    assert len(current.buttons) == 8 + 2
    page2 = await press("下一页 ›")
    assert "第 2/2 页" in page2 and "9. " in page2
    assert bot.client.message(user, menu.message_id).button_texts[-2:] == ["‹ 上一页", "« 返回层级"]
    assert "第 1/2 页" in await press("‹ 上一页")
    assert "请选择政策层级" in await press("« 返回层级")
    assert "请选择政策分类" in await press("« 返回分类")

    await press("企业培育")
    await press("市级")
    listed = bot.client.message(user, menu.message_id)
    await bot.press(user, listed, text=listed.button_texts[0])
    [card] = await bot.next(user)
    assert listed.button_texts[0].split(". ", 1)[1] in (card.text or "")
    assert "📜 原文" in card.button_texts


async def test_stale_browse_buttons(bot: Bot) -> None:
    user = await bot.user()
    [menu] = await bot.command(user, "browse")
    for data in ("brw:cat:99", "brw:lvl:1:国家", "brw:page:1:市:7", "brw:lvl:1:<b>", "brw:x"):
        answer = await bot.press(user, menu, data=data)
        assert answer.text == "按钮已过期,请重新提问或使用 /browse"


async def test_search(bot: Bot) -> None:
    user = await bot.user()
    [usage] = await bot.command(user, "search")
    assert "用法" in (usage.text or "") and "/search 贷款" in (usage.text or "")
    [found] = await bot.command(user, "search", "贷款")
    assert "搜索「贷款」" in (found.text or "")
    assert "扩大小微企业贷款规模" in (found.text or "")
    assert all(b["callback_data"].startswith("card:show:") for b in found.buttons)
    [none] = await bot.command(user, "search", "<火锅>")
    assert "没有找到包含「<火锅>」的政策" in (none.text or "")
    # no document speaks of 信用卡: no list of what scores highest (a finance measure)
    [none] = await bot.command(user, "search", "怎么申请信用卡")
    assert "没有找到包含「怎么申请信用卡」的政策" in (none.text or "")


async def test_search_pages(bot: Bot) -> None:
    user = await bot.user()
    [found] = await bot.command(user, "search", "企业")
    assert "第 1/" in (found.text or "")
    assert found.button_texts[-1] == "下一页 ›"
    await bot.press(user, found, text="下一页 ›")
    page2 = await bot.client.wait_for_edit(user, found.message_id)
    assert "第 2/" in (page2.text or "") and "9. " in (page2.text or "")
    answer = await bot.press(user, found, data="srch:page:999:0")
    assert answer.text == "按钮已过期,请重新提问或使用 /browse"


async def test_inline_query(bot: Bot) -> None:
    user = await bot.user()
    injected = await bot.client.inline_query(user, "贷款")
    answer = await bot.client.wait_for_inline_answer(injected)
    titles = [r["title"] for r in answer.results]
    assert "扩大小微企业贷款规模" in titles
    assert answer.cache_time is not None and answer.cache_time <= 30
    first = answer.results[0]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML" and "<b>📄 " in content["message_text"]
    assert first["description"]
    [[button]] = first["reply_markup"]["inline_keyboard"]
    assert button["url"].startswith(f"https://t.me/{USERNAME}?start=e_")

    # the deep link opens the card in the bot
    payload = button["url"].split("start=", 1)[1]
    [card] = await bot.command(user, "start", payload)
    assert first["title"] in (card.text or "")

    empty = await bot.client.wait_for_inline_answer(await bot.client.inline_query(user, ""))
    assert 1 <= len(empty.results) <= 10
    nothing = await bot.client.wait_for_inline_answer(
        await bot.client.inline_query(user, "qwertyuiop")
    )
    assert nothing.results == [] and nothing.button is not None
