"""The in-process transport: PTB's calls reach the local Bot API's dispatcher as they
would over HTTP (form values, uploads, file downloads, errors, timeouts)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import BadRequest, InvalidToken, TimedOut

from policybot_localapi.api import Limits, LocalBotAPI
from policybot_localapi.inprocess import InProcessRequest

TOKEN = "515151:in-process"


@pytest.fixture
async def api() -> AsyncIterator[LocalBotAPI]:
    async with LocalBotAPI(limits=Limits.relaxed()) as server:
        server.register_bot(TOKEN, username="inprocess_bot")
        yield server


def bot_for(api: LocalBotAPI, token: str = TOKEN, read_timeout: float = 5.0) -> Bot:
    return Bot(
        token,
        base_url=api.bot_api_url,
        base_file_url=api.file_url,
        request=InProcessRequest(api, read_timeout=read_timeout),
        get_updates_request=InProcessRequest(api),
    )


async def test_calls_uploads_and_downloads(api: LocalBotAPI) -> None:
    client = api.client(TOKEN)
    user = await client.create_user("甲", user_id=61)
    await client.send_document(user, "说明.txt", "正文".encode())
    async with bot_for(api) as bot:
        assert (await bot.get_me()).username == "inprocess_bot"
        [update] = await bot.get_updates()
        assert update.message is not None and update.message.document is not None
        file = await update.message.document.get_file()
        assert bytes(await file.download_as_bytearray()) == "正文".encode()
        sent = await bot.send_document(user.id, b"%PDF-1.4 test", filename="报告.pdf")
        assert sent.document is not None and sent.document.file_name == "报告.pdf"
        await bot.send_message(user.id, "<b>好</b>", parse_mode="HTML")
        assert client.messages(user)[-1].text == "好"
        with pytest.raises(BadRequest):
            await bot.send_message(user.id, "<b>未闭合", parse_mode="HTML")


async def test_a_wrong_token_is_refused(api: LocalBotAPI) -> None:
    with pytest.raises(InvalidToken):
        await bot_for(api, token="515151:wrong").get_me()


async def test_a_slow_call_times_out_but_is_carried_out(api: LocalBotAPI) -> None:
    client = api.client(TOKEN)
    user = await client.create_user("乙", user_id=62)
    slow = api.faults.add("sendMessage", None, delay=0.5, count=1)
    async with bot_for(api, read_timeout=0.1) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(user.id, "迟到的消息")
        await asyncio.sleep(0.8)
    assert slow.hits == 1
    assert [m.text for m in client.messages(user)] == ["迟到的消息"]
