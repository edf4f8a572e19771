"""Uploads: reading (bad files refused with the importer's message), the preview that
changes nothing, metadata edits, publishing (events, audit log) and rollback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from knowledge.importing import ImportFailed
from knowledge.lexicon import Segmenter
from services import kbops, kbpublish
from services.knowledge import KnowledgeBase
from storage.db import make_engine
from storage.models import KBImport, PolicyEntry, PolicyEvent
from storage.models_kbops import KBPendingUpload, KBPublish
from tests.kbops.samples import DISTRICT_DOC, QUESTION, docx_bytes, finds_sample

ADMIN = 4242


def counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(PolicyEntry)).one(),
            session.exec(select(func.count()).select_from(KBImport)).one(),
            session.exec(select(func.count()).select_from(PolicyEvent)).one(),
        )


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "二进制"),
        ("a.txt", b"   \n ", "空"),
        ("a.md", "只是一段没有编号的文字。\n另一段。".encode(), "编号结构"),
        ("a.txt", b"x" * (5 * 1024 * 1024 + 1), "过大"),
        ("a.pdf", b"%PDF-1.4", "无法读取这个 PDF"),
        ("a.xlsx", b"PK\x03\x04xl/workbook.xml", "不支持的文件类型 .xlsx"),
        ("a.jpg", b"\xff\xd8\xff\xe0JFIF", "另存为 .docx"),
        ("a.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old word", "旧版 Word"),
        ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "旧版 Word"),
        ("a.docx", b"PK\x03\x04not really a zip", "无法读取"),
        ("a.yaml", b"document: [unclosed", "YAML"),
        ("a.yaml", b"enrich:\n  no-such:1:\n    keywords: [x]\n", None),
    ],
)
def test_bad_files_are_refused_and_change_nothing(
    knowledge: KnowledgeBase, name: str, data: bytes, expected: str | None
) -> None:
    before = counts(knowledge.engine)
    with pytest.raises(ImportFailed) as failed:
        kbops.create_upload(knowledge.engine, user_id=ADMIN, file_name=name, data=data)
    if expected:
        assert expected in str(failed.value)
    assert counts(knowledge.engine) == before
    with Session(knowledge.engine) as session:
        pending = session.exec(select(KBPendingUpload).where(KBPendingUpload.status == "pending"))
        assert pending.all() == []


def test_gbk_text_is_read() -> None:
    kind, text = kbops.read_upload("措施.txt", DISTRICT_DOC.encode("gbk"))
    assert kind == "text" and "贷款贴息" in text


@pytest.mark.parametrize("numbered", [True, False])
def test_docx_is_read_with_word_numbering(numbered: bool) -> None:
    kind, text = kbops.read_upload("措施.docx", docx_bytes(numbered=numbered))
    assert kind == "docx"
    bundle = kbops.build_bundle(kind, text, {})
    assert bundle.document is not None
    entries = {e.local_id: e.title for e in bundle.document.entries}
    assert entries == {"1.1": "贷款贴息", "1.2": "担保补助", "2.1": "研发奖励"}
    assert bundle.document.title == "示例区促进小微企业发展若干措施"
    assert "联系人 见原文" in text  # table rows are kept


def test_preview_changes_nothing_and_reports_the_document(knowledge: KnowledgeBase) -> None:
    before = counts(knowledge.engine)
    preview = kbops.create_upload(
        knowledge.engine, user_id=ADMIN, file_name="措施.txt", data=DISTRICT_DOC.encode()
    )
    assert preview.is_document
    assert preview.title == "示例区促进小微企业发展若干措施"
    assert preview.issuer == "示例区人民政府"
    assert preview.publish_date is not None and preview.publish_date.isoformat() == "2024-05-06"
    assert preview.level == "区"  # read from the issuer
    assert [c.title for c in preview.added] == ["贷款贴息", "担保补助", "研发奖励"]
    assert not preview.changed and not preview.removed
    assert counts(knowledge.engine) == before
    assert not finds_sample(knowledge)


def test_edits_publish_and_rollback(knowledge: KnowledgeBase) -> None:
    engine = knowledge.engine
    preview = kbops.create_upload(
        engine, user_id=ADMIN, file_name="措施.txt", data=DISTRICT_DOC.encode()
    )
    upload_id = preview.upload_id
    with pytest.raises(ImportFailed, match="日期格式"):
        kbops.parse_edit("expiry_date", "明年")
    edited = kbops.edit_upload(
        engine,
        upload_id,
        level="市",
        region=kbops.parse_edit("region", "洪山"),
        effective_date=kbops.parse_edit("effective_date", "2024年5月6日"),
        expiry_date=kbops.parse_edit("expiry_date", "2099/12/31"),
        categories=kbops.parse_edit("categories", "融资服务、创新发展"),
    )
    assert edited is not None
    assert (edited.level, edited.region) == ("市", "洪山")
    assert str(edited.effective_date) == "2024-05-06" and str(edited.expiry_date) == "2099-12-31"
    assert edited.categories == ("融资服务", "创新发展")
    with pytest.raises(ImportFailed, match="不能早于"):
        kbops.edit_upload(engine, upload_id, expiry_date="2020-01-01")

    entries_before, imports_before, events_before = counts(engine)
    done = kbpublish.publish_upload(knowledge, upload_id, user_id=ADMIN, actor="telegram:4242")
    assert done is not None and len(done.report.added) == 3
    assert kbpublish.publish_upload(knowledge, upload_id, user_id=ADMIN, actor="x") is None
    assert counts(engine) == (entries_before + 3, imports_before + 1, events_before + 3)
    result = knowledge.search(QUESTION)
    assert result.answered and result.best is not None
    entry = knowledge.entry(result.best.entry_id)
    assert entry is not None and entry.region == "洪山" and entry.level == "市"
    assert entry.categories == ("融资服务", "创新发展")
    with Session(engine) as session:
        log = session.exec(select(KBPublish)).one()
        events = session.exec(
            select(PolicyEvent).where(PolicyEvent.import_id == done.report.import_id)
        ).all()
    assert (log.action, log.user_id, log.actor, log.file_name) == (
        "publish",
        ADMIN,
        "telegram:4242",
        "措施.txt",
    )
    assert log.snapshot["document"] is None and log.report["added"] == done.report.added
    assert {e.kind for e in events} == {"added"}

    # a second version removes an item; rolling it back restores it
    second = kbops.create_upload(
        engine,
        user_id=ADMIN,
        file_name="措施v2.txt",
        data=DISTRICT_DOC.replace("2.担保补助。对为小微企业提供担保的融资担保机构给予补助。\n", "")
        .replace("给予贴息支持", "给予最高50%的贴息支持")
        .encode(),
    )
    assert [c.title for c in second.removed] == ["担保补助"]
    assert [c.title for c in second.changed] == ["贷款贴息"]
    v2 = kbpublish.publish_upload(knowledge, second.upload_id, user_id=ADMIN, actor="t")
    assert v2 is not None and v2.report.import_id is not None
    assert len(knowledge.entries()) == entries_before + 2

    with pytest.raises(kbpublish.PublishError, match="--force"):
        kbpublish.rollback(knowledge, done.report.import_id or 0, actor="cli")
    undone = kbpublish.rollback(knowledge, v2.report.import_id, actor="cli")
    assert undone.added == [f"{done.report.document_key}:1.2"]
    assert undone.changed == [f"{done.report.document_key}:1.1"]
    restored = knowledge.entry(f"{done.report.document_key}:1.1")
    assert restored is not None and "最高50%" not in restored.body
    with pytest.raises(kbpublish.PublishError, match="已经撤销"):
        kbpublish.rollback(knowledge, v2.report.import_id, actor="cli")
    # with the second publish undone, the first one can be undone too: all entries go
    first = kbpublish.rollback(knowledge, done.report.import_id or 0, actor="cli")
    assert sorted(first.removed) == sorted(done.report.added)
    assert len(knowledge.entries()) == entries_before
    assert not finds_sample(knowledge)
    with Session(engine) as session:
        kinds = session.exec(
            select(PolicyEvent.kind).where(col(PolicyEvent.import_id) == first.import_id)
        ).all()
    assert sorted(kinds) == ["removed"] * 3
    rows = kbpublish.history(engine)
    assert [r.action for r in rows] == ["rollback", "rollback", "publish", "publish"]
    assert [r.rolled_back for r in rows] == [False, False, True, True]


def test_enrichment_upload_and_rollback(knowledge: KnowledgeBase) -> None:
    yaml_text = (
        "enrich:\n"
        '  "wh-sme-2023:2.2.6":\n'
        "    alt_questions: [周转资金不够能申请什么]\n"
        "    keywords: [周转资金]\n"
    )
    preview = kbops.create_upload(
        knowledge.engine, user_id=ADMIN, file_name="补充.yaml", data=yaml_text.encode()
    )
    assert not preview.is_document and preview.unchanged == 1
    before = knowledge.entry("wh-sme-2023:2.2.6")
    assert before is not None
    done = kbpublish.publish_upload(knowledge, preview.upload_id, user_id=ADMIN, actor="t")
    assert done is not None
    after = knowledge.entry("wh-sme-2023:2.2.6")
    assert after is not None and "周转资金" in after.keywords
    kbpublish.rollback(knowledge, done.report.import_id or 0, actor="cli")
    again = knowledge.entry("wh-sme-2023:2.2.6")
    assert again is not None and again.keywords == before.keywords
    assert again.alt_questions == before.alt_questions


def test_pending_upload_survives_a_restart(
    knowledge: KnowledgeBase, db_url: str, segmenter: Segmenter
) -> None:
    preview = kbops.create_upload(
        knowledge.engine, user_id=ADMIN, file_name="措施.md", data=DISTRICT_DOC.encode()
    )
    knowledge.engine.dispose()
    engine = make_engine(db_url)  # a new process: nothing in memory
    try:
        fresh = KnowledgeBase(engine, segmenter=segmenter)
        assert kbops.is_pending(engine, preview.upload_id)
        done = kbpublish.publish_upload(fresh, preview.upload_id, user_id=ADMIN, actor="t")
        assert done is not None and fresh.search(QUESTION).answered
        assert not kbops.is_pending(engine, preview.upload_id)
    finally:
        engine.dispose()


def test_cancel(knowledge: KnowledgeBase) -> None:
    preview = kbops.create_upload(
        knowledge.engine, user_id=ADMIN, file_name="措施.txt", data=DISTRICT_DOC.encode()
    )
    assert kbops.cancel_upload(knowledge.engine, preview.upload_id)
    assert not kbops.cancel_upload(knowledge.engine, preview.upload_id)
    assert kbops.preview_upload(knowledge.engine, preview.upload_id) is None
    assert kbpublish.publish_upload(knowledge, preview.upload_id, user_id=1, actor="t") is None


def test_parse_edit() -> None:
    assert kbops.parse_edit("effective_date", " 2024.1.5 ") == "2024-01-05"
    assert kbops.parse_edit("expiry_date", "无") == ""
    assert kbops.parse_edit("categories", "融资服务, 创新发展;融资服务") == ["融资服务", "创新发展"]
    for name, text in (
        ("effective_date", "2024-02-30"),
        ("region", "!!!"),
        ("categories", "、".join(["分类"] * 6)),
    ):
        with pytest.raises(ImportFailed):
            kbops.parse_edit(name, text)


def test_rollback_of_an_unknown_import(knowledge: KnowledgeBase) -> None:
    with pytest.raises(kbpublish.PublishError, match="没有导入编号为 1 的导入记录"):
        kbpublish.rollback(knowledge, 1, actor="cli")  # the bundled seed: not logged


def test_kb_import_reads_docx(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "措施.docx"
    path.write_bytes(docx_bytes())
    [report] = knowledge.import_paths([path])
    assert report.document_title == "示例区促进小微企业发展若干措施" and len(report.added) == 3
