"""The policy e-book in HTML, EPUB and Markdown: only current policies, grouped by level
and category, 一策一表 cards with sources, never invented facts."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from knowledge.model import DocumentMeta
from services import ebook
from services.knowledge import KnowledgeBase
from tests.bot.e2e_support import import_district_document
from tests.kbops.samples import DISTRICT_DOC

EXPORTED = dt.datetime(2026, 3, 10, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def book(knowledge: KnowledgeBase, tmp_path: Path) -> ebook.Book:
    import_district_document(knowledge, tmp_path, count=2)  # 区级, one hostile title
    expired = tmp_path / "expired.txt"
    expired.write_text(DISTRICT_DOC, encoding="utf-8")
    meta = DocumentMeta(key="qu-expired", expiry_date=dt.date(2025, 12, 31))
    knowledge.import_paths([expired], meta=meta)
    return ebook.collect(knowledge.entries(), exported_at=EXPORTED)


def test_structure(book: ebook.Book) -> None:
    assert book.total == 32 + 2  # the expired document is left out
    assert [level for level, _ in book.levels] == ["市", "区"]
    city = dict(book.levels)["市"]
    assert [s.category for _, s in city][:3] == ["发展目标", "政策服务", "融资服务"]
    assert all(e.document_key != "qu-expired" for s in book.sections for e in s.entries)
    assert [s.title for s in book.sources] == [
        "武汉市2023年中小企业工作要点",
        "某区促进小微企业融资若干措施",
    ]
    assert book.date_label == "2026年03月10日 08:30(北京时间)"


def test_markdown(book: ebook.Book) -> None:
    text = ebook.render(book, ebook.BookFormat.MD).decode("utf-8")
    assert text.startswith("# 惠企政策汇编\n")
    assert "导出日期:2026年03月10日 08:30(北京时间) · 共 34 条现行政策" in text
    assert "- [市级政策](#level-2)" in text and "  - [融资服务(4)](#sec-3)" in text
    card = text[text.index("加快推进“个转企”") :]
    card = card[: card.index("####")]
    assert "**支持对象**:个体工商户(来源:《武汉市2023年中小企业工作要点》二、(五)20)" in card
    assert "**申报条件、申报材料、受理部门、联系方式、兑现方式、申报期限**:" in card
    assert "原文未载明,请向主管部门确认" in card
    assert "\\<b\\>贴息\\</b\\> & 补助" in text  # Markdown markup escaped
    assert "## 政策来源" in text


def test_html_is_self_contained_and_escaped(book: ebook.Book) -> None:
    page = ebook.render(book, ebook.BookFormat.HTML).decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<style>" in page and "@media (max-width:480px)" in page
    for external in ("<script", "<link", "<img", "@import", "url(", 'src="'):
        assert external not in page
    assert "&lt;b&gt;贴息&lt;/b&gt; &amp; 补助" in page and "<b>贴息</b>" not in page
    assert page.count('<article class="card"') == 34
    assert page.count("原文未载明,请向主管部门确认") >= 34
    assert re.search(r'<a href="#sec-\d+">融资服务</a>', page)


def test_epub_reopens_with_chapters(book: ebook.Book, tmp_path: Path) -> None:
    from ebooklib import ITEM_DOCUMENT, epub

    data = ebook.render(book, ebook.BookFormat.EPUB)
    assert zipfile.ZipFile(io.BytesIO(data)).read("mimetype") == b"application/epub+zip"
    path = tmp_path / "book.epub"
    path.write_bytes(data)
    reopened = epub.read_epub(str(path), {"ignore_ncx": True})
    assert reopened.get_metadata("DC", "title")[0][0] == "惠企政策汇编"
    assert reopened.get_metadata("DC", "language")[0][0] == "zh-CN"
    names = [item.get_name() for item in reopened.get_items_of_type(ITEM_DOCUMENT)]
    assert names[:4] == ["cover.xhtml", "level-2.xhtml", "level-3.xhtml", "sources.xhtml"]
    city = reopened.get_item_with_href("level-2.xhtml").get_content().decode("utf-8")
    assert "加快推进“个转企”" in city and "一策一表" in city
    assert city.count('class="card"') == 32
    titles = [(node[0] if isinstance(node, tuple) else node).title for node in reopened.toc]
    assert titles == ["封面与说明", "市级政策", "区级政策", "政策来源"]


def test_empty_book(knowledge: KnowledgeBase) -> None:
    later = EXPORTED.replace(year=2027)
    expired = [e for e in knowledge.entries() if e.expiry_date]  # none: the bundle has no expiry
    assert not expired
    empty = ebook.collect([], exported_at=later)
    assert empty.total == 0 and "目前没有在有效期内的政策" in ebook.render(
        empty, ebook.BookFormat.HTML
    ).decode("utf-8")
    assert ebook.file_name(empty, ebook.BookFormat.EPUB) == "policybook-20270310.epub"
