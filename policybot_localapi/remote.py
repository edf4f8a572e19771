"""Client for ``/_control`` endpoints, for tools running in another process."""

from __future__ import annotations

import base64
from types import TracebackType
from typing import Any

import aiohttp


class RemoteControlError(RuntimeError):
    """The control endpoint answered ``{"ok": false, ...}``."""

    def __init__(self, action: str, status: int, error: str) -> None:
        super().__init__(f"{action}: {error} (HTTP {status})")
        self.action = action
        self.status = status
        self.error = error


class RemoteControl:
    """``await RemoteControl(url).call("send_message", user=1, text="/start")``."""

    def __init__(self, base_url: str, *, bot: int | str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.bot = bot
        self._session: aiohttp.ClientSession | None = None

    async def call(self, action: str, **kwargs: Any) -> Any:
        payload = {key: value for key, value in kwargs.items() if not isinstance(value, bytes)}
        for key, value in kwargs.items():
            if isinstance(value, bytes):
                if key != "data":
                    raise TypeError("only the 'data' argument may be bytes")
                payload["data_b64"] = base64.b64encode(value).decode()
        if self.bot is not None:
            payload.setdefault("bot", self.bot)
        if self._session is None:
            self._session = aiohttp.ClientSession()
        url = f"{self.base_url}/_control/{action}"
        async with self._session.post(url, json=payload) as response:
            body = await response.json()
        if not body.get("ok"):
            raise RemoteControlError(action, response.status, str(body.get("error")))
        return body.get("result")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> RemoteControl:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
