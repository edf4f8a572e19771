"""The flow rules end to end, at a person's pace (each step waits for the bot's answer):
at most one open flow, /cancel names and ends it, /resume continues a suspended one,
an abandoned flow expires, menu commands work in the middle of a flow."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from telegram import Update

from bot.settings import Settings
from policybot_localapi.api import LocalBotAPI, MessageRecord, User
from services.knowledge import KnowledgeBase
from storage.models import QuestionLog
from tests.bot.e2e_support import CARD_TITLE, QUESTION, Bot, make_settings
from tests.bot.test_tickets_e2e_flows import submit
from tests.bot.tickets_support import Parties, Watch, load_demo_roles, make_parties

GUARANTEE = "融资担保费率现在是多少"
TECH = "科技型中小企业评价入库"
TRAPS = ("请按提示输入", "请从这些选项中选择", "没有找到这个区域", "请回答")
FLOOD = "您发送消息过于频繁,请稍后再试。"
DEFAULTS = Settings()


def people_settings(**changes: object) -> Settings:
    """The shipped flood control: these tests are a person using the bot."""
    flood = {k: v for k, v in DEFAULTS.model_dump().items() if k.startswith("flood_")}
    return make_settings(**{**flood, **changes})


@pytest.fixture
def harness(api: LocalBotAPI, engine: Engine, knowledge: KnowledgeBase) -> Bot:
    return Bot(api=api, engine=engine, knowledge=knowledge, settings=people_settings())


async def replies(bot: Bot, user: User, until: str | None = None) -> list[MessageRecord]:
    """Everything the bot says until it is quiet for a moment (and, with ``until``, has
    said that: on a loaded machine a one-line notice may come later than the moment)."""
    said = await bot.client.collect_messages(user, idle=0.4, timeout=bot.timeout)
    deadline = asyncio.get_running_loop().time() + bot.timeout
    while until is not None and until not in texts_of(said):
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            break
        said += await bot.client.collect_messages(user, idle=0.4, timeout=left)
    return said


def texts_of(messages: list[MessageRecord]) -> str:
    return "\n".join(m.text or "" for m in messages)


def with_button(messages: list[MessageRecord], label: str) -> MessageRecord:
    return next(m for m in messages if any(t.startswith(label) for t in m.button_texts))


def not_trapped(text: str) -> None:
    assert not any(trap in text for trap in TRAPS), text


async def test_three_flows_from_a_card_then_cancel_leaves_no_trap(bot: Bot) -> None:
    user = await bot.user()
    [card] = await bot.say(user, GUARANTEE)
    assert "✅ 资格自测" in card.button_texts
    await bot.press(user, card, text="✅ 资格自测")
    assert "第 1 题" in texts_of(await replies(bot, user))
    await bot.press(user, card, text="🔔 订阅此类政策")
    said = texts_of(await replies(bot, user, until="已暂停"))
    assert "已暂停「资格自测」,发送 /resume 继续。" in said
    await bot.press(user, card, text="🙋 人工咨询")
    said = texts_of(await replies(bot, user, until="请选择"))
    assert "已暂停「订阅政策」,发送 /resume 继续。" in said  # one suspended at a time
    assert "请选择" in said  # the request form's first step

    await bot.client.send_command(user, "cancel")
    [cancelled] = await replies(bot, user)
    assert "已取消「提交诉求」" in (cancelled.text or "")
    assert "/resume" in (cancelled.text or "")  # the suspended wizard can come back
    for question in (QUESTION, "今天武汉天气怎么样", "個體戶轉成公司有獎勵嗎"):
        await bot.client.send_message(user, question)
        said = texts_of(await replies(bot, user))
        not_trapped(said)
    await bot.client.send_message(user, QUESTION)
    assert CARD_TITLE in texts_of(await replies(bot, user))

    await bot.client.send_command(user, "resume")
    wizard = await replies(bot, user)
    assert "订阅" in texts_of(wizard) and wizard[-1].buttons
    await bot.client.send_command(user, "cancel")
    assert "已取消「订阅政策」" in texts_of(await replies(bot, user))
    await bot.client.send_command(user, "cancel")
    [idle] = await replies(bot, user)
    assert idle.text == "当前没有进行中的操作。您可以直接提问,或发送 /help 查看命令。"
    await bot.client.send_message(user, QUESTION)
    assert CARD_TITLE in texts_of(await replies(bot, user))


async def walk_tech_check(bot: Bot, user: User) -> str:
    """/check, the tech programme, then 不清楚 (or 跳过) to every question: the result."""
    await bot.client.send_command(user, "check")
    [menu] = await replies(bot, user)
    label = next(t for t in menu.button_texts if t.startswith(TECH))
    await bot.press(user, menu, text=label)
    for _ in range(30):
        said = await replies(bot, user)
        last = said[-1]
        skip = next((t for t in last.button_texts if t == "不清楚" or t.startswith("跳过")), None)
        if skip is None:
            return texts_of(said)
        await bot.press(user, last, text=skip)
    raise AssertionError("the check never finished")


async def test_check_twice_then_match_answers(bot: Bot) -> None:
    user = await bot.user()
    assert "仅供参考" in await walk_tech_check(bot, user)
    await bot.client.send_command(user, "check")
    [menu] = await replies(bot, user)
    assert any(t.startswith(TECH) for t in menu.button_texts)  # the menu, not a question
    assert "仅供参考" in await walk_tech_check(bot, user)
    await bot.client.send_command(user, "match")
    assert "政策体检" in texts_of(await replies(bot, user))


async def test_typed_text_goes_to_the_visible_flow(bot: Bot) -> None:
    user = await bot.user()
    await bot.client.send_command(user, "request")
    [categories] = await replies(bot, user)
    await bot.press(user, categories, text=categories.button_texts[0])
    await replies(bot, user)
    await bot.client.send_message(user, "我们想了解融资担保的申请条件和办理流程")
    assert "企业名称" in texts_of(await replies(bot, user))

    await bot.client.send_command(user, "check")
    [menu] = await replies(bot, user)
    gzq = next(t for t in menu.button_texts if "个转企" in t)
    await bot.press(user, menu, text=gzq)
    said = texts_of(await replies(bot, user, until="注册在武汉哪个区"))
    assert "已暂停「提交诉求」,发送 /resume 继续。" in said
    assert "注册在武汉哪个区" in said
    await bot.client.send_message(user, "洪山区")  # the check's answer, not the form's
    said = texts_of(await replies(bot, user, until="第 2 题"))
    assert "第 2 题" in said
    not_trapped(said)

    await bot.client.send_command(user, "cancel")
    assert "已取消「资格自测」" in texts_of(await replies(bot, user))
    await bot.client.send_command(user, "resume")
    assert "企业名称" in texts_of(await replies(bot, user))  # the form, where it was
    await bot.client.send_message(user, "武汉示例科技有限公司(测试)")
    assert "区" in texts_of(await replies(bot, user))
    await bot.client.send_command(user, "cancel")
    assert "已取消「提交诉求」" in texts_of(await replies(bot, user))
    await bot.client.send_command(user, "cancel")
    [idle] = await replies(bot, user)
    assert "没有进行中的操作" in (idle.text or "")


async def test_abandoned_flow_expires(harness: Bot) -> None:
    harness.settings = people_settings(flow_expiry_minutes=1.0 / 60)  # one second
    async with harness.run():
        user = await harness.user()
        await harness.client.send_command(user, "request")
        [categories] = await replies(harness, user)
        await harness.press(user, categories, text=categories.button_texts[0])
        await replies(harness, user)
        await asyncio.sleep(1.5)
        await harness.client.send_message(user, QUESTION)
        said = texts_of(await replies(harness, user, until=CARD_TITLE))
        assert "「提交诉求」长时间未操作,已自动结束,已输入的内容未保存。" in said
        assert "如需办理,请发送 /request 重新开始。" in said
        assert CARD_TITLE in said
        await harness.client.send_command(user, "cancel")
        [idle] = await replies(harness, user)
        assert "没有进行中的操作" in (idle.text or "")


class Later:
    """``services.clock``: real time, moved ahead on demand (hours pass in a moment)."""

    def __init__(self) -> None:
        self.ahead = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.ahead

    def pass_expiry(self) -> None:
        self.ahead += dt.timedelta(minutes=DEFAULTS.flow_expiry_minutes + 1)


CHECK_PAUSED = "「资格自测」长时间未操作,已暂停,已输入的内容已保存。发送 /resume 即可接着完成。"


async def resume_check(bot: Bot, user: User) -> str:
    """/resume and the offered 继续: what the bot asks then."""
    await bot.client.send_command(user, "resume")
    [offer] = await replies(bot, user)
    assert "暂停的资格自测" in (offer.text or "")
    await bot.press(user, offer, text="▶️ 继续")
    return texts_of(await replies(bot, user))


async def test_abandoned_flows_say_what_can_be_done_next(bot: Bot) -> None:
    assert bot.app is not None
    bot.app.bot_data.clock = clock = Later()
    user = await bot.user()
    await bot.client.send_command(user, "request")
    [categories] = await replies(bot, user)
    await bot.press(user, categories, text=categories.button_texts[0])
    await replies(bot, user)
    await bot.client.send_command(user, "check")
    [menu] = await replies(bot, user)
    gzq = next(t for t in menu.button_texts if "个转企" in t)
    await bot.press(user, menu, text=gzq)  # suspends the request form
    said = await replies(bot, user, until="第 1 题")
    assert "已暂停「提交诉求」,发送 /resume 继续。" in texts_of(said)
    await bot.press(user, said[-1], text="洪山区")
    assert "第 2 题" in texts_of(await replies(bot, user))

    clock.pass_expiry()
    await bot.client.send_message(user, QUESTION)
    notices = texts_of(await replies(bot, user, until=CARD_TITLE))
    assert CHECK_PAUSED in notices
    assert (
        "暂停的「提交诉求」长时间未继续,已自动结束,无法再用 /resume 恢复,已输入的内容未保存。"
        "如需办理,请发送 /request 重新开始。"
    ) in notices
    assert CARD_TITLE in notices  # the text is a question again
    assert "第 2 题" in await resume_check(bot, user)  # as the notice said
    await bot.client.send_command(user, "cancel")
    assert "已取消「资格自测」" in texts_of(await replies(bot, user))
    await bot.client.send_command(user, "resume")
    [nothing] = await replies(bot, user)
    assert "没有可以继续的操作" in (nothing.text or "")  # the form is gone, as it said


async def test_a_check_paused_for_inactivity_goes_on_with_resume(harness: Bot) -> None:
    harness.settings = people_settings(check_timeout_minutes=1.0 / 60)  # one second
    async with harness.run():
        user = await harness.user()
        [card] = await harness.say(user, QUESTION)
        await harness.press(user, card, text="✅ 资格自测")
        assert "第 1 题" in texts_of(await replies(harness, user, until="第 1 题"))
        said = await replies(harness, user, until="已暂停")  # the conversation's timeout
        assert said[-1].button_texts == ["▶️ 继续"]
        assert "第 1 题" in await resume_check(harness, user)


async def test_a_burst_is_answered_in_order_and_leaves_a_consistent_state(bot: Bot) -> None:
    """Sent without waiting for the answers (a quick thumb, a paste), by two people at
    once: each person's messages are handled one after the other, so the replies come in
    the order sent and each message sees the state the one before it left — /cancel
    right after /request cancels the form, not nothing."""
    burst: list[tuple[str, str]] = [
        ("/request", "请选择"),
        ("/cancel", "已取消「提交诉求」"),
        (QUESTION, CARD_TITLE),
        ("/request", "请选择"),
        ("/cancel", "已取消「提交诉求」"),
        ("/cancel", "当前没有进行中的操作"),
        (QUESTION, CARD_TITLE),
    ]
    people = [await bot.user("张三"), await bot.user("李四")]
    for sent, _ in burst:
        for person in people:
            if sent.startswith("/"):
                await bot.client.send_command(person, sent[1:])
            else:
                await bot.client.send_message(person, sent)
    for person in people:
        said = await bot.client.wait_for_messages(person, len(burst), timeout=30)
        await bot.client.expect_no_messages(person, within=0.5)
        for (sent, expected), reply in zip(burst, said, strict=True):
            assert expected in (reply.text or ""), (sent, [m.text for m in said])
        await bot.client.send_command(person, "resume")
        [nothing] = await replies(bot, person)
        assert "没有可以继续的操作" in (nothing.text or "")  # nothing left half-open


async def test_a_tap_a_second_is_never_throttled(bot: Bot) -> None:
    user = await bot.user()
    await bot.client.send_command(user, "search", "企业")
    [listing] = await replies(bot, user)
    for n in range(12):
        label = "下一页 ›" if n % 2 == 0 else "‹ 上一页"
        current = bot.client.message(user, listing.message_id)
        answer = await bot.press(user, current, text=label)
        assert answer.text != FLOOD, n
        await bot.client.wait_for_edit(user, listing.message_id, edits=n + 1)
        await asyncio.sleep(1.0)


async def test_a_brisk_request_form_is_submitted(bot: Bot) -> None:
    user = await bot.user()
    load_demo_roles(bot.engine, 8_200_001, 8_200_002, department_chat=None)
    [card] = await bot.say(user, QUESTION)
    await bot.press(user, card, text="🙋 人工咨询")
    [categories] = await replies(bot, user)
    await bot.press(user, categories, text=categories.button_texts[0])
    [description] = await replies(bot, user)
    await bot.press(user, description, text=description.button_texts[0])  # 使用:预填内容
    await replies(bot, user)
    await bot.client.send_message(user, "武汉示例科技有限公司(测试)")
    [area] = await replies(bot, user)
    await bot.press(user, area, text=next(t for t in area.button_texts if "示例" in t))
    await replies(bot, user)
    await bot.client.send_message(user, "027-88880000")
    [attach] = await replies(bot, user)
    await bot.press(user, attach, text="跳过")
    [confirm] = await replies(bot, user)
    answer = await bot.press(user, confirm, text="✅ 提交")
    assert answer.text != FLOOD
    assert "QY-" in texts_of(await replies(bot, user))  # the ticket's number


async def test_a_step_delivered_again_is_not_applied_twice(bot: Bot) -> None:
    """An instance may die after storing a step's answer and before sending the next
    step's prompt; Telegram then delivers the update again. It is not taken for the answer
    to the next step (a company name given where an area is asked): that step is shown."""
    user = await bot.user()
    load_demo_roles(bot.engine, 8_200_001, 8_200_002, department_chat=None)
    await bot.client.send_command(user, "request")
    [categories] = await replies(bot, user)
    await bot.press(user, categories, text=categories.button_texts[0])
    await replies(bot, user)
    await bot.client.send_message(user, "想了解融资担保怎么办理(测试)")
    await replies(bot, user)
    name = await bot.client.send_message(user, "武汉示例科技有限公司(测试)")
    [area] = await replies(bot, user)
    assert "所在的区" in (area.text or "")
    assert bot.app is not None
    raw = {"update_id": name.update_id, name.kind: name.payload}
    await bot.app.process_update(Update.de_json(raw, bot.app.bot))  # delivered again
    [shown] = await replies(bot, user)
    assert "所在的区" in (shown.text or "") and "没有找到" not in (shown.text or "")
    await bot.press(user, shown, text=next(t for t in shown.button_texts if "示例" in t))
    assert "联系电话" in texts_of(await replies(bot, user))


async def test_a_question_typed_mid_flow_is_answered_and_the_flow_waits(bot: Bot) -> None:
    user = await bot.user()
    [card] = await bot.say(user, QUESTION)
    await bot.press(user, card, text="✅ 资格自测")
    [first] = await replies(bot, user)
    assert "第 1 题" in (first.text or "")
    await bot.client.send_message(user, "小微企业贷款有什么支持")  # a question, not an area
    answered, still = await replies(bot, user)
    assert "📜 原文" in answered.button_texts  # a policy card
    assert still.button_texts == ["继续「资格自测」"]
    await bot.press(user, still, text="继续「资格自测」")
    [again] = await replies(bot, user)
    assert "第 1 题" in (again.text or "")
    await bot.press(user, again, text="洪山区")
    assert "第 2 题" in texts_of(await replies(bot, user))


async def _asked_mid_request(bot: Bot, question: str) -> tuple[User, list[MessageRecord]]:
    """A new user opens the request form and types ``question`` at its first step: the
    user and the bot's replies."""
    user = await bot.user()
    await bot.client.send_command(user, "request")
    await replies(bot, user)
    await bot.client.send_message(user, question)
    return user, await replies(bot, user)


