"""Our webhook server (aiohttp): Telegram's updates in, ``/healthz`` out, graceful drain.

Why not PTB's ``run_webhook``: it acknowledges an update as soon as it is queued, so an
instance killed with updates in its queue loses them, and it has no health endpoint.
Here an update is processed *inside* the request and acknowledged (200) only when it has
been handled; if the instance dies first, Telegram gets no answer and delivers the update
again — through the load balancer, to an instance that is alive. Routes:

* ``POST /<path>`` — one update; the ``X-Telegram-Bot-Api-Secret-Token`` header must equal
  the secret (403 otherwise); 503 while draining, so Telegram retries elsewhere.
* ``GET /healthz`` — 200 with ``{"status": "ok", ...}`` when the database answers, the
  job scheduler runs and the bot is not draining; 503 with the failing part otherwise.

On SIGTERM/SIGINT the server drains: ``/healthz`` turns 503 (the load balancer stops
sending), new updates get 503, updates in progress finish (up to ``drain_seconds``), then
the application stops (jobs, persistence) and the process exits 0.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1 << 20  # Telegram's updates are far smaller; refuse anything bigger
HEALTH_DB_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class Health:
    """The parts ``/healthz`` reports; ``ok`` when all of them are fine."""

    database: str
    scheduler: str
    draining: bool
    in_flight: int
    leader: bool | None

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.scheduler == "ok" and not self.draining

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "unavailable",
            "database": self.database,
            "scheduler": self.scheduler,
            "draining": self.draining,
            "in_flight": self.in_flight,
            "leader": self.leader,
        }


def database_status(engine: Engine) -> str:
    """``ok`` or the error class (never the message: it may contain the URL)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except SQLAlchemyError as exc:
        return f"error: {type(exc).__name__}"


def scheduler_status(application: AnyApp) -> str:
    jobs = application.job_queue
    if jobs is None:
        return "error: no job queue"
    if not jobs.scheduler.running:
        return "error: stopped"
    if not jobs.jobs():
        return "error: no jobs"
    return "ok"


class WebhookServer:
    """Serves one application's webhook and health check until :meth:`drain` is called."""

    def __init__(
        self,
        application: AnyApp,
        *,
        engine: Engine,
        path: str,
        secret: str,
        is_leader: Callable[[], bool | None] = lambda: None,
    ) -> None:
        if not secret:
            raise ValueError("a webhook secret is required")
        self.application = application
        self.engine = engine
        self.path = "/" + path.strip("/")
        self._secret = secret.encode()
        self._is_leader = is_leader
        self.draining = False
        self.in_flight = 0
        self.handled = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ aiohttp app
    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_post(self.path, self._on_update)
        app.router.add_get("/healthz", self._on_health)
        return app

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(self.web_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        log.info("webhook server listening on %s:%d (path %s, /healthz)", host, port, self.path)

    async def drain(self, grace: float) -> bool:
        """Refuse new updates, wait for those in progress; True when none was cut off."""
        self.draining = True
        started = time.monotonic()
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
            finished = True
        except TimeoutError:
            finished = False
        log.info(
            "drained in %.1f s (%s); %d update(s) still in progress",
            time.monotonic() - started,
            "complete" if finished else "timed out",
            self.in_flight,
        )
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        return finished

    # ------------------------------------------------------------------ routes
    async def _on_update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook request with a wrong or missing secret token refused")
            return web.Response(status=403, text="forbidden")
        if self.draining:  # Telegram retries; the load balancer picks another instance
            return web.Response(status=503, text="draining", headers={"Retry-After": "1"})
        try:
            payload = await request.json(loads=json.loads)
            update = Update.de_json(payload, self.application.bot)
        except (ValueError, TypeError, KeyError, web.HTTPException):
            log.warning("webhook request with a malformed update refused")
            return web.Response(status=400, text="malformed update")
        if update is None:
            return web.Response(status=400, text="malformed update")
        await self._process(update)
        return web.Response(text="ok")

    async def _process(self, update: Update) -> None:
        self.in_flight += 1
        self._idle.clear()
        try:
            # the application's concurrency limit applies as for polled updates; handler
            # errors go to the error handler inside process_update
            processor = self.application.update_processor
            await processor.process_update(update, self.application.process_update(update))
            self.handled += 1
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()

    async def _on_health(self, request: web.Request) -> web.Response:
        health = await self.health()
        return web.json_response(health.as_json(), status=200 if health.ok else 503)

    async def health(self) -> Health:
        try:
            database = await asyncio.wait_for(
                asyncio.to_thread(database_status, self.engine), HEALTH_DB_TIMEOUT
            )
        except TimeoutError:
            database = "error: timeout"
        return Health(
            database=database,
            scheduler=scheduler_status(self.application),
            draining=self.draining,
            in_flight=self.in_flight,
            leader=self._is_leader(),
        )


async def serve(
    application: AnyApp,
    *,
    engine: Engine,
    url: str,
    path: str,
    listen: str,
    port: int,
    secret: str,
    drain_seconds: float,
    is_leader: Callable[[], bool | None] = lambda: None,
) -> None:
    """Initialise, register the webhook, serve until SIGTERM/SIGINT, drain, shut down.

    Every instance registers the same public ``url`` (the load balancer's); stopping one
    instance never deletes the webhook, the others keep serving it.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = WebhookServer(
        application, engine=engine, path=path, secret=secret, is_leader=is_leader
    )
    try:
        async with application:  # initialize() … shutdown()
            if application.post_init is not None:
                await application.post_init(application)
            await server.start(listen, port)
            try:
                await application.start()  # the job queue and the persistence updater
                await application.bot.set_webhook(
                    url, secret_token=secret, allowed_updates=Update.ALL_TYPES
                )
                log.info("webhook registered; serving until SIGTERM")
                await stop.wait()
                log.info("stop signal received: draining (up to %.0f s)", drain_seconds)
            finally:
                await server.drain(drain_seconds)
                if application.running:
                    await application.stop()  # jobs stop; persistence is written once more
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
