"""``policybot shell`` with POLICYBOT_ADMIN_IDS=10001: upload a file with ``!upload``,
publish it by pressing button 1, then ask about it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from rich.console import Console
from sqlalchemy.engine import Engine

from bot.settings import Settings
from bot.shell import SHELL_USER_ID, chat
from services.knowledge import KnowledgeBase
from tests.kbops.samples import DISTRICT_DOC, QUESTION


async def script(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def test_upload_in_the_shell(
    engine: Engine, knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    document = tmp_path / "示例区措施.txt"
    document.write_text(DISTRICT_DOC, encoding="utf-8")
    console = Console(record=True, width=120, force_terminal=False)
    settings = Settings(flood_rate=1000, admin_ids=[SHELL_USER_ID])
    lines = script(f"!upload {document}", "1", QUESTION, "!upload /no/such/file", "/quit")
    await chat(
        settings, knowledge=knowledge, engine=engine, lines=lines, console=console, quiet=0.1
    )
    out = console.export_text()
    assert "上传预览" in out and "[1] ✅ 确认发布" in out
    assert "已发布上传" in out
    assert "📄 贷款贴息" in out
    assert "找不到文件" in out