async def test_a_question_mid_flow_naming_a_programme_gets_its_self_check(bot: Bot) -> None:
    # the same card as outside the flow: the named programme's self-check under it
    _, (answered, still) = await _asked_mid_request(bot, "高新技术企业认定条件")
    assert "「高新技术企业认定」可以做资格自测" in (answered.text or "")
    assert "✅ 自测:高新技术企业认定" in answered.button_texts
    assert still.button_texts == ["继续「提交诉求」"]


async def test_a_question_mid_flow_about_an_outside_subject_is_told_so(bot: Bot) -> None:
    # 发票 is in no document: said by name, and the form waits where it was
    user, [told] = await _asked_mid_request(bot, "发票怎么开")
    assert "已收录的政策文件里没有关于「发票」的内容" in (told.text or "")
    assert told.button_texts == ["继续「提交诉求」"]
    await bot.press(user, told, text="继续「提交诉求」")
    [again] = await replies(bot, user)
    assert "第 1/6 步" in (again.text or "")


async def test_a_list_question_mid_flow_gets_the_other_measures_too(bot: Bot) -> None:
    # as outside the flow: the card, then the other measures the question may mean
    _, (card, others, still) = await _asked_mid_request(bot, "中小企业有哪些奖励")
    assert "📜 原文" in card.button_texts
    assert "与您的问题相关的还有" in (others.text or "") and len(others.button_texts) >= 2
    assert still.button_texts == ["继续「提交诉求」"]


