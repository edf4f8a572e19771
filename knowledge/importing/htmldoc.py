"""Reader for web pages as government sites publish them: the article body through
trafilatura (which drops navigation, info bars, share buttons and footers), and what such
pages carry besides it: the title (``<h1>``, ``<meta name="ArticleTitle">``, ``<title>``),
the info bar (发布日期, 来源/发布机构, 文号, 成文日期) and the ``<meta>`` tags of the
government-website standard (ArticleTitle, PubDate, ContentSource, Url).

trafilatura rather than readability-lxml: it returns the body as text, one paragraph per
line with tables as rows, keeps short lines such as the sign-off, reads dates (htmldate),
and is maintained and used widely; both work offline.

What it does not do: fetch pages (the file is read as saved), run scripts (a page whose
text is loaded by JavaScript has no text to read), or read attachments linked from it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
from dataclasses import dataclass
from typing import Any

from knowledge.importing.errors import ImportFailed, require_reader

log = logging.getLogger(__name__)

MAX_HTML_BYTES = 5 * 1024 * 1024
MIN_BODY_CHARS = 20  # a policy's text is longer; less is what a page without one leaves
_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b",
    re.IGNORECASE | re.DOTALL,
)
_TAGS = re.compile(rb"<(?:p|div|br|span|table|td|h[1-6]|a)\b[^>]*>", re.IGNORECASE)
_DATE = r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
_LABELS = {
    "publish": re.compile(rf"(?:成文日期|发文日期|印发日期)\s*[::]\s*{_DATE}"),
    "posted": re.compile(rf"(?:发布日期|发布时间|日期)\s*[::]\s*{_DATE}"),
    "issuer": re.compile(
        r"(?:发布机构|发文机关|来源|信息来源)\s*[::]\s*([\u4e00-\u9fff()()]{2,40})"
    ),
    "doc_number": re.compile(r"(?:文号|发文字号)\s*[::]\s*(\S{2,30}?号)"),
}
_ROW = re.compile(r"^\|(.*)\|\s*$")
_DOCUMENT_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html)\b", re.IGNORECASE)
_DOCUMENT_END = re.compile(rb"</html\s*>\s*(?:<!--.*?-->\s*)*$", re.IGNORECASE | re.DOTALL)


@dataclass(slots=True)
class PageInfo:
    """What the page says about the document besides its body text."""

    title: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    publish_date: dt.date | None = None  # 成文日期, else the page's 发布日期
    url: str | None = None


def looks_like_html(data: bytes) -> bool:
    """An HTML page whatever its file name: it starts like one, or it is text full of
    paragraph tags (a page saved as .txt)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(head):
        return True
    return len(_TAGS.findall(head)) >= 3 and b"\x00" not in head


def _decode(data: bytes) -> str:
    declared = _CHARSET.search(data[:4096])
    encodings = [declared.group(1).decode("ascii").lower()] if declared else []
    for encoding in [*encodings, "utf-8-sig", "gb18030"]:
        if encoding in ("gb2312", "gbk"):
            encoding = "gb18030"  # its superset: pages declared GB2312 use GBK characters
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise ImportFailed("无法识别网页的文字编码,请另存为 UTF-8 编码的网页或 .txt 后再导入。")


def _date(match: re.Match[str] | None) -> dt.date | None:
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()[-3:]))
    except ValueError:
        return None


def _text_of(node: Any) -> str:
    return " ".join("".join(node.itertext()).split())


def _page_info(tree: Any) -> PageInfo:
    def meta(*names: str) -> str | None:
        for name in names:
            for node in tree.xpath(
                "//meta[translate(@name,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz')"
                "=$n or @property=$n]",
                n=name.lower(),
            ):
                value = " ".join((node.get("content") or "").split())
                if value:
                    return value
        return None

    info = PageInfo()
    headings = [_text_of(node) for node in tree.xpath("//h1")]
    page_title = next((_text_of(node) for node in tree.xpath("//title")), "")
    titles = [meta("articletitle"), *headings, re.split(r"[_|–-]", page_title)[0].strip()]
    info.title = next((t for t in titles if t and len(t) >= 4), None)  # not "首页" or "t"
    info.url = meta("url", "og:url") or next(
        (node.get("href") for node in tree.xpath("//link[@rel='canonical']")), None
    )
    text = _text_of(tree.xpath("//body")[0]) if tree.xpath("//body") else ""
    info.issuer = meta("contentsource")
    if info.issuer is None and (found := _LABELS["issuer"].search(text)):
        info.issuer = found.group(1)
    if found := _LABELS["doc_number"].search(text):
        info.doc_number = found.group(1)
    pubdate = meta("pubdate", "article:published_time")
    info.publish_date = (
        _date(_LABELS["publish"].search(text))
        or _date(re.search(_DATE, pubdate or ""))
        or _date(_LABELS["posted"].search(text))
    )
    return info


def _body_lines(markup: str) -> list[str]:
    import trafilatura  # imported here: trafilatura is the optional extra [html]

    with warnings.catch_warnings():  # its dependencies warn about dates they cannot read
        warnings.simplefilter("ignore")
        extracted = trafilatura.extract(
            markup,
            output_format="txt",
            include_tables=True,
            include_comments=False,
            include_links=False,
            include_images=False,
            favor_recall=True,  # short lines (the sign-off, 文号) are part of a 公文
            deduplicate=False,
        )
    lines: list[str] = []
    for raw in (extracted or "").splitlines():
        line = " ".join(raw.split())
        row = _ROW.match(line)
        if row:  # a table row "| a | b |": cells as the other readers give them
            cells = [" ".join(cell.split()) for cell in row.group(1).split("|")]
            line = " ".join(cell for cell in cells if cell)
        if line:
            lines.append(line)
    return lines


def decode_html(data: bytes) -> str:
    """The markup of a saved page (its declared charset, else UTF-8 or GB18030); refuses
    empty, oversized and cut-off pages."""
    if not data.strip():
        raise ImportFailed("文件是空的,没有可导入的内容。")
    if len(data) > MAX_HTML_BYTES:
        mb = MAX_HTML_BYTES // 1024 // 1024
        raise ImportFailed(f"网页过大(超过 {mb} MB),请只保存正文后再导入。")
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _DOCUMENT_START.match(head) and not _DOCUMENT_END.search(data[-4096:]):
        # a whole page that does not end: a download or a save that was cut off
        raise ImportFailed(
            "网页文件不完整(没有结尾,可能下载或保存时中断),请重新保存整个网页后再导入。"
        )
    return _decode(data)


def html_to_text(markup: str) -> tuple[str, PageInfo]:
    """The article of a page (from :func:`decode_html`) as lines, its title first, and
    what the page says about the document."""
    require_reader("html")
    try:
        from lxml import html as lxml_html

        tree = lxml_html.fromstring(
            markup.encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8")
        )
        info = _page_info(tree)
        lines = _body_lines(markup)
    except Exception as exc:  # lxml and trafilatura on broken markup
        log.info("unreadable HTML: %s: %s", type(exc).__name__, exc)
        raise ImportFailed("无法读取这个网页文件(可能已损坏),请另存为 .txt 后再导入。") from exc
    if sum(len(_WORD.findall(line)) for line in lines) < MIN_BODY_CHARS:  # "首页" of a nav bar
        raise ImportFailed(
            "网页里没有找到正文(可能是目录页、需要脚本加载的页面或已损坏的文件)。"
            "请打开政策原文页面另存,或复制正文保存为 .txt 后再导入。"
        )
    if info.title and not any(info.title in line for line in lines[:3]):
        lines.insert(0, info.title)
    return "\n".join(lines), info
