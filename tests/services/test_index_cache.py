"""The stored search index at service level: current, stale and damaged files, and a
publish on one instance reaching another's answers (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from knowledge.index_file import read_index
from knowledge.lexicon import Segmenter, default_lexicon
from knowledge.model import DocumentMeta
from scheduler.kb_refresh import refresh_if_stale
from services import kbpublish
from services.knowledge import KnowledgeBase
from storage import kb
from storage.db import session_scope

# test fixtures written for these tests, not real policies
RENT = "某区中小企业扶持办法(测试用)\n一、支持\n1.厂房租金补贴。对入驻园区企业给予厂房租金补贴。\n"
TRAINING = (
    "某区人才培训办法(测试用)\n一、支持\n"
    "1.员工技能培训补贴。对组织员工参加技能培训的企业给予培训补贴。\n"
)


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter(default_lexicon())


def import_text(service: KnowledgeBase, tmp_path: Path, key: str, text: str) -> None:
    path = tmp_path / f"{key}.txt"
    path.write_text(text, encoding="utf-8")
    service.import_paths([path], meta=DocumentMeta(key=key))


def how_built(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage().split(" with ")[0].removeprefix("index ")
        for r in caplog.records
        if r.name == "services.knowledge" and r.getMessage().startswith("index ")
    ]


def top(service: KnowledgeBase, question: str) -> str | None:
    best = service.search(question).best
    return best.entry_id if best else None


def test_current_index_is_loaded_and_a_stale_one_updated(
    engine: Engine, segmenter: Segmenter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="services.knowledge")
    index_dir = tmp_path / "index"
    first = KnowledgeBase(engine, segmenter=segmenter, index_dir=index_dir)
    first.ensure_bundled()
    first.refresh()
    assert first.index_path is not None and first.index_path.exists()
    assert how_built(caplog) == ["built"]

    caplog.clear()
    again = KnowledgeBase(engine, segmenter=segmenter, index_dir=index_dir)
    again.refresh()
    assert how_built(caplog) == ["loaded"]
    assert top(again, "个体户转成公司有奖励吗") == top(first, "个体户转成公司有奖励吗")
    assert again.entries() == first.entries()  # the views come back whole (guide, dates)
    assert any(e.guide for e in again.entries())
    assert any(e.audience for e in again.entries())  # and who each measure is for

    # another process imports a document: the stored index is now one revision behind
    import_text(KnowledgeBase(engine, segmenter=segmenter), tmp_path, "qu-rent", RENT)
    caplog.clear()
    later = KnowledgeBase(engine, segmenter=segmenter, index_dir=index_dir)
    later.refresh()
    assert how_built(caplog) == ["loaded and updated"]
    assert top(later, "厂房租金有补贴吗") == "qu-rent:1.1"
    with session_scope(engine) as session:
        current = kb.revision(session).token
    assert later.index_path is not None
    assert read_index(later.index_path, compat=later._compat()).revision == current


def test_damaged_index_is_rebuilt_never_trusted(
    engine: Engine, segmenter: Segmenter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index_dir = tmp_path / "index"
    first = KnowledgeBase(engine, segmenter=segmenter, index_dir=index_dir)
    first.ensure_bundled()
    import_text(first, tmp_path, "qu-rent", RENT)
    path = first.index_path
    assert path is not None
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the postings
    path.write_bytes(bytes(data))

    caplog.set_level(logging.INFO, logger="services.knowledge")
    fresh = KnowledgeBase(engine, segmenter=segmenter, index_dir=index_dir)
    fresh.refresh()
    assert how_built(caplog) == ["built"]
    assert any("checksum" in r.getMessage() for r in caplog.records)
    assert top(fresh, "厂房租金有补贴吗") == "qu-rent:1.1"
    read_index(path, compat=fresh._compat())  # rewritten, whole again


async def test_publish_on_one_instance_reaches_the_others_answers(
    engine: Engine, segmenter: Segmenter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # two instances on one database, each with its own index directory
    one = KnowledgeBase(engine, segmenter=segmenter, index_dir=tmp_path / "one")
    one.ensure_bundled()
    other = KnowledgeBase(engine, segmenter=segmenter, index_dir=tmp_path / "other")
    other.refresh()
    import_text(one, tmp_path, "qu-train", TRAINING)
    assert top(one, "员工技能培训有补贴吗") == "qu-train:1.1"
    assert other.entry("qu-train:1.1") is None

    caplog.set_level(logging.INFO, logger="services.knowledge")
    assert await refresh_if_stale(other) is True  # the kb:refresh job's logic
    assert how_built(caplog) == ["updated"]  # only the new document was indexed
    assert top(other, "员工技能培训有补贴吗") == "qu-train:1.1"
    assert await refresh_if_stale(other) is False


async def test_removal_and_rollback_reach_the_other_instance_incrementally(
    engine: Engine, segmenter: Segmenter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    one = KnowledgeBase(engine, segmenter=segmenter, index_dir=tmp_path / "one")
    one.ensure_bundled()
    import_text(one, tmp_path, "qu-rent", RENT)
    other = KnowledgeBase(engine, segmenter=segmenter, index_dir=tmp_path / "other")
    assert top(other, "厂房租金有补贴吗") == "qu-rent:1.1"

    report = kbpublish.remove_document(one, "qu-rent", actor="test")
    caplog.set_level(logging.INFO, logger="services.knowledge")
    assert await refresh_if_stale(other) is True
    assert other.entry("qu-rent:1.1") is None
    assert top(other, "厂房租金有补贴吗") != "qu-rent:1.1"

    assert report.import_id is not None
    kbpublish.rollback(one, report.import_id, actor="test")
    assert await refresh_if_stale(other) is True
    assert top(other, "厂房租金有补贴吗") == "qu-rent:1.1"
    assert how_built(caplog) == ["updated"] * 3  # other, one (rollback), other


INVOICES = (
    "某区小规模纳税人减负办法(测试用)\n一、支持\n"
    "1.发票代开服务费减免。对小规模纳税人申请代开发票的,免收服务费。\n"
)


FAIR = (
    "某区展会补贴办法(测试用)\n一、支持\n"
    "1.境外展会补贴。对企业参加境外展会的展位费给予补贴。\n申报材料:参展合同、展位费发票\n"
)


def test_a_paper_to_hand_in_does_not_make_a_subject(
    engine: Engine, segmenter: Segmenter, tmp_path: Path
) -> None:
    # 发票 only in 申报材料: the library still has nothing on invoices
    service = KnowledgeBase(engine, segmenter=segmenter, index_dir=tmp_path / "index")
    service.ensure_bundled()
    import_text(service, tmp_path, "qu-fair", FAIR)
    fair = service.entry("qu-fair:1.1")
    assert fair is not None and "发票" in fair.guide["materials"].value
    result = service.search("发票怎么开")
    assert result.outside == "发票" and not result.clarify and not result.answered
    assert service.search("境外展会的展位费有补贴吗").best.entry_id == "qu-fair:1.1"  # type: ignore[union-attr]


def test_a_subject_is_outside_until_a_document_speaks_of_it(
    engine: Engine, segmenter: Segmenter, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    first = KnowledgeBase(engine, segmenter=segmenter, index_dir=index_dir)
    first.ensure_bundled()
    first.refresh()
    before = first.search("代开发票要收费吗")
    assert before.outside == "发票" and not before.answered and not before.clarify

    import_text(first, tmp_path, "qu-invoice", INVOICES)
    after = first.search("代开发票要收费吗")
    assert not after.outside and after.best is not None
    assert after.best.entry_id == "qu-invoice:1.1"
    # a new instance starting from the stored index knows the word too
    again = KnowledgeBase(engine, segmenter=segmenter, index_dir=index_dir)
    again.refresh()
    assert not again.search("代开发票要收费吗").outside