async def test_a_question_mid_flow_that_is_asked_back_offers_its_options(bot: Bot) -> None:
    # not answered outright: the options to tap (not the step's prompt again), the form
    # waits, and an option tapped shows its card
    user, (options, waits) = await _asked_mid_request(bot, "融资方面有什么政策")
    assert "与您的问题相关的有以下几项" in (options.text or "")
    assert "都不是" in options.button_texts
    assert waits.button_texts == ["继续「提交诉求」"] and "第 1/6 步" not in (waits.text or "")
    with Session(bot.engine) as session:  # logged as outside the form: 都不是 is true to it
        logged = session.exec(select(QuestionLog).where(QuestionLog.user_id == user.id)).one()
    assert logged.question == "融资方面有什么政策" and not logged.answered
    assert options.buttons[0]["callback_data"].startswith(f"clar:{logged.id}:1:")
    await bot.press(user, options, text=options.button_texts[0])
    assert any("📜 原文" in r.button_texts for r in await replies(bot, user))
    await bot.press(user, waits, text="继续「提交诉求」")
    [again] = await replies(bot, user)
    assert "第 1/6 步" in (again.text or "")


async def test_two_unrecognised_inputs_offer_the_way_out(bot: Bot) -> None:
    user, [first] = await _asked_mid_request(bot, "嗯嗯")
    assert "/cancel" in (first.text or "")  # says how to leave
    await bot.client.send_message(user, "嗯嗯嗯")
    [way_out] = await replies(bot, user)
    assert way_out.button_texts == ["继续「提交诉求」", "取消"]
    await bot.press(user, way_out, text="取消")
    assert "已取消「提交诉求」" in texts_of(await replies(bot, user))
    await bot.client.send_message(user, QUESTION)
    assert CARD_TITLE in texts_of(await replies(bot, user))


