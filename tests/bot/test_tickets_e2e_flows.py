"""Reassignment, rating and reopening, and SLA reminders/escalation under a controllable
clock, through the local Bot API."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.app import build_application
from scheduler import ticket_sla
from services import roles as role_service
from services.sla import SlaPolicy
from services.tickets import Draft, create_ticket
from storage import tickets as store
from storage.db import session_scope
from storage.models import UserRole
from tests.bot.e2e_support import Bot
from tests.bot.tickets_support import Clock, Parties, Watch, make_parties

TZ = ZoneInfo("Asia/Shanghai")


def submit(bot: Bot, parties: Parties, *, now: dt.datetime | None = None) -> tuple[int, str]:
    """A ticket created as /request would (without its notifications)."""
    services_now = now or dt.datetime.now(TZ)
    draft = Draft(
        category="融资对接", description="贷款贴息", enterprise_name="甲公司", area_code="demo-park"
    )
    with session_scope(bot.engine) as session:
        change = create_ticket(
            session,
            draft=draft,
            enterprise_id=parties.enterprise.id,
            now=services_now,
            policy=SlaPolicy(tz=TZ),  # the defaults of the settings
        )
        assert change.ticket.id is not None
        return change.ticket.id, change.ticket.number


async def test_return_reassign_unsatisfied_review(harness: Bot) -> None:
    bot, client = harness, harness.client
    parties = await make_parties(bot)
    ent, com, admin = parties.enterprise, parties.commissioner, parties.admin
    other = await client.create_user("李专员", user_id=8_100_005)
    with session_scope(bot.engine) as session:
        role_service.grant(
            session,
            actor_id=admin.id,
            user_id=other.id,
            role=UserRole.COMMISSIONER,
            area_code="demo-district",
            name="李专员",
        )
    ticket_id, number = submit(bot, parties)
    watch = Watch(bot)
    async with bot.run():
        await client.send_command(com, "inbox")
        inbox = await watch.wait(com, "我的待办工单")
        assert number in (inbox.text or "")
        await bot.press(com, inbox, text=f"{number} 待接单")
        view = await watch.wait(com, "办理记录")
        await bot.press(com, view, text="↩️ 退回/改派")
        await watch.wait(com, "请简要说明退回原因")
        await client.send_message(com, "不属于本园区业务")
        await watch.wait(com, "已退回待分派队列")
        queued = await watch.wait(admin, "待分派")
        assert "不属于本园区业务" in (queued.text or "")
        await watch.wait(ent, "状态:待分派")
        await bot.press(admin, queued, text="👤 分派")
        choose = await watch.wait(admin, "请选择要分派的专员")
        label = next(t for t in choose.button_texts if t.startswith("李专员"))
        await bot.press(admin, choose, text=label)
        new = await watch.wait(other, "改派给您的工单")
        await watch.wait(ent, "状态:待接单")
        stale = await bot.press(com, view, data=f"tk:acc:{ticket_id}")  # the old buttons
        assert stale.text and "无权" in stale.text
        await bot.press(other, new, text="✅ 接单")
        new = await client.wait_for_edit(other, new.message_id)
        await bot.press(other, new, text="🏁 办结")
        await watch.wait(other, "请输入办结意见")
        await client.send_message(other, "已对接银行")
        resolved = await watch.wait(ent, "状态:已办结")
        await bot.press(ent, resolved, text="不满意")
        review = await watch.wait(admin, "企业不满意,请复核")
        await watch.wait(ent, "状态:复核中")
        prompt = await watch.wait(ent, "如有补充意见")
        again = await bot.press(ent, resolved, data=f"tk:rate:{ticket_id}:1")  # a second vote
        assert again.text and "状态已变化" in again.text
        await bot.press(ent, prompt, text="跳过")
        await bot.press(admin, review, text="↩️ 退回原专员")
        await watch.wait(other, "退回给您")
        await watch.wait(ent, "状态:处理中")
    with Session(bot.engine) as session:
        ticket = store.get_ticket(session, ticket_id=ticket_id)
        assert ticket is not None
        assert (ticket.status, ticket.assignee_id, ticket.reopen_count) == ("处理中", other.id, 1)
        assert ticket.resolved_at is None and ticket.rating == "不满意"
        kinds = [e.kind for e in store.events(session, ticket_id=ticket_id, include_internal=True)]
    assert kinds == [
        "created",
        "assigned",
        "returned",
        "reassigned",
        "accepted",
        "resolved",
        "rated",
        "back",
    ]


async def test_sla_reminders_and_escalation_with_a_clock(harness: Bot) -> None:
    bot, client = harness, harness.client
    parties = await make_parties(bot)
    com, admin = parties.commissioner, parties.admin
    wednesday = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
    clock = Clock(wednesday)
    app = build_application(
        bot.settings,
        knowledge=bot.knowledge,
        engine=bot.engine,
        base_url=bot.api.bot_api_url,
        clock=clock,
        transport=bot.transport,
    )
    ticket_id, number = submit(bot, parties, now=wednesday)
    watch = Watch(bot)
    async with bot.run(app):
        services = app.bot_data
        assert await ticket_sla.check(services, app.bot) == []
        clock.current = dt.datetime(2026, 11, 26, 9, 30, tzinfo=TZ)  # Thursday morning
        [reminder] = await ticket_sla.check(services, app.bot)
        assert reminder.kind.value == "remind_first"
        message = await watch.wait(com, "提醒")
        assert number in (message.text or "") and "首次联系企业" in (message.text or "")
        assert await ticket_sla.check(services, app.bot) == []  # sent once
        clock.current = dt.datetime(2026, 11, 27, 8, 0, tzinfo=TZ)  # Friday: overdue
        [escalation] = await ticket_sla.check(services, app.bot)
        assert escalation.kind.value == "overdue_first"
        alert = await watch.wait(admin, "超时上报")
        assert "王专员" in (alert.text or "") and "首次联系" in (alert.text or "")
        assert "👤 改派" in alert.button_texts
        clock.advance(hours=2)
        assert await ticket_sla.check(services, app.bot) == []
        await client.send_command(com, "inbox")
        inbox = await watch.wait(com, "我的待办工单")
        assert f"⏰ {number}" in (inbox.text or "")  # overdue first
        escalations = [m for m in client.messages(admin) if "超时上报" in (m.text or "")]
        assert len(escalations) == 1
    with Session(bot.engine) as session:
        alerts = store.alerts_of(session, ticket_id=ticket_id)
    assert [a.kind for a in alerts] == ["remind_first", "overdue_first"]
