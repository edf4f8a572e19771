"""The readers of PDF, web-page and legacy Word files (``knowledge.importing``): chosen by
content, they give the same text as the ``.txt`` version of a fixture, and every damaged
file gets a one-line error. Fixtures: ``tests/fixtures/formats`` (test documents written
by the team, made by ``generate.py``)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from knowledge.importing import ImportFailed, msdoc, parse_text_document
from knowledge.importing.formats import detect_kind, document_bundle, read_file
from knowledge.importing.htmldoc import decode_html, html_to_text
from knowledge.importing.pdfdoc import pdf_to_text
from knowledge.model import DocumentMeta
from tests.fixtures.formats.documents import DOCUMENTS, KEJI

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
NAMES = [doc.name for doc in DOCUMENTS]
FORMATS = [".pdf", "-layout2.pdf", ".html", ".doc"]  # the fixture file name after its stem
needs_catdoc = pytest.mark.skipif(shutil.which("catdoc") is None, reason="catdoc missing")


def fixture(name: str) -> bytes:
    return (FOLDER / name).read_bytes()


def txt(name: str) -> str:
    return (FOLDER / f"{name}.txt").read_text(encoding="utf-8").strip()


def read_text(file_name: str) -> str:
    read = read_file(file_name, fixture(file_name))
    if read.kind == "html":
        return html_to_text(read.content)[0]
    return read.content


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", NAMES)
def test_each_format_gives_the_text_of_the_txt_version(name: str, fmt: str) -> None:
    if fmt == ".doc" and shutil.which("catdoc") is None:
        pytest.skip("catdoc missing")
    # page furniture gone, wrapped lines re-joined, headings and table rows kept apart
    assert read_text(f"{name}{fmt}") == txt(name)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_parsed_documents_are_the_same(fmt: str) -> None:
    if fmt == ".doc" and shutil.which("catdoc") is None:
        pytest.skip("catdoc missing")
    for name in NAMES:
        read = read_file(f"{name}{fmt}", fixture(f"{name}{fmt}"))
        document = document_bundle(read.kind, read.content).document
        expected = parse_text_document(txt(name))
        assert document is not None
        assert [dataclasses.astuple(e) for e in document.entries] == [
            dataclasses.astuple(e) for e in expected.entries
        ]
        assert document.title == expected.title


def test_the_pdf_table_is_read_as_rows() -> None:
    text = pdf_to_text(fixture("yangli-jiuye.pdf"))
    assert "人员类别 补贴标准 补贴期限\n就业困难人员 单位缴费部分全额 三年\n" in text
    assert "— 1 —" not in text and "— 2 —" not in text  # page numbers
    assert "样例市人力资源和社会保障局文件" not in text  # the running header
    assert "按每人1500元的标准" in text  # a number broken by the page width is one number


def test_other_page_furniture_is_removed_too() -> None:
    text = pdf_to_text(fixture("yangli-jiuye-layout2.pdf"))
    assert "第 1 页" not in text and "发布\n" not in text  # "第 N 页 共 M 页", running footer
    assert text.splitlines()[0] == DOCUMENTS[1].lines[0]  # a title set on two lines is one
    # a paragraph broken by a page break (under the footer) is one line again
    assert "留用率达到百分之五十以上的,补贴标准提高至百分之八十。" in text


@pytest.mark.parametrize(
    ("file_name", "source", "kind"),
    [
        ("yangli-keji.txt", "yangli-keji.pdf", "pdf"),  # a PDF saved under another name
        ("page.txt", "yangli-keji.html", "html"),  # a web page saved as .txt
        ("notice", "yangli-keji.html", "html"),
        ("yangli-keji.docx", "yangli-keji.doc", "doc"),  # an old Word file renamed .docx
        ("yangli-keji.wps", "yangli-keji.doc", "doc"),  # WPS writes the same format
        ("yangli-keji.md", "yangli-keji.txt", "markdown"),
    ],
)
def test_the_reader_is_chosen_by_content(file_name: str, source: str, kind: str) -> None:
    assert detect_kind(file_name, fixture(source)) == kind


def test_a_page_saved_as_text_is_read_as_a_page() -> None:
    lines = "\n".join(f"<p>{line}</p>" for line in KEJI.text_lines())
    read = read_file("notice.txt", lines.encode("utf-8"))
    assert read.kind == "html"
    assert html_to_text(read.content)[0] == txt(KEJI.name)


def test_the_page_says_what_the_text_does_not() -> None:
    text, info = html_to_text(decode_html(fixture("yangli-keji.html")))
    assert info.title == KEJI.lines[0]
    assert info.issuer == "样例区人民政府办公室"
    assert info.doc_number == "样例政办〔2026〕12号"
    assert info.publish_date is not None and info.publish_date.isoformat() == "2026-11-20"
    assert info.url == KEJI.url
    assert "首页" not in text and "网站标识码" not in text and "分享到" not in text
    read = read_file("keji.html", fixture("yangli-keji.html"))
    bundle = document_bundle(read.kind, read.content)
    assert bundle.document is not None and bundle.meta.source_url == KEJI.url
    assert bundle.document.issuer == "样例区人民政府办公室"  # the page's 来源/发文机关
    given = document_bundle(
        read.kind, read.content, meta=DocumentMeta(source_url="https://x.test/a")
    )
    assert given.meta.source_url == "https://x.test/a"  # the URL given with the import wins


def test_a_gbk_page_is_decoded_by_its_declared_charset() -> None:
    page = fixture("yangli-jiuye.html").decode("utf-8").replace("utf-8", "gb2312")
    text, _ = html_to_text(decode_html(page.encode("gb18030")))
    assert text == txt("yangli-jiuye")


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("damaged.pdf", "无法读取这个 PDF 文件"),
        ("garbage.pdf", "无法读取这个 PDF 文件"),
        ("scanned.pdf", "扫描件"),
        ("damaged.html", "网页文件不完整"),
        ("nobody.html", "网页里没有找到正文"),  # a page of navigation only
        pytest.param("damaged.doc", "无法读取这个旧版 Word", marks=needs_catdoc),
    ],
)
def test_damaged_files_get_a_one_line_error(file_name: str, expected: str) -> None:
    with pytest.raises(ImportFailed) as failed:
        read = read_file(file_name, fixture(file_name))
        document_bundle(read.kind, read.content)
    message = str(failed.value)
    assert expected in message and "\n" not in message and message.endswith("。")


def test_without_catdoc_the_error_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(msdoc, "TOOL", "catdoc-not-installed")
    with pytest.raises(ImportFailed, match="apt-get install catdoc"):
        read_file("a.doc", fixture("yangli-keji.doc"))


@pytest.mark.parametrize(
    ("file_name", "data"),
    [("table.xlsx", b"PK\x03\x04xl/workbook.xml"), ("scan.jpg", b"\xff\xd8\xff\xe0JFIF"),
     ("slides.ppt", b"\x00\x01binary")],
)  # fmt: skip
def test_unsupported_files_are_told_what_is_supported(file_name: str, data: bytes) -> None:
    with pytest.raises(ImportFailed) as failed:
        read_file(file_name, data)
    assert "不支持的文件类型" in str(failed.value) and ".pdf" in str(failed.value)
    assert "另存为 .docx" in str(failed.value)