async def commissioner_asks_for_a_certificate(bot: Bot, parties: Parties) -> tuple[Watch, str]:
    """A ticket whose commissioner has asked the enterprise for its tax certificate (so
    the ticket waits for the enterprise's answer): the watch and the ticket's number."""
    ent, com = parties.enterprise, parties.commissioner
    ticket_id, number = submit(bot, parties)
    watch = Watch(bot)
    await bot.client.send_command(com, "ticket", number)
    view = await watch.wait(com, number)
    answer = await bot.press(com, view, data=f"tk:acc:{ticket_id}")
    assert answer.text and "处理中" in answer.text
    await bot.press(com, view, data=f"tk:rep:{ticket_id}")
    await watch.wait(com, "请输入要发给企业的回复")
    await bot.client.send_message(com, "请补充去年的纳税证明。")
    await watch.wait(com, "已转达")
    await watch.wait(ent, "请补充去年的纳税证明")
    watch.skip(ent)
    return watch, number


async def test_a_typed_answer_to_the_commissioner_is_not_lost(harness: Bot) -> None:
    parties = await make_parties(harness)
    ent, com = parties.enterprise, parties.commissioner
    async with harness.run():
        watch, number = await commissioner_asks_for_a_certificate(harness, parties)
        # the enterprise answers without 💬 and without replying to the message
        await harness.client.send_message(ent, "好的,证明我明天上午送过去")
        choice = await watch.wait(ent, "正在等待您的回复")
        assert choice.button_texts == ["📨 发给专员", "🔍 作为问题提问"]
        await harness.press(ent, choice, text="📨 发给专员")
        await watch.wait(ent, "已转达")
        relayed = await watch.wait(com, "好的,证明我明天上午送过去")
        assert number in (relayed.text or "")
        # a question the matcher answers is answered as usual, without asking
        await harness.client.send_message(ent, QUESTION)
        await watch.wait(ent, CARD_TITLE)


