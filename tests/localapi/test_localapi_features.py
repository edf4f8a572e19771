"""A real PTB ``telegram.Bot``: callbacks, inline mode, commands, webhooks, files."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.error import BadRequest, Conflict

from policybot_localapi.api import BotClient, Limits, LocalBotAPI
from policybot_localapi.testing import ptb_bot
from policybot_localapi.types import TINY_PNG

TOKEN = "654321:FEATURES-token"


@pytest.fixture
async def api() -> AsyncIterator[LocalBotAPI]:
    async with LocalBotAPI(limits=Limits.relaxed()) as server:
        server.register_bot(TOKEN, username="policybot_bot")
        yield server


@pytest.fixture
async def bot(api: LocalBotAPI) -> AsyncIterator[Bot]:
    async with ptb_bot(api, TOKEN) as ptb:
        yield ptb


@pytest.fixture
def client(api: LocalBotAPI) -> BotClient:
    return api.client(TOKEN)


def article(result_id: str, text: str = "内容") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(result_id, f"标题 {result_id}", InputTextMessageContent(text))


async def test_callback_query_is_answered_once(bot: Bot, client: BotClient) -> None:
    user = await client.create_user()
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("下一页", callback_data="page:2")],
            [InlineKeyboardButton("官网", url="https://www.wuhan.gov.cn")],
        ]
    )
    sent = await bot.send_message(user.id, "第一页", reply_markup=markup)
    record = client.messages(user)[0]
    press = await client.press_button(user, record, text="下一页")
    (update,) = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query is not None and query.data == "page:2"
    assert query.message is not None and query.message.message_id == sent.message_id
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_callback_query(query.id, text="长" * 201)
    assert await bot.answer_callback_query(query.id, text="已翻页", show_alert=True)
    answer = await client.wait_for_callback_answer(press)
    assert (answer.text, answer.show_alert) == ("已翻页", True)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(ValueError, match="not a callback button"):
        await client.press_button(user, record, text="官网")
    with pytest.raises(LookupError, match="no button"):
        await client.press_button(user, record, callback_data="missing")
    forged = await client.press_raw(user, sent.message_id, "admin:delete_all")
    updates = await bot.get_updates(offset=update.update_id + 1, timeout=1)
    assert updates[0].callback_query is not None
    assert updates[0].callback_query.data == "admin:delete_all"
    assert forged.query_id == updates[0].callback_query.id


async def test_callback_query_expires(api: LocalBotAPI, bot: Bot, client: BotClient) -> None:
    api.limits = Limits(rate_limits=False, callback_query_ttl=0.05)
    user = await client.create_user()
    await bot.send_message(
        user.id,
        "x",
        reply_markup=InlineKeyboardMarkup.from_button(
            InlineKeyboardButton("go", callback_data="go")
        ),
    )
    press = await client.press_button(user, client.messages(user)[0], callback_data="go")
    await asyncio.sleep(0.1)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(press.query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("no-such-query")


async def test_inline_query_answers_are_validated(bot: Bot, client: BotClient) -> None:
    user = await client.create_user()
    query = await client.inline_query(user, "创业补贴")
    (update,) = await bot.get_updates(timeout=1)
    assert update.inline_query is not None and update.inline_query.query == "创业补贴"
    with pytest.raises(BadRequest, match="Result_id_duplicate"):
        await bot.answer_inline_query(query.query_id, [article("1"), article("1")])
    with pytest.raises(BadRequest, match="Results_too_much"):
        await bot.answer_inline_query(query.query_id, [article(str(n)) for n in range(51)])
    with pytest.raises(BadRequest, match="Result_id_invalid"):
        await bot.answer_inline_query(query.query_id, [article("x" * 65)])
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.answer_inline_query(query.query_id, [article("1", text=" ")])
    results = [article(str(n)) for n in range(50)]
    assert await bot.answer_inline_query(query.query_id, results, cache_time=5, next_offset="50")
    answer = await client.wait_for_inline_answer(query)
    assert len(answer.results) == 50
    assert answer.results[0]["title"] == "标题 0"
    assert (answer.cache_time, answer.next_offset) == (5, "50")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_inline_query(query.query_id, results)
    chosen = await client.choose_inline_result(user, "3", "创业补贴")
    updates = await bot.get_updates(offset=update.update_id + 1, timeout=1)
    assert updates[0].chosen_inline_result is not None
    assert updates[0].chosen_inline_result.result_id == "3"
    assert chosen.kind == "chosen_inline_result"


async def test_set_my_commands_validation_and_scopes(bot: Bot, client: BotClient) -> None:
    commands = [BotCommand("start", "开始"), BotCommand("policy_search", "查询政策")]
    assert await bot.set_my_commands(commands)
    assert await bot.set_my_commands([BotCommand("help", "Help")], language_code="en")
    group = await client.create_chat("supergroup")
    assert await bot.set_my_commands(
        [BotCommand("ask", "提问")], scope=BotCommandScopeChat(group.id)
    )
    assert [c.command for c in await bot.get_my_commands()] == ["start", "policy_search"]
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == ["help"]
    assert await bot.get_my_commands(scope=BotCommandScopeAllGroupChats()) == ()
    assert client.commands() == [
        {"command": "start", "description": "开始"},
        {"command": "policy_search", "description": "查询政策"},
    ]
    assert client.commands({"type": "chat", "chat_id": group.id}) == [
        {"command": "ask", "description": "提问"}
    ]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "大写")])
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("政策", "中文命令")])
    with pytest.raises(BadRequest, match="Command length must not exceed 32"):
        await bot.set_my_commands([BotCommand("a" * 33, "长")])
    with pytest.raises(BadRequest, match="Command description must be non-empty"):
        await bot.set_my_commands([BotCommand("empty", " ")])
    with pytest.raises(BadRequest, match="Command description length must not exceed 256"):
        await bot.set_my_commands([BotCommand("long", "x" * 257)])
    with pytest.raises(BadRequest, match="Invalid language code"):
        await bot.set_my_commands(commands, language_code="zh-hans")
    assert client.commands()[0]["command"] == "start"  # failed calls changed nothing
    assert await bot.delete_my_commands()
    assert client.commands() == []


async def test_commands_of_one_private_chat(bot: Bot, client: BotClient) -> None:
    """A person's own menu: set, read back and deleted by chat scope; a chat of someone
    who never started the bot is not found (so nothing is stored for it)."""
    user = await client.create_user("专员")
    stranger = await client.create_user("未开始", started=False)
    assert await bot.set_my_commands([BotCommand("start", "开始")])
    own = [BotCommand("start", "开始"), BotCommand("inbox", "我的待办工单")]
    assert await bot.set_my_commands(own, scope=BotCommandScopeChat(user.id))
    mine = await bot.get_my_commands(scope=BotCommandScopeChat(user.id))
    assert [c.command for c in mine] == ["start", "inbox"]
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands(own, scope=BotCommandScopeChat(stranger.id))
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.delete_my_commands(scope=BotCommandScopeChat(stranger.id))
    assert await bot.delete_my_commands(scope=BotCommandScopeChat(user.id))
    assert await bot.get_my_commands(scope=BotCommandScopeChat(user.id)) == ()
    assert client.commands() == [{"command": "start", "description": "开始"}]


@pytest.fixture
async def receiver() -> AsyncIterator[
    tuple[str, list[tuple[dict[str, Any], str | None]], list[int]]
]:
    """A webhook endpoint recording (update, secret header); answers with ``statuses``."""
    received: list[tuple[dict[str, Any], str | None]] = []
    statuses: list[int] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        update = await request.json()
        received.append((update, request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        status = statuses.pop(0) if statuses else 200
        if status == 200 and "message" in update:
            chat_id = update["message"]["chat"]["id"]
            return web.json_response({"method": "sendMessage", "chat_id": chat_id, "text": "收到"})
        return web.Response(status=status)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/hook", received, statuses
    await runner.cleanup()


async def test_webhook_delivery_with_secret_token(
    api: LocalBotAPI,
    bot: Bot,
    client: BotClient,
    receiver: tuple[str, list[tuple[dict[str, Any], str | None]], list[int]],
) -> None:
    url, received, statuses = receiver
    user = await client.create_user()
    with pytest.raises(BadRequest, match="Secret token contains unallowed characters"):
        await bot.set_webhook(url, secret_token="bad secret!")
    assert await bot.set_webhook(url, secret_token="s3cr3t_TOKEN-1")
    info = await bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()

    await client.send_message(user, "你好")
    await client.wait_for_delivery()
    update, secret = received[0]
    assert secret == "s3cr3t_TOKEN-1"
    assert update["message"]["text"] == "你好"
    [reply] = await client.wait_for_messages(user)  # the webhook answered with a method call
    assert reply.text == "收到"

    statuses.extend([500, 500])
    await client.send_message(user, "重试")
    await client.wait_for_delivery(timeout=5)
    assert [u["message"]["text"] for u, _ in received[1:]] == ["重试", "重试", "重试"]
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert api.webhook_deliveries(TOKEN) == 2

    assert await bot.delete_webhook()
    await client.send_message(user, "轮询")
    (polled,) = await bot.get_updates(timeout=1)
    assert polled.message is not None and polled.message.text == "轮询"


async def test_webhook_delivers_chats_in_parallel_and_each_chat_in_order(
    bot: Bot, client: BotClient
) -> None:
    """Like Telegram: several requests at once (up to max_connections), but one chat's
    updates one after another, in order, each after the previous one was answered."""
    active: dict[int, int] = {}
    seen: list[tuple[int, str]] = []
    peak = 0

    async def handle(request: web.Request) -> web.StreamResponse:
        nonlocal peak
        update = await request.json()
        chat_id = update["message"]["chat"]["id"]
        active[chat_id] = active.get(chat_id, 0) + 1
        assert active[chat_id] == 1, "two updates of one chat at once"
        peak = max(peak, sum(active.values()))
        await asyncio.sleep(0.1)
        seen.append((chat_id, update["message"]["text"]))
        active[chat_id] -= 1
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        assert await bot.set_webhook(url, max_connections=3)
        users = [await client.create_user() for _ in range(4)]
        for n in range(3):
            for user in users:
                await client.send_message(user, f"第{n}条")
        await client.wait_for_delivery(timeout=10)
        assert peak == 3  # four chats waiting, three connections
        for user in users:
            assert [text for chat, text in seen if chat == user.id] == ["第0条", "第1条", "第2条"]
    finally:
        await bot.delete_webhook()
        await runner.cleanup()


async def test_documents_photos_and_file_download(
    api: LocalBotAPI, bot: Bot, client: BotClient
) -> None:
    user = await client.create_user()
    pdf = b"%PDF-1.4 policy text"
    sent = await bot.send_document(
        user.id,
        io.BytesIO(pdf),
        filename="补贴指南.pdf",
        caption="<b>申报指南</b>",
        parse_mode="HTML",
    )
    assert sent.document is not None and sent.document.file_name == "补贴指南.pdf"
    [record] = client.documents(user)
    assert record.document is not None
    assert record.document["file_size"] == len(pdf)
    assert record.document["mime_type"] == "application/pdf"
    assert record.caption == "申报指南" and record.raw_text == "<b>申报指南</b>"
    assert client.file_bytes(record.document["file_id"]) == pdf
    again = await bot.send_document(user.id, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id
    with pytest.raises(BadRequest, match="Wrong file identifier/http url specified"):
        await bot.send_document(user.id, "not-a-file-id")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(user.id, io.BytesIO(b"x"), filename="a.txt", caption="c" * 1025)
    photo = await bot.send_photo(user.id, io.BytesIO(TINY_PNG), caption="图")
    assert photo.photo[-1].width == 1
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(user.id, io.BytesIO(b"not an image"))

    upload = await client.send_document(user, "营业执照.txt", "统一社会信用代码".encode())
    (update,) = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.document is not None
    assert update.message.message_id == upload.message_id
    telegram_file = await update.message.document.get_file()
    assert telegram_file.file_path is not None
    assert telegram_file.file_path.startswith(api.file_url)
    assert bytes(await telegram_file.download_as_bytearray()) == "统一社会信用代码".encode()
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("missing")


async def test_forward_copy_chat_action_and_get_chat(bot: Bot, client: BotClient) -> None:
    user = await client.create_user("李四", username="lisi")
    admin = await client.create_user("管理员")
    question = await client.send_message(user, "请问高新技术企业认定条件?")
    forwarded = await bot.forward_message(admin.id, user.id, question.message_id)
    assert forwarded.text == "请问高新技术企业认定条件?"
    assert forwarded.forward_origin is not None
    copied = await bot.copy_message(admin.id, user.id, question.message_id)
    assert client.message(admin, copied.message_id).text == "请问高新技术企业认定条件?"
    with pytest.raises(BadRequest, match="Message to forward not found"):
        await bot.forward_message(admin.id, user.id, 999)
    assert await bot.send_chat_action(user.id, "typing")
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(user.id, "dancing")
    assert [a.action for a in client.chat_actions(user)] == ["typing"]
    chat = await bot.get_chat(user.id)
    assert chat.username == "lisi" and chat.type == "private"
    group = await client.create_chat("supergroup", title="政策群", members=[user])
    member = await bot.get_chat_member(group.id, user.id)
    assert member.status == "member"
    assert (await bot.get_chat_member(group.id, admin.id)).status == "left"
