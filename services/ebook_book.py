"""The policy e-book's content: ``collect`` builds the book (sections by level and
category, the sources) from entry views, the card fields and the Markdown rendering.
Nothing is invented: a guide field that no source gives reads 原文未载明,请向主管部门确认.
HTML and EPUB are in ``services.ebook_formats``; ``services.ebook`` is the entry point."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from knowledge.model import GUIDE_FIELDS, DocStatus, EntryView, Level

BOOK_TITLE = "惠企政策汇编"
UNKNOWN = "原文未载明,请向主管部门确认"
OTHER_LEVEL = "其他"
UNCATEGORISED = "未分类"
LEVEL_ORDER = (*(level.value for level in Level), OTHER_LEVEL)
NOTE = (
    "本汇编由政策助手根据已收录的政策原文自动生成,仅收录导出时仍在有效期内的政策。"
    "每项申报信息均注明出处;原文未载明的事项,请向主管部门确认。"
)


class BookFormat(StrEnum):
    HTML = "html"
    EPUB = "epub"
    MD = "md"


@dataclass(frozen=True, slots=True)
class Section:
    level: str
    category: str
    entries: tuple[EntryView, ...]
    # entry id → why its document may no longer apply as written (a past year's plan)
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    source_name: str
    url: str | None
    level: str | None
    region: str | None
    effective_date: dt.date | None
    expiry_date: dt.date | None


@dataclass(frozen=True, slots=True)
class Book:
    title: str
    exported_at: dt.datetime  # aware, in the bot's time zone
    sections: tuple[Section, ...]
    sources: tuple[Source, ...]

    @property
    def total(self) -> int:
        return sum(len(section.entries) for section in self.sections)

    @property
    def levels(self) -> list[tuple[str, list[tuple[int, Section]]]]:
        """(level, [(section number, section)]) in table-of-contents order."""
        grouped: dict[str, list[tuple[int, Section]]] = {}
        for number, section in enumerate(self.sections, 1):
            grouped.setdefault(section.level, []).append((number, section))
        return list(grouped.items())

    @property
    def date_label(self) -> str:
        zone = getattr(self.exported_at.tzinfo, "key", None)
        where = "北京时间" if zone in ("Asia/Shanghai", "Asia/Chongqing") else str(zone or "UTC")
        return f"{self.exported_at:%Y年%m月%d日 %H:%M}({where})"


def level_label(level: str) -> str:
    return f"{level}级政策" if level != OTHER_LEVEL else "其他政策"


def _level(entry: EntryView) -> str:
    return entry.level if entry.level in LEVEL_ORDER else OTHER_LEVEL


def collect(entries: Iterable[EntryView], *, exported_at: dt.datetime) -> Book:
    """The book of the entries not expired or repealed on the export date; a yearly plan of
    a past year is kept with a note."""
    today = exported_at.date()
    stale = (DocStatus.EXPIRED, DocStatus.REPEALED)
    current = [entry for entry in entries if entry.status_on(today) not in stale]
    notes = {e.entry_id: status_note(e, today) for e in current}
    categories: dict[str, None] = {}
    for entry in current:
        categories.setdefault(entry.categories[0] if entry.categories else UNCATEGORISED)
    order = {name: index for index, name in enumerate(categories)}
    order[UNCATEGORISED] = len(order)
    buckets: dict[tuple[str, str], list[EntryView]] = {}
    for entry in current:
        category = entry.categories[0] if entry.categories else UNCATEGORISED
        buckets.setdefault((_level(entry), category), []).append(entry)
    keys = sorted(buckets, key=lambda k: (LEVEL_ORDER.index(k[0]), order[k[1]]))
    sections = tuple(
        Section(
            level,
            cat,
            tuple(buckets[level, cat]),
            {e.entry_id: notes[e.entry_id] for e in buckets[level, cat] if notes[e.entry_id]},
        )
        for level, cat in keys
    )
    sources: dict[str, Source] = {}
    for section in sections:
        for entry in section.entries:
            sources.setdefault(
                entry.document_key,
                Source(
                    title=entry.document_title,
                    source_name=entry.source_name or f"《{entry.document_title}》",
                    url=entry.source_url if _is_url(entry.source_url) else None,
                    level=entry.level,
                    region=entry.region,
                    effective_date=entry.effective_date,
                    expiry_date=entry.expiry_date,
                ),
            )
    return Book(BOOK_TITLE, exported_at, sections, tuple(sources.values()))


def _is_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("https://", "http://")) and len(str(url)) <= 500


# ------------------------------------------------------------------ card fields


def reference(entry: EntryView) -> str:
    number = entry.number.strip(".、 ")
    parts = [*entry.path, number] if any(c.isalnum() for c in number) else list(entry.path)
    return " › ".join(p for p in parts if p)


def scope(entry: EntryView) -> str:
    parts = [entry.region or "", f"{entry.level}级" if entry.level else ""]
    return " · ".join(p for p in parts if p) or UNKNOWN


def validity(entry: EntryView) -> str:
    start = entry.effective_date.isoformat() if entry.effective_date else None
    end = entry.expiry_date.isoformat() if entry.expiry_date else None
    if start and end:
        return f"{start} 至 {end}"
    if start:
        return f"{start} 起(失效日期原文未载明)"
    if end:
        return f"至 {end}"
    return UNKNOWN


def guide_known(entry: EntryView) -> list[tuple[str, str, str]]:
    """(label, value, source) of the 一策一表 fields a source gives, in display order."""
    return [
        (label, entry.guide[name].value, entry.guide[name].source)
        for name, label in GUIDE_FIELDS.items()
        if name in entry.guide
    ]


def guide_missing(entry: EntryView) -> list[str]:
    """Labels of the fields no source gives (shown as 原文未载明,请向主管部门确认)."""
    return [label for name, label in GUIDE_FIELDS.items() if name not in entry.guide]


def status_note(entry: EntryView, today: dt.date) -> str:
    """The e-book holds current policies only: the note of a past year's plan, else ""."""
    return past_year_note(entry) if entry.status_on(today) is DocStatus.PAST_YEAR else ""