async def test_a_statement_sharing_policy_words_is_not_taken_for_a_question(
    harness: Bot,
) -> None:
    """纳税/证明/服务站 are words of the policy text: on its own the matcher answers this
    statement confidently with a card about the service system. While a ticket waits for
    the enterprise, only a text phrased as a question is answered without asking."""
    parties = await make_parties(harness)
    ent, com = parties.enterprise, parties.commissioner
    async with harness.run():
        watch, number = await commissioner_asks_for_a_certificate(harness, parties)
        # a bare subject may be either: one tap makes it a question, answered with its card
        await harness.client.send_message(ent, "融资担保费率")
        choice = await watch.wait(ent, "正在等待您的回复")
        await harness.press(ent, choice, text="🔍 作为问题提问")
        card = await watch.wait(ent, "融资担保")
        assert "📜 原文" in card.button_texts
        # a question is answered at once, and the ticket still waits
        await harness.client.send_message(ent, "融资担保费率现在是多少?")
        answered = await watch.wait(ent, "融资担保")
        assert "📜 原文" in answered.button_texts
        await watch.wait(ent, "要问专员的")  # one tap would still send it to the commissioner
        before = watch.seen[ent.id]
        await harness.client.send_message(ent, "纳税证明明天上午送到园区服务站")
        choice = await watch.wait(ent, "正在等待您的回复")
        assert choice.button_texts == ["📨 发给专员", "🔍 作为问题提问"]
        await asyncio.sleep(0.4)  # a card, had one come, would be here by now
        said = [m for m in harness.client.messages(ent.id) if m.message_id > before]
        assert said == [choice]  # the question, not a card
        await harness.press(ent, choice, text="📨 发给专员")
        await watch.wait(ent, "已转达")
        relayed = await watch.wait(com, "纳税证明明天上午送到园区服务站")
        assert number in (relayed.text or "")


