"""End to end through the local Bot API: an admin uploads a district notice; a subscriber of
"符合我企业档案的政策" whose profile fits its 适用对象 gets it (another does not); the publish
is rolled back: the subscriber gets one 政策已撤回 notice and the bot stops answering from
the withdrawn entries at once. The real push jobs plan and send."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, select

from services import kbpublish
from storage import profiles
from storage.db import session_scope
from storage.models_kbops import KBPublish
from tests.bot.e2e_support import Bot
from tests.bot.push_support import Clock, at, build, plan

ADMIN_ID = 9_200_001
QUESTION = "我们是软件公司,房租有补贴吗"
# a test fixture written by us: a fictitious notice, not a real policy
NOTICE = """洪山区支持软件企业发展若干措施(测试用虚构文件)
洪山区人民政府
2026年11月20日
一、房租支持
1.软件企业房租补贴。对注册在洪山区的软件和信息服务业企业给予房租补贴。
二、规模奖励
1.首次入规奖励。对首次纳入统计的规上工业企业给予奖励。
"""


async def test_profile_push_then_rollback_withdraws(harness: Bot) -> None:
    app = build(harness, Clock(at(10)), jobs=True, admin_ids=[ADMIN_ID], scan_interval_seconds=1)
    async with harness.run(app):
        await plan(app)  # the bundled document was imported before anyone subscribed
        admin = await harness.client.create_user("管理员", user_id=ADMIN_ID)
        fits, other = await harness.user("软件公司"), await harness.user("江岸公司")
        with session_scope(harness.engine) as session:
            facts: dict[str, bool | str] = {
                "district": "洪山区",
                "industry": "I",
                "is_four_above": False,
            }
            profiles.update_facts(session, user_id=fits.id, facts=facts)
            profiles.update_facts(session, user_id=other.id, facts={**facts, "district": "江岸区"})
        for user in (fits, other):
            [intro] = await harness.command(user, "subscribe")
            await harness.press(user, intro, text="🏢 符合我企业档案的政策")
            draft = await harness.client.wait_for_edit(user, intro.message_id)
            await harness.press(user, draft, text="✅ 保存订阅")
            await harness.client.wait_for_edit(user, intro.message_id, edits=2)
        [answer] = await harness.say(fits, QUESTION)
        assert "软件企业房租补贴" not in (answer.text or "")  # not in the library yet

        await harness.client.send_document(admin, "洪山区措施.txt", NOTICE.encode("utf-8"))
        [preview] = await harness.next(admin)
        assert "层级:区级 · 地区:洪山" in (preview.text or "")
        await harness.press(admin, preview, text="✅ 确认发布")
        await harness.client.wait_for_edit(admin, preview.message_id)

        [notice] = await harness.next(fits)  # the plan and delivery jobs
        text = notice.text or ""
        assert "🆕 新政策" in text and "软件企业房租补贴" in text and "首次入规" not in text
        [card] = await harness.say(fits, QUESTION)
        assert "软件企业房租补贴" in (card.text or "")

        with Session(harness.engine) as session:
            import_id = session.exec(select(KBPublish.import_id)).one()
        report = await asyncio.to_thread(
            kbpublish.rollback, harness.knowledge, import_id, actor=f"telegram:{ADMIN_ID}"
        )
        assert len(report.removed) == 2
        [after] = await harness.say(fits, QUESTION)  # the index changed with the rollback
        assert "软件企业房租补贴" not in (after.text or "")

        [withdrawn] = await harness.next(fits)
        assert "↩️ 政策已撤回" in (withdrawn.text or "")
        assert "软件企业房租补贴" in (withdrawn.text or "")
        assert withdrawn.button_texts == ["⚙️ 管理订阅"]
        await harness.client.expect_no_messages(fits, within=2.5)  # once
        await harness.client.expect_no_messages(other, within=0.1)  # another district: told nothing
