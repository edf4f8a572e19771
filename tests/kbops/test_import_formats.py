"""Imports of the format fixtures (test documents written by the team) through the
knowledge service on both databases: what a web page says reaches the stored document,
the URL given with an import wins, and a folder is imported file by file."""

from __future__ import annotations

import shutil
from pathlib import Path

from knowledge.model import DocumentMeta
from services.knowledge import KnowledgeBase, collect_paths
from tests.fixtures.formats.documents import JIUYE, KEJI

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "formats"


def test_a_web_page_brings_its_address_and_issuer(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    page = tmp_path / "keji.html"
    shutil.copy(FOLDER / "yangli-keji.html", page)
    [result] = knowledge.import_files([page])
    assert result.report is not None and len(result.report.added) == KEJI.entry_count()
    entry = knowledge.entry(result.report.added[0])
    assert entry is not None
    assert entry.source_url == KEJI.url  # the page's own <meta name="Url">
    assert entry.level == "区" and entry.region == "样例"  # from the page's 来源/发文机关
    given = "https://example.test/given"
    [again] = knowledge.import_files([page], meta=DocumentMeta(source_url=given))
    assert again.report is not None and again.report.document_key == result.report.document_key
    changed = knowledge.entry(result.report.added[0])
    assert changed is not None and changed.source_url == given


def test_a_folder_is_imported_file_by_file(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FOLDER / "yangli-jiuye.txt", folder / "jiuye.txt")
    (folder / "jiuye.yaml").write_text(
        "document:\n  key: yangli-jiuye\n  file: jiuye.txt\n  level: 市\n", encoding="utf-8"
    )
    shutil.copy(FOLDER / "damaged.pdf", folder / "damaged.pdf")
    shutil.copy(FOLDER / "yangli-keji.pdf", folder / "keji.pdf")
    files = collect_paths([folder])
    # the text is imported through its manifest (with its key), not a second time alone
    assert [p.name for p in files] == ["damaged.pdf", "jiuye.yaml", "keji.pdf"]
    results = knowledge.import_files(files)
    assert [r.error is None for r in results] == [False, True, True]
    assert "PDF" in (results[0].error or "")
    saved = [r.report for r in results if r.report is not None]
    assert saved[0].document_key == "yangli-jiuye"
    assert sum(len(r.added) for r in saved) == JIUYE.entry_count() + KEJI.entry_count()
    stored = knowledge.entry("yangli-jiuye:1.1")
    assert stored is not None and stored.document_title == JIUYE.lines[0]
    again = knowledge.import_files(files)  # nothing changes
    assert all(r.report is None or r.report.total_changes == 0 for r in again)
