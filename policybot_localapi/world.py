"""Server state: the shared world (users, chats, files) and each bot's private state."""

from __future__ import annotations

import itertools
import logging
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from policybot_localapi.faults import FaultInjector
from policybot_localapi.limits import Limits, RateLimiter
from policybot_localapi.notify import Notifier
from policybot_localapi.records import (
    CallbackQueryRecord,
    ChatActionRecord,
    ChatLog,
    InlineQueryRecord,
    MessageRecord,
    StoredFile,
)
from policybot_localapi.types import CHAT_TYPES, Chat, User, new_file_ids
from policybot_localapi.updatequeue import UpdateQueue

logger = logging.getLogger(__name__)

JSON = dict[str, Any]


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    has_custom_certificate: bool = False
    last_error_date: int | None = None
    last_error_message: str | None = None

    def info(self, pending: int, allowed: list[str]) -> JSON:
        data: JSON = {
            "url": self.url,
            "has_custom_certificate": self.has_custom_certificate,
            "pending_update_count": pending,
            "max_connections": self.max_connections,
            "ip_address": self.ip_address or "127.0.0.1",
            "allowed_updates": allowed,
        }
        if self.last_error_date is not None:
            data["last_error_date"] = self.last_error_date
            data["last_error_message"] = self.last_error_message or ""
        return data


