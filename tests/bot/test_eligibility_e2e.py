"""资格自测 end to end through the local Bot API: from a card's button to the result, back
and skip, invalid numbers re-asked, a restart mid-check, the inactivity pause, forged
buttons."""

from __future__ import annotations

from sqlmodel import Session

from policybot_localapi.api import MessageRecord, User
from storage import profiles
from tests.bot.e2e_support import QUESTION, Bot, make_settings

STALE = "按钮已过期,请重新提问或使用 /browse"
GZQ = "个体工商户直接转为“四上”企业奖励(个转企)"
TECH = "科技型中小企业评价入库"


async def ask(bot: Bot, user: User, message: MessageRecord, button: str) -> MessageRecord:
    """Press ``button`` and return the bot's next message."""
    await bot.press(user, message, text=button)
    [reply] = await bot.next(user)
    return reply


async def start_tech_check(bot: Bot, user: User) -> MessageRecord:
    [menu] = await bot.command(user, "check")
    assert "资格自测" in (menu.text or "")
    return await ask(bot, user, menu, next(t for t in menu.button_texts if t.startswith(TECH)))


async def test_check_from_card_to_eligible_and_saved_to_profile(bot: Bot) -> None:
    user = await bot.user()
    [card] = await bot.say(user, QUESTION)
    assert "✅ 资格自测" in card.button_texts
    first = await ask(bot, user, card, "✅ 资格自测")
    text = first.text or ""
    assert GZQ in text and "第 1 题" in text and "注册在武汉哪个区" in text
    assert "江汉区" in first.button_texts and "不清楚" in first.button_texts
    assert "« 上一步" not in first.button_texts  # nothing to go back to yet
    second = await ask(bot, user, first, "江汉区")
    assert "第 2 题" in (second.text or "") and "个转企" in (second.text or "")
    assert second.button_texts[:3] == ["是", "否", "不清楚"]
    assert not bot.client.message(user, first.message_id).buttons  # answered: keyboard gone
    third = await ask(bot, user, second, "是")
    assert "四上" in (third.text or "")
    [result] = await bot.say(user, "是的")  # typed answers work as well as buttons
    text = result.text or ""
    assert f"你可能符合:《{GZQ}》" in text
    assert "✓ 企业在武汉市(您的情况:江汉区)" in text
    assert "✓ 由个体工商户直接转为企业(“个转企”)(您的情况:是)" in text
    assert "依据:《武汉市2023年中小企业工作要点》二、(五)20" in text
    assert "下一步" in text and "仅供参考" in text
    assert "💾 保存到企业档案" in result.button_texts
    assert any("个转企" in t for t in result.button_texts if t.startswith("📄"))

    answer = await bot.press(user, result, text="💾 保存到企业档案")
    assert answer.text == "已保存到企业档案"
    [saved] = await bot.next(user)
    assert "3 项回答" in (saved.text or "")
    with Session(bot.engine) as session:
        profile = profiles.get_profile(session, user_id=user.id)
    assert profile is not None and profile.district == "江汉区"
    assert dict(profile.facts) == {
        "district": "江汉区",
        "converted_from_individual": True,
        "is_four_above": True,
    }
    assert "💾 保存到企业档案" not in bot.client.message(user, result.message_id).button_texts
    again = await bot.press(user, result, data="elig:save:individual-to-enterprise")
    assert again.text == "已保存到企业档案"  # saving twice changes nothing
    await bot.next(user)

    [report] = await bot.command(user, "match")
    text = report.text or ""
    assert "政策体检" in text and "✅ 可能符合(1)" in text and GZQ in text
    assert "还需了解" in text  # programmes that need more facts name them
    assert any(t.startswith("✅ 自测:") for t in report.button_texts)

    # a new check of another programme does not ask what the profile already says
    [menu] = await bot.command(user, "check")
    first = await ask(bot, user, menu, next(t for t in menu.button_texts if "融资担保" in t))
    assert "已根据您的企业档案填写:所在区:江汉区(" in (first.text or "")
    assert "第 1 题" in (first.text or "") and "中小企业划型标准" in (first.text or "")
    # and where the profile settles everything, the result comes at once
    [menu] = await bot.command(user, "check")
    await bot.press(user, menu, text=next(t for t in menu.button_texts if "小进规" in t))
    [prefilled, result] = await bot.next(user, 2)
    assert "已纳入“四上”统计:是" in (prefilled.text or "")
    assert "暂不符合" in (result.text or "") and "✗ 尚未纳入“四上”企业统计" in (result.text or "")


