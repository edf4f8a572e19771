"""Every import is undoable (SQLite and PostgreSQL): CLI imports are logged like bot
uploads, any logged import — a removal and a rollback included — can be rolled back, and
the answering index of the instance that did it changes at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from services import kbpublish
from services.knowledge import KnowledgeBase
from storage import kb
from storage.db import session_scope
from tests.bot.push_support import write_document
from tests.kbops.samples import DISTRICT_DOC, QUESTION, finds_sample

ENTRIES = [{"id": "1", "title": "贷款贴息"}, {"id": "2", "title": "担保补助"}]


def _doc(tmp_path: Path) -> Path:
    path = tmp_path / "措施.txt"
    path.write_text(DISTRICT_DOC, encoding="utf-8")
    return path


def _visible(engine: Engine, document_key: str) -> list[str]:
    return sorted(e.entry_id for e in kb_views(engine) if e.document_key == document_key)


def kb_views(engine: Engine) -> list[kb.EntryView]:
    with session_scope(engine) as session:
        return kb.load_entry_views(session)


def test_cli_import_is_logged_and_rolled_back(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    [report] = knowledge.import_paths([_doc(tmp_path)], actor="cli")
    assert report.import_id is not None and len(report.added) == 3
    assert knowledge.search(QUESTION).answered and finds_sample(knowledge)  # at once
    [row] = kbpublish.history(knowledge.engine, limit=1)
    assert (row.action, row.import_id, row.actor, row.file_name) == (
        "publish",
        report.import_id,
        "cli",
        "措施.txt",
    )

    undone = kbpublish.rollback(knowledge, report.import_id, actor="cli")
    assert sorted(undone.removed) == sorted(report.added)
    assert not finds_sample(knowledge)  # gone from the index right away
    assert all(knowledge.entry(entry_id) is None for entry_id in report.added)
    assert knowledge.snapshot.import_id == undone.import_id
    with pytest.raises(kbpublish.PublishError, match="已经撤销过了"):
        kbpublish.rollback(knowledge, report.import_id, actor="cli")


def test_rollback_of_a_reimport_restores_the_earlier_version(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    knowledge.import_paths([write_document(tmp_path, "qu-v", ENTRIES)])
    changed = [{"id": "1", "title": "贷款贴息", "body": "贴息比例提高到50%。"}]
    [second] = knowledge.import_paths([write_document(tmp_path, "qu-v", changed)])
    assert second.removed == ["qu-v:2"] and second.changed == ["qu-v:1"]
    assert second.import_id is not None
    report = kbpublish.rollback(knowledge, second.import_id, actor="cli")
    assert report.added == ["qu-v:2"] and report.changed == ["qu-v:1"]
    entry = knowledge.entry("qu-v:1")
    assert entry is not None and "50%" not in entry.body
    assert knowledge.entry("qu-v:2") is not None


def test_remove_a_document_and_undo_the_removal_and_its_undo(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    knowledge.import_paths([write_document(tmp_path, "qu-rm", ENTRIES)])
    removed = kbpublish.remove_document(knowledge, "qu-rm", actor="telegram:5", user_id=5)
    assert removed.removed == ["qu-rm:1", "qu-rm:2"] and removed.import_id is not None
    assert knowledge.entry("qu-rm:1") is None and _visible(knowledge.engine, "qu-rm") == []
    latest = kbpublish.history(knowledge.engine, limit=1)[0]
    assert (latest.action, latest.actor, latest.document_key) == ("remove", "telegram:5", "qu-rm")
    with pytest.raises(kbpublish.PublishError, match="已没有现行条目"):
        kbpublish.remove_document(knowledge, "qu-rm", actor="cli")

    back = kbpublish.rollback(knowledge, removed.import_id, actor="cli")
    assert back.added == ["qu-rm:1", "qu-rm:2"]
    assert knowledge.entry("qu-rm:2") is not None

    # the rollback is logged with its own snapshot: undoing it withdraws them again
    assert back.import_id is not None
    again = kbpublish.rollback(knowledge, back.import_id, actor="cli")
    assert again.removed == ["qu-rm:1", "qu-rm:2"] and knowledge.entry("qu-rm:1") is None
    # ... and the removal counts as in force again (undoing an undo)
    rows = {row.import_id: row for row in kbpublish.history(knowledge.engine)}
    assert not rows[removed.import_id].rolled_back and rows[back.import_id].rolled_back
    assert again.import_id is not None
    kbpublish.rollback(knowledge, again.import_id, actor="cli")
    assert _visible(knowledge.engine, "qu-rm") == ["qu-rm:1", "qu-rm:2"]


def test_rollback_refuses_to_drop_later_changes_unless_forced(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    [first] = knowledge.import_paths([write_document(tmp_path, "qu-f", ENTRIES)])
    knowledge.import_paths([write_document(tmp_path, "qu-f", ENTRIES[:1])])
    assert first.import_id is not None
    with pytest.raises(kbpublish.PublishError, match="--force"):
        kbpublish.rollback(knowledge, first.import_id, actor="cli")
    assert knowledge.entry("qu-f:1") is not None  # refused: nothing changed
    kbpublish.rollback(knowledge, first.import_id, actor="cli", force=True)
    assert _visible(knowledge.engine, "qu-f") == []


def test_remove_unknown_document(knowledge: KnowledgeBase) -> None:
    with pytest.raises(kbpublish.PublishError, match="没有编号为 qu-none 的文档"):
        kbpublish.remove_document(knowledge, "qu-none", actor="cli")
