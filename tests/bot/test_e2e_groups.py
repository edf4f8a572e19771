"""Groups: only commands, mentions of the bot and replies to the bot are answered."""

from __future__ import annotations

from tests.bot.e2e_support import CARD_TITLE, QUESTION, USERNAME, Bot


async def test_group_behaviour(bot: Bot) -> None:
    alice, bob = await bot.user("Alice"), await bot.user("Bob")
    group = await bot.client.create_chat("supergroup", title="企业群", members=[alice, bob])

    await bot.client.send_message(alice, QUESTION, chat=group)
    await bot.client.send_message(bob, "大家好", chat=group)
    await bot.client.send_sticker(bob, chat=group)
    await bot.client.send_command(alice, "nonsense", chat=group)
    await bot.client.wait_for_delivery()
    await bot.client.expect_no_messages(group, within=0.5)

    await bot.client.send_message(alice, QUESTION, chat=group, mention_bot=True)
    [card] = await bot.next(group)
    assert CARD_TITLE in (card.text or "") and f"@{USERNAME}" not in (card.text or "")
    assert card.payload.get("reply_to_message", {}).get("from", {}).get("id") == alice.id

    await bot.client.send_message(bob, "小微企业贷款有什么支持", chat=group, reply_to=card)
    [reply] = await bot.next(group)
    assert "扩大小微企业贷款规模" in (reply.text or "")

    await bot.client.send_command(bob, "search", "贷款", chat=group, with_username=True)
    [found] = await bot.next(group)
    assert "搜索「贷款」" in (found.text or "")
    await bot.client.send_command(alice, "help", chat=group)
    [help_message] = await bot.next(group)
    assert "/browse" in (help_message.text or "")

    answer = await bot.press(bob, card, text="📜 原文", chat=group)
    assert answer.text is None
    [full] = await bot.next(group)
    assert "原文 · " + CARD_TITLE in (full.text or "")

    await bot.client.send_message(alice, f"@{USERNAME}", chat=group)
    [hint] = await bot.next(group)
    assert "暂未理解您的问题" in (hint.text or "")


async def test_a_self_check_offered_in_a_group_points_to_the_private_chat(bot: Bot) -> None:
    alice = await bot.user("Alice")
    group = await bot.client.create_chat("supergroup", title="企业群", members=[alice])
    await bot.client.send_message(alice, "高新技术企业认定条件", chat=group, mention_bot=True)
    [card] = await bot.next(group)
    assert "✅ 自测:高新技术企业认定" in card.button_texts
    answer = await bot.press(alice, card, text="✅ 自测:高新技术企业认定", chat=group)
    assert answer.text is not None and "私聊" in answer.text and answer.show_alert
    await bot.client.expect_no_messages(group, within=0.3)
