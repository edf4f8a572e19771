"""Which reader reads a file: chosen by its content (magic bytes), the file name's suffix
only where the content does not tell (text, Markdown, YAML). Every reader gives text lines
to the one 公文 parser (``parse_text_document``), so structure, fields and metadata are
read the same from every format; a web page adds what it says about the document."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path, PurePath

from knowledge.importing.docx import docx_to_text
from knowledge.importing.errors import ImportFailed
from knowledge.importing.htmldoc import PageInfo, decode_html, html_to_text, looks_like_html
from knowledge.importing.msdoc import OLE_MAGIC, doc_to_text
from knowledge.importing.pdfdoc import PDF_MAGIC, pdf_to_text
from knowledge.importing.textdoc import decode_bytes, parse_text_document
from knowledge.importing.yamldoc import ImportBundle, parse_yaml_bundle
from knowledge.model import DocumentMeta, ParsedDocument

TEXT_SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", "": "text"}
SUFFIX_KINDS = {
    **TEXT_SUFFIXES,
    ".docx": "docx",
    ".doc": "doc",
    ".wps": "doc",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".yaml": "yaml",
    ".yml": "yaml",
}
SUPPORTED = "可导入的格式:.txt、.md、.docx、.doc、.wps、.pdf(带文字层)、.html/.htm 网页、.yaml。"
HOW_TO_CONVERT = (
    "其他格式请在 Word 或 WPS 中另存为 .docx,或复制正文保存为 .txt 后再导入;"
    "扫描件需先用 OCR 软件识别成文字。"
)
_ZIP_MAGIC = b"PK\x03\x04"
MAX_FILE_BYTES = 20 * 1024 * 1024  # PDF and Word files; what a Telegram bot may download
MAX_TEXT_BYTES = 5 * 1024 * 1024  # text, Markdown, YAML and web pages


def unsupported(suffix: str) -> ImportFailed:
    return ImportFailed(f"不支持的文件类型 {suffix or '(无扩展名)'}。{SUPPORTED}{HOW_TO_CONVERT}")


def detect_kind(file_name: str, data: bytes) -> str:
    """The reader for a file: text, markdown, docx, doc, pdf, html or yaml; raises
    ImportFailed (what is supported, how to convert) for any other file."""
    suffix = PurePath(file_name).suffix.lower()
    if PDF_MAGIC in data[:1024]:  # some writers put a few bytes before the header
        return "pdf"
    if data.startswith(OLE_MAGIC):
        return "doc"
    if data.startswith(_ZIP_MAGIC):
        # a .docx (whatever its name), not a spreadsheet, a presentation or an archive
        if suffix in (".docx", ".doc", ".wps") or b"word/" in data[:65536]:
            return "docx"
        raise unsupported(suffix)
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if looks_like_html(data):
        return "html"
    kind = SUFFIX_KINDS.get(suffix)
    if kind is None:
        raise unsupported(suffix)
    return kind  # a file named .pdf/.doc/.docx that is none: its reader says so


def size_limit(file_name: str) -> int:
    """The largest file of this name worth downloading (its reader refuses larger)."""
    kind = SUFFIX_KINDS.get(PurePath(file_name).suffix.lower())
    return MAX_FILE_BYTES if kind in (None, "pdf", "doc", "docx") else MAX_TEXT_BYTES


@dataclass(frozen=True, slots=True)
class ReadFile:
    """A file turned into what the importer keeps: the text of a document (for a web
    page: its markup, read again with its page information) or a YAML manifest."""

    kind: str
    content: str


def read_file(file_name: str, data: bytes) -> ReadFile:
    """Read a file with the reader its content needs; raises ImportFailed."""
    kind = detect_kind(file_name, data)
    if kind == "pdf":
        return ReadFile(kind, pdf_to_text(data))
    if kind == "doc":
        return ReadFile(kind, doc_to_text(data))
    if kind == "docx":
        return ReadFile(kind, docx_to_text(data))
    if kind == "html":
        markup = decode_html(data)
        html_to_text(markup)  # refuses a page without a body text now, not at the preview
        return ReadFile(kind, markup)
    return ReadFile(kind, decode_bytes(data))


def document_bundle(
    kind: str, content: str, *, meta: DocumentMeta | None = None, base_dir: Path | None = None
) -> ImportBundle:
    """The import bundle of a read file; ``meta`` (given with the import) overrides what
    the file says about itself."""
    if kind == "yaml":
        bundle = parse_yaml_bundle(content, base_dir=base_dir)
    elif kind == "html":
        text, info = html_to_text(content)
        document = parse_text_document(text)
        _fill(document, info)
        url = info.url if info.url and info.url.startswith(("http://", "https://")) else None
        bundle = ImportBundle(meta=DocumentMeta(source_url=url), document=document)
    else:
        bundle = ImportBundle(
            meta=DocumentMeta(), document=parse_text_document(content, markdown=kind == "markdown")
        )
    if meta is not None:
        bundle.meta = merge_meta(bundle.meta, meta)
    return bundle


def _fill(document: ParsedDocument, info: PageInfo) -> None:
    """What the page says fills what the text does not say (the text's own sign-off and
    文号 come first: a page's info bar is written by the site, not by the issuer)."""
    if document.issuer is None and info.issuer:
        document.issuer = info.issuer
    if document.doc_number is None and info.doc_number:
        document.doc_number = info.doc_number
    if document.publish_date is None and info.publish_date is not None:
        document.publish_date = info.publish_date


def merge_meta(base: DocumentMeta, override: DocumentMeta) -> DocumentMeta:
    """``base`` with every field that ``override`` sets replaced."""
    merged = dataclasses.replace(base)
    for field in dataclasses.fields(merged):
        value = getattr(override, field.name)
        if value is not None:
            setattr(merged, field.name, value)
    return merged
