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
from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    Defaults,
    ExtBot,
    PersistenceInput,
)
from telegram.request import BaseRequest

from bot.cluster import SharedStateApplication
from bot.context import BotServices, PolicyContext, context_types, services_type
from bot.flows import FlowRegistry
from bot.handlers import (
    admin,
    broadcast,
    browse,
    clarify,
    consult,
    eligibility,
    errors,
    fallback,
    feedback,
    flood,
    flows,
    inline,
    kb_admin,
    kb_triage,
    media,
    profile,
    relay,
    request,
    search,
    start,
    stats,
    subscribe,
    ticket_input,
    ticket_route,
    tickets,
)
from bot.job_messages import BotJobMessages
from bot.render.texts import COMMANDS
from bot.retry import RetryingRateLimiter
from bot.settings import Settings
from bot.update_order import PerPersonUpdateProcessor
from scheduler import kb_expiry, kb_refresh, privacy_retention, push_jobs, ticket_sla
from scheduler.leader import leader_only, leadership_for
from services.eligibility import ProfileRuleMatcher
from services.knowledge import KnowledgeBase
from services.push_profile import ProfilePushMatcher
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
    (loading jieba takes ~1 s) and publish the Chinese command menu."""
    knowledge = application.bot_data.knowledge
    await asyncio.to_thread(lambda: knowledge.snapshot)
    await application.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
    log.info("bot @%s ready", application.bot.username)


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
        .rate_limiter(RetryingRateLimiter(max_retries=3))
    )
    if transport is not None:
        builder = builder.request(transport()).get_updates_request(transport())
    file_url = base_file_url or settings.telegram_file_url
    if file_url:
        builder = builder.base_file_url(file_url)
    application: PolicyApp = builder.build()

    # flood control runs first and may stop the update (ApplicationHandlerStop)
    application.add_handlers(flood.build_handlers(), group=-4)
    # the flows (bot/flows.py): at most one open per person, /cancel, /resume, expiry
    registry = FlowRegistry(
        [
            request.FLOW,
            eligibility.FLOW,
            profile.FLOW,
            ticket_input.FLOW,
            subscribe.FLOW,
            broadcast.FLOW,
            kb_admin.FLOW,
            admin.FLOW,
        ],
        expiry=dt.timedelta(minutes=settings.flow_expiry_minutes),
    )
    application.bot_data.flows = registry
    application.add_handlers(flows.build_handlers(registry))
    # group -1: the answer an admin types after a knowledge-base prompt; it
    # stops the update only when it took it
    application.add_handlers(kb_admin.build_input_handlers(), group=-1)
    # group 0: the features; within a group the first matching handler wins, so the
    # catch-alls (media's "anything else", fallback's stale buttons) come last.
    features: list[BaseHandler[Update, PolicyContext, None]] = [
        *start.build_handlers(),
        # service requests: their conversations and relay come before consult
        *admin.build_handlers(),
        *request.build_handlers(),
        *ticket_input.build_handlers(),
        *relay.build_handlers(),
        *ticket_route.build_handlers(),  # a typed answer while a ticket waits for one
        *tickets.build_handlers(),
        # knowledge-base admin: after the tickets (documents as materials),
        # before consult (typed edits are texts) and media (uploads are documents)
        *kb_admin.build_handlers(),
        *kb_triage.build_handlers(),
        *stats.build_handlers(),
        *subscribe.build_handlers(),  # policy push: /subscribe, card:sub, sub:…
        # eligibility: /check, card:check, elig:…, then /profile, /match, /forget
        *eligibility.build_handlers(timeout=settings.check_timeout_minutes * 60),
        *profile.build_handlers(),
        *broadcast.build_handlers(),
        *browse.build_handlers(),
        *search.build_handlers(),
        *consult.build_handlers(),
        *clarify.build_handlers(),  # the options of "您是想了解以下哪项?"
        *feedback.build_handlers(),
        *inline.build_handlers(),
        *media.build_handlers(),
        *fallback.build_handlers(),
    ]
    application.add_handlers(features, group=0)
    application.add_error_handler(errors.on_error)

    # scheduled jobs (PTB JobQueue / APScheduler); each scans the database for due work
    jobs = application.job_queue
    assert jobs is not None, "python-telegram-bot[job-queue] is required"
    jobs.run_repeating(
        kb_refresh.job,
        interval=kb_refresh.INTERVAL_SECONDS,
        first=kb_refresh.INTERVAL_SECONDS,
        name=kb_refresh.JOB_NAME,
    )
    # the scans that write or notify run once cluster-wide (scheduler/leader.py);
    # kb:refresh rebuilds this instance's in-memory index, so it runs everywhere
    scan = settings.scan_interval_seconds
    jobs.run_repeating(
        leader_only(ticket_sla.job),
        interval=scan or ticket_sla.INTERVAL_SECONDS,
        first=min(60, scan or 60),
        name=ticket_sla.JOB_NAME,
    )
    jobs.run_daily(
        leader_only(kb_expiry.job),
        time=kb_expiry.DIGEST_TIME,
        days=kb_expiry.DIGEST_DAYS,
        name=kb_expiry.JOB_NAME,
    )
    # push:plan, push:deliver, push:deadline; precise pushes match enterprise profiles
    # against the eligibility rules, else the entry's 适用对象 tags (planning: leader only)
    today = application.bot_data.today
    push_jobs.register(
        jobs,
        profile_matcher=ProfilePushMatcher(ProfileRuleMatcher(today=today), today=today),
        scan_seconds=scan,
    )
    jobs.run_repeating(  # POLICYBOT_RETENTION_DAYS
        leader_only(privacy_retention.job),
        interval=privacy_retention.INTERVAL_SECONDS,
        first=300,
        name=privacy_retention.JOB_NAME,
    )
    return application
