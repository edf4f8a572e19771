"""Running the bot: polling or webhook, clean shutdown, clear start-up errors."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, TimedOut
from telegram.ext import Application

from bot import webhook
from bot.app import build_application
from bot.settings import Settings
from scheduler.leader import leadership_for
from services.knowledge import KnowledgeBase

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]


class RunError(Exception):
    """A start-up problem with a message for the operator (no traceback needed)."""


class RedactFilter(logging.Filter):
    """Replaces a secret (the bot token) in every log record passing a handler."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret and self.secret in record.getMessage():
            record.msg = record.getMessage().replace(self.secret, "<token>")
            record.args = None
        return True


def protect_logs(token: str) -> None:
    """Keep the token out of logs: httpx logs request URLs (which contain it) at INFO."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    redact = RedactFilter(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


@dataclass(frozen=True, slots=True)
class WebhookOptions:
    url: str
    listen: str
    port: int
    secret: str | None


def webhook_options(
    settings: Settings,
    *,
    url: str | None = None,
    listen: str | None = None,
    port: int | None = None,
    secret: str | None = None,
) -> WebhookOptions:
    """Command-line values over ``POLICYBOT_WEBHOOK_*`` settings."""
    webhook_url = url or settings.webhook_url
    if not webhook_url:
        raise RunError("webhook 模式需要地址:--url 或 POLICYBOT_WEBHOOK_URL。")
    configured = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    return WebhookOptions(
        url=webhook_url,
        listen=listen or settings.webhook_listen,
        port=port or settings.webhook_port,
        secret=secret or configured,
    )


def token_of(settings: Settings) -> str:
    token = settings.telegram_token.get_secret_value().strip() if settings.telegram_token else ""
    if not token:
        raise RunError("缺少 Telegram 令牌:请设置环境变量 POLICYBOT_TELEGRAM_TOKEN。")
    return token


def _api_host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def run(
    settings: Settings,
    *,
    knowledge: KnowledgeBase,
    engine: Engine,
    webhook: WebhookOptions | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (PTB's ``stop_signals``); raises RunError on start-up
    problems (missing or bad token, unreachable Bot API, bad webhook options)."""
    token = token_of(settings)
    protect_logs(token)
    application = build_application(settings, knowledge=knowledge, engine=engine)
    api = _api_host(settings.telegram_api_url)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # PTB's run_* picks this loop up
    try:
        loop.run_until_complete(check_connection(settings, token))
        if webhook is None:
            log.info("starting long polling against %s", api)
            application.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False)
        else:
            serving = _serve_webhook(
                application, webhook, engine=engine, drain_seconds=settings.webhook_drain_seconds
            )
            loop.run_until_complete(serving)
    except InvalidToken:
        raise RunError(
            "Telegram 令牌无效(getMe 被拒绝):请检查 POLICYBOT_TELEGRAM_TOKEN。"
        ) from None
    except (TimedOut, NetworkError) as exc:
        raise RunError(
            f"无法连接 Telegram Bot API({api}):{type(exc).__name__}。"
            "请检查网络或 POLICYBOT_TELEGRAM_API_URL。"
        ) from None
    finally:
        loop.close()
        asyncio.set_event_loop(None)


async def check_connection(settings: Settings, token: str) -> None:
    """getMe once before starting, so a bad token or an unreachable API is reported
    plainly (PTB's start-up retry loop would log a traceback first)."""
    bot = Bot(token, base_url=settings.telegram_api_url)
    async with bot:  # initialize() calls getMe; raises InvalidToken / NetworkError
        log.info("connected as @%s", bot.username)


async def _serve_webhook(
    application: AnyApp, options: WebhookOptions, *, engine: Engine, drain_seconds: float
) -> None:
    parts = urlsplit(options.url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise RunError(f"Webhook 地址无效:{options.url}(应为 https://域名/路径)")
    secret = options.secret or secrets.token_urlsafe(32)
    if not options.secret:
        # several instances must share one secret: each setWebhook replaces it
        log.warning("no webhook secret configured: using a random one (one instance only)")
    log.info("starting webhook on %s:%d for %s", options.listen, options.port, parts.netloc)
    leadership = leadership_for(engine)
    serving = webhook.serve(
        application,
        engine=engine,
        url=options.url,
        path=parts.path or "/",
        listen=options.listen,
        port=options.port,
        secret=secret,
        drain_seconds=drain_seconds,
        is_leader=lambda: None if leadership.always else leadership.holds,
    )
    try:
        await serving
    except OSError as exc:  # the port is taken or the address is not local
        raise RunError(
            f"无法在 {options.listen}:{options.port} 上监听:{exc.strerror or exc}"
        ) from None


@asynccontextmanager
async def running(application: AnyApp, *, poll_timeout: int = 10) -> AsyncIterator[AnyApp]:
    """Run ``application`` with long polling inside an already running event loop
    (the shell, tests): initialise, post_init, poll; then stop, shut down, post_shutdown."""
    async with application:  # initialize() ... shutdown()
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        try:
            yield application
        finally:
            if application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
