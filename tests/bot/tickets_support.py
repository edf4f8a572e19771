"""Helpers of the ticket end-to-end tests: the service map, four parties, and waiting for
a bot message by its content (several parties get messages in any order)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from policybot_localapi.api import Chat, MessageRecord, User
from services import roles as role_service
from storage import roles
from storage.db import session_scope
from storage.models import UserRole
from tests.bot.e2e_support import Bot

MAP = Path(__file__).resolve().parents[2] / "docs" / "service-map.example.yaml"


@dataclass
class Watch:
    """Waits for the next bot message in a chat whose text contains a needle."""

    bot: Bot
    seen: dict[int, int] = field(default_factory=dict)

    async def wait(self, chat: User | Chat, needle: str, within: float = 10.0) -> MessageRecord:
        client, cid = self.bot.client, chat.id

        def find() -> MessageRecord | None:
            for record in client.messages(cid):
                if record.message_id > self.seen.get(cid, 0) and needle in (record.text or ""):
                    return record
            return None

        found = await client.wait_for(find, within, f"{needle!r} in chat {cid}")
        self.seen[cid] = found.message_id
        return found

    def skip(self, chat: User | Chat) -> None:
        messages = self.bot.client.messages(chat.id)
        self.seen[chat.id] = messages[-1].message_id if messages else 0


@dataclass
class Parties:
    enterprise: User
    commissioner: User
    member: User  # a member of the department chat
    department: Chat
    admin: User


async def make_parties(bot: Bot) -> Parties:
    """Four parties and the service map: the commissioner serves 示例产业园, the
    department 示例区中小企业服务中心 is a group chat."""
    client = bot.client
    enterprise = await client.create_user("企业经办人", user_id=8_100_001)
    commissioner = await client.create_user("王专员", user_id=8_100_002)
    member = await client.create_user("部门老李", user_id=8_100_003)
    admin = await client.create_user("管理员", user_id=8_100_004)
    department = await client.create_chat("group", title="示例区中小企业服务中心", members=[member])
    load_demo_roles(bot.engine, commissioner.id, admin.id, department_chat=department.id)
    with session_scope(bot.engine) as session:
        assert roles.get_commissioner(session, user_id=commissioner.id) is not None
    return Parties(enterprise, commissioner, member, department, admin)


def load_demo_roles(
    engine: Engine, commissioner_id: int, admin_id: int, *, department_chat: int | None
) -> None:
    """The example service map: 王专员 serves 示例产业园 (demo-park), one admin; the
    department gets ``department_chat`` (None: no departments)."""
    with session_scope(engine) as session:
        data = role_service.read_service_map(MAP)
        data["commissioners"] = []
        if department_chat is None:
            data["departments"] = []
        else:
            data["departments"][0]["chat_id"] = department_chat
        role_service.load_service_map(session, data)
        role_service.grant(
            session,
            actor_id=None,
            user_id=commissioner_id,
            role=UserRole.COMMISSIONER,
            area_code="demo-park",
            name="王专员",
        )
        role_service.grant(session, actor_id=None, user_id=admin_id, role=UserRole.ADMIN)


class Clock:
    """A controllable clock for ``build_application(clock=...)``."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


def ticket_number_of(text: str | None) -> str:
    assert text is not None
    start = text.index("QY-")
    return text[start : start + 16]
