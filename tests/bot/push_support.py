"""Helpers of the push tests: a controllable clock, the bot built with it, DB shortcuts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.app import PolicyApp, build_application
from bot.context import BotServices
from scheduler import push_deliver, push_plan
from services.push import NoProfileMatcher
from services.push_delivery import DeliveryStats
from storage import push
from storage.db import session_scope
from storage.models_push import PushOutbox
from storage.push_delivery import outbox_rows
from tests.bot.e2e_support import Bot, make_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock:
    """``services.clock``: stands still until moved."""

    def __init__(self, start: dt.datetime) -> None:
        self.value = start

    def __call__(self) -> dt.datetime:
        return self.value

    def set(self, value: dt.datetime) -> None:
        self.value = value

    def advance(self, **delta: float) -> None:
        self.value += dt.timedelta(**delta)


def at(hour: int, minute: int = 0, day: int = 2) -> dt.datetime:
    """2026-12-<day> hh:mm in Shanghai (the 2nd is a Wednesday)."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def build(harness: Bot, clock: Clock, *, jobs: bool = False, **settings: Any) -> PolicyApp:
    """The bot with ``clock``; without ``jobs`` the push jobs are removed, so tests plan
    and deliver explicitly."""
    harness.settings = make_settings(**settings)
    app = build_application(
        harness.settings,
        knowledge=harness.knowledge,
        engine=harness.engine,
        base_url=harness.api.bot_api_url,
        base_file_url=harness.api.file_url,
        clock=clock,
        transport=harness.transport,
    )
    if not jobs:
        assert app.job_queue is not None
        for name in (push_plan.JOB_NAME, push_deliver.JOB_NAME, "push:deadline"):
            for job in app.job_queue.get_jobs_by_name(name):
                job.schedule_removal()
    return app


def services(app: PolicyApp) -> BotServices:
    return app.bot_data


async def plan(app: PolicyApp) -> push_plan.PlanReport:
    return await push_plan.plan_once(services(app), NoProfileMatcher())


async def deliver(app: PolicyApp) -> DeliveryStats:
    state = push_deliver.state_for(app, services(app).settings)
    return await push_deliver.deliver_due(services(app), app.bot, state, budget=5)


def rows(engine: Engine, user_id: int | None = None) -> list[PushOutbox]:
    with Session(engine) as session:
        return outbox_rows(session, user_id=user_id)


def subscribe(engine: Engine, user_id: int, now: dt.datetime, **filters: Any) -> None:
    with session_scope(engine) as session:
        push.add_subscription(session, user_id=user_id, filters=push.Filters(**filters), now=now)


def write_document(
    directory: Path,
    key: str,
    entries: list[dict[str, Any]],
    *,
    level: str = "区",
    region: str = "江岸",
    title: str = "某区促进中小企业发展若干措施",
    expiry_date: str | None = None,
) -> Path:
    """A structured YAML document; entries need ``id`` and ``title`` at least."""
    items = [
        {
            "number": f"{n}.",
            "body": f"{entry['title']}的具体措施第{n}条。",
            "path": ["一、支持措施"],
            **entry,
        }
        for n, entry in enumerate(entries, 1)
    ]
    manifest = {
        "document": {
            "key": key,
            "title": title,
            "level": level,
            "region": region,
            **({"expiry_date": expiry_date} if expiry_date else {}),
        },
        "entries": items,
    }
    path = directory / f"{key}.yaml"
    path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    return path
