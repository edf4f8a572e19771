"""Reader for PDF files with a text layer (pdfplumber): the lines of the text in reading
order, for the text reader (``parse_text_document``).

pdfplumber (on pdfminer.six) is used rather than pypdf because it gives every line with its
position and font size: that is what tells page furniture (running headers and footers,
"— 3 —" page numbers) from text, a line broken by the page width from a paragraph's end,
and a table (ruled cells, kept as rows) from the text around it.

What it does not do: OCR (a scan without a text layer is refused as a scan), multi-column
layouts (read as one column), and text drawn as vector outlines (refused like a scan).
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from knowledge.importing.errors import ImportFailed, require_reader

log = logging.getLogger(__name__)

MAX_PDF_BYTES = 20 * 1024 * 1024  # what a Telegram bot may download
MAX_PAGES = 500
EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be furniture
PDF_MAGIC = b"%PDF-"
UNREADABLE = (
    "无法读取这个 PDF 文件(可能已损坏或不完整),请重新导出 PDF,或另存为 .docx、.txt 后再导入。"
)
SCANNED = (
    "这个 PDF 是扫描件(只有图片,没有文字层),无法读取文字。"
    "请提供带文字的 PDF、Word 或 .txt 文件,或先用 OCR 软件识别成文字后再导入。"
)
# page numbers as printed: "— 3 —", "- 3 -", "3", "第3页", "第 3 页 共 9 页", "3/9", "Page 3"
_PAGE_NUMBER = re.compile(
    r"^(?:[—–\-－_·\s]*\d{1,4}[—–\-－_·\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|(?:page|Page|PAGE)\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$"
)
# a line that starts a new item whatever the line before it looks like
_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十百零〇]+[、．.]|[（(][一二三四五六七八九十百零〇\d]+[）)]"
    r"|\d{1,3}(?:[、．]|\.(?!\d))|第[一二三四五六七八九十百零〇\d]+[章节条款]|——|附\s*件)"
)
# English words broken at a line end were separated by a blank; numbers were not
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_LATIN_END = re.compile(r"[A-Za-z,.;:]$")
_LATIN_START = re.compile(r"^[A-Za-z]")


@dataclass(slots=True)
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    size: float  # font size (median character height)
    page: int
    table: bool = False  # a table row: never joined with its neighbours


def _cell_text(cell: str | None) -> str:
    # a cell's text wraps inside the cell: its lines belong together
    return "".join((cell or "").split())


def _table_rows(table: Any) -> list[str]:
    rows: list[str] = []
    for row in table.extract():
        cells: list[str] = []
        for cell in row:
            text = _cell_text(cell)
            if text and (not cells or cells[-1] != text):  # merged cells repeat: keep one
                cells.append(text)
        if cells:
            rows.append(" ".join(cells))
    return rows


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _page_lines(page: Any, number: int) -> tuple[list[_Line], int]:
    """The page's text lines and table rows in reading order, and its number of images."""
    tables = page.find_tables()
    boxes = [table.bbox for table in tables]
    text_page = page.filter(lambda obj: obj.get("object_type") != "char" or not _inside(obj, boxes))
    lines: list[_Line] = []
    for raw in text_page.extract_text_lines(return_chars=True, strip=True):
        # justified Chinese lines spread their characters: the gaps are no blanks
        text = _CJK_GAP.sub("", " ".join(raw["text"].split()))
        if not text:
            continue
        sizes = [char["size"] for char in raw["chars"] if not char["text"].isspace()]
        size = statistics.median(sizes) if sizes else 0.0
        lines.append(_Line(text, raw["x0"], raw["x1"], raw["top"], size, number))
    for table in tables:
        x0, top, x1, _ = table.bbox
        for offset, row in enumerate(_table_rows(table)):
            lines.append(_Line(row, x0, x1, top + offset * 0.01, 0.0, number, table=True))
    lines.sort(key=lambda line: line.top)
    return lines, len(page.images)


