"""A python-telegram-bot transport that calls the local Bot API in the same process.

:class:`InProcessRequest` is a ``telegram.request.BaseRequest``: PTB hands it the URL and
the encoded parameters of each call, as it would to HTTPX, and it answers with the status
and the JSON body the local server would have sent, without a socket. The parameters
arrive exactly as over HTTP (form values as strings, uploads as files), so the server
code that runs is the same; what is skipped is aiohttp and httpx. Tests that are about
HTTP itself (timeouts on the wire, webhooks, a proxy that drops connections) keep using
the real server.

As with a real server, a call that outlives the read timeout is still carried out; the
caller gets ``TimedOut``."""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from policybot_localapi.dispatch import execute
from policybot_localapi.errors import ApiError, not_found
from policybot_localapi.params import Params, UploadedFile

if TYPE_CHECKING:
    from policybot_localapi.server import LocalBotAPI

_API = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[^/?]+)$")
_FILE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


def _body(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _error(err: ApiError) -> tuple[int, bytes]:
    if err.html_body is not None:
        return err.status, err.html_body.encode("utf-8")
    return err.status, _body(err.payload())


def _params(request_data: RequestData | None) -> Params:
    """The call's parameters as the server reads them from a form or multipart body."""
    if request_data is None:
        return Params({})
    files: dict[str, UploadedFile] = {}
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        files[name] = UploadedFile(filename=filename or name, content_type=mime_type, data=data)
    return Params(request_data.json_parameters, files)


class InProcessRequest(BaseRequest):
    """Serve PTB's Bot API calls from ``api`` directly (see the module docstring)."""

    def __init__(self, api: LocalBotAPI, *, read_timeout: float | None = 5.0) -> None:
        self._api = api
        self._read_timeout = read_timeout
        self._pending: set[asyncio.Task[Any]] = set()

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open: there is no connection."""

    async def shutdown(self) -> None:
        """Nothing to close; calls still running finish on their own, as on a server."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        backend = self._api.backend
        found = _FILE.search(url)  # PTB quotes a file's URL (the token's ':' too)
        if found is not None:
            if backend.bot_for_token(unquote(found["token"])) is None:
                return _error(ApiError(401, "Unauthorized"))
            stored = self._api.world.files_by_path.get(unquote(found["path"]))
            if stored is None or stored.data is None:
                return _error(not_found())
            return 200, stored.data
        found = _API.search(url)
        if found is None:
            return _error(not_found())
        default = isinstance(read_timeout, type(BaseRequest.DEFAULT_NONE))
        timeout = self._read_timeout if default else read_timeout
        call = asyncio.ensure_future(
            execute(backend, found["token"], found["method"], _params(request_data))
        )
        self._pending.add(call)
        call.add_done_callback(self._finished)
        try:
            result = await asyncio.wait_for(asyncio.shield(call), timeout)
        except TimeoutError:
            raise TimedOut from None
        except ApiError as err:
            return _error(err)
        return 200, _body({"ok": True, "result": result})

    def _finished(self, call: asyncio.Task[Any]) -> None:
        self._pending.discard(call)
        if not call.cancelled():
            call.exception()  # retrieved: a late call's error was the caller's TimedOut
