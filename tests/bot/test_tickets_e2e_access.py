"""Negative access tests, table-driven: every ticket command and callback, pressed or sent
by every role that must not use it on this ticket (forged callback data included), is
refused and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from policybot_localapi.api import Chat, MessageRecord, User
from services import roles as role_service
from services.sla import SlaPolicy
from services.ticket_access import Action, Actor
from services.tickets import Draft, act, create_ticket
from storage import roles
from storage import tickets as store
from storage.db import session_scope
from storage.models import UserRole
from tests.bot.e2e_support import Bot
from tests.bot.tickets_support import Watch, make_parties

TZ = ZoneInfo("Asia/Shanghai")
FORBIDDEN = "无权"
ADMIN_ONLY = "仅限管理员"

# role -> callback data templates it must not use ({t}: ticket id, {d}: department id,
# {c}: another commissioner, {me}: the presser)
CALLBACKS: dict[str, list[str]] = {
    "other_enterprise": [
        "tk:acc:{t}",
        "tk:rep:{t}",
        "tk:info:{t}",
        "tk:done:{t}",
        "tk:ret:{t}",
        "tk:tr:{t}",
        "tk:tod:{t}",
        "tk:asg:{t}",
        "tk:back:{t}",
        "tk:close:{t}",
        "tk:asgu:{t}:{c}",
        "tk:erep:{t}",
        "tk:rate:{t}:1",
        "tk:drep:{t}",
        "tk:view:{t}",
        "tk:att:{t}",
        "tk:trd:{t}:{d}",
    ],
    "enterprise": [
        "tk:acc:{t}",
        "tk:rep:{t}",
        "tk:info:{t}",
        "tk:done:{t}",
        "tk:ret:{t}",
        "tk:tr:{t}",
        "tk:tod:{t}",
        "tk:asg:{t}",
        "tk:back:{t}",
        "tk:close:{t}",
        "tk:asgu:{t}:{c}",
        "tk:drep:{t}",
        "tk:trd:{t}:{d}",
    ],
    "other_commissioner": [
        "tk:acc:{t}",
        "tk:rep:{t}",
        "tk:info:{t}",
        "tk:done:{t}",
        "tk:ret:{t}",
        "tk:tr:{t}",
        "tk:tod:{t}",
        "tk:asg:{t}",
        "tk:close:{t}",
        "tk:asgu:{t}:{me}",
        "tk:erep:{t}",
        "tk:rate:{t}:3",
        "tk:drep:{t}",
        "tk:view:{t}",
        "tk:att:{t}",
        "tk:trd:{t}:{d}",
    ],
    "commissioner": [
        "tk:asg:{t}",
        "tk:back:{t}",
        "tk:close:{t}",
        "tk:asgu:{t}:{c}",
        "tk:erep:{t}",
        "tk:rate:{t}:2",
    ],
    "admin": ["tk:acc:{t}", "tk:done:{t}", "tk:tr:{t}", "tk:erep:{t}", "tk:rate:{t}:1"],
    "other_department": [
        "tk:drep:{t}",
        "tk:view:{t}",
        "tk:att:{t}",
        "tk:acc:{t}",
        "tk:rep:{t}",
        "tk:erep:{t}",
    ],
}
ADMIN_CALLBACKS = {"enterprise": ["adm:grant", "adm:rv:{c}"], "commissioner": ["adm:rv:{c}"]}
COMMANDS: list[tuple[str, str, str, str]] = [  # (role, command, args, refusal)
    ("enterprise", "inbox", "", "/inbox 仅限企业服务专员和部门使用"),
    ("other_enterprise", "inbox", "", "/inbox 仅限企业服务专员和部门使用"),
    ("enterprise", "queue", "", "/queue 仅限管理员使用"),
    ("commissioner", "queue", "", "/queue 仅限管理员使用"),
    ("enterprise", "report", "", "/report 仅限管理员使用"),
    ("commissioner", "report", "2026-11", "/report 仅限管理员使用"),
    ("enterprise", "admin", "", ADMIN_ONLY),
    ("commissioner", "admin", "", ADMIN_ONLY),
    ("other_enterprise", "ticket", "{n}", FORBIDDEN),
    ("other_commissioner", "ticket", "{n}", FORBIDDEN),
    ("other_department", "ticket", "{n}", FORBIDDEN),
]


async def test_every_command_and_callback_is_refused_to_other_roles(harness: Bot) -> None:
    bot, client = harness, harness.client
    parties = await make_parties(bot)
    other_enterprise = await client.create_user("乙公司", user_id=8_100_006)
    other_commissioner = await client.create_user("赵专员", user_id=8_100_007)
    member = await client.create_user("金融办小张", user_id=8_100_008)
    finance = await client.create_chat("group", title="示例区金融服务办公室", members=[member])
    now = dt.datetime.now(TZ)
    with session_scope(bot.engine) as session:
        role_service.grant(
            session,
            actor_id=None,
            user_id=other_commissioner.id,
            role=UserRole.COMMISSIONER,
            area_code="demo-district",
            name="赵专员",
        )
        finance_dept = roles.get_department_by_code(session, code="demo-finance-office")
        assert finance_dept is not None
        roles.upsert_department(
            session, code=finance_dept.code, name=finance_dept.name, chat_id=finance.id
        )
        sme = roles.get_department_by_code(session, code="demo-sme-center")
        assert sme is not None and sme.id is not None
        dept_id = sme.id
        draft = Draft(
            category="法律服务",
            description="合同纠纷",
            enterprise_name="甲公司",
            area_code="demo-park",
        )
        change = create_ticket(
            session,
            draft=draft,
            enterprise_id=parties.enterprise.id,
            now=now,
            policy=SlaPolicy(tz=TZ),
        )
        ticket_id, number = change.ticket.id or 0, change.ticket.number
        actor = Actor(
            user_id=parties.commissioner.id, chat_id=parties.commissioner.id, is_commissioner=True
        )
        steps: list[tuple[Action, dict[str, Any]]] = [
            (Action.ACCEPT, {}),
            (Action.TRANSFER, {"department_id": dept_id}),
        ]
        for action, kw in steps:
            act(
                session,
                ticket_id=ticket_id,
                action=action,
                actor=actor,
                now=now,
                policy=SlaPolicy(tz=TZ),
                **kw,
            )
    people: dict[str, tuple[User, Chat | None]] = {
        "enterprise": (parties.enterprise, None),
        "other_enterprise": (other_enterprise, None),
        "commissioner": (parties.commissioner, None),
        "other_commissioner": (other_commissioner, None),
        "admin": (parties.admin, None),
        "other_department": (member, finance),
    }
    watch = Watch(bot)
    async with bot.run():
        anchors: dict[str, MessageRecord] = {}
        for role, (user, chat) in people.items():  # a bot message to press buttons on
            await client.send_command(user, "myid", chat=chat)
            anchors[role] = await watch.wait(chat or user, "数字 ID")
        values = {"t": ticket_id, "d": dept_id, "c": other_commissioner.id, "n": number}
        refused: list[str] = []
        for table, expected in ((CALLBACKS, FORBIDDEN), (ADMIN_CALLBACKS, ADMIN_ONLY)):
            for role, templates in table.items():
                user, chat = people[role]
                for template in templates:
                    data = template.format(**values, me=user.id)
                    answer = await bot.press(user, anchors[role], data=data, chat=chat)
                    if not (answer.text and expected in answer.text):
                        refused.append(f"{role} {data}: {answer.text!r}")
        for role, command, args, expected in COMMANDS:
            user, chat = people[role]
            await client.send_command(user, command, args.format(**values), chat=chat)
            reply = await watch.wait(chat or user, expected)
            assert reply.text
        assert refused == []
        # nothing was relayed to anyone by the refused attempts
        assert [m for m in client.messages(parties.enterprise) if "QY-" in (m.text or "")] == []
        assert [m for m in client.messages(parties.department) if "QY-" in (m.text or "")] == []
    with Session(bot.engine) as session:
        ticket = store.get_ticket(session, ticket_id=ticket_id)
        assert ticket is not None
        assert (ticket.status, ticket.assignee_id) == ("转办中", parties.commissioner.id)
        assert ticket.rating is None
        kinds = [e.kind for e in store.events(session, ticket_id=ticket_id, include_internal=True)]
    assert kinds == ["created", "assigned", "accepted", "transferred"]
