"""The clarifying question in Telegram: options, 都不是, self-check offer (also under an
answer), stale buttons, and off-topic questions that are still declined (not clarified)."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import QuestionLog
from tests.bot.e2e_support import Bot

AMBIGUOUS = "专精特新怎么申报"  # several items are about 专精特新, none is "how to apply"


async def test_an_ambiguous_question_is_asked_back(bot: Bot) -> None:
    user = await bot.user()
    [asked] = await bot.say(user, AMBIGUOUS)
    assert "您是想了解以下哪项?" in (asked.text or "")
    labels = asked.button_texts
    options = [b for b in asked.buttons if b["callback_data"].startswith("clar:")]
    assert len(options) == 4 and options[-1]["text"] == "都不是"
    assert all(label[0] in "123" for label in labels[:3])
    # the programme named in the question has a self-check: it is offered
    assert any(label.startswith("✅ 自测:专精特新") for label in labels)
    assert "资格自测" in (asked.text or "")
    with Session(bot.engine) as session:
        logged = session.exec(select(QuestionLog).where(QuestionLog.user_id == user.id)).one()
    assert not logged.answered  # asked back, not answered: listed for the maintainers
    assert options[0]["callback_data"].startswith(f"clar:{logged.id}:1:")

    await bot.press(user, asked, text=labels[0])
    [card] = await bot.next(user)
    assert "好的,以下是您选择的政策" in (card.text or "")
    assert labels[0].split(". ", 1)[1].rstrip("…") in (card.text or "")
    assert "👍 有帮助" in card.button_texts
    edited = await bot.client.wait_for_edit(user, asked.message_id)
    assert not edited.buttons  # the options are gone once chosen

    # an old or forged option gets a friendly answer, nothing else
    for data in ("clar:1:2:nope", "clar:x", f"clar:{logged.id}:9:wh-sme-2023:1.2"):
        answer = await bot.press(user, asked, data=data)
        assert answer.text == "按钮已过期,请重新提问或使用 /browse"


async def test_an_answer_offers_the_self_check_of_the_programme_named(bot: Bot) -> None:
    # answered with the 13000-firm target, whose 资格自测 would first ask which of its two
    # programmes: the one the question names is offered directly, under the card
    user = await bot.user()
    [card] = await bot.say(user, "高新技术企业认定条件")
    assert "高新技术企业突破13000家" in (card.text or "")
    assert "「高新技术企业认定」可以做资格自测" in (card.text or "")
    assert "✅ 资格自测" not in card.button_texts
    await bot.press(user, card, text="✅ 自测:高新技术企业认定")
    [first] = await bot.next(user)
    assert "高新技术企业认定" in (first.text or "") and "第 1 题" in (first.text or "")
    assert "注册成立多久" in (first.text or "")

    # a card whose own self-check is the one named keeps its 资格自测 button
    [card] = await bot.say(user, "个体户转成公司有奖励吗")  # typed mid-check: a question
    assert "✅ 资格自测" in card.button_texts
    assert "可以做资格自测" not in (card.text or "")


async def test_none_of_these_gives_the_rephrase_tip_and_human_help(bot: Bot) -> None:
    user = await bot.user()
    [asked] = await bot.say(user, AMBIGUOUS)
    await bot.press(user, asked, text="都不是")
    [reply] = await bot.next(user)
    assert "换个说法" in (reply.text or "") and "/request" in (reply.text or "")
    assert reply.button_texts == ["📂 分类浏览"]
    with Session(bot.engine) as session:
        logged = session.exec(select(QuestionLog).where(QuestionLog.user_id == user.id)).one()
    assert not logged.answered


async def test_off_topic_is_declined_not_asked_back(bot: Bot) -> None:
    user = await bot.user()
    for question in ("今天天气怎么样", "推荐一部好看的电影"):
        [reply] = await bot.say(user, question)
        assert "您是想了解以下哪项" not in (reply.text or "")
        assert not any(b["callback_data"].startswith("clar:") for b in reply.buttons)
