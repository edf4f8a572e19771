"""Importing documents into the database: in-place updates, events, atomicity."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from knowledge.importing import ImportFailed
from knowledge.model import DocumentMeta
from services.knowledge import KnowledgeBase, read_bundle
from storage import kb
from storage.db import session_scope
from storage.models import PolicyEntry, PolicyEvent

SEEDS = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "seeds"
SEED_TXT = SEEDS / "wuhan-2023-sme-work-plan.txt"

DOC = """武汉市某区促进小微企业发展若干措施
一、融资支持
1.贷款贴息。对首次贷款的小微企业给予贴息支持。
2.担保补贴。对融资担保费给予补贴。
二、附则
(一)施行日期。本措施自发布之日起施行。
"""


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_bundled_seed_loads_once_with_its_source(engine: Engine) -> None:
    service = KnowledgeBase(engine)
    report = service.ensure_bundled()
    assert report is not None and len(report.added) == 32
    assert service.ensure_bundled() is None  # not loaded twice
    entry = service.entry("wh-sme-2023:2.2.6")
    assert entry is not None
    assert entry.title == "扩大小微企业贷款规模"
    assert entry.level == "市" and entry.region == "武汉"
    assert entry.source_name and "武汉市2023年中小企业工作要点" in entry.source_name
    assert entry.categories, "the bundled manifest gives every entry a category"
    for value in entry.guide.values():
        assert value.source, "every guide fact carries its source"


def test_reimport_same_file_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    service = KnowledgeBase(engine)
    path = _write(tmp_path, "doc.txt", DOC)
    first = service.import_paths([path], meta=DocumentMeta(key="qu-xiaowei"))[0]
    assert sorted(first.added) == ["qu-xiaowei:1.1", "qu-xiaowei:1.2", "qu-xiaowei:2.1"]
    second = service.import_paths([path], meta=DocumentMeta(key="qu-xiaowei"))[0]
    assert (second.added, second.changed, second.removed) == ([], [], [])
    assert second.unchanged == 3
    with session_scope(engine) as session:
        rows = session.exec(select(PolicyEntry)).all()
        assert len(rows) == 3


def test_edited_document_reports_added_changed_removed(engine: Engine, tmp_path: Path) -> None:
    service = KnowledgeBase(engine)
    service.import_paths([_write(tmp_path, "doc.txt", DOC)], meta=DocumentMeta(key="qu-xiaowei"))
    edited = DOC.replace("给予贴息支持", "给予最高50%贴息支持").replace(
        "2.担保补贴。对融资担保费给予补贴。\n", "3.上市奖励。对上市企业给予奖励。\n"
    )
    report = service.import_paths(
        [_write(tmp_path, "doc2.txt", edited, "gbk")], meta=DocumentMeta(key="qu-xiaowei")
    )[0]
    assert report.changed == ["qu-xiaowei:1.1"]
    assert report.added == ["qu-xiaowei:1.3"]
    assert report.removed == ["qu-xiaowei:1.2"]
    assert service.entry("qu-xiaowei:1.2") is None
    assert "50%" in service.entry("qu-xiaowei:1.1").body  # type: ignore[union-attr]
    with session_scope(engine) as session:
        kinds = sorted(
            (e.kind, e.entry_id)
            for e in session.exec(select(PolicyEvent))
            if e.import_id == report.import_id
        )
    assert kinds == [
        ("added", "qu-xiaowei:1.3"),
        ("changed", "qu-xiaowei:1.1"),
        ("removed", "qu-xiaowei:1.2"),
    ]


def test_enrichment_survives_reimport_of_the_text(engine: Engine, tmp_path: Path) -> None:
    service = KnowledgeBase(engine)
    path = _write(tmp_path, "doc.txt", DOC)
    service.import_paths([path], meta=DocumentMeta(key="qu-xiaowei"))
    enrich = _write(
        tmp_path,
        "enrich.yaml",
        """enrich:
  "qu-xiaowei:1.1":
    keywords: [贴息, 首贷]
    alt_questions: [第一次贷款有补贴吗]
    guide:
      support_target: {value: 首次贷款的小微企业, source: "某区措施 一、1"}
""",
    )
    report = service.import_paths([enrich])[0]
    assert report.changed == ["qu-xiaowei:1.1"]
    service.import_paths([path], meta=DocumentMeta(key="qu-xiaowei"))
    entry = service.entry("qu-xiaowei:1.1")
    assert entry is not None
    assert entry.alt_questions == ("第一次贷款有补贴吗",)
    assert entry.guide["support_target"].source == "某区措施 一、1"


def test_guide_fact_without_source_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "bad.yaml",
        'enrich:\n  "x:1":\n    guide:\n      contact: {value: "027-12345678"}\n',
    )
    with pytest.raises(ImportFailed, match="出处"):
        read_bundle(path)


def test_failed_import_leaves_database_unchanged(engine: Engine, tmp_path: Path) -> None:
    service = KnowledgeBase(engine)
    service.import_paths([_write(tmp_path, "doc.txt", DOC)], meta=DocumentMeta(key="qu-xiaowei"))
    bad = _write(
        tmp_path,
        "bad.yaml",
        'enrich:\n  "qu-xiaowei:1.1":\n    keywords: [新词]\n'
        '  "qu-xiaowei:9.9":\n    keywords: [x]\n',
    )
    with pytest.raises(ImportFailed, match="找不到"):
        service.import_paths([bad])
    assert service.entry("qu-xiaowei:1.1").keywords == ()  # type: ignore[union-attr]
    with session_scope(engine) as session:
        assert kb.count_entries(session) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "空"), (b"\x00\x01\x02binary", "二进制"), ("没有编号的一段话。".encode(), "编号结构")],
)
def test_bad_files_get_clear_errors(
    engine: Engine, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ImportFailed, match=message):
        KnowledgeBase(engine).import_paths([path])
    with session_scope(engine) as session:
        assert kb.count_entries(session) == 0


def test_unanswered_questions_are_grouped_by_frequency(engine: Engine) -> None:
    service = KnowledgeBase(engine)
    service.ensure_bundled()
    for question in [
        "今天天气怎么样",
        "今天天气怎么样?",
        "附近有什么好吃的",
        "个体户转企业有奖励吗",
    ]:
        service.ask(question, channel="test")
    with session_scope(engine) as session:
        groups = kb.unanswered_questions(session)
    assert [(g.normalized, g.count) for g in groups] == [
        ("今天天气怎么样", 2),
        ("附近有什么好吃的", 1),
    ]