async def test_a_question_for_the_commissioner_is_forwarded_from_under_its_card(
    harness: Bot,
) -> None:
    """A question the matcher answers may still be meant for the commissioner: its card
    comes with one button that forwards it; an older such button never sends a later text."""
    parties = await make_parties(harness)
    ent, com = parties.enterprise, parties.commissioner
    async with harness.run():
        watch, number = await commissioner_asks_for_a_certificate(harness, parties)
        await harness.client.send_message(ent, "融资担保费率现在是多少?")
        await watch.wait(ent, "融资担保")
        first = await watch.wait(ent, "要问专员的")
        assert number in (first.text or "") and first.button_texts == ["📨 发给专员"]
        await harness.client.send_message(ent, "证明送到园区服务站可以吗?")
        card = await watch.wait(ent, "")  # the next message: its card
        assert "📜 原文" in card.button_texts
        offer = await watch.wait(ent, "要问专员的")
        stale = await harness.press(ent, first, text="📨 发给专员")
        assert stale.text and "已过期" in stale.text
        await harness.press(ent, offer, text="📨 发给专员")
        await watch.wait(ent, "已转达")
        relayed = await watch.wait(com, "证明送到园区服务站可以吗")
        assert number in (relayed.text or "")
        sent = [m.text or "" for m in harness.client.messages(com.id)]
        assert not [t for t in sent if "融资担保费率现在是多少" in t]  # the stale tap sent nothing


async def test_cancel_ends_the_admin_grant_wizard(harness: Bot) -> None:
    admin_id = 7_000_900
    harness.settings = people_settings(admin_ids=[admin_id])
    async with harness.run():
        admin = await harness.client.create_user("管理员", user_id=admin_id)
        await harness.client.send_command(admin, "admin")
        [overview] = await replies(harness, admin)
        await harness.press(admin, overview, data="adm:grant")
        await replies(harness, admin)  # asks for the user id
        await harness.client.send_command(admin, "cancel")
        [cancelled] = await replies(harness, admin)
        assert "已取消「授予角色」" in (cancelled.text or "")
        await harness.client.send_message(admin, QUESTION)  # not taken as a user id
        assert CARD_TITLE in texts_of(await replies(harness, admin))
