"""Method registry and the call pipeline: auth, unknown methods, faults, handler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from policybot_localapi.errors import ApiError, not_found, unauthorized
from policybot_localapi.faults import FaultInjector
from policybot_localapi.limits import Limits
from policybot_localapi.params import Params
from policybot_localapi.world import Backend, BotState, World

logger = logging.getLogger(__name__)

Handler = Callable[["Call"], Awaitable[Any]]

_REGISTRY: dict[str, tuple[str, Handler]] = {}


def api_method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler for Bot API method ``names`` (matched case-insensitively)."""

    def decorate(handler: Handler) -> Handler:
        for name in names:
            _REGISTRY[name.lower()] = (name, handler)
        return handler

    return decorate


def registered_methods() -> list[str]:
    return sorted(name for name, _ in _REGISTRY.values())


@dataclass
class Call:
    """One Bot API call being served."""

    backend: Backend
    bot: BotState
    params: Params
    method: str

    @property
    def world(self) -> World:
        return self.backend.world

    @property
    def limits(self) -> Limits:
        return self.backend.limits

    @property
    def faults(self) -> FaultInjector:
        return self.backend.faults


async def execute(backend: Backend, token: str, method: str, params: Params) -> Any:
    """Run one Bot API call and return its ``result``; raise ApiError on failure."""
    bot = backend.bot_for_token(token)
    if bot is None:
        raise unauthorized()
    entry = _REGISTRY.get(method.lower())
    if entry is None:
        logger.debug("bot %d called unknown method %s", bot.id, method)
        bot.error_counts[f"{method}:404"] += 1
        raise not_found()
    name, handler = entry
    bot.calls.append(name)
    bot.call_counts[name] += 1
    try:
        return await _run(backend, bot, name, handler, params)
    except ApiError as err:
        bot.error_counts[f"{name}:{err.status}"] += 1
        logger.debug("bot %d %s -> %d %s", bot.id, name, err.status, err.description)
        raise


async def _run(backend: Backend, bot: BotState, name: str, handler: Handler, params: Params) -> Any:
    fault = backend.faults.take(name, params.raw("chat_id"), bot.id)
    if fault is not None:
        if fault.delay > 0:
            await asyncio.sleep(fault.delay)
        error = fault.error()
        if error is not None:
            logger.debug("bot %d %s: injected fault", bot.id, name)
            raise error
    return await handler(Call(backend, bot, params, name))
