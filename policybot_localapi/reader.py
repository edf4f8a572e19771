"""The reading half of the client: transcripts, answers, and awaitable helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from policybot_localapi.errors import ApiError
from policybot_localapi.methods.botapi import scope_key
from policybot_localapi.records import (
    CallbackAnswer,
    ChatActionRecord,
    InlineAnswer,
    MessageRecord,
)
from policybot_localapi.types import Chat, User
from policybot_localapi.world import BotState, World

JSON = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class Injected:
    """An update the client injected. ``update_id`` is None if the bot would not get it
    (privacy mode in groups)."""

    update_id: int | None
    kind: str
    payload: JSON

    @property
    def message_id(self) -> int:
        return int(self.payload["message_id"])

    @property
    def query_id(self) -> str:
        return str(self.payload["id"])

    @property
    def chat_id(self) -> int | None:
        chat = self.payload.get("chat") or (self.payload.get("message") or {}).get("chat")
        return int(chat["id"]) if chat else None

    def to_json(self) -> JSON:
        return {"update_id": self.update_id, "kind": self.kind, "payload": self.payload}


ChatRef = Chat | User | int
MessageRef = MessageRecord | Injected | int
QueryRef = Injected | str


def chat_id_of(ref: ChatRef) -> int:
    return ref.id if isinstance(ref, Chat | User) else int(ref)


def query_id_of(ref: QueryRef) -> str:
    return ref.query_id if isinstance(ref, Injected) else str(ref)


class TranscriptReader:
    """What the bot did, per chat, plus ``wait_for_*`` helpers (all timeouts in seconds)."""

    bot: BotState
    world: World

    def __init__(self) -> None:
        self._cursors: dict[int, int] = {}

    # -- transcripts -------------------------------------------------------------------
    def messages(self, chat: ChatRef, *, include_deleted: bool = True) -> list[MessageRecord]:
        """Messages the bot sent to ``chat``, oldest first (current text after edits)."""
        records = self.bot.log(chat_id_of(chat)).bot_messages()
        return [m for m in records if include_deleted or not m.deleted]

    def history(self, chat: ChatRef) -> list[MessageRecord]:
        """Every message of the chat, the users' and the bot's, by message_id."""
        return list(self.bot.log(chat_id_of(chat)).messages.values())

    def last_message(self, chat: ChatRef) -> MessageRecord | None:
        records = self.messages(chat)
        return records[-1] if records else None

    def message(self, chat: ChatRef, message_id: int) -> MessageRecord:
        record = self.bot.log(chat_id_of(chat)).get(message_id)
        if record is None:
            raise LookupError(f"no message {message_id} in chat {chat_id_of(chat)}")
        return record

    def unread(self, chat: ChatRef) -> list[MessageRecord]:
        """Bot messages not yet returned by ``wait_for_messages``."""
        chat_id = chat_id_of(chat)
        return self.messages(chat_id)[self._cursors.get(chat_id, 0) :]

    def mark_read(self, chat: ChatRef) -> None:
        chat_id = chat_id_of(chat)
        self._cursors[chat_id] = len(self.messages(chat_id))

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
        what: str = "condition",
    ) -> T:
        """Wait until ``predicate()`` returns something other than None."""
        value = await self.bot.notifier.wait_for(predicate, timeout)
        if value is None:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        return value

    async def wait_for_messages(
        self,
        chat: ChatRef,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
    ) -> list[MessageRecord]:
        """The next ``count`` new bot messages in ``chat`` (since the last read)."""
        chat_id = chat_id_of(chat)

        def ready() -> list[MessageRecord] | None:
            fresh = self.unread(chat_id)
            return fresh[:count] if len(fresh) >= count else None

        found = await self.bot.notifier.wait_for(ready, timeout)
        if found is None:
            got = [m.text for m in self.unread(chat_id)]
            raise TimeoutError(
                f"expected {count} new bot message(s) in chat {chat_id} within {timeout}s, "
                f"got {len(got)}: {got!r}"
            )
        self._cursors[chat_id] = self._cursors.get(chat_id, 0) + len(found)
        return found

    async def collect_messages(
        self,
        chat: ChatRef,
        *,
        idle: float = 0.5,
        timeout: float = 10.0,  # noqa: ASYNC109 (public API takes timeout=)
    ) -> list[MessageRecord]:
        """Everything the bot sends until it has been quiet for ``idle`` seconds (after a
        first message, awaited up to ``timeout``); for shells and multi-message replies."""
        chat_id = chat_id_of(chat)
        collected = await self.wait_for_messages(chat_id, 1, timeout)
        while True:
            more = await self.bot.notifier.wait_for(lambda: self.unread(chat_id) or None, idle)
            if not more:
                return collected
            collected.extend(more)
            self._cursors[chat_id] = self._cursors.get(chat_id, 0) + len(more)

    async def expect_no_messages(self, chat: ChatRef, within: float = 0.3) -> None:
        """Fail if the bot sends anything new to ``chat`` within ``within`` seconds."""
        chat_id = chat_id_of(chat)
        fresh = await self.bot.notifier.wait_for(lambda: self.unread(chat_id) or None, within)
        if fresh:
            raise AssertionError(f"unexpected bot messages in chat {chat_id}: {fresh[0].text!r}")

    async def wait_for_edit(
        self,
        chat: ChatRef,
        message_id: int,
        *,
        edits: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
    ) -> MessageRecord:
        """Wait until the bot message was edited at least ``edits`` times in total."""
        chat_id = chat_id_of(chat)

        def edited() -> MessageRecord | None:
            record = self.bot.log(chat_id).get(message_id)
            return record if record is not None and record.edit_count >= edits else None

        return await self.wait_for(edited, timeout, f"edit of message {message_id}")

    # -- answers -----------------------------------------------------------------------
    def callback_answer(self, query: QueryRef) -> CallbackAnswer | None:
        record = self.bot.callback_queries.get(query_id_of(query))
        return record.answer if record else None

    async def wait_for_callback_answer(
        self,
        query: QueryRef,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
    ) -> CallbackAnswer:
        query_id = query_id_of(query)
        return await self.wait_for(
            lambda: self.callback_answer(query_id), timeout, f"answer to callback {query_id}"
        )

    def inline_answer(self, query: QueryRef) -> InlineAnswer | None:
        record = self.bot.inline_queries.get(query_id_of(query))
        return record.answer if record else None

    async def wait_for_inline_answer(
        self,
        query: QueryRef,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
    ) -> InlineAnswer:
        query_id = query_id_of(query)
        return await self.wait_for(
            lambda: self.inline_answer(query_id), timeout, f"answer to inline query {query_id}"
        )

    # -- other state -------------------------------------------------------------------
    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands set with setMyCommands for that scope and language."""
        try:
            key = scope_key(self.world, scope, language_code)
        except ApiError as err:
            raise ValueError(err.description) from None
        return list(self.bot.commands.get(key, []))

    def documents(self, chat: ChatRef | None = None) -> list[MessageRecord]:
        """Documents the bot sent (to ``chat`` or anywhere)."""
        chats = [chat_id_of(chat)] if chat is not None else list(self.bot.logs)
        return [m for c in chats for m in self.messages(c) if m.kind == "document"]

    def file_bytes(self, file_id: str) -> bytes:
        stored = self.world.files.get(file_id)
        if stored is None or stored.data is None:
            raise LookupError(f"no stored content for file {file_id}")
        return stored.data

    def chat_actions(self, chat: ChatRef | None = None) -> list[ChatActionRecord]:
        if chat is None:
            return list(self.bot.chat_actions)
        return [a for a in self.bot.chat_actions if a.chat_id == chat_id_of(chat)]

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot."""
        return self.bot.updates.pending()

    async def wait_for_delivery(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
    ) -> None:
        """Wait until the bot confirmed every update (getUpdates offset or webhook 2xx)."""
        await self.wait_for(
            lambda: True if not self.bot.updates.pending() else None, timeout, "update delivery"
        )

    def webhook_info(self) -> JSON:
        webhook = self.bot.webhook
        pending = len(self.bot.updates.pending())
        if webhook is None:
            return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
        return webhook.info(pending, sorted(self.bot.updates.allowed))

    def calls(self) -> list[str]:
        """Names of the Bot API methods the bot called, in order (last 10 000)."""
        return list(self.bot.calls)

    def stats(self) -> JSON:
        """Counters for benchmarks: calls per method, errors per ``method:status``."""
        sent = sum(len(log.bot_messages()) for log in self.bot.logs.values())
        return {
            "calls": dict(self.bot.call_counts),
            "errors": dict(self.bot.error_counts),
            "bot_messages": sent,
            "pending_updates": len(self.bot.updates.pending()),
        }
