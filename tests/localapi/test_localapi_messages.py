"""A real PTB ``telegram.Bot`` against the local server: messages, limits, errors."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from policybot_localapi.api import BotClient, Limits, LocalBotAPI
from policybot_localapi.testing import ptb_bot

TOKEN = "123456:TEST-token"


@pytest.fixture
async def api() -> AsyncIterator[LocalBotAPI]:
    async with LocalBotAPI(limits=Limits.relaxed()) as server:
        server.register_bot(TOKEN, username="policybot_bot", first_name="政策助手")
        yield server


@pytest.fixture
async def bot(api: LocalBotAPI) -> AsyncIterator[Bot]:
    async with ptb_bot(api, TOKEN) as ptb:
        yield ptb


@pytest.fixture
def client(api: LocalBotAPI) -> BotClient:
    return api.client(TOKEN)


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


async def raw_post(
    api: LocalBotAPI, method: str, **kwargs: object
) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.bot_api_url}{TOKEN}/{method}", **kwargs) as response,  # type: ignore[arg-type]
    ):
        return response.status, await response.json()


async def test_get_me_unknown_token_and_unknown_method(api: LocalBotAPI, bot: Bot) -> None:
    assert bot.username == "policybot_bot"
    assert bot.bot.first_name == "政策助手"
    with pytest.raises(InvalidToken):
        async with ptb_bot(api, "999:nope"):
            pass
    status, body = await raw_post(api, "noSuchMethod")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{api.bot_api_url}999:nope/getMe") as response,
    ):
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }


async def test_long_poll_waits_for_the_update_and_offset_confirms(
    bot: Bot, client: BotClient
) -> None:
    user = await client.create_user("张三", username="zhangsan")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    sent = await client.send_message(user, "/start@policybot_bot 你好")
    (update,) = await poll
    assert time.monotonic() - started < 2
    assert update.update_id == sent.update_id
    assert update.message is not None
    assert update.message.text == "/start@policybot_bot 你好"
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "zh-hans"
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/start@policybot_bot")

    await client.send_message(user, "second")
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [sent.update_id, sent.update_id + 1]
    confirmed = await bot.get_updates(offset=sent.update_id + 1, timeout=0)
    assert [u.update_id for u in confirmed] == [sent.update_id + 1]
    assert await bot.get_updates(offset=sent.update_id + 2, timeout=0) == ()
    assert client.pending_updates() == []


async def test_text_limits_count_visible_text(
    api: LocalBotAPI, bot: Bot, client: BotClient
) -> None:
    user = await client.create_user()
    await bot.send_message(user.id, "a" * 4096)
    await bot.send_message(user.id, "<b>" + "长" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user.id, "a" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(user.id, " \n ")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(user.id, "<b></b>", parse_mode="HTML")
    status, body = await raw_post(api, "sendMessage", data={"chat_id": user.id, "text": "x" * 5000})
    assert (status, body) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
    )
    messages = client.messages(user)
    assert len(messages) == 2
    assert messages[1].text == "长" * 4096
    assert messages[1].raw_text == "<b>" + "长" * 4096 + "</b>"
    assert messages[1].parse_mode == "HTML"


async def test_html_parse_errors_are_telegram_400s(
    api: LocalBotAPI, bot: Bot, client: BotClient
) -> None:
    user = await client.create_user()
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(user.id, "<p>段落</p>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(user.id, "补贴 < 10万", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(user.id, "<b>未闭合", parse_mode="HTML")
    status, body = await raw_post(
        api, "sendMessage", json={"chat_id": user.id, "text": "<br>", "parse_mode": "HTML"}
    )
    assert status == 400
    assert body["description"] == (
        'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 0'
    )
    message = await bot.send_message(
        user.id,
        '<b>申报</b> <a href="https://www.wuhan.gov.cn/">政策</a> '
        "&lt;链接&gt; <code>x&amp;y</code>",
        parse_mode="HTML",
    )
    assert message.text == "申报 政策 <链接> x&y"
    assert [e.type for e in message.entities] == ["bold", "text_link", "code"]
    assert message.entities[1].url == "https://www.wuhan.gov.cn/"
    with pytest.raises(BadRequest, match="Unsupported parse_mode"):
        await bot.send_message(user.id, "x", parse_mode="BBCode")


async def test_edit_message_text_not_modified_history_and_errors(
    bot: Bot, client: BotClient
) -> None:
    user = await client.create_user()
    markup = keyboard(("是", "yes"), ("否", "no"))
    sent = await bot.send_message(user.id, "<b>确认?</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>确认?</b>", user.id, sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    edited = await bot.edit_message_text(
        "已确认", user.id, sent.message_id, reply_markup=keyboard(("撤销", "undo"))
    )
    assert isinstance(edited, type(sent)) and edited.edit_date is not None
    await bot.edit_message_text("已确认 ✓", user.id, sent.message_id)  # drops the keyboard
    record = client.message(user, sent.message_id)
    assert record.text == "已确认 ✓"
    assert record.edits == ["确认?", "已确认"]
    assert record.reply_markup is None and record.buttons == []
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", user.id, 999)
    incoming = await client.send_message(user, "hi")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", user.id, incoming.message_id)

    await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=markup)
    assert client.message(user, sent.message_id).button_texts == ["是", "否"]
    assert await bot.delete_message(user.id, sent.message_id)
    assert client.message(user, sent.message_id).deleted
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", user.id, sent.message_id)


async def test_reply_markup_validation(api: LocalBotAPI, bot: Bot, client: BotClient) -> None:
    user = await client.create_user()
    await bot.send_message(user.id, "ok", reply_markup=keyboard(("a", "x" * 64)))
    await bot.send_message(user.id, "ok", reply_markup=keyboard(("中", "政" * 21)))  # 63 bytes
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(user.id, "x", reply_markup=keyboard(("a", "x" * 65)))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(user.id, "x", reply_markup=keyboard(("a", "政" * 22)))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(user.id, "x", reply_markup=keyboard(("a", "")))
    no_action = json.dumps({"inline_keyboard": [[{"text": "a"}]]})
    status, body = await raw_post(
        api, "sendMessage", data={"chat_id": user.id, "text": "x", "reply_markup": no_action}
    )
    assert status == 400 and "Text buttons are unallowed" in str(body["description"])
    no_text = json.dumps({"inline_keyboard": [[{"callback_data": "a"}]]})
    status, body = await raw_post(
        api, "sendMessage", data={"chat_id": user.id, "text": "x", "reply_markup": no_text}
    )
    assert status == 400 and 'Can\'t find field "text"' in str(body["description"])
    reply_kb = ReplyKeyboardMarkup([["查询政策", "联系我们"]], resize_keyboard=True)
    await bot.send_message(user.id, "菜单", reply_markup=reply_kb)
    assert client.last_message(user) is not None
    assert client.messages(user)[-1].keyboard_texts == ["查询政策", "联系我们"]
    await bot.send_message(user.id, "收起", reply_markup=ReplyKeyboardRemove())
    assert client.messages(user)[-1].reply_markup == {"remove_keyboard": True}


async def test_replies(bot: Bot, client: BotClient) -> None:
    user = await client.create_user()
    question = await client.send_message(user, "申报条件?")
    answer = await bot.send_message(
        user.id, "见下文", reply_parameters=ReplyParameters(question.message_id)
    )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "申报条件?"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(user.id, "x", reply_to_message_id=999)
    lenient = await bot.send_message(
        user.id, "x", reply_parameters=ReplyParameters(999, allow_sending_without_reply=True)
    )
    assert lenient.reply_to_message is None


async def test_private_burst_gets_429_and_ptb_raises_retry_after(
    api: LocalBotAPI, bot: Bot, client: BotClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns on int retry_after otherwise
    api.limits = Limits.strict()
    user = await client.create_user()
    for n in range(3):
        await bot.send_message(user.id, f"burst {n}")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(user.id, "too fast")
    assert info.value.retry_after == dtm.timedelta(seconds=1)
    status, body = await raw_post(api, "sendMessage", data={"chat_id": user.id, "text": "x"})
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    other = await client.create_user()
    await bot.send_message(other.id, "other chats are not affected")
    await asyncio.sleep(1.05)
    await bot.send_message(user.id, "after waiting")
    assert len(client.messages(user)) == 4


async def test_group_limit_twenty_per_minute(
    api: LocalBotAPI, bot: Bot, client: BotClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.limits = Limits.strict()
    group = await client.create_chat("supergroup", title="政策交流群")
    for n in range(20):
        await bot.send_message(group.id, f"群消息 {n}")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(group.id, "21st")
    retry_after = info.value.retry_after
    assert isinstance(retry_after, dtm.timedelta)
    assert dtm.timedelta(seconds=55) <= retry_after <= dtm.timedelta(seconds=60)
    api.limits = Limits(group_per_minute=2)  # tighten further: limits are live
    channel = await client.create_chat("channel", title="政策频道")
    await bot.send_message(channel.id, "1")
    await bot.send_message(channel.id, "2")
    with pytest.raises(RetryAfter):
        await bot.send_message(channel.id, "3")


async def test_forbidden_cases(bot: Bot, client: BotClient) -> None:
    blocker = await client.create_user("拉黑")
    await client.block_bot(blocker)
    with pytest.raises(Forbidden, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(blocker.id, "hello?")
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_chat_action(blocker.id, "typing")
    await client.send_message(blocker, "/start")  # writing to the bot unblocks it
    await bot.send_message(blocker.id, "welcome back")

    gone = await client.create_user("注销")
    await client.deactivate_user(gone)
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(gone.id, "hello?")
    stranger = await client.create_user("陌生人", started=False)
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(stranger.id, "spam")
    group = await client.create_chat("group", bot_member=False)
    with pytest.raises(Forbidden, match="not a member of the group chat"):
        await bot.send_message(group.id, "x")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "x")


async def test_fault_injection(api: LocalBotAPI, bot: Bot, client: BotClient) -> None:
    user = await client.create_user()
    api.faults.add("sendMessage", 500, count=1)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(user.id, "x")
    await bot.send_message(user.id, "recovered")
    api.faults.add("sendMessage", 502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(user.id, "x")
    api.faults.add("sendMessage", 403, chat_id=user.id, count=None)
    other = await client.create_user()
    await bot.send_message(other.id, "other chat is fine")
    for _ in range(2):
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(user.id, "x")
    api.faults.clear()
    slow = api.faults.slow("getChat", delay=0.3, count=1)
    started = time.monotonic()
    await bot.get_chat(user.id)
    assert time.monotonic() - started >= 0.3
    assert slow.hits == 1
    api.faults.add("sendMessage", 400, description="Bad Request: custom failure")
    with pytest.raises(BadRequest, match="Custom failure"):
        await bot.send_message(user.id, "x")
    assert [m.text for m in client.messages(user)] == ["recovered"]


async def test_parameter_encodings(api: LocalBotAPI, client: BotClient) -> None:
    user = await client.create_user()
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    status, body = await raw_post(
        api, "sendMessage", json={"chat_id": user.id, "text": "json", "reply_markup": markup}
    )
    assert status == 200 and body["ok"] is True
    status, body = await raw_post(
        api,
        "sendMessage",
        data={"chat_id": str(user.id), "text": "form", "reply_markup": json.dumps(markup)},
    )
    assert status == 200
    form = aiohttp.FormData()
    form.add_field("chat_id", str(user.id))
    form.add_field("caption", "多部分")
    form.add_field("document", b"%PDF-1.4", filename="policy.pdf", content_type="application/pdf")
    status, body = await raw_post(api, "sendDocument", data=form)
    assert status == 200
    async with aiohttp.ClientSession() as session:
        url = f"{api.bot_api_url}{TOKEN}/sendMessage?chat_id={user.id}&text=get"
        async with session.get(url) as response:
            assert response.status == 200
    assert [m.text for m in client.messages(user)] == ["json", "form", "多部分", "get"]
    assert client.messages(user)[0].button_texts == ["a"]
    document = client.documents(user)[0].document
    assert document is not None
    assert document["file_name"] == "policy.pdf" and document["file_size"] == 8
