"""End-to-end helpers: the real Application polling a LocalBotAPI over loopback, the
real database and knowledge base. Nothing of PTB or the DB is mocked."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from telegram.request import BaseRequest

from bot.app import PolicyApp, build_application
from bot.runner import running
from bot.settings import Settings
from policybot_localapi.api import BotClient, CallbackAnswer, Chat, LocalBotAPI, MessageRecord, User
from policybot_localapi.inprocess import InProcessRequest
from services.knowledge import KnowledgeBase

TOKEN = "424242:e2e-secret-token"
USERNAME = "policybot_bot"
QUESTION = "个体户转成公司有奖励吗"
CARD_TITLE = "加快推进“个转企”"


def make_settings(**changes: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_token": SecretStr(TOKEN),
        "flood_rate": 1000,  # flood control has its own test
        "flood_window": 10.0,
        "admin_ids": [],
        **changes,
    }
    return Settings(**values)


@dataclass
class Bot:
    """One running bot and the user-side client of the local Bot API."""

    api: LocalBotAPI
    engine: Engine
    knowledge: KnowledgeBase
    settings: Settings
    app: PolicyApp | None = None
    timeout: float = 10.0
    # True: the bot talks to the local Bot API over loopback HTTP (for the tests about
    # HTTP itself); False: in-process, the same server code without aiohttp and httpx
    over_http: bool = False
    _users: int = field(default=0)

    @property
    def client(self) -> BotClient:
        return self.api.client(TOKEN)

    def build(self) -> PolicyApp:
        return build_application(
            self.settings,
            knowledge=self.knowledge,
            engine=self.engine,
            base_url=self.api.bot_api_url,
            base_file_url=self.api.file_url,
            transport=self.transport,
        )

    @property
    def transport(self) -> Callable[[], BaseRequest] | None:
        """For ``build_application``: None (HTTP) or the in-process transport."""
        if self.over_http:
            return None
        return functools.partial(InProcessRequest, self.api)

    @asynccontextmanager
    async def run(self, app: PolicyApp | None = None) -> AsyncIterator[PolicyApp]:
        self.app = app or self.build()
        async with running(self.app, poll_timeout=1) as started:
            yield started

    async def user(self, name: str = "张三") -> User:
        self._users += 1
        return await self.client.create_user(name, user_id=7_000_000 + self._users)

    async def say(self, user: User, text: str, *, count: int = 1) -> list[MessageRecord]:
        await self.client.send_message(user, text)
        return await self.client.wait_for_messages(user, count, timeout=self.timeout)

    async def command(
        self, user: User, command: str, args: str = "", *, count: int = 1
    ) -> list[MessageRecord]:
        await self.client.send_command(user, command, args)
        return await self.client.wait_for_messages(user, count, timeout=self.timeout)

    async def press(
        self,
        user: User,
        message: MessageRecord,
        *,
        text: str | None = None,
        data: str | None = None,
        chat: Chat | None = None,
    ) -> CallbackAnswer:
        if text is None and data is None:
            raise ValueError("text= or data=")
        if text is not None:
            injected = await self.client.press_button(user, message, text=text, chat=chat)
        else:
            assert data is not None
            injected = await self.client.press_raw(user, message, data, chat=chat)
        return await self.client.wait_for_callback_answer(injected, timeout=self.timeout)

    async def next(self, chat: User | Chat, count: int = 1) -> list[MessageRecord]:
        return await self.client.wait_for_messages(chat, count, timeout=self.timeout)


def import_district_document(knowledge: KnowledgeBase, directory: Path, count: int = 10) -> None:
    """A 区-level document with ``count`` 融资服务 entries (for paging); the first title is
    hostile HTML, to see it arrive escaped."""
    entries = [
        {
            "id": str(n),
            "number": f"{n}.",
            "title": "<b>贴息</b> & 补助" if n == 1 else f"区级融资措施第{n}项",
            "body": f"对符合条件的小微企业给予最高{n}0万元贷款贴息。",
            "path": ["一、融资支持"],
            "categories": ["融资服务"],
        }
        for n in range(1, count + 1)
    ]
    manifest = {
        "document": {
            "key": "qu-test",
            "title": "某区促进小微企业融资若干措施",
            "level": "区",
            "region": "江岸",
            "source_name": "某区人民政府《某区促进小微企业融资若干措施》",
        },
        "entries": entries,
    }
    path = directory / "qu-test.yaml"
    path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    knowledge.import_paths([path])
