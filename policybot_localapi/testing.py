"""Helpers for running python-telegram-bot against a :class:`LocalBotAPI` in tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from telegram import Bot
from telegram.ext import Application, ApplicationBuilder

from policybot_localapi.server import LocalBotAPI


def ptb_bot(api: LocalBotAPI, token: str, **kwargs: Any) -> Bot:
    """A ``telegram.Bot`` talking to the local server (use it as ``async with``)."""
    return Bot(token, base_url=api.bot_api_url, base_file_url=api.file_url, **kwargs)


def ptb_builder(api: LocalBotAPI, token: str) -> ApplicationBuilder:
    """``ApplicationBuilder`` preset with the token and the local server URLs."""
    return Application.builder().token(token).base_url(api.bot_api_url).base_file_url(api.file_url)


@contextlib.asynccontextmanager
async def polling(
    app: Application[Any, Any, Any, Any, Any, Any], *, poll_seconds: int = 1
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Run ``app`` with long polling for the duration of the block, then shut it down.

    ``poll_seconds`` is the getUpdates ``timeout``; keep it small so shutdown is quick.
    """
    await app.initialize()
    await app.start()
    assert app.updater is not None, "build the application with an updater"
    await app.updater.start_polling(poll_interval=0, timeout=poll_seconds)
    try:
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
