"""Two ``policybot run --webhook`` processes share one PostgreSQL database behind
a round-robin load balancer, with updates delivered by webhook from the local Bot API.

What it checks:
* a service-request form (a persistent ConversationHandler) goes on whichever instance
  gets the next step — consecutive updates alternate between the two;
* every SLA reminder and every policy push is sent exactly once, a user's due notices in
  one message (planning and sending on the advisory-lock leader);
* ``kill -9`` of the instance holding an update in progress loses nothing: the update is
  delivered again to the survivor, the half-filled form goes on there (at the step the
  update led to, if the victim had stored it), and the survivor takes over the scheduled
  scans.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from policybot_localapi.api import Limits, LocalBotAPI, MessageRecord, User
from services.knowledge import KnowledgeBase
from storage import push
from storage.db import session_scope
from storage.models import BotState
from storage.models_tickets import Ticket, TicketAlert
from tests.bot.cluster_support import (
    EXE,
    Balancer,
    Instance,
    free_port,
    instance_env,
    start_instance,
    until,
)
from tests.bot.e2e_support import TOKEN, USERNAME
from tests.bot.push_support import write_document
from tests.bot.tickets_support import load_demo_roles
from tests.conftest import postgres_or_skip, private_schema

pytestmark = pytest.mark.skipif(EXE is None, reason="policybot is not installed")

SUBSCRIBERS = 24
AREA = "示例产业园"
JIANGAN = [
    {"id": "jiangan-loan", "title": "小微企业贷款贴息", "categories": ["融资服务"]},
    {"id": "jiangan-first", "title": "首贷奖励", "categories": ["融资服务"]},
]
JIANGAN_2 = [{"id": "jiangan-talent", "title": "青年人才租房补贴", "categories": ["人才支持"]}]


@pytest.fixture
def pg_url() -> Iterator[str]:
    postgres_or_skip()
    with private_schema("cluster") as url:
        yield url


@pytest.fixture
def db_url(pg_url: str) -> str:
    """PostgreSQL only: conftest's ``engine`` fixture then migrates this schema."""
    return pg_url


@pytest.fixture
async def api() -> AsyncIterator[LocalBotAPI]:
    async with LocalBotAPI(limits=Limits.relaxed()) as server:
        server.register_bot(TOKEN, username=USERNAME)
        yield server


def texts(api: LocalBotAPI, user: User, needle: str) -> list[MessageRecord]:
    return [m for m in api.client(TOKEN).messages(user.id) if needle in (m.text or "")]


async def wait_text(api: LocalBotAPI, user: User, needle: str, count: int = 1) -> MessageRecord:
    # generous: two instances, the Bot API and a balancer may share two busy cores
    await until(lambda: len(texts(api, user, needle)) >= count, 60, f"{needle!r} for {user.id}")
    return texts(api, user, needle)[count - 1]


async def request_until_name(api: LocalBotAPI, user: User) -> None:
    """/request → category → description; stops at the enterprise-name prompt."""
    client = api.client(TOKEN)
    await client.send_command(user, "request")
    step = await wait_text(api, user, "请选择诉求类别")
    await client.press_button(user, step, text="融资对接")
    await wait_text(api, user, "请描述您的诉求")
    await client.send_message(user, "想了解贷款贴息怎么申请")
    await wait_text(api, user, "请输入企业名称")


async def request_from_name(api: LocalBotAPI, user: User, name: str, *, area_count: int) -> str:
    """The rest of the form from the enterprise name; the ticket number."""
    client = api.client(TOKEN)
    await client.send_message(user, name)
    step = await wait_text(api, user, "所在的区、园区或服务站", area_count)
    await finish_request(api, user, step)
    return (await wait_text(api, user, "诉求已提交")).text or ""


async def finish_request(api: LocalBotAPI, user: User, area_step: MessageRecord) -> None:
    client = api.client(TOKEN)
    await client.press_button(user, area_step, text=AREA)
    await wait_text(api, user, "联系电话")
    await client.send_message(user, "13800138000")
    step = await wait_text(api, user, "发送图片或文件")
    await client.press_button(user, step, text="完成")
    step = await wait_text(api, user, "请确认您的诉求")
    await client.press_button(user, step, text="✅ 提交")


def subscribe(engine: Engine, users: list[User]) -> None:
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        for user in users:
            push.add_subscription(
                session,
                user_id=user.id,
                filters=push.Filters(levels=("区",), districts=("江岸",)),
                now=now,
            )
            # no quiet hours: the test may run at any time of day
            push.set_prefs(
                session, user_id=user.id, prefs=push.Prefs(quiet_start=0, quiet_end=0), now=now
            )


def alerts(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(Ticket.number, TicketAlert.kind).join(Ticket)).all()
        return sorted((number, kind) for number, kind in rows)


def notices(api: LocalBotAPI, user: User) -> list[MessageRecord]:
    return [m for m in api.client(TOKEN).messages(user.id) if "🆕" in (m.text or "")]


def has_notices(api: LocalBotAPI, user: User, count: int) -> Callable[[], bool]:
    return lambda: len(notices(api, user)) >= count


