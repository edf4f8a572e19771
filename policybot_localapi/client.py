"""The user side: create users and chats, inject updates, read what the bot did.

All injection methods are async (they may wake long polls and webhook delivery);
reading methods come from :class:`~policybot_localapi.reader.TranscriptReader`.
"""

from __future__ import annotations

import itertools
from typing import Any

from policybot_localapi.clientmedia import MediaInjector
from policybot_localapi.faults import FaultInjector
from policybot_localapi.reader import ChatRef, Injected, MessageRef, TranscriptReader, chat_id_of
from policybot_localapi.records import CallbackQueryRecord, InlineQueryRecord, MessageRecord
from policybot_localapi.textutil import detect_entities
from policybot_localapi.types import Chat, User, my_chat_member_json, now
from policybot_localapi.world import Backend

JSON = dict[str, Any]
UserRef = User | int

_query_ids = itertools.count(4_611_686_018_427_387_904 // 4096)


class BotClient(MediaInjector, TranscriptReader):
    """Plays the Telegram users talking to one bot."""

    def __init__(self, backend: Backend, token: str) -> None:
        super().__init__()
        bot = backend.bot_for_token(token)
        if bot is None:
            raise LookupError("register the bot first")
        self.backend = backend
        self.bot = bot
        self.world = backend.world

    @property
    def faults(self) -> FaultInjector:
        return self.backend.faults

    @property
    def bot_user(self) -> User:
        return self.bot.user

    # -- people and chats --------------------------------------------------------------
    async def create_user(
        self,
        first_name: str = "Test",
        *,
        user_id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        is_premium: bool = False,
        started: bool = True,
    ) -> User:
        """A new user; ``started`` means they already pressed Start, so the bot may write."""
        user = self.world.add_user(
            first_name,
            user_id=user_id,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
        )
        if started:
            self.bot.started_users.add(user.id)
        return user

    async def create_users(
        self, count: int, *, first_name: str = "User", started: bool = True
    ) -> list[User]:
        """``count`` users named ``<first_name> <n>`` (for benchmarks)."""
        return [await self.create_user(f"{first_name} {n}", started=started) for n in range(count)]

    async def create_chat(
        self,
        chat_type: str = "group",
        *,
        title: str | None = None,
        chat_id: int | None = None,
        username: str | None = None,
        members: list[UserRef] | tuple[UserRef, ...] = (),
        bot_member: bool = True,
        is_forum: bool = False,
    ) -> Chat:
        """A group, supergroup or channel (the bot is a member unless ``bot_member=False``)."""
        chat = self.world.add_chat(
            chat_type, title=title, chat_id=chat_id, username=username, is_forum=is_forum
        )
        chat.members.update(self.world.user(member).id for member in members)
        if bot_member:
            self.bot.member_chats.add(chat.id)
        return chat

    async def add_bot_to_chat(self, chat: ChatRef, *, by: UserRef) -> Injected:
        target = self.world.chat(chat)
        actor = self.world.user(by)
        self.bot.member_chats.add(target.id)
        self.bot.kicked_chats.discard(target.id)
        status = "administrator" if target.type == "channel" else "member"
        payload = my_chat_member_json(target, actor, self.bot.user, "left", status)
        return self._push("my_chat_member", payload)

    async def remove_bot_from_chat(self, chat: ChatRef, *, by: UserRef) -> Injected:
        target = self.world.chat(chat)
        actor = self.world.user(by)
        self.bot.member_chats.discard(target.id)
        self.bot.kicked_chats.add(target.id)
        payload = my_chat_member_json(target, actor, self.bot.user, "member", "kicked")
        return self._push("my_chat_member", payload)

    async def block_bot(self, user: UserRef) -> Injected:
        """The user blocks the bot: my_chat_member update, then 403 on every write."""
        person = self.world.user(user)
        self.faults.block(person.id, self.bot.id)
        chat = self.world.chat(person.id)
        payload = my_chat_member_json(chat, person, self.bot.user, "member", "kicked")
        return self._push("my_chat_member", payload)

    async def unblock_bot(self, user: UserRef) -> Injected:
        person = self.world.user(user)
        self.faults.unblock(person.id, self.bot.id)
        self.bot.started_users.add(person.id)
        chat = self.world.chat(person.id)
        payload = my_chat_member_json(chat, person, self.bot.user, "kicked", "member")
        return self._push("my_chat_member", payload)

    async def deactivate_user(self, user: UserRef) -> None:
        """The account is deleted: writes to it fail with 403 "user is deactivated"."""
        self.faults.deactivate(self.world.user(user).id)

    # -- messages ----------------------------------------------------------------------
    async def send_message(
        self,
        user: UserRef,
        text: str,
        *,
        chat: ChatRef | None = None,
        reply_to: MessageRef | None = None,
        mention_bot: bool = False,
        entities: list[JSON] | None = None,
    ) -> Injected:
        """A text message; bot_command/mention/url/hashtag entities are detected."""
        if mention_bot and f"@{self.bot.username}".lower() not in text.lower():
            text = f"@{self.bot.username} {text}"
        content: JSON = {"text": text}
        found = entities if entities is not None else detect_entities(text)
        if found:
            content["entities"] = found
        return await self._user_message(user, chat, content, "text", reply_to)

    async def send_command(
        self,
        user: UserRef,
        command: str,
        args: str = "",
        *,
        chat: ChatRef | None = None,
        with_username: bool = False,
    ) -> Injected:
        """``/command[@bot] args``."""
        text = "/" + command.lstrip("/")
        if with_username:
            text += f"@{self.bot.username}"
        return await self.send_message(user, f"{text} {args}".strip(), chat=chat)

    async def edit_message(
        self, user: UserRef, message: MessageRef, text: str, *, chat: ChatRef | None = None
    ) -> Injected:
        """The user edits one of their text messages: an ``edited_message`` update."""
        person = self.world.user(user)
        record = self._find(message, chat if chat is not None else person.id)
        if record.from_bot or (record.payload.get("from") or {}).get("id") != person.id:
            raise ValueError("users can only edit their own messages")
        record.history.append(record.snapshot())
        record.payload["text"] = text
        record.payload.pop("entities", None)
        if found := detect_entities(text):
            record.payload["entities"] = found
        record.payload["edit_date"] = now()
        record.raw_text = text
        return self._push("edited_message", record.snapshot())

    async def channel_post(self, chat: ChatRef, text: str) -> Injected:
        channel = self.world.chat(chat)
        if channel.type != "channel":
            raise ValueError("channel_post needs a channel")
        if channel.id not in self.bot.member_chats:
            raise LookupError(f"the bot is not a member of channel {channel.id}")
        log = self.bot.log(channel.id)
        payload: JSON = {
            "message_id": log.allocate_id(),
            "sender_chat": channel.to_json(),
            "chat": channel.to_json(),
            "date": now(),
            "text": text,
        }
        if found := detect_entities(text):
            payload["entities"] = found
        self.bot.record(
            MessageRecord(payload["message_id"], channel.id, False, payload, raw_text=text)
        )
        return self._push("channel_post", payload)

    # -- buttons and inline mode -------------------------------------------------------
    async def press_button(
        self,
        user: UserRef,
        message: MessageRef,
        *,
        text: str | None = None,
        callback_data: str | None = None,
        chat: ChatRef | None = None,
    ) -> Injected:
        """Press an inline button of a bot message, chosen by its text or callback_data."""
        if text is None and callback_data is None:
            raise ValueError("say which button: text=... or callback_data=...")
        person = self.world.user(user)
        record = self._find(message, chat if chat is not None else person.id)
        if not record.from_bot or record.deleted:
            raise LookupError(f"message {record.message_id} is not a visible bot message")
        button = record.find_button(text=text, callback_data=callback_data)
        if "callback_data" not in button:
            raise ValueError(f"button {button.get('text')!r} is not a callback button: {button}")
        return self._callback(person, record, str(button["callback_data"]))

    async def press_raw(
        self, user: UserRef, message: MessageRef, data: str, *, chat: ChatRef | None = None
    ) -> Injected:
        """A callback_query with arbitrary (possibly forged or stale) ``data``."""
        person = self.world.user(user)
        record = self._find(message, chat if chat is not None else person.id)
        return self._callback(person, record, data)

    async def inline_query(
        self, user: UserRef, query: str, *, offset: str = "", chat_type: str = "private"
    ) -> Injected:
        if not self.bot.supports_inline_queries:
            raise ValueError("inline mode is disabled for this bot")
        person = self.world.user(user)
        query_id = str(next(_query_ids))
        self.bot.inline_queries[query_id] = InlineQueryRecord(query_id, person.id, query, offset)
        payload: JSON = {
            "id": query_id,
            "from": person.to_json(),
            "query": query,
            "offset": offset,
            "chat_type": chat_type,
        }
        return self._push("inline_query", payload)

    async def choose_inline_result(
        self,
        user: UserRef,
        result_id: str,
        query: str = "",
        *,
        inline_message_id: str | None = None,
    ) -> Injected:
        payload: JSON = {
            "result_id": result_id,
            "from": self.world.user(user).to_json(),
            "query": query,
        }
        if inline_message_id:
            payload["inline_message_id"] = inline_message_id
        return self._push("chosen_inline_result", payload)

    async def inject_update(self, kind: str, payload: JSON) -> Injected:
        """Queue any raw update (``kind`` is the update field, e.g. ``"poll_answer"``)."""
        return self._push(kind, payload)

    # -- internals ---------------------------------------------------------------------
    def _push(self, kind: str, payload: JSON) -> Injected:
        update = self.bot.push_update(kind, payload)
        return Injected(int(update["update_id"]), kind, payload)

    def _find(self, message: MessageRef, chat: ChatRef) -> MessageRecord:
        if isinstance(message, MessageRecord):
            return message
        if isinstance(message, Injected):
            return self.message(message.chat_id or chat_id_of(chat), message.message_id)
        return self.message(chat, int(message))

    def _participants(self, user: UserRef, chat: ChatRef | None) -> tuple[User, Chat]:
        person = self.world.user(user)
        target = self.world.chat(chat if chat is not None else person.id)
        if target.type == "private":
            if target.id != person.id:
                raise ValueError("a user writes to the bot only in their own private chat")
            if self.faults.is_blocked(self.bot.id, person.id):
                payload = my_chat_member_json(target, person, self.bot.user, "kicked", "member")
                self.faults.unblock(person.id, self.bot.id)
                self._push("my_chat_member", payload)
            self.bot.started_users.add(person.id)
        elif target.type == "channel":
            raise ValueError("use channel_post() for channels")
        else:
            if target.id not in self.bot.member_chats:
                raise LookupError(f"the bot is not a member of chat {target.id}")
            target.members.add(person.id)
        return person, target

    async def _user_message(
        self,
        user: UserRef,
        chat: ChatRef | None,
        content: JSON,
        kind: str,
        reply_to: MessageRef | None = None,
    ) -> Injected:
        person, target = self._participants(user, chat)
        log = self.bot.log(target.id)
        payload: JSON = {
            "message_id": log.allocate_id(),
            "from": person.to_json(),
            "chat": target.to_json(),
            "date": now(),
        }
        quoted: MessageRecord | None = None
        if reply_to is not None:
            quoted = self._find(reply_to, target)
            snapshot = quoted.snapshot()
            snapshot.pop("reply_to_message", None)
            payload["reply_to_message"] = snapshot
        payload.update({k: v for k, v in content.items() if v is not None})
        record = MessageRecord(
            payload["message_id"],
            target.id,
            False,
            payload,
            kind=kind,
            raw_text=content.get("text") or content.get("caption"),
        )
        self.bot.record(record)
        if target.type != "private" and not self._addressed(payload, quoted):
            return Injected(None, "message", payload)
        return self._push("message", payload)

    def _addressed(self, payload: JSON, quoted: MessageRecord | None) -> bool:
        """Privacy mode: in groups the bot only gets commands and replies to itself."""
        if not self.bot.privacy_mode:
            return True
        if quoted is not None and quoted.from_bot:
            return True
        text = str(payload.get("text", ""))
        if not text.startswith("/"):
            return False
        target = text.split()[0].partition("@")[2]
        return not target or target.lower() == self.bot.username.lower()

    def _callback(self, person: User, record: MessageRecord, data: str) -> Injected:
        query_id = str(next(_query_ids))
        self.bot.callback_queries[query_id] = CallbackQueryRecord(
            query_id, person.id, record.chat_id, record.message_id, data
        )
        payload: JSON = {
            "id": query_id,
            "from": person.to_json(),
            "message": record.snapshot(),
            "chat_instance": str(abs(record.chat_id * 7919 + self.bot.id) % 10**18),
            "data": data,
        }
        return self._push("callback_query", payload)
