"""Reader for Chinese government documents in plain text or Markdown.

It follows the standard numbering of 党政机关公文: ``一、`` / ``(一)`` / ``1.`` /
``(1)`` and goal bullets ``——``, or that of regulations: ``第一章`` / ``第一节`` /
``第一条`` (lists inside an article, restarting at ``(一)`` or ``1.``, stay in the
article). Every numbered item without children is a measure and becomes one entry;
sections with children become the entry's heading path. Lines that describe a measure
("申报材料:…", "受理部门:…") become its 一策一表 fields, not entries; a section of such
lines ("三、申报程序") applies to every measure of the part it closes. The sign-off
(issuer and date) and the texts of attachments (``附件1``) are read apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from knowledge.importing import metadata
from knowledge.importing.errors import ImportFailed
from knowledge.model import GUIDE_FIELDS, ParsedDocument, ParsedEntry, Sourced

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

_CN_NUM = "一二三四五六七八九十百零〇两"
_LEVEL_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"^([{_CN_NUM}]+)[、．.]\s*(.*)$")),
    (2, re.compile(rf"^[（(]([{_CN_NUM}]+)[）)]\s*(.*)$")),
    (3, re.compile(r"^(\d{1,5})(?:[、．]|\.(?!\d))\s*(.*)$")),
    (4, re.compile(r"^[（(](\d{1,5})[）)]\s*(.*)$")),
]
_CHAPTER = re.compile(rf"^第([{_CN_NUM}千\d]{{1,6}})章(?:\s+|$)(.*)$")
_SECTION = re.compile(rf"^第([{_CN_NUM}千\d]{{1,6}})节(?:\s+|$)(.*)$")
_ARTICLE = re.compile(rf"^第([{_CN_NUM}千\d]{{1,6}})条(?![规款例件])\s*(.*)$")
_BRACKET_TITLE = re.compile(r"^[【\[（(]([^】\]）)]{2,20})[】\]）)]\s*(.*)$")
_FIRST_CLAUSE = re.compile(r"[^。;;!?！？:：]+")
_MAX_TITLE = 100
_ATTACHMENT_HEAD = re.compile(r"^附\s*件\s*([0-9一二三四五六七八九十]{0,3})$")
_SIGNOFF_NOTE = re.compile(r"^[（(](?:此件|本件)[^)）]{0,20}[)）]$")
# the labels of field lines, by 一策一表 field (longest first when matched)
FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "support_target": ("适用对象", "支持对象", "扶持对象", "申报对象", "申报主体", "适用范围"),
    "support_content": (
        "支持标准", "支持内容", "支持金额", "奖补标准", "奖补金额", "补贴标准", "补贴金额",
        "奖励标准", "奖励金额", "资助标准", "资助金额", "扶持标准", "补助标准", "补助金额",
    ),
    "conditions": ("申报条件", "申请条件", "支持条件", "认定条件", "申报要求", "申请要求"),
    "materials": ("申报材料", "申请材料", "所需材料", "提交材料", "申报资料", "申请资料"),
    "procedure": (
        "申报程序", "申报流程", "申请程序", "申请流程", "办理流程", "办理程序", "申报方式",
        "申请方式", "申报途径",
    ),
    "department": ("受理部门", "受理单位", "受理机构", "受理地点", "主管部门"),
    "contact": ("联系方式", "联系电话", "咨询电话", "咨询方式", "联系人"),
    "delivery_mode": ("兑现方式", "拨付方式", "兑付方式", "资金拨付", "兑现程序"),
    "deadline": (
        "申报期限", "申报时间", "申报截止时间", "申报截止日期", "截止日期", "截止时间",
        "受理时间", "受理期限", "申报日期",
    ),
}  # fmt: skip
_LABEL_FIELD = {label: name for name, labels in FIELD_LABELS.items() for label in labels}
_LABELS = "|".join(sorted(_LABEL_FIELD, key=len, reverse=True))
_FIELD_LINE = re.compile(
    rf"^({_LABELS})(?:([\u4e00-\u9fff]{{0,6}})\s*[:：]\s*(.*)|\s*[。.]\s*(.+)|\s*)$"
)
_SHARED_TITLE = re.compile(
    r"申报|申请|受理|办理|兑现|联系|咨询|其他事项|组织实施|实施要求|工作要求|保障措施|附则"
)
_NOT_SHARED = re.compile(r"补贴|奖励|资助|补助|贴息|奖补|\d")
_MONEY = re.compile(
    r"\d+(?:\.\d+)?\s*(?:万|亿)?元|\d+(?:\.\d+)?\s*%|[万千百]分之[零一二三四五六七八九十点\d.]+"
)
_SUPPORT_VERB = re.compile(r"给予|补贴|奖励|资助|补助|贴息|奖补|减免|返还|一次性")
_SENTENCES = re.compile(r"[^。;;!?！？\n]+[。;;!?！？]?")
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
    guide_field: str | None = None  # a field line ("申报材料:…"): the field it fills
    label: str = ""  # the field's label as printed
    open_value: bool = False  # the label stood alone: the lines below are its value


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


def _classify(line: str, regulation: bool = False) -> tuple[int, str, str] | None:
    """Return (level, number, rest) for a numbered heading line, else None. In a
    regulation only chapters, sections and articles are headings."""
    if regulation:
        for level, pattern in ((1, _CHAPTER), (2, _SECTION), (3, _ARTICLE)):
            match = pattern.match(line)
            if match:
                return level, match.group(1), match.group(2).strip()
        return None
    for level, pattern in _LEVEL_PATTERNS:
        match = pattern.match(line)
        if match and match.group(2) is not None:
            return level, match.group(1), match.group(2).strip()
    match = _DASH.match(line)
    if match and match.group(1):
        return 5, "——", match.group(1).strip()
    return None


def _split_title(rest: str, *, article: bool = False) -> tuple[str, str]:
    """Split "强化政策落实。深化落实……" into its heading and the body that follows. An item
    without a short heading is titled by its first clause, whole, and keeps all its text
    as the body."""
    bracketed = _BRACKET_TITLE.match(rest) if article else None
    if bracketed:  # "第六条【申报条件】…", "第六条(奖励标准)…"
        return bracketed.group(1).strip(), bracketed.group(2).strip()
    for index, char in enumerate(rest):
        if char in "。;;" and 0 < index <= 40:
            return rest[:index].strip(), rest[index + 1 :].strip()
        if index > 40:
            break
    if len(rest) <= 40:
        return rest.rstrip("。"), ""
    first = _FIRST_CLAUSE.match(rest)
    title = first.group(0).strip() if first else rest
    if len(title) > _MAX_TITLE:  # a long first sentence: up to its last comma that fits
        cut = max(title.rfind(mark, 0, _MAX_TITLE) for mark in ",,;;")
        title = title[:cut] if cut > 10 else title[:_MAX_TITLE]
    return title.strip(), rest


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


def _field_line(text: str) -> tuple[str, str, str] | None:
    """(field, label, value) of a field line such as "申报材料:营业执照复印件…" or a
    heading that is only a label ("申报程序"); value "" when the lines below hold it."""
    match = _FIELD_LINE.match(text)
    if match is None:
        return None
    label = match.group(1) + (match.group(2) or "")
    value = (match.group(3) if match.group(3) is not None else match.group(4)) or ""
    return _LABEL_FIELD[match.group(1)], label, value.strip()


def _is_regulation(lines: list[str]) -> bool:
    """Numbered by articles: at least two, the first of them 第一条."""
    articles = [m.group(1) for line in lines if (m := _ARTICLE.match(line))]
    return len(articles) >= 2 and articles[0] in ("一", "1")


def _split_signoff(lines: list[str]) -> tuple[list[str], list[str], dt.date | None]:
    """The lines without the sign-off (issuer line(s) above a date line, and notes such
    as "(此件公开发布)"), the issuers, and the date."""
    for index in range(len(lines) - 1, 0, -1):
        if not metadata.is_issuer_line(lines[index - 1]):
            continue
        date = _parse_cn_date(lines[index])
        if date is None:
            continue
        start = index - 1
        while start > 0 and metadata.is_issuer_line(lines[start - 1]):
            start -= 1
        end = index + 1
        while end < len(lines) and _SIGNOFF_NOTE.match(lines[end]):
            end += 1
        issuers = [name for line in lines[start:index] for name in line.split()]
        return lines[:start] + lines[end:], issuers, date
    return lines, [], None


def _segments(lines: list[str]) -> list[tuple[str | None, list[str]]]:
    """The body and the text of each attachment ("附件1" on its own line, then its
    title): (attachment number or None, lines)."""
    out: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in lines:
        head = _ATTACHMENT_HEAD.match(line)
        if head:
            out.append((str(_number_value(head.group(1) or "1") or len(out)), []))
        else:
            out[-1][1].append(line)
    return out


class _Builder:
    """Builds the numbering tree of one part (body or attachment) line by line."""

    def __init__(self, title: str, regulation: bool) -> None:
        self.regulation = regulation
        self.root = _Node(level=0, number="", ordinal=0, heading="", title=title)
        self.stack: list[_Node] = [self.root]
        self.attachments: list[str] = []

    def _owner(self) -> _Node:
        """The innermost node that is not a field line."""
        return next(node for node in reversed(self.stack) if node.guide_field is None)

    def _continues_field(self, level: int | None) -> bool:
        top = self.stack[-1]
        if top.guide_field is None:
            return False
        if level is None:  # plain text: a value below a label that stood alone
            return top.open_value
        # deeper than the field line itself (a numbered one) or than its measure
        return top.open_value and level > (top.level if top.level != 99 else self._owner().level)

    def add(self, line: str) -> None:
        attachment = _ATTACHMENT.match(line)
        if attachment:
            self.attachments.append(attachment.group(1).strip())
            return
        classified = _classify(line, self.regulation)
        if classified is None:
            found = _field_line(line)
            if found is not None:
                owner = self._owner()
                while self.stack[-1] is not owner:
                    self.stack.pop()
                self._push_field(owner, 99, "", found, line)
            elif self._continues_field(None):
                self.stack[-1].body_lines.append(line)
            else:
                self._owner().body_lines.append(line)
            return
        level, number, rest = classified
        found = _field_line(rest)
        if found is None and self._continues_field(level):
            self.stack[-1].body_lines.append(line)
            return
        while len(self.stack) > 1 and self.stack[-1].level >= level:
            self.stack.pop()
        parent = self.stack[-1]
        # a count, not a scan of the siblings: that was quadratic (20,000 "——" lines: 5 s)
        siblings = parent.counts[level] = parent.counts.get(level, 0) + 1
        ordinal = siblings if level == 5 else _number_value(number) or siblings
        if found is not None:
            # a regulation's article of field lines ("第十条 受理部门:…") is for all articles
            owner = self.root if self.regulation and level == 3 else parent
            self._push_field(owner, level, number, found, line, ordinal)
            return
        title_text, body = _split_title(rest, article=self.regulation and level == 3)
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
        self.stack.append(node)

    def _push_field(
        self,
        parent: _Node,
        level: int,
        number: str,
        found: tuple[str, str, str],
        line: str,
        ordinal: int = 0,
    ) -> None:
        name, label, value = found
        node = _Node(level=level, number=number, ordinal=ordinal, heading=line, title=label)
        node.guide_field, node.label, node.open_value = name, label, not value
        if value:
            node.body_lines.append(value)
        parent.children.append(node)
        self.stack.append(node)


@dataclass(slots=True)
class _Walk:
    doc_title: str
    regulation: bool
    part: str = ""  # "附件1 创新券申报指南 " for the fields of an attachment
    entries: list[ParsedEntry] = field(default_factory=list)


def _ref(chain: list[_Node]) -> str:
    return "".join(_display_number(node) for node in chain if node.number != "——")


def _field_facts(node: _Node, chain: list[_Node], walk: _Walk) -> dict[str, Sourced]:
    """The fields stated by the field lines directly under ``node`` and by its shared
    sections (a section such as "三、申报程序" made only of field lines)."""
    facts: dict[str, Sourced] = {}

    def put(name: str, value: str, where: str) -> None:
        value = value.strip()
        if not value:
            return
        if name in facts:  # "联系人:…" and "联系电话:…": one field, both facts
            old = facts[name]
            facts[name] = Sourced(f"{old.value}\n{value}", old.source)
        else:
            facts[name] = Sourced(value, f"《{walk.doc_title}》{walk.part}{where}")

    for child in node.children:
        child_chain = [*chain, child]
        if child.guide_field is not None:
            where = f"{_ref(child_chain[:-1])} {child.label}".strip()
            if child.number:
                where = f"{_ref(child_chain)}{child.label}"
            put(child.guide_field, "\n".join(child.body_lines), where)
            for sub in child.children:  # a label heading whose lines are fields
                if sub.guide_field is not None:
                    where = f"{_ref([*child_chain, sub])}{sub.label}"
                    put(sub.guide_field, "\n".join(sub.body_lines), where)
        elif _is_shared(child):
            for name, fact in _field_facts(child, child_chain, walk).items():
                if name not in facts:
                    facts[name] = fact
    return facts


def _is_shared(node: _Node) -> bool:
    """A section of field lines about applying ("四、申报与受理", "二、组织实施"); other
    lines in it ("本通知自印发之日起施行。") are about the document, not a measure."""
    return (
        node.guide_field is None
        and bool(node.children)
        and all(child.guide_field is not None for child in node.children)
        and bool(_SHARED_TITLE.search(node.title))
        and not _NOT_SHARED.search(node.title)
    )


def _measures(node: _Node) -> list[_Node]:
    return [c for c in node.children if c.guide_field is None and not _is_shared(c)]


def _stated_support(node: _Node) -> str | None:
    """The sentences of a measure that state its amounts ("按每件500元给予补贴")."""
    text = "\n".join(part for part in (node.title, *node.body_lines) if part)
    found = [
        s.strip() for s in _SENTENCES.findall(text) if _MONEY.search(s) and _SUPPORT_VERB.search(s)
    ]
    return "\n".join(dict.fromkeys(found)) or None


def _walk(
    walk: _Walk,
    node: _Node,
    ids: list[str],
    path: list[str],
    chain: list[_Node],
    inherited: dict[str, Sourced],
) -> None:
    for child in _measures(node):
        child_ids = [*ids, str(child.ordinal)]
        child_chain = [*chain, child]
        own = _field_facts(child, child_chain, walk)
        if _measures(child):
            scope = {**inherited, **own}
            if child.body_lines:
                walk.entries.append(_entry(child, child_ids, path, len(walk.entries), scope))
            _walk(walk, child, child_ids, [*path, child.heading], child_chain, scope)
        elif child.body_lines or child.title:
            guide = dict(inherited)
            stated = _stated_support(child)
            if stated:
                guide["support_content"] = Sourced(
                    stated, f"《{walk.doc_title}》{_ref(child_chain)}"
                )
            guide.update(own)
            walk.entries.append(_entry(child, child_ids, path, len(walk.entries), guide))


def parse_text_document(text: str, *, markdown: bool = False) -> ParsedDocument:
    """Parse the text of a government document into a :class:`ParsedDocument`."""
    # Windows (\r\n), Unix (\n) and classic Mac (\r) line endings
    unix = text.replace("\r\n", "\n").replace("\r", "\n")
    raw_lines = [_clean_line(line) for line in unix.split("\n")]
    lines = [line for line in raw_lines if line and not _RULE.fullmatch(line)]
    if not lines:
        raise ImportFailed("文件里没有文字内容。")

    regulation = _is_regulation(lines)
    first_heading = next((i for i, line in enumerate(lines) if _classify(line, regulation)), None)
    if first_heading is None:
        raise ImportFailed(
            "没有找到公文编号结构(如“一、”“(一)”“1.”“——”或“第一条”),无法拆分成政策条目。"
        )
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

    body, signers, signed = _split_signoff(lines[first_heading:])
    attachments: list[str] = []
    entries: list[ParsedEntry] = []
    guides: list[tuple[str, dict[str, Sourced]]] = []  # attachments of field lines only
    for number, part in _segments(body):
        path: list[str] = []
        if number is not None:  # an attachment: its first line is its title
            if not part:
                continue
            if _classify(part[0], _is_regulation(part)) is None:
                path = [part[0]]
                part = part[1:]
        part_regulation = regulation if number is None else _is_regulation(part)
        builder = _Builder(title, part_regulation)
        for line in part:
            builder.add(line)
        attachments += builder.attachments
        walk = _Walk(doc_title=title, regulation=part_regulation)
        if number is not None:
            walk.part = f"附件{number}{' ' + path[0] if path else ''} "
        inherited = _field_facts(builder.root, [], walk)
        prefix = [] if number is None else [f"att{number}"]
        _walk(walk, builder.root, prefix, path, [], inherited)
        if number is not None and not walk.entries and inherited:
            guides.append((path[0] if path else "", inherited))
        for entry in walk.entries:
            entry.position = len(entries)
            entries.append(entry)
    for guide_title, facts in guides:
        _apply_guide(entries, guide_title, facts)
    if not entries:
        raise ImportFailed("文件中没有可导入的政策条目。")
    _unique_ids(entries)
    normalized = "\n".join(lines)
    issuer = issuer or (" ".join(signers) if signers else None) or metadata.issuer_from_title(title)
    publish_date = publish_date or signed
    effective = metadata.effective_date(normalized, publish_date)
    main_issuer = issuer.split()[0] if issuer else None
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
        level=metadata.guess_level(main_issuer),
        region=metadata.guess_region(main_issuer),
        effective_date=effective,
        expiry_date=metadata.expiry_date(normalized, effective or publish_date),
        repeals=metadata.repealed_titles(normalized),
    )


def _apply_guide(entries: list[ParsedEntry], title: str, facts: dict[str, Sourced]) -> None:
    """An attachment that only states fields (a 申报指南) fills them in for the measures
    its title names ("创新券申报指南" → the measure "创新券"), else for every measure."""
    named = [e for e in entries if len(e.title) >= 2 and e.title in title]
    for entry in named or entries:
        for name, fact in facts.items():
            entry.guide.setdefault(name, fact)
        entry.guide = {name: entry.guide[name] for name in GUIDE_FIELDS if name in entry.guide}


def _unique_ids(entries: list[ParsedEntry]) -> None:
    """Numbering that repeats (a list that restarts at 1 under the same heading) gets
    "-2", "-3", … instead of merging two items or refusing the document."""
    seen: set[str] = set()
    for entry in entries:
        local_id, n = entry.local_id, 1
        while local_id in seen:
            n += 1
            local_id = f"{entry.local_id}-{n}"
        entry.local_id = local_id
        seen.add(local_id)


def _entry(
    node: _Node, ids: list[str], path: list[str], position: int, guide: dict[str, Sourced]
) -> ParsedEntry:
    number = node.number if node.level == 5 else _display_number(node)
    return ParsedEntry(
        local_id=".".join(ids),
        number=number,
        title=node.title,
        body="\n".join(node.body_lines).strip(),
        path=list(path),
        position=position,
        guide={name: guide[name] for name in GUIDE_FIELDS if name in guide},
    )


def _display_number(node: _Node) -> str:
    if node.level == 99 or not node.number:
        return ""
    if node.number == "——":
        return ""
    if node.heading.startswith("第"):
        kind = {1: "章", 2: "节", 3: "条"}.get(node.level, "")
        return f"第{node.number}{kind}"
    if node.level == 1:
        return f"{node.number}、"
    if node.level == 2:
        return f"({node.number})"
    if node.level == 3:
        return f"{node.number}."
    return f"({node.number})"