def _furniture(pages: list[list[_Line]]) -> set[int]:
    """ids of the lines that are page furniture: page numbers among the first or last two
    lines of a page, and lines there that repeat on most pages (digits aside), such as
    running headers and footers."""
    drop: set[int] = set()
    edges: dict[str, list[_Line]] = {}
    for lines in pages:
        text = [line for line in lines if not line.table]
        candidates = {id(line): line for line in text[:EDGE_LINES] + text[-EDGE_LINES:]}
        for line in candidates.values():
            if _PAGE_NUMBER.fullmatch(line.text):
                drop.add(id(line))
            else:
                edges.setdefault(re.sub(r"\d+", "#", line.text), []).append(line)
    if len(pages) >= 2:
        for repeated in edges.values():
            if len({line.page for line in repeated}) >= max(2, (len(pages) + 1) // 2):
                drop.update(id(line) for line in repeated)
    return drop


def _right_margin(body: list[_Line]) -> float:
    """Where full lines end: the most common right edge among the longer half of the
    lines (a wide table or one overlong line does not move it)."""
    ends = sorted(line.x1 for line in body)
    longer = ends[len(ends) // 2 :]
    common = Counter(round(x) for x in longer).most_common(1)[0][0]
    right = max(x for x in longer if round(x) <= common)
    # mostly short lines (few wrap): the common end is no margin, the longest line is
    return right if right >= 0.85 * ends[-1] else ends[-1]


def _join(lines: list[_Line]) -> list[str]:
    """Re-join lines broken by the width of the text column; headings, indented lines
    (a new paragraph) and table rows start a line of their own."""
    body = [line for line in lines if not line.table and line.size]
    if not body:
        return [line.text for line in lines]
    left = min(line.x0 for line in body)
    right = _right_margin(body)
    out: list[str] = []
    previous: _Line | None = None
    for line in lines:
        if previous is not None and not line.table and not previous.table:
            char = max(previous.size, 1.0)
            same_size = abs(line.size - previous.size) <= 0.15 * char
            full = previous.x1 >= right - 1.5 * char
            at_margin = line.x0 <= left + 0.5 * char
            centered = (
                line.x0 > left + 2 * char and abs((line.x0 - left) - (right - line.x1)) <= 2 * char
            )
            if (
                same_size
                and not _HEADING.match(line.text)
                and ((full and at_margin) or (centered and (full or previous.x0 > left + 2 * char)))
            ):
                sep = " " if _LATIN_END.search(out[-1]) and _LATIN_START.match(line.text) else ""
                out[-1] += sep + line.text
                previous = line
                continue
        out.append(line.text)
        previous = line
    return out


def _open(data: bytes) -> Any:
    import pdfplumber  # imported here: pdfplumber is the optional extra [pdf]

    # pdfminer logs every oddity of a damaged file (with bytes of its content) as a
    # warning; the user gets one message instead
    logging.getLogger("pdfminer").setLevel(logging.ERROR)

    return pdfplumber.open(io.BytesIO(data))


def pdf_to_text(data: bytes) -> str:
    """The text of a PDF file with a text layer, one paragraph (or table row) per line."""
    if not data.strip():
        raise ImportFailed("文件是空的,没有可导入的内容。")
    if len(data) > MAX_PDF_BYTES:
        raise ImportFailed(f"文件过大(超过 {MAX_PDF_BYTES // 1024 // 1024} MB),请拆分后再导入。")
    if PDF_MAGIC not in data[:1024]:
        raise ImportFailed(UNREADABLE)
    require_reader("pdf")
    pages: list[list[_Line]] = []
    images = 0
    try:
        with _open(data) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise ImportFailed(f"PDF 超过 {MAX_PAGES} 页,请拆分后再导入。")
            for number, page in enumerate(pdf.pages):
                lines, page_images = _page_lines(page, number)
                pages.append(lines)
                images += page_images
    except ImportFailed:
        raise
    except Exception as exc:
        # pdfminer and pdfplumber fail on damaged files with many exception types
        # (PSSyntaxError, PDFSyntaxError, KeyError, TypeError, ValueError, …)
        name = type(exc).__name__
        log.info("unreadable PDF: %s: %s", name, exc)
        if "Password" in name or "Encrypt" in name:
            raise ImportFailed("PDF 已加密(需要密码),请导出未加密的 PDF 后再导入。") from exc
        raise ImportFailed(UNREADABLE) from exc
    drop = _furniture(pages)
    lines = [line for page in pages for line in page if id(line) not in drop]
    if not lines:
        raise ImportFailed(SCANNED if images else "PDF 里没有文字内容。")
    text = "\n".join(_join(lines))
    if text.count("(cid:") > max(5, len(text) // 200):
        raise ImportFailed(
            "这个 PDF 的字体没有文字编码,无法提取文字;请另存为 .docx 或 .txt 后再导入。"
        )
    return text
