"""Fixtures of the bot tests: a shared jieba segmenter, the knowledge base on the
``engine`` fixture's database (SQLite and PostgreSQL), and a running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import Engine

from knowledge.lexicon import Segmenter, default_lexicon
from policybot_localapi.api import Limits, LocalBotAPI
from services.knowledge import KnowledgeBase
from tests.bot.e2e_support import TOKEN, USERNAME, Bot, make_settings


@pytest.fixture(scope="session")
def segmenter() -> Segmenter:
    """Loading jieba takes ~1 s: share one segmenter between knowledge bases."""
    return Segmenter(default_lexicon())


@pytest.fixture
async def api() -> AsyncIterator[LocalBotAPI]:
    # relaxed: no flood limits of the server (they are not the subject of these tests)
    async with LocalBotAPI(limits=Limits.relaxed()) as server:
        server.register_bot(TOKEN, username=USERNAME, first_name="政策助手")
        yield server


@pytest.fixture
def harness(api: LocalBotAPI, engine: Engine, knowledge: KnowledgeBase) -> Bot:
    return Bot(api=api, engine=engine, knowledge=knowledge, settings=make_settings())


@pytest.fixture
async def bot(harness: Bot) -> AsyncIterator[Bot]:
    """A running bot (polling the local Bot API)."""
    async with harness.run():
        yield harness
