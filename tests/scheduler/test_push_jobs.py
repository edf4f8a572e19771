"""The push jobs: registered under their names, planning in batches, one delivery run."""

from __future__ import annotations

import asyncio
import datetime as dt
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session
from telegram.ext import Application

from bot.context import BotServices
from bot.flood import FloodGate
from bot.job_messages import BotJobMessages
from bot.settings import Settings
from scheduler import push_deliver, push_jobs, push_plan
from scheduler.leader import Leadership, leadership_for
from services.knowledge import KnowledgeBase
from services.push import EVENT_BATCH, NoProfileMatcher
from storage import push
from storage.db import session_scope
from storage.models import KBImport, PolicyEvent
from storage.models_push import NoticeKind, PushNotice, PushOutbox
from storage.push_delivery import outbox_rows
from tests.waiting import eventually

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def make_services(engine: Engine) -> BotServices:
    return BotServices(
        settings=Settings(telegram_token=SecretStr("1:x")),
        knowledge=KnowledgeBase(engine),
        engine=engine,
        flood=FloodGate(rate=2.0, burst=20, window=10.0),
        messages=BotJobMessages(),
        clock=lambda: NOW,
    )


class Owner:
    """Stands for the Application (the delivery state is kept per application)."""


def test_jobs_are_registered_with_unique_names() -> None:
    app = Application.builder().token("1:x").build()
    assert app.job_queue is not None
    push_jobs.register(app.job_queue)
    names = [job.name for job in app.job_queue.jobs()]
    assert names == ["push:plan", "push:deliver", "push:deadline"]


async def test_plan_once_works_through_every_batch(engine: Engine) -> None:
    services = make_services(engine)
    with session_scope(engine) as session:
        push.add_subscription(session, user_id=5, filters=push.Filters(), now=NOW)
        batch = KBImport(source="test")
        session.add(batch)
        session.flush()
        assert batch.id is not None
        for n in range(EVENT_BATCH * 2 + 3):  # events of entries that do not exist
            session.add(PolicyEvent(import_id=batch.id, entry_id=f"gone:{n}", kind="added"))
    report = await push_plan.plan_once(services, NoProfileMatcher())
    assert report.events == EVENT_BATCH * 2 + 3 and report.notices == 0
    assert (await push_plan.plan_once(services, NoProfileMatcher())).events == 0


async def test_one_delivery_run_at_a_time(engine: Engine) -> None:
    services = make_services(engine)
    settings = services.settings
    owner = Owner()
    state = push_deliver.state_for(owner, settings)
    assert push_deliver.state_for(owner, settings) is state
    async with state.lock:  # a run in progress: the next tick returns at once
        assert await asyncio.wait_for(push_deliver.run(services, None, owner), 1) is None  # type: ignore[arg-type]
    stats = await push_deliver.run(services, None, owner)  # type: ignore[arg-type]
    assert stats is not None and stats.messages == 0  # nothing due, the bot is not needed


class SendingBot:
    """Stands for the Bot: records the chats it was asked to send to."""

    def __init__(self) -> None:
        self.chats: list[int] = []

    async def send_message(self, *, chat_id: int, **_: object) -> SimpleNamespace:
        self.chats.append(chat_id)
        return SimpleNamespace(message_id=len(self.chats))


async def test_only_the_leader_sends(engine: Engine) -> None:
    """Two instances sending at once would double the bot's rate and could split one
    user's due notices across two messages; a follower leaves the outbox alone."""
    app = Application.builder().token("1:x").build()
    assert app.job_queue is not None
    push_jobs.register(app.job_queue)
    [deliver] = [job for job in app.job_queue.jobs() if job.name == push_deliver.JOB_NAME]
    tick: Any = deliver.callback  # called with a stand-in context
    services = make_services(engine)
    with session_scope(engine) as session:
        for n in range(2):
            notice = PushNotice(kind=NoticeKind.NEW.value, dedupe_key=f"t:{n}", title=f"第{n}条")
            session.add(notice)
            session.flush()
            assert notice.id is not None
            session.add(PushOutbox(notice_id=notice.id, user_id=7, due_at=NOW, created_at=NOW))
    bot = SendingBot()
    context = SimpleNamespace(bot_data=services, bot=bot, application=Owner())
    other = Leadership(engine)  # another instance's leadership (its own connection)
    try:
        if engine.dialect.name == "postgresql":
            assert other.is_leader()
            await tick(context)
            assert bot.chats == []
            with Session(engine) as session:
                assert {row.state for row in outbox_rows(session)} == {"pending"}
            other.release()  # the leader goes: this instance leads at its next tick
            # (PostgreSQL frees the lock once the old backend has exited, asynchronously)
            assert await asyncio.to_thread(eventually, leadership_for(engine).is_leader)
        await tick(context)
    finally:
        other.release()
        leadership_for(engine).release()
    assert bot.chats == [7]  # both notices in one message
    with Session(engine) as session:
        assert {row.state for row in outbox_rows(session)} == {"sent"}
