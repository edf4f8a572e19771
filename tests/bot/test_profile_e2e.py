"""The enterprise profile end to end: /profile (view, edit a fact at a time, delete),
/match, and /forget (PIPL) through the local Bot API."""

from __future__ import annotations

from sqlmodel import Session, select

from policybot_localapi.api import MessageRecord, User
from storage import profiles, users
from storage.models import BotState, BotUser, QuestionLog
from tests.bot.e2e_support import QUESTION, Bot

STALE = "按钮已过期,请重新提问或使用 /browse"


async def ask(bot: Bot, user: User, message: MessageRecord, button: str) -> MessageRecord:
    await bot.press(user, message, text=button)
    [reply] = await bot.next(user)
    return reply


async def edit(bot: Bot, user: User, message: MessageRecord, label: str) -> MessageRecord:
    """From a profile view: ✏️ 修改 → the field ``label`` → its prompt."""
    await bot.press(
        user, message, text=next(t for t in message.button_texts if "修改" in t or "填写" in t)
    )
    fields = await bot.client.wait_for_edit(user, message.message_id)
    assert "请选择要填写或修改的项目" in (fields.text or "")
    button = next(t for t in fields.button_texts if t.removeprefix("✓ ") == label)
    return await ask(bot, user, fields, button)


async def test_profile_edit_view_and_match(bot: Bot) -> None:
    user = await bot.user()
    [empty] = await bot.command(user, "profile")
    assert "还没有企业档案" in (empty.text or "")
    prompt = await edit(bot, user, empty, "企业名称")
    assert "修改:企业名称" in (prompt.text or "")
    [view] = await bot.say(user, "<b>武汉某某</b>科技有限公司")
    assert "已更新:企业名称 = <b>武汉某某</b>科技有限公司" in (view.text or "")  # escaped
    prompt = await edit(bot, user, view, "所在区")
    assert "江汉区" in prompt.button_texts
    view = await ask(bot, user, prompt, "洪山区")
    assert "已更新:所在区 = 洪山区" in (view.text or "")
    prompt = await edit(bot, user, view, "上年度营业收入")
    [retry] = await bot.say(user, "很多")
    assert "⚠️ 请输入金额" in (retry.text or "")
    [view] = await bot.say(user, "1.2亿")
    assert "上年度营业收入 = 1.2亿元" in (view.text or "")
    prompt = await edit(bot, user, view, "属于中小企业")
    view = await ask(bot, user, prompt, "是")
    prompt = await edit(bot, user, view, "所在区")
    assert "当前:洪山区" in (prompt.text or "") and "🧹 清除此项" in prompt.button_texts
    cancelled = await bot.press(user, prompt, text="✖ 取消")
    assert cancelled.text is None
    [view] = await bot.command(user, "profile")
    text = view.text or ""
    assert "企业名称:<b>武汉某某</b>科技有限公司" in text
    assert "所在区:洪山区" in text and "属于中小企业:是" in text
    assert "仅您本人可见" in text
    with Session(bot.engine) as session:
        stored = profiles.get_profile(session, user_id=user.id)
    assert stored is not None
    assert dict(stored.facts) == {"district": "洪山区", "annual_revenue": "12000", "is_sme": True}

    [report] = await bot.command(user, "match")
    text = report.text or ""
    assert "政策体检" in text and "比对了 12 项政策" in text
    assert "还需补充信息" in text and "还需了解" in text

    # another user sees only their own (empty) profile; forged edits are refused
    other = await bot.user("李四")
    [theirs] = await bot.command(other, "profile")
    assert "还没有企业档案" in (theirs.text or "")
    answer = await bot.press(other, theirs, data="prof:ans:district:0")
    assert answer.text == STALE

    await bot.press(user, view, text="🗑 删除档案")
    confirm = await bot.client.wait_for_edit(user, view.message_id)
    assert "确定要删除企业档案吗" in (confirm.text or "")
    await bot.press(user, confirm, text="确认删除档案")
    await bot.client.wait_for_edit(user, view.message_id, edits=2)
    with Session(bot.engine) as session:
        assert profiles.get_profile(session, user_id=user.id) is None


async def test_forget_deletes_everything_about_the_user(harness: Bot) -> None:
    async with harness.run():
        user = await harness.user()
        await harness.command(user, "start")
        [card] = await harness.say(user, QUESTION)
        await harness.press(user, card, text="👍 有帮助")
        await harness.press(user, card, text="✅ 资格自测")
        [first] = await harness.next(user)
        await harness.press(user, first, text="江汉区")
        [second] = await harness.next(user)
        assert "第 2 题" in (second.text or "")
        [prompt] = await harness.command(user, "forget")
        assert "删除我的全部数据" in (prompt.text or "")
        await harness.press(user, prompt, text="取消")
        kept = await harness.client.wait_for_edit(user, prompt.message_id)
        assert "未被删除" in (kept.text or "")
        [prompt] = await harness.command(user, "forget")
        await harness.press(user, prompt, text="⚠️ 确认删除全部数据")
        done = await harness.client.wait_for_edit(user, prompt.message_id)
        assert "已删除您的全部数据" in (done.text or "")
        answer = await harness.press(user, second, text="是")  # the check is gone
        assert answer.text == "这个问题已经回答过了"
    with Session(harness.engine) as session:
        assert session.get(BotUser, user.id) is None
        assert users.feedback_of_user(session, user_id=user.id) == []
        assert profiles.get_check(session, user_id=user.id) is None
        [asked] = session.exec(select(QuestionLog).where(QuestionLog.question == QUESTION)).all()
        assert asked.user_id is None  # kept for the statistics, no longer linked to the user
        keys = [(row.kind, row.key) for row in session.exec(select(BotState)).all()]
    assert not [(k, v) for k, v in keys if str(user.id) in v], keys
