"""Webhook delivery: POST each queued update to the bot's URL, in order, with retries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from localapi.params import Params
from localapi.types import now
from localapi.world import BotState, WebhookConfig

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
Executor = Callable[[str, str, Params], Awaitable[Any]]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDeliverer:
    """One per bot. Idle while no webhook is set; otherwise delivers pending updates.

    An update is confirmed (removed) only after a 2xx answer. A JSON answer with a
    ``method`` field is executed as a Bot API call, as Telegram allows.
    """

    def __init__(self, bot: BotState, session: aiohttp.ClientSession, execute: Executor) -> None:
        self.bot = bot
        self.session = session
        self.execute = execute
        self.delivered = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"webhook-{self.bot.id}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _next(self) -> tuple[WebhookConfig, JSON] | None:
        config = self.bot.webhook
        if config is None:
            return None
        items = self.bot.updates.take_available(1)
        return (config, items[0]) if items else None

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            job = await self.bot.notifier.wait_for(self._next, 3600.0, 3600.0)
            if job is None:
                continue
            config, update = job
            error = await self._post(config, update)
            if error is None:
                self.bot.updates.confirm(int(update["update_id"]) + 1)
                self.delivered += 1
                backoff = 0.1
                continue
            config.last_error_date = now()
            config.last_error_message = error
            logger.debug("bot %d webhook delivery failed: %s", self.bot.id, error)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)

    async def _post(self, config: WebhookConfig, update: JSON) -> str | None:
        headers = {SECRET_HEADER: config.secret_token} if config.secret_token else {}
        timeout = aiohttp.ClientTimeout(total=10)
        try:
            async with self.session.post(
                config.url, json=update, headers=headers, timeout=timeout
            ) as response:
                body = await response.read()
                if not 200 <= response.status < 300:
                    return f"Wrong response from the webhook: {response.status} {response.reason}"
                if response.content_type == "application/json" and body:
                    await self._run_reply(body)
                return None
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientError as err:
            return f"Connection error: {type(err).__name__}"

    async def _run_reply(self, body: bytes) -> None:
        try:
            reply = json.loads(body)
        except ValueError:
            return
        if not isinstance(reply, dict) or not isinstance(reply.get("method"), str):
            return
        params = Params({k: v for k, v in reply.items() if k != "method"})
        try:
            await self.execute(self.bot.token, reply["method"], params)
        except Exception as err:  # the bot never sees errors of webhook replies
            logger.debug("bot %d webhook reply %s failed: %s", self.bot.id, reply["method"], err)