def past_year_note(entry: EntryView) -> str:
    """ "此为2023年度工作要点,相关安排可能已调整。", in the same words in the e-book, on the
    bot's card (``bot.render.cards.status_note``) and in ``policybot ask``."""
    kind = next((k for k in _PLAN_KINDS if k in entry.document_title), "工作要点")
    return f"此为{entry.plan_year}年度{kind},相关安排可能已调整。"


_PLAN_KINDS = ("工作要点", "工作计划", "工作安排", "要点")


def facts(entry: EntryView, note: str = "") -> list[tuple[str, str]]:
    """The card's header facts: source, section, scope, dates and validity, status."""
    rows = [("出处", entry.source_name or f"《{entry.document_title}》")]
    if reference(entry):
        rows.append(("章节", reference(entry)))
    if entry.publish_date:
        rows.append(("印发日期", entry.publish_date.isoformat()))
    rows += [("适用范围", scope(entry)), ("有效期", validity(entry))]
    if note:
        rows.append(("状态", note))
    return rows


# ------------------------------------------------------------------ Markdown


def _md(text: str) -> str:
    """Escape Markdown's inline markup characters in plain text."""
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def _md_entry(number: str, entry: EntryView, note: str = "") -> list[str]:
    lines = [f"#### {number} {_md(entry.title)}", ""]
    lines += [f"- **{label}**:{_md(value)}" for label, value in facts(entry, note)]
    lines += ["", "**政策内容**", ""]
    lines += [f"> {_md(line)}" for line in entry.body.splitlines() if line.strip()] or ["> —"]
    lines += ["", "**一策一表**", ""]
    for label, value, source in guide_known(entry):
        lines.append(f"- **{label}**:{_md(value)}(来源:{_md(source)})")
    missing = guide_missing(entry)
    if missing:
        lines.append(f"- **{'、'.join(missing)}**:{UNKNOWN}")
    if _is_url(entry.source_url):
        lines.append(f"- **原文链接**:<{entry.source_url}>")
    return [*lines, ""]


def to_markdown(book: Book) -> str:
    lines = [f"# {book.title}", "", f"导出日期:{book.date_label} · 共 {book.total} 条现行政策"]
    lines += ["", f"> {NOTE}", "", "## 目录", ""]
    for level, sections in book.levels:
        lines.append(f"- [{level_label(level)}](#level-{LEVEL_ORDER.index(level)})")
        for number, section in sections:
            lines.append(f"  - [{_md(section.category)}({len(section.entries)})](#sec-{number})")
    lines.append("- [政策来源](#sources)")
    for level, sections in book.levels:
        lines += ["", f'<a id="level-{LEVEL_ORDER.index(level)}"></a>', ""]
        lines += [f"## {level_label(level)}", ""]
        for number, section in sections:
            lines += [f'<a id="sec-{number}"></a>', "", f"### {_md(section.category)}", ""]
            for index, entry in enumerate(section.entries, 1):
                lines += _md_entry(
                    f"{number}.{index}", entry, section.notes.get(entry.entry_id, "")
                )
    lines += ['<a id="sources"></a>', "", "## 政策来源", ""]
    for index, source in enumerate(book.sources, 1):
        link = f" <{source.url}>" if source.url else ""
        lines.append(f"{index}. {_md(source.source_name)}{link}")
    lines += ["", f"*{NOTE}*", ""]
    return "\n".join(lines)