class World:
    """Users, chats and files, shared by every bot registered on the server."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(4_000_001)
        self._channel_ids = itertools.count(1_000_000_001)

    def add_user(
        self,
        first_name: str = "Test",
        *,
        user_id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        is_bot: bool = False,
        is_premium: bool = False,
    ) -> User:
        if user_id is None:
            user_id = next(self._user_ids)
            while user_id in self.users:
                user_id = next(self._user_ids)
        if user_id <= 0:
            raise ValueError("user ids must be positive")
        if user_id in self.users:
            raise ValueError(f"user {user_id} already exists")
        user = User(
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_bot=is_bot,
            is_premium=is_premium,
        )
        self.users[user_id] = user
        if not is_bot:
            self.chats[user_id] = Chat(
                id=user_id,
                type="private",
                username=username,
                first_name=first_name,
                last_name=last_name,
                members={user_id},
            )
        return user

    def add_chat(
        self,
        chat_type: str = "group",
        *,
        title: str | None = None,
        chat_id: int | None = None,
        username: str | None = None,
        is_forum: bool = False,
    ) -> Chat:
        if chat_type not in CHAT_TYPES or chat_type == "private":
            raise ValueError(f"chat type must be group, supergroup or channel, not {chat_type!r}")
        if chat_id is None:
            if chat_type == "group":
                chat_id = -next(self._group_ids)
            else:
                chat_id = -(1_000_000_000_000 + next(self._channel_ids))
        if chat_id >= 0:
            raise ValueError("group and channel ids must be negative")
        if chat_id in self.chats:
            raise ValueError(f"chat {chat_id} already exists")
        chat = Chat(
            id=chat_id,
            type=chat_type,
            title=title or f"Test {chat_type} {abs(chat_id)}",
            username=username,
            is_forum=is_forum,
        )
        self.chats[chat_id] = chat
        return chat

    def user(self, ref: User | int) -> User:
        user_id = ref.id if isinstance(ref, User) else int(ref)
        try:
            return self.users[user_id]
        except KeyError:
            raise LookupError(f"unknown user {user_id}; create it first") from None

    def chat(self, ref: Chat | User | int) -> Chat:
        chat_id = ref.id if isinstance(ref, Chat | User) else int(ref)
        try:
            return self.chats[chat_id]
        except KeyError:
            raise LookupError(f"unknown chat {chat_id}; create it first") from None

    def resolve_chat(self, ref: int | str) -> Chat | None:
        if isinstance(ref, str):
            name = ref.lstrip("@").lower()
            return next(
                (c for c in self.chats.values() if (c.username or "").lower() == name), None
            )
        return self.chats.get(ref)

    def store_file(
        self,
        kind: str,
        *,
        data: bytes | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
        extension: str = "",
    ) -> StoredFile:
        file_id, unique_id, stem = new_file_ids(kind)
        if not extension and file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            kind=kind,
            file_path=f"{stem}{extension}",
            data=data,
            size=len(data) if data is not None else None,
            mime_type=mime_type,
            file_name=file_name,
            url=url,
        )
        self.files[file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored


class BotState:
    """Everything one bot sees: its update queue, chat logs, queries, commands, webhook."""

    def __init__(
        self,
        token: str,
        user: User,
        limits: Callable[[], Limits],
        *,
        privacy_mode: bool = False,
        supports_inline_queries: bool = True,
    ) -> None:
        self.token = token
        self.user = user
        self.privacy_mode = privacy_mode
        self.supports_inline_queries = supports_inline_queries
        self.notifier = Notifier()
        self.updates = UpdateQueue(self.notifier)
        self.rate_limiter = RateLimiter(limits)
        self.logs: dict[int, ChatLog] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.inline_queries: dict[str, InlineQueryRecord] = {}
        self.inline_messages: dict[str, JSON] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.chat_actions: list[ChatActionRecord] = []
        self.started_users: set[int] = set()
        self.member_chats: set[int] = set()
        self.kicked_chats: set[int] = set()
        self.webhook: WebhookConfig | None = None
        self.calls: deque[str] = deque(maxlen=10_000)
        self.call_counts: Counter[str] = Counter()
        self.error_counts: Counter[str] = Counter()

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def username(self) -> str:
        return self.user.username or ""

    def me_json(self) -> JSON:
        data = self.user.to_json()
        data.update(
            can_join_groups=True,
            can_read_all_group_messages=not self.privacy_mode,
            supports_inline_queries=self.supports_inline_queries,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return data

    def log(self, chat_id: int) -> ChatLog:
        log = self.logs.get(chat_id)
        if log is None:
            log = self.logs[chat_id] = ChatLog(chat_id)
        return log

    def record(self, message: MessageRecord) -> MessageRecord:
        self.log(message.chat_id).messages[message.message_id] = message
        self.notifier.notify()
        return message

    def push_update(self, kind: str, payload: JSON) -> JSON:
        return self.updates.push(kind, payload)


@dataclass
class Backend:
    """The whole server state, independent of HTTP: world, bots, faults, limits."""

    limits: Limits = field(default_factory=Limits.strict)
    world: World = field(default_factory=World)
    faults: FaultInjector = field(default_factory=FaultInjector)
    bots: dict[str, BotState] = field(default_factory=dict)

    def register_bot(
        self,
        token: str,
        *,
        username: str = "test_bot",
        first_name: str = "Test Bot",
        privacy_mode: bool = False,
        supports_inline_queries: bool = True,
    ) -> BotState:
        bot_id_text, sep, secret = token.partition(":")
        if not sep or not bot_id_text.isdigit() or not secret:
            raise ValueError("a bot token looks like '123456:ABC-DEF...'")
        bot_id = int(bot_id_text)
        existing = self.bots.get(token)
        if existing is not None:
            return existing
        user = User(id=bot_id, first_name=first_name, username=username, is_bot=True)
        self.world.users[bot_id] = user
        state = BotState(
            token,
            user,
            lambda: self.limits,
            privacy_mode=privacy_mode,
            supports_inline_queries=supports_inline_queries,
        )
        self.bots[token] = state
        logger.info("registered bot %d (@%s)", bot_id, username)
        return state

    def bot(self, ref: int | str | None = None) -> BotState:
        """A bot by id or username; None means the only registered bot."""
        if ref is None:
            if len(self.bots) != 1:
                raise LookupError(f"{len(self.bots)} bots registered; say which one")
            return next(iter(self.bots.values()))
        for state in self.bots.values():
            if str(state.id) == str(ref) or state.username.lower() == str(ref).lstrip("@").lower():
                return state
        raise LookupError(f"no registered bot {ref!r}")

    def bot_for_token(self, token: str) -> BotState | None:
        return self.bots.get(token)
