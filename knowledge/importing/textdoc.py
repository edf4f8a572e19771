"""Reader for Chinese government documents in plain text or Markdown.

It follows the standard numbering of 党政机关公文: ``一、`` / ``(一)`` / ``1.`` /
``(1)`` and goal bullets ``——``. Every numbered item without children becomes one
entry; sections with children become the entry's heading path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from knowledge.importing.errors import ImportFailed
from knowledge.model import ParsedDocument, ParsedEntry

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

_CN_NUM = "一二三四五六七八九十百零〇两"
_LEVEL_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"^([{_CN_NUM}]+)[、．.]\s*(.*)$")),
    (2, re.compile(rf"^[（(]([{_CN_NUM}]+)[）)]\s*(.*)$")),
    (3, re.compile(r"^(\d{1,3})(?:[、．]|\.(?!\d))\s*(.*)$")),
    (4, re.compile(r"^[（(](\d{1,3})[）)]\s*(.*)$")),
]
_DASH = re.compile(r"^(?:——|—|--|-{3,})\s*(.*)$")
_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_CN_DATE = re.compile(
    r"^([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日$"
)
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[【(（]\d{4}[〕\]】)）]\s*\d{1,4}\s*号")
_ATTACHMENT = re.compile(r"^附\s*件\s*\d*\s*[:：]?\s*(.+)$")
_TITLE_WORDS = re.compile(
    r"(要点|办法|通知|措施|意见|方案|规定|细则|计划|政策|决定|指引|指南|条例|公告|清单)$"
)
_SENTENCE_END = "。;;!?！？:："
_MD_PREFIX = re.compile(r"^(#{1,6})\s+")
_RULE = re.compile(r"[-=*_#\s]+")  # a line of only these is a separator, not text


@dataclass(slots=True)
class _Node:
    level: int
    number: str
    ordinal: int
    heading: str  # the full heading line (number + text) for the path
    title: str
    body_lines: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    counts: dict[int, int] = field(default_factory=dict)  # children per level


def decode_bytes(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or GBK/GB18030 text; refuse binaries."""
    if not data.strip():
        raise ImportFailed("文件是空的,没有可导入的内容。")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ImportFailed(
            f"文件过大(超过 {MAX_DOCUMENT_BYTES // 1024 // 1024} MB),请拆分后再导入。"
        )
    if b"\x00" in data[:65536]:
        raise ImportFailed("这似乎是二进制文件(例如图片、PDF 或 Word),请提供 .txt 或 .md 文本。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(
            1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f"
        )
        if controls > max(3, len(text) // 100):
            raise ImportFailed("文件中含有大量控制字符,似乎不是文本文件。")
        if not text.strip():  # only Unicode blanks, e.g. U+3000 or U+0085
            raise ImportFailed("文件是空的,没有可导入的内容。")
        return text
    raise ImportFailed("无法识别文件编码,请保存为 UTF-8 或 GBK 编码的文本。")


def _clean_line(line: str) -> str:
    line = line.replace("\u3000", " ").strip()
    line = _MD_PREFIX.sub("", line)
    # stripped again: "**  **" or "** 一、标题**" must not leave blanks (a blank "title")
    line = line.replace("**", "").replace("__", "").strip()
    if line.startswith(("- ", "* ", "+ ")) and not _DASH.match(line):
        line = line[2:].strip()
    return line


def _number_value(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    import cn2an  # imported here: 0.15 s that questions never need

    try:
        return int(cn2an.cn2an(raw, "smart"))
    except Exception:  # cn2an raises assorted errors (KeyError too) on odd numerals
        return 0


def _classify(line: str) -> tuple[int, str, str] | None:
    """Return (level, number, rest) for a numbered heading line, else None."""
    for level, pattern in _LEVEL_PATTERNS:
        match = pattern.match(line)
        if match and match.group(2) is not None:
            return level, match.group(1), match.group(2).strip()
    match = _DASH.match(line)
    if match and match.group(1):
        return 5, "——", match.group(1).strip()
    return None


def _split_title(rest: str) -> tuple[str, str]:
    """Split "强化政策落实。深化落实……" into its heading and the body that follows."""
    for index, char in enumerate(rest):
        if char in "。;;" and 0 < index <= 40:
            return rest[:index].strip(), rest[index + 1 :].strip()
        if index > 40:
            break
    if len(rest) <= 40:
        return rest.rstrip("。"), ""
    return rest[:20].rstrip(",、") + "…", rest


def _parse_cn_date(line: str) -> dt.date | None:
    """The date of a date line ("2023年3月31日", "二〇二三年三月三十一日"), None for other
    lines; ImportFailed for a date that does not exist (e.g. 2月30日)."""
    match = _DATE.match(line)
    if match:
        year, month, day = (int(x) for x in match.groups())
        return _valid_date(year, month, day, line)
    match = _CN_DATE.match(line)
    if match:
        digits = {
            "〇": "0",
            "零": "0",
            "一": "1",
            "二": "2",
            "三": "3",
            "四": "4",
            "五": "5",
            "六": "6",
            "七": "7",
            "八": "8",
            "九": "9",
        }
        year = int("".join(digits[c] for c in match.group(1)))
        month = _number_value(match.group(2))
        day = _number_value(match.group(3))
        return _valid_date(year, month, day, line)
    return None


def _valid_date(year: int, month: int, day: int, line: str) -> dt.date:
    # was an ISO string that date.fromisoformat refused later with a bare ValueError
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ImportFailed(f"日期“{line}”不存在,请检查年、月、日。") from None


def _looks_like_title(line: str) -> bool:
    return (
        4 <= len(line) <= 60
        and line[-1] not in _SENTENCE_END + ",,"
        and _classify(line) is None
        and not _DATE.match(line)
    )


def parse_text_document(text: str, *, markdown: bool = False) -> ParsedDocument:
    """Parse the text of a government document into a :class:`ParsedDocument`."""
    # Windows (\r\n), Unix (\n) and classic Mac (\r) line endings
    unix = text.replace("\r\n", "\n").replace("\r", "\n")
    raw_lines = [_clean_line(line) for line in unix.split("\n")]
    lines = [line for line in raw_lines if line and not _RULE.fullmatch(line)]
    if not lines:
        raise ImportFailed("文件里没有文字内容。")

    first_heading = next((i for i, line in enumerate(lines) if _classify(line)), None)
    if first_heading is None:
        raise ImportFailed("没有找到公文编号结构(如“一、”“(一)”“1.”“——”),无法拆分成政策条目。")
    header = lines[:first_heading]

    addressee = issuer = publish_date = doc_number = title = None
    preamble_lines: list[str] = []
    title_index: int | None = None
    md_titles = (_clean_line(line) for line in text.splitlines() if line.lstrip().startswith("# "))
    # "# **  **" or "# ---" is no title (it used to become a blank or "#" title)
    md_title = next((line for line in md_titles if line and not _RULE.fullmatch(line)), None)
    for index, line in enumerate(header):
        if doc_number is None and (found := _DOC_NUMBER.search(line)) and len(line) <= 40:
            doc_number = found.group(0)
        if index == 0 and line[-1] in ":：" and len(line) <= 60:
            addressee = line.rstrip(":：")
            continue
        date = _parse_cn_date(line)
        if date and publish_date is None:
            publish_date = date
            if index > 0 and _looks_like_title(header[index - 1]):
                issuer = header[index - 1]
    if md_title and markdown:
        title = md_title
        title_index = header.index(md_title) if md_title in header else None
    else:
        candidates = [
            (i, line)
            for i, line in enumerate(header)
            if _looks_like_title(line) and line != issuer and line != doc_number
        ]
        preferred = [c for c in candidates if _TITLE_WORDS.search(c[1])]
        pool = preferred or candidates
        if pool:
            title_index, title = pool[-1]
    if title is None:
        quoted = re.search(r"《([^》]{4,60})》", " ".join(header))
        title = quoted.group(1) if quoted else None
    if title is None:
        raise ImportFailed("没有找到文件标题,请在正文前单独一行写明标题。")
    if title_index is not None:
        preamble_lines = [
            line for line in header[title_index + 1 :] if line not in (issuer, doc_number)
        ]

    root = _Node(level=0, number="", ordinal=0, heading="", title=title)
    stack: list[_Node] = [root]
    attachments: list[str] = []
    for line in lines[first_heading:]:
        attachment = _ATTACHMENT.match(line)
        if attachment:
            attachments.append(attachment.group(1).strip())
            continue
        classified = _classify(line)
        if classified is None:
            stack[-1].body_lines.append(line)
            continue
        level, number, rest = classified
        while len(stack) > 1 and stack[-1].level >= level:
            stack.pop()
        parent = stack[-1]
        # a count, not a scan of the siblings: that was quadratic (20,000 "——" lines: 5 s)
        siblings = parent.counts[level] = parent.counts.get(level, 0) + 1
        ordinal = siblings if level == 5 else _number_value(number) or siblings
        title_text, body = _split_title(rest)
        node = _Node(
            level=level,
            number=number,
            ordinal=ordinal,
            heading=line if level != 5 else f"——{title_text}",
            title=title_text,
        )
        if body:
            node.body_lines.append(body)
        parent.children.append(node)
        stack.append(node)

    entries: list[ParsedEntry] = []

    def walk(node: _Node, ids: list[str], path: list[str]) -> None:
        for child in node.children:
            child_ids = [*ids, str(child.ordinal)]
            if child.children:
                if child.body_lines:
                    entries.append(_entry(child, child_ids, path, len(entries)))
                walk(child, child_ids, [*path, child.heading])
            elif child.body_lines or child.title:
                entries.append(_entry(child, child_ids, path, len(entries)))

    walk(root, [], [])
    if not entries:
        raise ImportFailed("文件中没有可导入的政策条目。")
    local_ids = [e.local_id for e in entries]
    if len(set(local_ids)) != len(local_ids):
        raise ImportFailed("条目编号有重复,请检查文件的编号结构。")
    normalized = "\n".join(lines)
    return ParsedDocument(
        title=title,
        body_text=normalized,
        content_hash=hashlib.sha256(normalized.encode("utf-8")).hexdigest(),
        entries=entries,
        doc_number=doc_number,
        issuer=issuer,
        addressee=addressee,
        publish_date=publish_date,
        attachments=attachments,
        preamble="\n".join(preamble_lines) or None,
    )


def _entry(node: _Node, ids: list[str], path: list[str], position: int) -> ParsedEntry:
    number = node.number if node.level == 5 else _display_number(node)
    return ParsedEntry(
        local_id=".".join(ids),
        number=number,
        title=node.title,
        body="\n".join(node.body_lines).strip(),
        path=list(path),
        position=position,
    )


def _display_number(node: _Node) -> str:
    if node.level == 1:
        return f"{node.number}、"
    if node.level == 2:
        return f"({node.number})"
    if node.level == 3:
        return f"{node.number}."
    return f"({node.number})"
