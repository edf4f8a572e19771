"""``policybot kb history|rollback|export|unanswered`` and ``policybot stats`` (in-process,
tests/cli_support.py), on a SQLite database that a bot publish wrote to."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from knowledge.lexicon import Segmenter
from services import kbops, kbpublish
from services.knowledge import KnowledgeBase
from storage.db import make_engine
from tests.cli_support import run
from tests.kbops.samples import DISTRICT_DOC


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    return {**clean, "POLICYBOT_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}


def test_history_rollback_export_stats(
    env: dict[str, str], tmp_path: Path, segmenter: Segmenter
) -> None:
    assert run(["ask", "附近哪家火锅好吃"], env).returncode == 0  # creates the database
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'policybot.db'}")
    knowledge = KnowledgeBase(engine, segmenter=segmenter)
    preview = kbops.create_upload(
        engine, user_id=77, file_name="措施.txt", data=DISTRICT_DOC.encode()
    )
    done = kbpublish.publish_upload(knowledge, preview.upload_id, user_id=77, actor="telegram:77")
    assert done is not None and done.report.import_id is not None
    engine.dispose()
    import_id = str(done.report.import_id)

    history = run(["kb", "history"], env)
    assert history.returncode == 0, history.stderr
    assert import_id in history.stdout and "telegram:77" in history.stdout
    assert "+3 ~0 -0" in history.stdout

    undone = run(["kb", "rollback", import_id], env)
    assert undone.returncode == 0, undone.stderr
    assert f"已撤销导入 {import_id}" in undone.stdout and "移除 3" in undone.stdout
    again = run(["kb", "rollback", import_id], env)
    assert again.returncode != 0 and "已经撤销" in again.stderr
    assert "已撤销" in run(["kb", "history"], env).stdout

    book = tmp_path / "book.md"
    exported = run(["kb", "export", "--format", "md", "--out", str(book)], env)
    assert exported.returncode == 0, exported.stderr
    assert "已导出 32 条现行政策" in exported.stdout
    assert book.read_text(encoding="utf-8").startswith("# 惠企政策汇编")

    chart = tmp_path / "chart.png"
    stats = run(["stats", "--days", "7", "--chart", str(chart)], env)
    assert stats.returncode == 0, stats.stderr
    assert "提问 1,已回答 0" in stats.stdout and "附近哪家火锅好吃" in stats.stdout
    assert chart.read_bytes().startswith(b"\x89PNG")

    unanswered = run(["kb", "unanswered"], env)
    assert "附近哪家火锅好吃" in unanswered.stdout and "相似问法" in unanswered.stdout