async def test_back_skip_and_invalid_numbers(bot: Bot) -> None:
    user = await bot.user()
    first = await start_tech_check(bot, user)
    assert "居民企业" in (first.text or "")
    employees = await ask(bot, user, first, "是")
    assert "职工总数" in (employees.text or "")
    assert employees.button_texts == ["« 上一步", "跳过 ›", "✖ 取消"]
    [retry] = await bot.say(user, "很多人")
    assert "⚠️ 请输入人数" in (retry.text or "") and "职工总数" in (retry.text or "")
    [way_out] = await bot.say(user, "-5人")  # the second in a row: the way out
    assert "暂未理解" in (way_out.text or "")
    assert way_out.button_texts == ["继续「资格自测」", "取消"]
    again = await ask(bot, user, way_out, "继续「资格自测」")
    assert "职工总数" in (again.text or "")
    [retry] = await bot.say(user, "-5人")
    assert "⚠️ 这个数不能小于" in (retry.text or "")
    [revenue] = await bot.say(user, "八十人")
    assert "营业收入" in (revenue.text or "") and "第 3 题" in (revenue.text or "")

    back = await ask(bot, user, revenue, "« 上一步")
    assert "职工总数" in (back.text or "") and "第 2 题" in (back.text or "")
    stale = await bot.press(user, revenue, data="elig:skip:annual_revenue")
    assert stale.text == "这个问题已经回答过了"
    [revenue] = await bot.say(user, "80人")
    [assets] = await bot.say(user, "1.2亿")
    assert "资产总额" in (assets.text or "")
    restricted = await ask(bot, user, assets, "跳过 ›")
    assert "禁止、限制或淘汰类" in (restricted.text or "")
    incident = await ask(bot, user, restricted, "否")
    abnormal = await ask(bot, user, incident, "否")
    score = await ask(bot, user, abnormal, "否")
    result = await ask(bot, user, score, "是")
    text = result.text or ""
    assert f"还需补充信息:《{TECH}》" in text
    assert "✓ 年销售收入不超过2亿元(您的情况:1.2亿元)" in text
    assert "? 资产总额不超过2亿元" in text
    assert "还需补充" in text and "贵企业资产总额是多少?" in text

    # 修改上一个回答 on the result goes back to the last question
    back = await ask(bot, user, result, "« 修改上一个回答")
    assert "综合得分" in (back.text or "")
    # a score under 60 is not the end: a 高企 certificate qualifies directly (第八条)
    cert = await ask(bot, user, back, "否")
    assert "高新技术企业证书" in (cert.text or "")
    other = await ask(bot, user, cert, "否")
    assert "主导制定" in (other.text or "")
    result = await ask(bot, user, other, "否")
    assert f"暂不符合:《{TECH}》" in (result.text or "")
    assert "✗ 综合评价得分不低于60分" in (result.text or "")
    assert "按《科技型中小企业评价办法》(国科发政〔2017〕115号)判断。" in (result.text or "")


async def test_cancel_and_forged_buttons(bot: Bot) -> None:
    user = await bot.user()
    first = await start_tech_check(bot, user)
    for data in (
        "elig:ans:resident_enterprise:7",  # no such option
        "elig:ans:employees:0",  # not the current question
        "elig:save:tech-sme",  # not finished
        "elig:start:no-such-rule",
        "elig:back:resident_enterprise:x",
        "prof:ans:district:0",  # not editing
        "card:check:wh-sme-2023:2.4.19",  # no rule links this entry
    ):
        answer = await bot.press(user, first, data=data)
        assert answer.text in (STALE, "这个问题已经回答过了"), data
    answer = await bot.press(user, first, data="elig:back:resident_enterprise")
    assert answer.text == "已经是第一个问题了"
    [cancelled] = [await ask(bot, user, first, "✖ 取消")]
    assert "已取消" in (cancelled.text or "")
    [reply] = await bot.say(user, "是")  # no check any more: an ordinary question
    assert "第 2 题" not in (reply.text or "")
    assert not bot.client.message(user, first.message_id).buttons
    answer = await bot.press(user, first, data="elig:ans:resident_enterprise:0")
    assert answer.text == "这个问题已经回答过了"


async def test_restart_mid_check_and_inactivity_pause(harness: Bot) -> None:
    async with harness.run():
        user = await harness.user()
        first = await start_tech_check(harness, user)
        employees = await ask(harness, user, first, "是")
        assert "职工总数" in (employees.text or "")
    # a new process: new Application, same database; the typed answer still belongs to the check
    harness.settings = make_settings(check_timeout_minutes=0.02)  # 1.2 s
    async with harness.run():
        [revenue] = await harness.say(user, "80人")
        assert "营业收入" in (revenue.text or "") and "第 3 题" in (revenue.text or "")
        [paused] = await harness.next(user)  # nothing happens for 1.2 s
        assert "已暂停" in (paused.text or "") and "回答已保存" in (paused.text or "")
        resumed = await ask(harness, user, paused, "▶️ 继续")
        assert "营业收入" in (resumed.text or "") and "第 3 题" in (resumed.text or "")
        [assets] = await harness.say(user, "3000万")
        assert "资产总额" in (assets.text or "")
    with Session(harness.engine) as session:
        state = profiles.get_check(session, user_id=user.id)
    assert state is not None
    assert state.answers == {
        "resident_enterprise": True,
        "employees": "80",
        "annual_revenue": "3000",
    }


async def test_a_founding_year_is_understood_where_years_are_asked(bot: Bot) -> None:
    user = await bot.user()
    [menu] = await bot.command(user, "check")
    title = next(t for t in menu.button_texts if t.startswith("高新技术企业认定"))
    first = await ask(bot, user, menu, title)
    assert "注册成立多久" in (first.text or "") and "2019年成立" in (first.text or "")
    [retry] = await bot.say(user, "2099年成立的")
    assert "⚠️ 2099年晚于今年" in (retry.text or "")
    [second] = await bot.say(user, "2019年成立的")
    assert "⚠️" not in (second.text or "") and "知识产权" in (second.text or "")
    with Session(bot.engine) as session:
        state = profiles.get_check(session, user_id=user.id)
    assert state is not None and float(str(state.answers["registered_years"])) > 5


async def test_a_founding_year_said_as_last_year_is_understood(bot: Bot) -> None:
    user = await bot.user()
    [menu] = await bot.command(user, "check")
    title = next(t for t in menu.button_texts if t.startswith("高新技术企业认定"))
    await ask(bot, user, menu, title)
    [next_question] = await bot.say(user, "我们去年刚成立")
    assert "⚠️" not in (next_question.text or "") and "知识产权" in (next_question.text or "")
    with Session(bot.engine) as session:
        state = profiles.get_check(session, user_id=user.id)
    # counted from the last day of last year: under a year whatever today's date
    assert state is not None and 0 <= float(str(state.answers["registered_years"])) < 1
