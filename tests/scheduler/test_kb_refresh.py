from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from knowledge.model import DocumentMeta
from scheduler.kb_refresh import refresh_if_stale
from services import kbpublish
from services.knowledge import KnowledgeBase


async def test_index_follows_imports_made_by_another_process(
    engine: Engine, tmp_path: Path
) -> None:
    bot_side = KnowledgeBase(engine)
    bot_side.refresh()
    assert await refresh_if_stale(bot_side) is False
    doc = tmp_path / "doc.txt"
    doc.write_text(
        "某区中小企业扶持办法\n一、支持\n1.厂房租金补贴。对入驻园区企业给予租金补贴。\n",
        encoding="utf-8",
    )
    cli = KnowledgeBase(engine)
    [report] = cli.import_paths([doc], meta=DocumentMeta(key="qu-rent"))  # e.g. the CLI
    assert bot_side.entry("qu-rent:1.1") is None
    assert await refresh_if_stale(bot_side) is True
    assert bot_side.entry("qu-rent:1.1") is not None
    assert bot_side.search("厂房租金有补贴吗").matches[0].entry_id == "qu-rent:1.1"

    # a rollback in the other process: the withdrawn entry is no longer answered here
    assert report.import_id is not None
    kbpublish.rollback(cli, report.import_id, actor="cli")
    assert await refresh_if_stale(bot_side) is True
    assert bot_side.entry("qu-rent:1.1") is None
    assert not bot_side.search("厂房租金有补贴吗").answered
