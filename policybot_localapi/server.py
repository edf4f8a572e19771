"""The aiohttp application and :class:`LocalBotAPI`, its lifecycle wrapper."""

from __future__ import annotations

import functools
import json
import logging
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

import policybot_localapi.methods  # noqa: F401  (registers the Bot API methods)
from policybot_localapi.client import BotClient
from policybot_localapi.control import LOCALAPI_KEY, handle_control
from policybot_localapi.dispatch import execute
from policybot_localapi.errors import ApiError, not_found
from policybot_localapi.faults import FaultInjector
from policybot_localapi.limits import MB, Limits
from policybot_localapi.params import Params, read_params
from policybot_localapi.types import User
from policybot_localapi.webhook import WebhookDeliverer
from policybot_localapi.world import Backend, World

logger = logging.getLogger(__name__)

_dumps = functools.partial(json.dumps, ensure_ascii=False)


def _error_response(err: ApiError) -> web.Response:
    if err.html_body is not None:
        return web.Response(status=err.status, text=err.html_body, content_type="text/html")
    return web.json_response(err.payload(), status=err.status, dumps=_dumps)


@web.middleware
async def _telegram_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Unknown routes and oversized bodies answer like Telegram; crashes become 500s."""
    try:
        response: web.StreamResponse = await handler(request)
    except ApiError as err:
        return _error_response(err)
    except web.HTTPRequestEntityTooLarge:
        return _error_response(ApiError(413, "Request Entity Too Large"))
    except web.HTTPException as err:
        if err.status == 404 or err.status == 405:
            return _error_response(not_found())
        raise
    except Exception:
        logger.exception("internal error serving %s", request.match_info.get("method", "?"))
        return _error_response(ApiError(500, "Internal Server Error"))
    return response


class LocalBotAPI:
    """A local stand-in for api.telegram.org.

    ``async with LocalBotAPI() as api:`` starts it on a free loopback port; point PTB at
    ``api.base_url + "/bot"`` and ``api.base_url + "/file/bot"``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        limits: Limits | None = None,
        backend: Backend | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.backend = backend or Backend(limits=limits or Limits.strict())
        self._clients: dict[str, BotClient] = {}
        self._deliverers: dict[str, WebhookDeliverer] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- configuration -----------------------------------------------------------------
    @property
    def world(self) -> World:
        return self.backend.world

    @property
    def faults(self) -> FaultInjector:
        return self.backend.faults

    @property
    def limits(self) -> Limits:
        return self.backend.limits

    @limits.setter
    def limits(self, value: Limits) -> None:
        self.backend.limits = value

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``; PTB wants ``base_url + "/bot"``."""
        return f"http://{self.host}:{self.port}"

    @property
    def bot_api_url(self) -> str:
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        return f"{self.base_url}/file/bot"

    def register_bot(
        self,
        token: str,
        *,
        username: str = "test_bot",
        first_name: str = "Test Bot",
        privacy_mode: bool = False,
        supports_inline_queries: bool = True,
    ) -> User:
        """Accept ``token`` (``"<bot id>:<secret>"``) and return the bot's User."""
        state = self.backend.register_bot(
            token,
            username=username,
            first_name=first_name,
            privacy_mode=privacy_mode,
            supports_inline_queries=supports_inline_queries,
        )
        if self._session is not None:
            self._start_deliverer(token)
        return state.user

    def client(self, token: str) -> BotClient:
        """The user-side client of the bot with ``token`` (one per bot, cached)."""
        client = self._clients.get(token)
        if client is None:
            client = self._clients[token] = BotClient(self.backend, token)
        return client

    async def call(self, token: str, method: str, **params: Any) -> Any:
        """Call a Bot API method in-process (no HTTP); raises ApiError on failure."""
        return await execute(self.backend, token, method, Params(params))

    def webhook_deliveries(self, token: str) -> int:
        deliverer = self._deliverers.get(token)
        return deliverer.delivered if deliverer else 0

    # -- lifecycle ---------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * MB, middlewares=[_telegram_errors])
        app[LOCALAPI_KEY] = self
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/_control/{action}", handle_control)
        app.router.add_get("/", self._handle_root)
        return app

    async def start(self) -> None:
        if self._runner is not None:
            return
        runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self._session = aiohttp.ClientSession()
        for state in self.backend.bots.values():
            state.updates.reopen()
            self._start_deliverer(state.token)
        logger.info("local Bot API listening on %s", self.base_url)

    async def stop(self) -> None:
        for state in self.backend.bots.values():
            state.updates.close()
        for deliverer in self._deliverers.values():
            await deliverer.stop()
        self._deliverers.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        logger.info("local Bot API stopped")

    async def __aenter__(self) -> LocalBotAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _start_deliverer(self, token: str) -> None:
        if token in self._deliverers or self._session is None:
            return
        state = self.backend.bots[token]
        deliverer = WebhookDeliverer(state, self._session, self._execute)
        self._deliverers[token] = deliverer
        deliverer.start()

    async def _execute(self, token: str, method: str, params: Params) -> Any:
        return await execute(self.backend, token, method, params)

    # -- HTTP handlers -----------------------------------------------------------------
    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        if self.backend.bot_for_token(token) is None:
            return _error_response(ApiError(401, "Unauthorized"))
        params = await read_params(request)
        try:
            result = await execute(self.backend, token, method, params)
        except ApiError as err:
            return _error_response(err)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if self.backend.bot_for_token(request.match_info["token"]) is None:
            return _error_response(ApiError(401, "Unauthorized"))
        stored = self.world.files_by_path.get(request.match_info["path"])
        if stored is None or stored.data is None:
            return _error_response(not_found())
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.data, content_type=content_type)

    async def _handle_root(self, request: web.Request) -> web.Response:
        bots = [state.me_json() for state in self.backend.bots.values()]
        return web.json_response({"ok": True, "result": {"bots": bots}}, dumps=_dumps)