async def test_two_instances_behind_a_balancer(
    tmp_path: Path, api: LocalBotAPI, engine: Engine, pg_url: str
) -> None:
    client = api.client(TOKEN)
    KnowledgeBase(engine).ensure_bundled()  # as `policybot db upgrade` + first start would
    commissioner = await client.create_user("王专员", user_id=8_200_001)
    admin = await client.create_user("管理员", user_id=8_200_002)
    enterprises = [await client.create_user(f"企业{n}", user_id=8_210_000 + n) for n in range(5)]
    subscribers = [await client.create_user(f"订阅{n}", user_id=8_220_000 + n) for n in range(24)]
    load_demo_roles(engine, commissioner.id, admin.id, department_chat=None)
    subscribe(engine, subscribers)

    ports = [free_port(), free_port()]
    balancer = Balancer(ports)
    await balancer.start()
    env = instance_env(
        {
            "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
            "POLICYBOT_DATABASE_URL": pg_url,
            "POLICYBOT_TELEGRAM_TOKEN": TOKEN,
            "POLICYBOT_TELEGRAM_API_URL": api.bot_api_url,
            "POLICYBOT_SCAN_INTERVAL_SECONDS": "1",
            # every new ticket is due today, so both SLA reminders are due at once
            "POLICYBOT_SLA_FIRST_CONTACT_DAYS": "0",
            "POLICYBOT_SLA_RESOLVE_DAYS": "0",
            "POLICYBOT_SLA_REMIND_HOUR": "0",
            # long enough that a loaded machine never re-sends a row still being sent
            "POLICYBOT_PUSH_LEASE_SECONDS": "60",
        }
    )
    instances: list[Instance] = []
    session = aiohttp.ClientSession()
    try:
        for n, port in enumerate(ports):
            log = tmp_path / f"instance-{n}.log"
            instances.append(await start_instance(env, port, balancer.url, log))

        async def all_healthy() -> bool:
            states = [await i.health(session) for i in instances]
            return all(s is not None and s["status"] == "ok" for s in states)

        for _ in range(600):
            if await all_healthy():
                break
            await asyncio.sleep(0.1)
        assert await all_healthy(), [i.log.read_text() for i in instances]
        await until(lambda: client.webhook_info()["url"] == balancer.url, 10, "setWebhook")

        # ---- 1. four forms at once; each step may land on either instance
        numbers = await asyncio.gather(
            *(run_form(api, user, f"甲{n}科技有限公司") for n, user in enumerate(enterprises[:4]))
        )
        assert all("诉求已提交" in number for number in numbers)
        assert balancer.served[ports[0]] > 10 and balancer.served[ports[1]] > 10
        await wait_text(api, commissioner, "新工单", 4)
        # two reminders per ticket (first contact, resolution), each sent once
        await wait_text(api, commissioner, "首次联系企业", 4)
        await wait_text(api, commissioner, "前办结", 4)

        # ---- 2. a new policy: one notice per subscriber, from either instance
        KnowledgeBase(engine).import_paths([write_document(tmp_path, "qu-jiangan", JIANGAN)])
        for user in subscribers:
            await until(has_notices(api, user, 1), 30, f"notice for {user.id}")

        # ---- 3. kill -9 the instance that holds an update in progress
        victim_user = enterprises[4]
        await request_until_name(api, victim_user)
        await until(lambda: sum(balancer.in_flight.values()) == 0, 10, "the last reply's request")
        api.faults.add(None, None, delay=3.0, count=1, chat_id=victim_user.id)  # its reply
        await client.send_message(victim_user, "乙科技有限公司")
        await until(lambda: sum(balancer.in_flight.values()) == 1, 10, "the update in flight")
        [victim_port] = [p for p, n in balancer.in_flight.items() if n == 1]
        victim = next(i for i in instances if i.port == victim_port)
        victim.process.send_signal(signal.SIGKILL)
        await victim.process.wait()
        survivor = next(i for i in instances if i is not victim)
        # delivered again to the survivor: the form goes on from the stored state
        step = await wait_text(api, victim_user, "所在的区、园区或服务站")
        assert balancer.failed >= 1  # the victim's request was cut off and answered 502
        await finish_request(api, victim_user, step)
        await wait_text(api, victim_user, "诉求已提交")
        await wait_text(api, commissioner, "新工单", 5)
        await wait_text(api, commissioner, "首次联系企业", 5)  # the survivor leads now
        await wait_text(api, commissioner, "前办结", 5)
        health = await survivor.health(session)
        assert health is not None and health["status"] == "ok" and health["leader"] is True

        KnowledgeBase(engine).import_paths([write_document(tmp_path, "qu-jiangan-2", JIANGAN_2)])
        for user in subscribers:
            await until(has_notices(api, user, 2), 30, f"2nd notice for {user.id}")

        # ---- exactly once: wait a few scan cycles for any late duplicate
        await asyncio.sleep(3)
        for user in subscribers:
            assert len(notices(api, user)) == 2, user.id
        assert len(texts(api, commissioner, "新工单")) == 5
        assert len(texts(api, commissioner, "首次联系企业")) == 5
        assert len(texts(api, commissioner, "前办结")) == 5
        found = alerts(engine)
        assert len(found) == 10 and len(set(found)) == 10
        with Session(engine) as db:  # every form ended: no conversation state is left
            states = db.exec(select(BotState).where(BotState.kind.startswith("conversation:")))
            assert [s.key for s in states.all()] == []

        survivor.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(survivor.process.wait(), 60) == 0
        logs = "\n".join(i.log.read_text() for i in instances)
        assert "Traceback" not in logs and TOKEN not in logs and "13800138000" not in logs
    finally:
        for instance in instances:
            if instance.process.returncode is None:
                instance.process.kill()
                await instance.process.wait()
        await session.close()
        await balancer.stop()


async def run_form(api: LocalBotAPI, user: User, name: str) -> str:
    await request_until_name(api, user)
    return await request_from_name(api, user, name, area_count=1)
