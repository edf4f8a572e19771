"""Fault injection: forced error answers, slow answers, blocked and deleted users."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from policybot_localapi.errors import BAD_GATEWAY_HTML, ApiError, Desc, too_many_requests

logger = logging.getLogger(__name__)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected fault",
    401: "Unauthorized",
    403: f"Forbidden: {Desc.BLOCKED}",
    404: "Not Found",
    409: f"Conflict: {Desc.OTHER_GETUPDATES}",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# Methods that write into a chat: these fail with 403 for blocked or deleted users.
CHAT_WRITE_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendaudio",
        "sendvideo",
        "sendvoice",
        "sendanimation",
        "sendsticker",
        "sendchataction",
        "forwardmessage",
        "copymessage",
        "editmessagetext",
        "editmessagereplymarkup",
        "editmessagecaption",
    }
)


@dataclass
class Fault:
    """One injected fault. ``count=None`` means it never runs out."""

    method: str | None = None
    status: int | None = 500
    retry_after: int | None = None
    count: int | None = 1
    chat_id: int | str | None = None
    delay: float = 0.0
    description: str | None = None
    bot_id: int | None = None
    hits: int = 0

    def matches(self, method: str, chat_id: Any, bot_id: int) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        if self.method is not None and self.method.lower() != method.lower():
            return False
        if self.bot_id is not None and self.bot_id != bot_id:
            return False
        return self.chat_id is None or str(self.chat_id) == str(chat_id)

    def error(self) -> ApiError | None:
        if self.status is None:
            return None
        if self.status == 429:
            err = too_many_requests(self.retry_after or 1)
            if self.description:
                err.description = self.description
            return err
        description = self.description or _DEFAULT_DESCRIPTIONS.get(self.status, "Injected fault")
        html = BAD_GATEWAY_HTML if self.status == 502 and self.description is None else None
        return ApiError(self.status, description, retry_after=self.retry_after, html_body=html)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "status": self.status,
            "retry_after": self.retry_after,
            "count": self.count,
            "chat_id": self.chat_id,
            "delay": self.delay,
            "description": self.description,
            "bot_id": self.bot_id,
            "hits": self.hits,
        }


@dataclass
class FaultInjector:
    """``api.faults``: add faults, block users, deactivate accounts, slow methods down."""

    faults: list[Fault] = field(default_factory=list)
    _blocked: set[tuple[int | None, int]] = field(default_factory=set)
    _deactivated: set[int] = field(default_factory=set)

    def add(
        self,
        method: str | None = None,
        status: int | None = 500,
        *,
        retry_after: int | None = None,
        count: int | None = 1,
        chat_id: int | str | None = None,
        delay: float = 0.0,
        description: str | None = None,
        bot_id: int | None = None,
    ) -> Fault:
        """Make the next ``count`` matching calls fail with ``status`` (None: only ``delay``)."""
        fault = Fault(
            method=method,
            status=status,
            retry_after=retry_after,
            count=count,
            chat_id=chat_id,
            delay=delay,
            description=description,
            bot_id=bot_id,
        )
        self.faults.append(fault)
        logger.debug("fault added: %s status=%s count=%s", method, status, count)
        return fault

    def slow(
        self, method: str | None = None, delay: float = 1.0, count: int | None = None
    ) -> Fault:
        """Delay matching calls by ``delay`` seconds, then answer normally."""
        return self.add(method, None, delay=delay, count=count)

    def block(self, chat_id: int, bot_id: int | None = None) -> None:
        """The user blocked the bot: writes to that private chat fail with 403."""
        self._blocked.add((bot_id, chat_id))

    def unblock(self, chat_id: int, bot_id: int | None = None) -> None:
        self._blocked.discard((bot_id, chat_id))
        if bot_id is not None:
            self._blocked.discard((None, chat_id))

    def deactivate(self, user_id: int) -> None:
        """The account was deleted: writes fail with 403 "user is deactivated"."""
        self._deactivated.add(user_id)

    def reactivate(self, user_id: int) -> None:
        self._deactivated.discard(user_id)

    def is_blocked(self, bot_id: int, chat_id: int) -> bool:
        return (bot_id, chat_id) in self._blocked or (None, chat_id) in self._blocked

    def is_deactivated(self, chat_id: int) -> bool:
        return chat_id in self._deactivated

    def clear(self) -> None:
        """Remove every fault, block and deactivation."""
        self.faults.clear()
        self._blocked.clear()
        self._deactivated.clear()

    def take(self, method: str, chat_id: Any, bot_id: int) -> Fault | None:
        """Find the first matching fault and consume one use of it."""
        for fault in self.faults:
            if fault.matches(method, chat_id, bot_id):
                fault.hits += 1
                if fault.count is not None:
                    fault.count -= 1
                return fault
        return None

    def write_error(self, method: str, chat_id: int, bot_id: int) -> ApiError | None:
        """403 for a blocked or deactivated user, if ``method`` writes into the chat."""
        if method.lower() not in CHAT_WRITE_METHODS or chat_id <= 0:
            return None
        if self.is_deactivated(chat_id):
            return ApiError(403, f"Forbidden: {Desc.DEACTIVATED}")
        if self.is_blocked(bot_id, chat_id):
            return ApiError(403, f"Forbidden: {Desc.BLOCKED}")
        return None
