"""Per-bot update queue with Telegram's getUpdates semantics."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from policybot_localapi.errors import Desc, conflict
from policybot_localapi.notify import Notifier

JSON = dict[str, Any]

UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
DEFAULT_ALLOWED = frozenset(UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}


def update_kind(update: JSON) -> str:
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue:
    """Updates stay queued until a getUpdates ``offset`` confirms them.

    ``update_id`` grows monotonically. A new getUpdates call terminates a pending one
    with 409 Conflict, like Telegram does when two bot instances poll.
    """

    def __init__(self, notifier: Notifier, first_update_id: int = 1) -> None:
        self._notifier = notifier
        self._pending: list[JSON] = []
        self._next_id = first_update_id
        self._allowed: frozenset[str] = DEFAULT_ALLOWED
        self._poll_generation = 0
        self._closed = False

    @property
    def allowed(self) -> frozenset[str]:
        return self._allowed

    def push(self, kind: str, payload: JSON) -> JSON:
        update: JSON = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self._pending.append(update)
        self._notifier.notify()
        return update

    def pending(self) -> list[JSON]:
        return list(self._pending)

    def confirm(self, offset: int) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last -offset."""
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        self._notifier.notify()

    def remove(self, update_id: int) -> None:
        """Forget one update (a webhook delivered it; the others may still be pending)."""
        self._pending = [u for u in self._pending if u["update_id"] != update_id]
        self._notifier.notify()

    def drop_all(self) -> None:
        self._pending.clear()
        self._notifier.notify()

    def set_allowed(self, allowed: Iterable[str] | None) -> None:
        """None keeps the previous setting; an empty list restores the default."""
        if allowed is None:
            return
        chosen = frozenset(allowed)
        self._allowed = (chosen & frozenset(UPDATE_TYPES)) or DEFAULT_ALLOWED

    def take_available(self, limit: int) -> list[JSON]:
        self._pending = [u for u in self._pending if update_kind(u) in self._allowed]
        return self._pending[:limit]

    def close(self) -> None:
        """Make pending and future long polls return at once (server shutdown)."""
        self._closed = True
        self._notifier.notify()

    def reopen(self) -> None:
        self._closed = False

    async def poll(self, offset: int | None, limit: int, wait_seconds: float) -> list[JSON]:
        """getUpdates: confirm ``offset``, then wait up to ``wait_seconds`` for updates."""
        self._poll_generation += 1
        generation = self._poll_generation
        self._notifier.notify()  # terminate a concurrent long poll
        if offset:
            self.confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, wait_seconds)
        while True:
            if generation != self._poll_generation:
                raise conflict(Desc.OTHER_GETUPDATES)
            items = self.take_available(limit)
            remaining = deadline - loop.time()
            if items or self._closed or remaining <= 0:
                return items
            await self._notifier.wait(remaining)
