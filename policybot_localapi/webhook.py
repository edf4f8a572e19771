"""Webhook delivery: POST each queued update to the bot's URL, in order, with retries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from policybot_localapi.params import Params
from policybot_localapi.types import now
from policybot_localapi.world import BotState, WebhookConfig

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
Executor = Callable[[str, str, Params], Awaitable[Any]]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def update_chat(update: JSON) -> int | None:
    """The chat (or, without one, the user) an update belongs to; None for neither."""
    payload = next((v for k, v in update.items() if k != "update_id"), None)
    if not isinstance(payload, dict):
        return None
    for holder in (payload, payload.get("message")):
        if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
            return int(holder["chat"]["id"])
    sender = payload.get("from") or payload.get("user")
    return int(sender["id"]) if isinstance(sender, dict) and "id" in sender else None


class WebhookDeliverer:
    """One per bot. Idle while no webhook is set; otherwise delivers pending updates.

    Like Telegram, up to ``max_connections`` requests run at once; updates of one chat go
    one after another, in order (the next only after the previous got a 2xx answer). An
    update is confirmed (removed) only after a 2xx answer; a failed one is retried after
    a backoff. A JSON answer with a ``method`` field is executed as a Bot API call, as
    Telegram allows.
    """

    def __init__(self, bot: BotState, session: aiohttp.ClientSession, execute: Executor) -> None:
        self.bot = bot
        self.session = session
        self.execute = execute
        self.delivered = 0
        self._task: asyncio.Task[None] | None = None
        self._sending: dict[int, asyncio.Task[None]] = {}  # update_id → its request
        self._busy: set[int | None] = set()  # chats with an update on the way
        self._retry_at: dict[int, float] = {}  # update_id → earliest next attempt
        self._backoff: dict[int, float] = {}

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"webhook-{self.bot.id}")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._sending.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._sending.clear()
        self._busy.clear()

    def _next(self) -> tuple[WebhookConfig, JSON] | None:
        config = self.bot.webhook
        if config is None or len(self._sending) >= max(1, config.max_connections):
            return None
        now = asyncio.get_running_loop().time()
        blocked: set[int | None] = set(self._busy)
        for update in self.bot.updates.take_available(10_000):
            update_id = int(update["update_id"])
            chat = update_chat(update)
            if update_id in self._sending or (chat is not None and chat in blocked):
                blocked.add(chat)  # keep the chat's order: nothing after it goes first
                continue
            if self._retry_at.get(update_id, 0.0) > now:
                blocked.add(chat)
                continue
            return config, update
        return None

    async def _run(self) -> None:
        while True:
            job = await self.bot.notifier.wait_for(self._next, 3600.0, 0.05)
            if job is None:
                continue
            config, update = job
            update_id, chat = int(update["update_id"]), update_chat(update)
            if chat is not None:
                self._busy.add(chat)
            self._sending[update_id] = asyncio.create_task(self._deliver(config, update, chat))

    async def _deliver(self, config: WebhookConfig, update: JSON, chat: int | None) -> None:
        update_id = int(update["update_id"])
        try:
            error = await self._post(config, update)
            if error is None:
                self.bot.updates.remove(update_id)
                self.delivered += 1
                self._retry_at.pop(update_id, None)
                self._backoff.pop(update_id, None)
                return
            config.last_error_date = now()
            config.last_error_message = error
            logger.debug("bot %d webhook delivery failed: %s", self.bot.id, error)
            backoff = self._backoff.get(update_id, 0.05) * 2
            self._backoff[update_id] = min(backoff, 2.0)
            self._retry_at[update_id] = asyncio.get_running_loop().time() + self._backoff[update_id]
        finally:
            self._sending.pop(update_id, None)
            self._busy.discard(chat)
            self.bot.notifier.notify()

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
