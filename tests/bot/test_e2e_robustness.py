"""Media, empty texts, stale and forged buttons, flood control, restarts, errors."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import text
from sqlmodel import Session

from storage import users
from tests.bot.e2e_support import CARD_TITLE, QUESTION, TOKEN, Bot, make_settings

STALE = "按钮已过期,请重新提问或使用 /browse"
SORRY = "抱歉,处理出错了,请稍后再试"
FLOOD = "您发送消息过于频繁,请稍后再试。"


async def test_non_text_messages_get_helpful_replies(bot: Bot) -> None:
    user = await bot.user()
    client = bot.client
    for send, expected in (
        (client.send_sticker(user), "表情"),
        (client.send_photo(user, caption="这是营业执照"), "图片"),
        (client.send_voice(user), "语音"),
        (client.send_document(user, "申请表.pdf", b"%PDF-1.4"), "文件"),
        (client.send_location(user, 30.59, 114.30), "文字问题"),
        (client.send_message(user, ""), "暂未理解"),
        (client.send_message(user, "   \n  "), "暂未理解"),
    ):
        await send
        [reply] = await bot.next(user)
        assert expected in (reply.text or "")
        assert "文字" in (reply.text or "")
    [unknown] = await bot.command(user, "nosuchcommand")
    assert "/help" in (unknown.text or "")


async def test_stale_and_forged_buttons(bot: Bot) -> None:
    user = await bot.user()
    [card] = await bot.say(user, QUESTION)
    for data in (
        "card:full:no-such:1",
        "card:show:~abcdefabcdef",
        "card:sub:no-such:1",  # an entry that does not exist
        "card:human:no-such:1",  # 人工咨询 for an entry that does not exist
        "card:check:wh-sme-2023:2.4.19",  # no eligibility rule links this entry
        "fb:up:1:no-such:1",
        "fb:sideways:1:x",
        "srch:page:1:0",
        "something-else",
        "<script>",
    ):
        answer = await bot.press(user, card, data=data)
        assert answer.text == STALE, data
    await bot.client.expect_no_messages(user, within=0.2)


async def test_flood_control(harness: Bot) -> None:
    harness.settings = make_settings(flood_rate=0.5, flood_burst=3, flood_window=60.0)
    async with harness.run():
        user, other = await harness.user(), await harness.user()
        for _ in range(5):
            await harness.client.send_message(user, QUESTION)
        replies = await harness.next(user, 4)  # updates run concurrently: any order
        cards = [r for r in replies if CARD_TITLE in (r.text or "")]
        assert len(cards) == 3
        assert [r.text for r in replies if r not in cards] == [FLOOD]
        await harness.client.wait_for_delivery()
        await harness.client.expect_no_messages(user, within=0.3)  # one notice per window
        answer = await harness.press(user, cards[0], text="📜 原文")
        assert answer.text == FLOOD  # taps over the limit are always answered
        [card] = await harness.say(other, QUESTION)  # others are not affected
        assert CARD_TITLE in (card.text or "")
        await asyncio.sleep(2.1)  # a person reads the notice: the next question passes
        [card] = await harness.say(user, QUESTION)
        assert CARD_TITLE in (card.text or "")


async def test_restart_keeps_old_buttons_working(harness: Bot) -> None:
    async with harness.run():
        user = await harness.user()
        [card] = await harness.say(user, QUESTION)
        [listing] = await harness.command(user, "search", "企业")
        assert listing.button_texts[-1] == "下一页 ›"
    # a new process: new Application, same database
    async with harness.run():
        await harness.press(user, card, text="📜 原文")
        [full] = await harness.next(user)
        assert "原文 · " + CARD_TITLE in (full.text or "")
        await harness.press(user, listing, text="下一页 ›")  # its query is in chat_data
        page2 = await harness.client.wait_for_edit(user, listing.message_id)
        assert "第 2/" in (page2.text or "")
        await harness.press(user, card, text="👍 有帮助")
        answer = await harness.press(user, card, data="card:rel:removed-doc:9")
        assert answer.text == STALE
    with Session(harness.engine) as session:
        assert len(users.feedback_of_user(session, user_id=user.id)) == 1


async def test_errors_are_logged_and_answered_politely(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    user = await bot.user()
    [card] = await bot.say(user, QUESTION)
    with bot.engine.begin() as connection:  # the database loses its tables: handlers fail
        connection.execute(text("DROP TABLE feedback"))
        connection.execute(text("DROP TABLE question_log"))
    with caplog.at_level(logging.ERROR, logger="bot.handlers.errors"):
        answer = await bot.press(user, card, text="👍 有帮助")
        assert answer.text == SORRY
        [reply] = await bot.say(user, QUESTION + "(第二次)")
        assert reply.text == SORRY
    assert "Traceback" not in (reply.text or "")
    errors = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert len(errors) == 2
    assert all("error while handling update" in r.getMessage() for r in errors)
    logged = caplog.text
    assert TOKEN not in logged
    assert "第二次" not in logged  # SQL parameters (user text) are not logged
