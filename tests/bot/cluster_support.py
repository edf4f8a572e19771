"""Helpers of the two-instance test: a round-robin load balancer (what nginx does in
docs/deploy.md) and ``policybot run --webhook`` processes behind it."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

SECRET = "cluster-s3cret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until(predicate: Callable[[], bool], within: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.05)


@dataclass
class Balancer:
    """Round robin over the instances' ports. A refused connection goes to the next
    instance (nginx ``proxy_next_upstream error``); an instance that dies while it holds
    a request answers 502, and Telegram delivers the update again later."""

    ports: list[int]
    port: int = field(default_factory=free_port)
    served: Counter[int] = field(default_factory=Counter)
    in_flight: Counter[int] = field(default_factory=Counter)
    failed: int = 0
    _turn: int = 0
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/hook"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/telegram/hook", self._forward)
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {SECRET_HEADER: request.headers.get(SECRET_HEADER, "")}
        headers["Content-Type"] = request.headers.get("Content-Type", "application/json")
        for _ in range(len(self.ports)):
            port = self.ports[self._turn % len(self.ports)]
            self._turn += 1
            self.in_flight[port] += 1
            try:
                async with self._session.post(
                    f"http://127.0.0.1:{port}{request.path}",
                    data=body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=60),
                ) as answer:
                    payload = await answer.read()
                    if answer.status == 503:  # draining: try the next one
                        continue
                    self.served[port] += 1
                    return web.Response(status=answer.status, body=payload)
            except aiohttp.ClientConnectorError:
                continue  # not listening (dead or not started): the next instance
            except (aiohttp.ClientError, TimeoutError):
                self.failed += 1
                return web.Response(status=502, text="upstream died")
            finally:
                self.in_flight[port] -= 1
        self.failed += 1
        return web.Response(status=502, text="no upstream")


EXE = shutil.which("policybot")


@dataclass
class Instance:
    """One ``policybot run --webhook`` process."""

    port: int
    process: asyncio.subprocess.Process
    log: Path

    async def health(self, session: aiohttp.ClientSession) -> dict[str, object] | None:
        try:
            async with session.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                data = await response.json()
                return data if isinstance(data, dict) else None
        except aiohttp.ClientError:
            return None


async def start_instance(env: dict[str, str], port: int, url: str, log: Path) -> Instance:
    assert EXE is not None
    args = ("--webhook", "--url", url, "--listen", "127.0.0.1", "--port", str(port))
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            EXE, "run", *args, "--secret", SECRET, env=env, stdout=sink, stderr=sink
        )
    return Instance(port, process, log)


def instance_env(base: dict[str, str], **values: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    return {**clean, **base, **values}
