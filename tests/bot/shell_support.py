"""Driving ``policybot shell`` in a test: a script of typed lines, the console's text."""

from __future__ import annotations

from collections.abc import AsyncIterator

from rich.console import Console
from sqlalchemy.engine import Engine

from bot.settings import Settings
from bot.shell import chat
from services.knowledge import KnowledgeBase


async def script(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def run_shell(
    engine: Engine,
    knowledge: KnowledgeBase,
    *lines: str,
    settings: Settings | None = None,
    width: int = 120,
    quiet: float = 0.1,
) -> str:
    """Type ``lines`` into the shell, one after the other; what the terminal showed."""
    console = Console(record=True, width=width, force_terminal=False)
    await chat(
        settings or Settings(flood_rate=1000),
        knowledge=knowledge,
        engine=engine,
        lines=script(*lines),
        console=console,
        quiet=quiet,
    )
    return console.export_text()
