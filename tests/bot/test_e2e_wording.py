"""The wording people see: role-aware refusals, the greeting, the real @username in the
help, dates and deadlines as people say them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.render import dates
from tests.bot.e2e_support import USERNAME, Bot

TZ = ZoneInfo("Asia/Shanghai")


async def test_commands_for_other_roles_say_whose_they_are(bot: Bot) -> None:
    user = await bot.user()
    [inbox] = await bot.command(user, "inbox")
    assert (inbox.text or "").startswith("/inbox 仅限企业服务专员和部门使用。")
    assert "该工单" not in (inbox.text or "")
    [queue] = await bot.command(user, "queue")
    assert (queue.text or "").startswith("/queue 仅限管理员使用。")
    assert "该工单" not in (queue.text or "")


async def test_greeting_and_help(bot: Bot) -> None:
    user = await bot.user("   ")
    [welcome] = await bot.command(user, "start")
    assert (welcome.text or "").startswith("您好!欢迎使用")
    [help_text] = await bot.command(user, "help")
    assert f"@{USERNAME} 关键词" in (help_text.text or "")
    assert "机器人用户名" not in (help_text.text or "")


def test_dates_and_deadlines() -> None:
    assert dates.day(dt.date(2023, 12, 31)) == "2023年12月31日"
    midnight = dt.datetime(2026, 12, 8, 0, 0, tzinfo=TZ)
    assert dates.deadline(midnight, TZ) == "12月7日(周一)下班前"
    afternoon = dt.datetime(2026, 12, 8, 15, 30, tzinfo=TZ)
    assert dates.deadline(afternoon, TZ) == "12月8日(周二)15:30"


async def test_thanks_get_a_courtesy_not_a_search_failure(bot: Bot) -> None:
    user = await bot.user()
    for text in ("谢谢", "好的收到,谢谢"):
        [reply] = await bot.say(user, text)
        assert (reply.text or "").startswith("不客气。"), text
        assert "没有找到" not in (reply.text or "")
    [card] = await bot.say(user, "谢谢,个体户转成公司有奖励吗")  # thanks inside a question
    assert "不客气" not in (card.text or "") and "个转企" in (card.text or "")
