"""The fuzzing world: the real Application (``build_application``) against the local Bot
API, fed one update at a time through ``Application.process_update`` (no polling, no
mocks), with users in every role, a group, a channel and a ticket to forge buttons for.

The bot calls the local Bot API in-process (``policybot_localapi.inprocess``: the same
server code, parameters encoded as PTB encodes them for HTTP, no sockets); what is fuzzed
is the updates and the handlers. ``over_http=True`` puts loopback HTTP (HTTPX to aiohttp)
in between, for the one fuzz test of that transport.

Runs on its own event loop so that Hypothesis' synchronous ``@given`` tests can drive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Engine
from telegram import Update
from telegram.error import NetworkError
from telegram.ext import AIORateLimiter

from bot.app import PolicyApp, build_application, post_init
from bot.context import PolicyContext
from knowledge.lexicon import Segmenter, default_lexicon
from policybot_localapi.api import BotClient, Chat, Injected, Limits, LocalBotAPI, User
from policybot_localapi.inprocess import InProcessRequest
from services import roles as role_service
from services.knowledge import KnowledgeBase
from services.sla import SlaPolicy
from services.ticket_access import Action, Actor
from services.tickets import Draft, act, create_ticket
from storage import profiles, roles, users
from storage.db import make_engine, session_scope, upgrade
from storage.models import UserRole
from storage.models_tickets import TicketStatus
from tests.bot.e2e_support import TOKEN, USERNAME, make_settings
from tests.bot.tickets_support import MAP
from tests.conftest import postgres_or_skip, private_schema

T = TypeVar("T")
UPDATE_TIMEOUT = 15.0  # seconds: every update must be handled within this
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TZ = ZoneInfo("Asia/Shanghai")
ROLES = (
    "stranger",
    "enterprise",
    "other_enterprise",
    "commissioner",
    "other_commissioner",
    "department",
    "admin",
)
# what enterprise A keeps that nobody else may see
SECRETS = ("13800138000", "甲公司绝密合同纠纷", "甲字号科技", "12345")
# Bot API methods that do not answer the user
QUIET_METHODS = frozenset(
    {"getMe", "getFile", "getChat", "getChatMember", "getUpdates"}
    | {"setMyCommands", "deleteMyCommands", "getMyCommands"}
)


@dataclass
class Outcome:
    delivered: bool
    answered: bool  # the bot called at least one method that shows something to the user


@dataclass
class FuzzWorld:
    loop: asyncio.AbstractEventLoop
    api: LocalBotAPI
    app: PolicyApp
    engine: Engine
    people: dict[str, User]
    group: Chat
    channel: Chat
    department_chat: Chat
    ticket_id: int
    ticket_number: str
    errors: list[tuple[object, BaseException]] = field(default_factory=list)
    fed: int = 0
    silent: list[str] = field(default_factory=list)

    @property
    def client(self) -> BotClient:
        return self.api.client(TOKEN)

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def _output_calls(self) -> int:
        counts = self.client.bot.call_counts
        return sum(n for name, n in counts.items() if name not in QUIET_METHODS)

    async def feed(self, injected: Injected) -> Outcome:
        """Process one injected update to the end (tasks it started included)."""
        if injected.update_id is None:  # not delivered (e.g. privacy mode in a group)
            return Outcome(False, False)
        raw = {"update_id": injected.update_id, injected.kind: injected.payload}
        update = Update.de_json(raw, self.app.bot)
        before = self._output_calls()
        try:
            await asyncio.wait_for(self._process(update), UPDATE_TIMEOUT)
        except TimeoutError:
            raise AssertionError(
                f"{injected.kind} not handled within {UPDATE_TIMEOUT}s: {injected.payload!r}"
            ) from None
        self.fed += 1
        if self.fed % 200 == 0:
            await self.app.update_persistence()  # JSON round trip of user/chat data
        return Outcome(True, self._output_calls() > before)

    async def _process(self, update: Update) -> None:
        await self.app.process_update(update)
        tasks = self.app._Application__create_task_tasks  # type: ignore[attr-defined]
        while tasks:
            await asyncio.gather(*list(tasks), return_exceptions=True)

    def unexpected_errors(self) -> list[str]:
        return [
            f"{type(error).__name__}: {error}"
            for _update, error in self.errors
            if not isinstance(error, NetworkError)
        ]


async def _spy_factory(world_errors: list[tuple[object, BaseException]]) -> Any:
    async def spy(update: object, context: PolicyContext) -> None:
        if context.error is not None:
            world_errors.append((update, context.error))

    return spy


def consistency_problems(engine: Engine) -> list[str]:
    """Foreign keys, integrity, and invariants no foreign key expresses."""
    problems: list[str] = []
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            integrity = conn.execute(text("PRAGMA integrity_check")).scalar()
            if integrity != "ok":
                problems.append(f"integrity_check: {integrity}")
            problems += [
                f"foreign key: {tuple(r)}" for r in conn.execute(text("PRAGMA foreign_key_check"))
            ]
        checks = {
            "ticket events without a ticket": "SELECT count(*) FROM ticket_event e "
            "WHERE NOT EXISTS (SELECT 1 FROM ticket t WHERE t.id = e.ticket_id)",
            "duplicate ticket numbers": "SELECT count(*) FROM (SELECT number FROM ticket "
            "GROUP BY number HAVING count(*) > 1) d",
            "feedback of unknown questions": "SELECT count(*) FROM feedback f "
            "WHERE f.question_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM question_log q WHERE q.id = f.question_id)",
            "checks of unknown users": "SELECT count(*) FROM eligibility_check c "
            "WHERE NOT EXISTS (SELECT 1 FROM bot_user u WHERE u.id = c.user_id)",
            "profiles of unknown users": "SELECT count(*) FROM enterprise_profile p "
            "WHERE NOT EXISTS (SELECT 1 FROM bot_user u WHERE u.id = p.user_id)",
            "subscriptions of unknown users": "SELECT count(*) FROM push_subscription s "
            "WHERE NOT EXISTS (SELECT 1 FROM bot_user u WHERE u.id = s.user_id)",
            "tickets with an unknown status": "SELECT count(*) FROM ticket WHERE status NOT IN "
            f"({', '.join(repr(s.value) for s in TicketStatus)})",
        }
        for name, sql in checks.items():
            count = conn.execute(text(sql)).scalar()
            if count:
                problems.append(f"{name}: {count}")
    return problems


async def _start(
    loop: asyncio.AbstractEventLoop, engine: Engine, knowledge: KnowledgeBase, *, over_http: bool
) -> FuzzWorld:
    api = LocalBotAPI(limits=Limits.relaxed())
    await api.start()
    api.register_bot(TOKEN, username=USERNAME, first_name="政策助手", privacy_mode=False)
    client = api.client(TOKEN)
    people = {
        "stranger": await client.create_user("路人", user_id=9_100_001),
        "enterprise": await client.create_user("甲公司经办人", user_id=9_100_002),
        "other_enterprise": await client.create_user("乙公司经办人", user_id=9_100_003),
        "commissioner": await client.create_user("王专员", user_id=9_100_004),
        "admin": await client.create_user("管理员", user_id=9_100_005),
        "other_commissioner": await client.create_user("赵专员", user_id=9_100_006),
        "department": await client.create_user("部门老李", user_id=9_100_007),
    }
    members = tuple(people.values())
    group = await client.create_chat("supergroup", title="企业交流群", members=members)
    channel = await client.create_chat("channel", title="政策频道")
    department_chat = await client.create_chat(
        "group", title="示例区中小企业服务中心", members=[people["department"]]
    )
    now = dt.datetime.now(TZ)
    with session_scope(engine) as session:
        service_map = role_service.read_service_map(MAP)
        service_map["commissioners"] = []
        service_map["departments"][0]["chat_id"] = department_chat.id
        role_service.load_service_map(session, service_map)
        for key, area, name in (
            ("commissioner", "demo-park", "王专员"),
            ("other_commissioner", "demo-district", "赵专员"),
        ):
            role_service.grant(
                session,
                actor_id=None,
                user_id=people[key].id,
                role=UserRole.COMMISSIONER,
                area_code=area,
                name=name,
            )
        for key in ("enterprise", "other_enterprise"):
            users.get_or_create_user(session, user_id=people[key].id)
            users.set_role(session, user_id=people[key].id, role=UserRole.HANDLER)
        users.get_or_create_user(session, user_id=people["admin"].id)
        users.set_role(session, user_id=people["admin"].id, role=UserRole.ADMIN)
        profiles.set_name(session, user_id=people["enterprise"].id, name="甲字号科技")
        profiles.update_facts(
            session, user_id=people["enterprise"].id, facts={"annual_revenue": "12345"}
        )
        draft = Draft(
            category="法律服务",
            description="甲公司绝密合同纠纷",
            enterprise_name="甲字号科技",
            area_code="demo-park",
            phone="13800138000",
        )
        policy = SlaPolicy(tz=TZ)
        change = create_ticket(
            session, draft=draft, enterprise_id=people["enterprise"].id, now=now, policy=policy
        )
        ticket_id, number = change.ticket.id or 0, change.ticket.number
        # accepted by the commissioner of A's area, then transferred to the department
        sme = roles.get_department_by_code(session, code="demo-sme-center")
        assert sme is not None and sme.id is not None
        actor = Actor(
            user_id=people["commissioner"].id,
            chat_id=people["commissioner"].id,
            is_commissioner=True,
        )
        act(session, ticket_id=ticket_id, action=Action.ACCEPT, actor=actor, now=now, policy=policy)
        act(
            session,
            ticket_id=ticket_id,
            action=Action.TRANSFER,
            actor=actor,
            now=now,
            policy=policy,
            department_id=sme.id,
        )
    settings = make_settings(flood_rate=10**9, admin_ids=[people["admin"].id])
    app = build_application(
        settings,
        knowledge=knowledge,
        engine=engine,
        base_url=api.bot_api_url,
        base_file_url=api.file_url,
        persistence_interval=3600,
        transport=None if over_http else functools.partial(InProcessRequest, api),
    )
    # relaxed limits: PTB's AIORateLimiter would pace the replies to Telegram's 30 msg/s
    # overall and 20 msg/min per group, i.e. mostly wait; the limiter itself stays in place
    app.bot._rate_limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)
    world = FuzzWorld(
        loop,
        api,
        app,
        engine,
        people,
        group,
        channel,
        department_chat,
        ticket_id=ticket_id,
        ticket_number=number,
    )
    app.add_error_handler(await _spy_factory(world.errors))
    await app.initialize()
    await post_init(app)
    # running (conversation timeouts, create_task), but fed by process_update, not
    # polling; the scheduled scans are not what is fuzzed here
    await app.start()
    assert app.job_queue is not None
    for job in app.job_queue.jobs():
        job.schedule_removal()
    for user in people.values():  # a bot message in every chat, to press buttons on
        await world.feed(await client.send_command(user, "help"))
    world.fed = 0
    return world


async def _stop(world: FuzzWorld) -> None:
    await world.app.update_persistence()
    await world.app.stop()
    await world.app.shutdown()
    await world.api.stop()


@contextlib.contextmanager
def session_on(
    db: str, directory: Path, schema: str, *, over_http: bool = False
) -> Iterator[FuzzSession]:
    """A world on SQLite or (``db == "postgresql"``) a private PostgreSQL schema."""
    with contextlib.ExitStack() as stack:
        url = None
        if db == "postgresql":
            postgres_or_skip()
            url = stack.enter_context(private_schema(schema))
        session = FuzzSession(directory, url, over_http=over_http)
        try:
            yield session
        finally:
            session.close()


class FuzzSession:
    """Owns the loop, the database and the world for one test module."""

    def __init__(self, directory: Path, url: str | None = None, *, over_http: bool = False) -> None:
        self.loop = asyncio.new_event_loop()
        self.engine = make_engine(url or f"sqlite:///{directory / 'fuzz.db'}")
        upgrade(self.engine)
        knowledge = KnowledgeBase(self.engine, segmenter=Segmenter(default_lexicon()))
        knowledge.ensure_bundled()
        knowledge.refresh()
        self.world = self.loop.run_until_complete(
            _start(self.loop, self.engine, knowledge, over_http=over_http)
        )

    def close(self) -> None:
        try:
            self.loop.run_until_complete(_stop(self.world))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()
            self.engine.dispose()


@dataclass
class Seen:
    """What the actor saw after one update: new bot messages and edits in their chat, the
    callback answer, documents."""

    texts: list[str]

    @property
    def joined(self) -> str:
        return "\n".join(self.texts)


async def observe(world: FuzzWorld, chat_id: int, injected: Injected) -> Seen:
    """Feed ``injected`` and collect what appeared in ``chat_id`` because of it."""
    client = world.client
    before = {r.message_id: (r.text, len(r.history)) for r in client.messages(chat_id)}
    await world.feed(injected)
    texts: list[str] = []
    for record in client.messages(chat_id):
        if not record.from_bot:
            continue
        old = before.get(record.message_id)
        if old is None or old != (record.text, len(record.history)):
            texts.append(record.text or record.payload.get("caption") or f"<{record.kind}>")
    if injected.kind == "callback_query":
        answer = client.callback_answer(injected.query_id)
        texts.append(answer.text or "" if answer is not None else "<no callback answer>")
    return Seen(texts)
