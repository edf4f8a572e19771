"""The composition root: the only place that wires handlers, jobs, the error handler,
persistence, post_init and post_shutdown."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    Defaults,
    ExtBot,
    PersistenceInput,
)
from telegram.request import BaseRequest

from bot.cluster import SharedStateApplication
from bot.context import BotServices, PolicyContext, context_types, services_type
from bot.features import publish_default_menu, publish_menu
from bot.flows import FlowRegistry
from bot.handlers import errors, flows
from bot.job_messages import BotJobMessages
from bot.registry import FEATURES, MENU
from bot.retry import RetryingRateLimiter
from bot.settings import Settings
from bot.update_order import PerPersonUpdateProcessor
from scheduler.leader import leadership_for
from services.knowledge import KnowledgeBase
from storage import roles
from storage.models import UserRole
from storage.persistence import DBPersistence

log = logging.getLogger(__name__)

PolicyApp = Application[
    ExtBot[Any], PolicyContext, dict[Any, Any], dict[Any, Any], BotServices, Any
]

# Bounded concurrency: at most this many updates are processed at once, one person's
# one after another in the order they came (bot/update_order.py).
CONCURRENT_UPDATES = 8


async def post_init(application: PolicyApp) -> None:
    """Runs once the bot is initialised: build the search index off the event loop
    (loading jieba takes ~1 s) and publish the Chinese command menus: everyone's, and
    each commissioner's and admin's own (their chats; /start sets it for the others)."""
    services = application.bot_data
    await asyncio.to_thread(lambda: services.knowledge.snapshot)
    bot, features = application.bot, services.features
    await publish_default_menu(bot, features)

    def staff(session: Session) -> list[tuple[int, UserRole | None]]:
        admins = {*services.settings.admin_ids, *roles.admin_user_ids(session)}
        found: list[tuple[int, UserRole | None]] = [(uid, UserRole.ADMIN) for uid in sorted(admins)]
        found += [
            (c.user_id, UserRole.COMMISSIONER)
            for c in roles.list_commissioners(session)
            if c.user_id not in admins
        ]
        # roles revoked lately (`policybot users revoke` has no bot to tell): everyone's
        # menu again for those who hold none now
        holders = {uid for uid, _ in found}
        revoked = {
            int(a.target)
            for a in roles.admin_actions(session)
            if a.action == "revoke" and a.target.isdigit()
        }
        return found + [(uid, None) for uid in sorted(revoked - holders)]

    for user_id, role in await services.db(staff):
        await publish_menu(bot, features, user_id=user_id, role=role)
    log.info("bot @%s ready", bot.username)


async def post_shutdown(application: PolicyApp) -> None:
    application.bot_data.flood.clear()
    leadership_for(application.bot_data.engine).release()  # another instance may lead now
    log.info("bot stopped")


def build_application(
    settings: Settings,
    *,
    knowledge: KnowledgeBase,
    engine: Engine,
    base_url: str | None = None,
    base_file_url: str | None = None,
    persistence_interval: float = 60,
    channel: str = "telegram",
    clock: Callable[[], dt.datetime] | None = None,
    transport: Callable[[], BaseRequest] | None = None,
) -> PolicyApp:
    """Build the bot. ``base_url`` overrides ``settings.telegram_api_url`` (local Bot API);
    ``channel`` labels the logged questions (the terminal shell uses "shell");
    ``transport`` makes the Bot API connections (default: PTB's HTTPX; the tests pass
    the local Bot API's in-process one)."""
    if settings.telegram_token is None:
        raise ValueError("settings.telegram_token is required")
    bot_data = services_type(
        settings=settings,
        knowledge=knowledge,
        engine=engine,
        messages=BotJobMessages(),  # the jobs send through it, never importing render code
        channel=channel,
        clock=clock,
    )
    builder = (
        ApplicationBuilder()
        # conversation states and user data live in the database around every update, so
        # any of several instances can serve the next one
        .application_class(SharedStateApplication)
        .token(settings.telegram_token.get_secret_value())
        .base_url(base_url or settings.telegram_api_url)
        .defaults(
            Defaults(
                tzinfo=ZoneInfo(settings.timezone),
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(context_types(bot_data))
        .persistence(
            DBPersistence(
                engine,
                store_data=PersistenceInput(
                    user_data=True, chat_data=True, bot_data=False, callback_data=False
                ),
                update_interval=persistence_interval,
            )
        )
        .concurrent_updates(PerPersonUpdateProcessor(CONCURRENT_UPDATES))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        # retries after a 429 (flood limits), a 5xx or a timeout (bot/retry.py)
        .rate_limiter(RetryingRateLimiter(max_retries=3, base_delay=settings.api_retry_delay))
    )
    if transport is not None:
        builder = builder.request(transport()).get_updates_request(transport())
    file_url = base_file_url or settings.telegram_file_url
    if file_url:
        builder = builder.base_file_url(file_url)
    application: PolicyApp = builder.build()

    # the flows (bot/flows.py): at most one open per person, /cancel, /resume, expiry
    services = application.bot_data
    services.features = MENU
    registry = FlowRegistry(
        [flow for feature in FEATURES for flow in feature.flows],
        expiry=dt.timedelta(minutes=settings.flow_expiry_minutes),
    )
    services.flows = registry
    application.add_handlers(flows.build_handlers(registry))
    # the features (bot/registry.py), in order: group 0, and the earlier groups some need
    for feature in FEATURES:
        for group, build in feature.early.items():
            application.add_handlers(build(settings), group=group)
        application.add_handlers(feature.handlers(settings), group=0)
    application.add_error_handler(errors.on_error)

    # scheduled jobs (PTB JobQueue / APScheduler); each scans the database for due work;
    # the scans that write or notify run once cluster-wide (scheduler/leader.py)
    jobs = application.job_queue
    assert jobs is not None, "python-telegram-bot[job-queue] is required"
    for feature in FEATURES:
        for schedule in feature.jobs:
            schedule(jobs, services)
    return application
