"""A real PTB ``Application`` polling the local server: an echo bot end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from policybot_localapi.api import BotClient, Limits, LocalBotAPI
from policybot_localapi.testing import polling, ptb_builder

TOKEN = "777000:APPLICATION-token"
AnyApp = Application[Any, Any, Any, Any, Any, Any]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("查询补贴", callback_data="subsidy")],
            [InlineKeyboardButton("联系客服", callback_data="contact")],
        ]
    )
    args = " ".join(context.args or [])
    await update.effective_message.reply_html(f"<b>欢迎</b> {args}".strip(), reply_markup=markup)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(f"你说: {update.effective_message.text}")


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"已选择 {query.data}")
    await query.edit_message_text(f"你选择了 {query.data}")


async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.inline_query is not None
    text = update.inline_query.query or "空"
    await update.inline_query.answer(
        [InlineQueryResultArticle("1", text, InputTextMessageContent(text))], cache_time=0
    )


@pytest.fixture
async def running() -> AsyncIterator[tuple[LocalBotAPI, BotClient, list[Update]]]:
    seen: list[Update] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)

    async with LocalBotAPI(limits=Limits.relaxed()) as api:
        api.register_bot(TOKEN, username="policybot_bot", first_name="政策助手")
        app: AnyApp = ptb_builder(api, TOKEN).build()
        app.add_handler(TypeHandler(Update, record), group=-1)
        app.add_handler(CommandHandler("start", start))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        app.add_handler(CallbackQueryHandler(button))
        app.add_handler(InlineQueryHandler(inline))
        async with polling(app):
            yield api, api.client(TOKEN), seen


async def test_echo_bot_round_trip(
    running: tuple[LocalBotAPI, BotClient, list[Update]],
) -> None:
    _, client, seen = running
    user = await client.create_user("王五", username="wangwu")
    await client.send_command(user, "start", "企业")
    [welcome] = await client.wait_for_messages(user)
    assert welcome.text == "欢迎 企业"
    assert welcome.parse_mode == "HTML"
    assert welcome.button_texts == ["查询补贴", "联系客服"]

    await client.send_message(user, "小微企业有哪些补贴?")
    [echoed] = await client.wait_for_messages(user)
    assert echoed.text == "你说: 小微企业有哪些补贴?"
    await client.expect_no_messages(user, within=0.2)

    press = await client.press_button(user, welcome, text="查询补贴")
    answer = await client.wait_for_callback_answer(press)
    assert answer.text == "已选择 subsidy"
    edited = await client.wait_for_edit(user, welcome.message_id)
    assert edited.text == "你选择了 subsidy"
    assert edited.edits == ["欢迎 企业"]
    assert edited.buttons == []

    query = await client.inline_query(user, "税收优惠")
    inline_answer = await client.wait_for_inline_answer(query)
    assert inline_answer.results[0]["title"] == "税收优惠"

    await client.wait_for_delivery()
    assert "getUpdates" in client.calls()
    assert [u.update_id for u in seen] == sorted(u.update_id for u in seen)


async def test_every_update_kind_parses_in_ptb(
    running: tuple[LocalBotAPI, BotClient, list[Update]],
) -> None:
    api, client, seen = running
    user = await client.create_user("赵六")
    friend = await client.create_user("钱七")
    group = await client.create_chat("supergroup", title="创业交流", members=[user, friend])
    channel = await client.create_chat("channel", title="政策速递", username="policy_news")

    plain = await client.send_message(user, "原文")
    await client.edit_message(user, plain, "改过的")
    await client.send_sticker(user)
    await client.send_photo(user, caption="营业执照")
    await client.send_voice(user)
    await client.send_video(user)
    await client.send_location(user, 30.59, 114.30)
    await client.send_contact(user, "+8613800000000", "赵六")
    await client.send_document(user, "申请表.docx", b"PK\x03\x04")
    mention = await client.send_message(friend, "请问怎么申报?", chat=group, mention_bot=True)
    [group_reply] = await client.wait_for_messages(group)
    await client.send_message(user, "谢谢", chat=group, reply_to=group_reply)
    await client.channel_post(channel, "新政发布 #补贴")
    await client.wait_for(lambda: True if len(seen) >= 12 else None, what="updates handled")
    await client.wait_for_messages(user, count=2)  # echoes of the original and the edit
    await client.wait_for_messages(group)  # echo of the reply
    await client.block_bot(user)
    await client.wait_for(lambda: True if len(seen) >= 13 else None, what="my_chat_member")

    kinds = [next(k for k in u.to_dict() if k != "update_id") for u in seen]
    assert kinds.count("message") == 10
    assert {"edited_message", "channel_post", "my_chat_member"} <= set(kinds)
    messages = [u.message for u in seen if u.message is not None]
    assert any(m.sticker is not None for m in messages)
    assert any(m.photo and m.caption == "营业执照" for m in messages)
    assert any(m.voice is not None for m in messages)
    assert any(m.video is not None for m in messages)
    assert any(m.location is not None for m in messages)
    assert any(m.contact is not None for m in messages)
    assert any(m.document is not None and m.document.file_name == "申请表.docx" for m in messages)
    group_message = next(
        m for m in messages if m.message_id == mention.message_id and m.chat.id == group.id
    )
    assert group_message.text == "@policybot_bot 请问怎么申报?"
    assert group_message.entities[0].type == "mention"
    assert group_reply.text == "你说: @policybot_bot 请问怎么申报?"
    reply = next(m for m in messages if m.text == "谢谢")
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == group_reply.message_id
    blocked = next(u.my_chat_member for u in seen if u.my_chat_member is not None)
    assert blocked.new_chat_member.status == "kicked"
    post = next(u.channel_post for u in seen if u.channel_post is not None)
    assert post.chat.username == "policy_news"
    assert api.faults.is_blocked(client.bot.id, user.id)


async def test_privacy_mode_filters_group_messages() -> None:
    async with LocalBotAPI(limits=Limits.relaxed()) as api:
        api.register_bot(TOKEN, username="policybot_bot", privacy_mode=True)
        client = api.client(TOKEN)
        user = await client.create_user()
        group = await client.create_chat("group", members=[user])
        chatter = await client.send_message(user, "大家好", chat=group)
        assert chatter.update_id is None
        command = await client.send_command(user, "help", chat=group, with_username=True)
        other_bot = await client.send_message(user, "/help@other_bot", chat=group)
        assert command.update_id is not None and other_bot.update_id is None
        private = await client.send_message(user, "私聊总能收到")
        assert private.update_id is not None
