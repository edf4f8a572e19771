"""Free text → policy card, its buttons, low confidence, noise, edits and huge texts."""

from __future__ import annotations

from sqlmodel import Session, select

from storage import users
from storage.models import QuestionLog
from tests.bot.e2e_support import CARD_TITLE, QUESTION, Bot


async def test_question_gives_the_card(bot: Bot) -> None:
    user = await bot.user()
    [card] = await bot.say(user, QUESTION)
    text = card.text or ""
    assert CARD_TITLE in text
    assert "《武汉市2023年中小企业工作要点》" in text  # source document
    assert "(五)开展优质企业培育行动" in text and "› 20" in text  # section and number
    assert "力争全年推动“个转企”1000户以上" in text  # the measure's content
    bold = {text_of(card, e) for e in card.entities if e["type"] == "bold"}
    assert "1000户以上" in bold  # key figure highlighted
    assert "支持对象:个体工商户" in text
    assert "来源:《武汉市2023年中小企业工作要点》二、(五)20" in text
    assert "其他申报信息原文未载明,请向主管部门确认" in text
    # a yearly plan of a past year is answered as such
    assert "此为2023年度工作要点,相关安排可能已调整。" in text
    assert card.button_texts == [
        *("📜 原文", "🔗 相关政策", "✅ 资格自测", "🔔 订阅此类政策", "🙋 人工咨询"),
        *("👍 有帮助", "👎 没帮助"),
    ]
    with Session(bot.engine) as session:
        logged = session.exec(select(QuestionLog).where(QuestionLog.user_id == user.id)).one()
    assert logged.channel == "telegram" and logged.answered
    assert f"fb:up:{logged.id}:wh-sme-2023:2.5.20" in [b["callback_data"] for b in card.buttons]


def text_of(message: object, entity: dict[str, int]) -> str:
    raw = (getattr(message, "text", "") or "").encode("utf-16-le")
    start, length = entity["offset"] * 2, entity["length"] * 2
    return raw[start : start + length].decode("utf-16-le")


async def test_card_buttons(bot: Bot) -> None:
    user = await bot.user()
    [card] = await bot.say(user, QUESTION)
    answer = await bot.press(user, card, text="📜 原文")
    assert answer.text is None
    [full] = await bot.next(user)
    assert "原文 · " + CARD_TITLE in (full.text or "")
    assert "文件:《武汉市2023年中小企业工作要点》" in (full.text or "")
    assert "2023年3月31日印发" in (full.text or "") and "印发日期:2023年3月31日" in (
        full.text or ""
    )
    assert "生效日期" not in (full.text or "")  # the document gives none

    await bot.press(user, card, text="🔗 相关政策")
    [related] = await bot.next(user)
    assert "相关的政策" in (related.text or "")
    assert related.button_texts[-1] == "📂 分类浏览"
    assert not any(CARD_TITLE in t for t in related.button_texts)
    await bot.press(user, related, text=related.button_texts[0])
    [other] = await bot.next(user)
    assert related.button_texts[0].split(". ", 1)[1].rstrip("…") in (other.text or "")

    answer = await bot.press(user, card, text="👍 有帮助")
    assert answer.text == "感谢您的反馈!"
    await bot.client.wait_for_edit(user, card.message_id)
    kept = ["📜 原文", "🔗 相关政策", "✅ 资格自测", "🔔 订阅此类政策", "🙋 人工咨询"]
    assert bot.client.message(user, card.message_id).button_texts == kept
    await bot.press(user, other, text="👎 没帮助")
    with Session(bot.engine) as session:
        votes = users.feedback_of_user(session, user_id=user.id)
        asked = session.exec(select(QuestionLog).where(QuestionLog.user_id == user.id)).one()
    assert [(v.entry_id, v.helpful, v.question_id) for v in votes] == [
        ("wh-sme-2023:2.5.20", True, asked.id),
        (votes[1].entry_id, False, None),  # a card opened from a list has no question
    ]


