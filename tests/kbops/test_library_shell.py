"""The new admin's trial in ``policybot shell``: a district notice of the test library is
uploaded and published, then asked about; the answer is the whole measure with the fields
the notice gives (its own lines and the shared 申报程序)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from rich.console import Console
from sqlalchemy.engine import Engine

from bot.settings import Settings
from bot.shell import SHELL_USER_ID, chat
from services.knowledge import KnowledgeBase

NOTICE = Path(__file__).resolve().parents[1] / "fixtures" / "library" / "d1-district-software.txt"


async def script(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def test_upload_publish_and_ask_in_the_shell(
    engine: Engine, knowledge: KnowledgeBase
) -> None:
    console = Console(record=True, width=200, force_terminal=False)
    settings = Settings(flood_rate=1000, admin_ids=[SHELL_USER_ID])
    lines = script(f"!upload {NOTICE}", "1", "我们公司的软件著作权登记补贴一年最多给多少", "/quit")
    await chat(
        settings, knowledge=knowledge, engine=engine, lines=lines, console=console, quiet=0.1
    )
    out = console.export_text()
    assert "发文机关:示范市试点区人民政府办公室" in out and "层级:区级" in out
    assert "识别出 4 项措施" in out and "已发布上传" in out
    # the measure without a heading is titled by its whole first clause
    assert (
        "📄 对当年新取得计算机软件著作权登记证书的企业,按每件500元给予补贴,每家企业每年最高2万元"
        in out
    )
    assert "申报条件:在本区注册并纳统的软件企业。" in out
    assert "受理部门:试点区科技和经济信息化局企业服务科" in out  # the shared section's
    assert "支持内容/标准:对当年新取得" in out
    assert "申报材料" in out.split("未载明:")[-1]  # the notice gives none for this measure