async def test_low_confidence_offers_suggestions_and_browse(bot: Bot) -> None:
    user = await bot.user()
    # a question about the policies that none answers for sure: what came closest
    [reply] = await bot.say(user, "各种政策服务资源能不能整合到一起,别让我们到处跑")
    assert "没有找到与您的问题完全对应的政策" in (reply.text or "")
    assert reply.buttons[-1] == {"text": "📂 分类浏览", "callback_data": "brw:root"}
    suggested = reply.buttons[:-1]
    assert suggested and all(b["callback_data"].startswith("card:show:") for b in suggested)
    await bot.press(user, reply, data=suggested[0]["callback_data"])
    [card] = await bot.next(user)
    assert "📜 原文" in card.button_texts
    await bot.press(user, reply, text="📂 分类浏览")
    edited = await bot.client.wait_for_edit(user, reply.message_id)
    assert "请选择政策分类" in (edited.text or "")


async def test_an_off_topic_question_gets_no_list_of_random_policies(bot: Bot) -> None:
    user = await bot.user()
    [reply] = await bot.say(user, "今天天气怎么样")
    # a subject no document speaks of is named, with 分类浏览 as the way on
    assert "已收录的政策文件里没有关于「天气」的内容" in (reply.text or "")
    assert reply.buttons == [{"text": "📂 分类浏览", "callback_data": "brw:root"}]
    assert "/request" not in (reply.text or "")  # the weather is no 诉求


async def test_an_enterprise_matter_no_document_speaks_of_offers_a_request(bot: Bot) -> None:
    # an invoice is the enterprise's own tax matter: an 企业服务专员 can take it as a 诉求
    user = await bot.user()
    [reply] = await bot.say(user, "发票怎么开")
    assert "这属于报税和发票方面的问题" in (reply.text or "")
    assert "可发送 /request 提交诉求,由企业服务专员帮您对接相关部门" in (reply.text or "")


async def test_a_question_asking_which_measures_there_are_gets_the_others_listed(
    bot: Bot,
) -> None:
    user = await bot.user()
    card, more = await bot.say(user, "中小企业有哪些奖励", count=2)
    assert "📜 原文" in card.button_texts
    # the answer's card, then the other measures that could have answered
    assert "与您的问题相关的还有" in (more.text or "") and "个转企" in (more.text or "")
    assert more.button_texts[-1] == "📂 分类浏览"
    await bot.press(user, more, text=next(t for t in more.button_texts if "个转企" in t))
    [shown] = await bot.next(user)
    assert "加快推进“个转企”" in (shown.text or "")
    # no clear answer: the options come as the list asked for, still with 都不是
    [options] = await bot.say(user, "融资有什么支持政策")
    assert (options.text or "").startswith("与您的问题相关的有以下几项")
    assert "1. 扩大小微企业贷款规模〔2023年度〕" in (options.text or "")  # listed, with marks
    assert len(options.button_texts) >= 4 and "都不是" in options.button_texts[-1]
    # asked about one measure, or with nothing else as likely: the card alone (the next
    # message read is the reply to the thanks, not a list)
    for question in ("个体户转成公司有奖励吗", "企业上市有什么奖励"):
        [alone] = await bot.say(user, question)
        assert "📜 原文" in alone.button_texts
        [thanks] = await bot.say(user, "谢谢")
        assert "不客气" in (thanks.text or ""), question


async def test_noise_edits_and_huge_text(bot: Bot) -> None:
    user = await bot.user()
    for noise in ("!!!", "😀😀😀", "。。。"):
        [hint] = await bot.say(user, noise)
        assert "暂未理解您的问题" in (hint.text or "")
    [unknown] = await bot.say(user, "asdfgh")
    assert "没有找到相关政策" in (unknown.text or "")

    injected = await bot.client.send_message(user, "今天天气怎么样")
    await bot.next(user)
    await bot.client.edit_message(user, injected, QUESTION)
    [again] = await bot.next(user)
    assert "您修改了消息" in (again.text or "") and CARD_TITLE in (again.text or "")

    [cut] = await bot.say(user, QUESTION + "啊" * 10_000)
    limit = bot.settings.max_question_chars
    assert f"只取前 {limit} 字" in (cut.text or "") and CARD_TITLE in (cut.text or "")
    with Session(bot.engine) as session:
        rows = session.exec(select(QuestionLog).where(QuestionLog.user_id == user.id)).all()
    assert max(len(r.question) for r in rows) <= limit
