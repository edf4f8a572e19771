"""Policy cards and entry lists as Telegram HTML (lists of messages under 4096 units)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from knowledge.model import GUIDE_FIELDS, DocStatus, EntryView
from services.ebook_book import past_year_note

from . import dates
from .markup import (
    MESSAGE_LIMIT,
    esc,
    highlight_figures,
    pack_blocks,
    render_long,
    shorten,
    tg_len,
)

UNKNOWN_FIELDS_NOTE = "其他申报信息原文未载明,请向主管部门确认。"
EXPIRED_MARK = "〔已失效〕"
EXPIRED_NOTE = f"标注{EXPIRED_MARK}的政策已过有效期,仅供参考。"
REPEALED_MARK = "〔已废止〕"
REPEALED_NOTE = f"标注{REPEALED_MARK}的政策已被新文件替代,仅供参考。"
CLOSED_MARK = "〔已截止〕"
CLOSED_NOTE = f"标注{CLOSED_MARK}的政策,原文给出的申报期限已过。"
# a body or guide value longer than this is split into several blocks
_BLOCK_LIMIT = MESSAGE_LIMIT - 200


def _number(entry: EntryView) -> str:
    """The item's number without punctuation ("20." → "20"); "" for bullets like "——"."""
    number = entry.number.strip(".、 ")
    return number if any(char.isalnum() for char in number) else ""


def _reference(entry: EntryView) -> str:
    parts = [*entry.path, _number(entry)] if _number(entry) else list(entry.path)
    return " › ".join(p for p in parts if p)


def _source(entry: EntryView) -> str:
    return entry.source_name or f"《{entry.document_title}》"


def _header(entry: EntryView, *, today: dt.date | None) -> str:
    lines = [f"<b>📄 {esc(shorten(entry.title, 200))}</b>"]
    lines.append(f"出处:{esc(shorten(_source(entry), 200))}")
    if _reference(entry):
        lines.append(f"章节:{esc(shorten(_reference(entry), 200))}")
    scope = " · ".join(x for x in (entry.region, f"{entry.level}级" if entry.level else None) if x)
    if scope:
        lines.append(f"适用:{esc(scope)}")
    if entry.audience and "support_target" not in entry.guide:
        # who the measure is for, read from its own words (knowledge/audience.py), when its
        # guide does not say it in a 支持对象 line: a firm of another trade or size sees
        # that the measure is not written for it
        lines.append(f"适用对象(据原文归纳):{esc('、'.join(entry.audience))}")
    if today is not None:
        note = status_note(entry, today)
        if note:
            lines.append(f"⚠️ {esc(note)}")
    return "\n".join(lines)


def status_note(entry: EntryView, today: dt.date) -> str | None:
    """Why a document may no longer apply (repealed, expired, a past year's plan)."""
    status = entry.status_on(today)
    if status is DocStatus.REPEALED:
        return f"已废止,由《{entry.replaced_by_title}》替代。"
    if status is DocStatus.EXPIRED and entry.expiry_date is not None:
        return (
            f"已失效:本政策已于 {dates.day(entry.expiry_date)}失效,仅供参考,"
            "请向主管部门确认是否有新政策。"
        )
    if status is DocStatus.PAST_YEAR:
        return past_year_note(entry)
    return None


def status_mark(entry: EntryView, today: dt.date) -> str:
    """The short mark of a list line: 〔已失效〕, 〔已废止〕, 〔2023年度〕, 〔已截止〕 (the
    application deadline its source gives has passed) or ""."""
    status = entry.status_on(today)
    if status is DocStatus.EXPIRED:
        return EXPIRED_MARK
    if status is DocStatus.REPEALED:
        return REPEALED_MARK
    if status is DocStatus.PAST_YEAR:
        return f"〔{entry.plan_year}年度〕"
    if entry.closed_on(today):
        return CLOSED_MARK
    return ""


def deadline_note(entry: EntryView, today: dt.date) -> str | None:
    """A warning when the 申报期限 the source gives (one clear date) has passed."""
    deadline = entry.deadline()
    if deadline is None or deadline >= today:
        return None
    return (
        f"⚠️ 原文的申报期限 {dates.day(deadline)}已过(今天是 {dates.day(today)}),"
        "请向受理部门确认是否仍可申报。"
    )


def guide_blocks(
    entry: EntryView, *, today: dt.date | None = None, limit: int = _BLOCK_LIMIT
) -> list[str]:
    """The known 一策一表 fields (label: value, 来源) and the note on the unknown ones;
    with ``today``, a 申报期限 that has passed is said to have passed.

    Only fields the source states are shown; nothing is invented."""
    blocks: list[str] = []
    known = [(name, label) for name, label in GUIDE_FIELDS.items() if name in entry.guide]
    missing = [label for name, label in GUIDE_FIELDS.items() if name not in entry.guide]
    for index, (name, label) in enumerate(known):
        fact = entry.guide[name]
        prefix = ("<b>一策一表</b>\n" if index == 0 else "") + f"<b>{esc(label)}</b>:"
        suffix = f"\n<i>来源:{esc(shorten(fact.source, 200))}</i>"
        room = max(limit - tg_len(prefix) - tg_len(suffix), 200)
        value = render_long(fact.value, highlight_figures, room)
        value[0] = prefix + value[0]
        value[-1] = value[-1] + suffix
        passed = deadline_note(entry, today) if name == "deadline" and today else None
        if passed:
            value[-1] += f"\n<b>{esc(passed)}</b>"
        blocks.extend(value)
    if missing:
        blocks.append(f"ℹ️ {UNKNOWN_FIELDS_NOTE}\n<i>(未载明:{esc('、'.join(missing))})</i>")
    return blocks


def card_messages(
    entry: EntryView,
    *,
    today: dt.date | None = None,
    notes: Sequence[str] = (),
    footer: Sequence[str] = (),
    limit: int = MESSAGE_LIMIT,
) -> list[str]:
    """The policy card: title, source and section, content with key figures, guide.

    ``notes`` (already HTML, short) go first, e.g. "your message was cut"; ``footer``
    (HTML, short) goes last, above the buttons it may refer to."""
    blocks = [*notes, _header(entry, today=today)]
    blocks += render_long(entry.body, highlight_figures, min(_BLOCK_LIMIT, limit))
    blocks += guide_blocks(entry, today=today, limit=min(_BLOCK_LIMIT, limit))
    return pack_blocks([*blocks, *footer], limit)


def full_text_messages(entry: EntryView) -> list[str]:
    """原文: the entry's complete text with the document's title, issuer and dates."""
    lines = [f"<b>原文 · {esc(shorten(entry.title, 200))}</b>"]
    lines.append(f"文件:《{esc(shorten(entry.document_title, 200))}》")
    if entry.source_name:
        lines.append(f"发文:{esc(shorten(entry.source_name, 200))}")
    if entry.doc_number:
        lines.append(f"文号:{esc(entry.doc_number)}")
    # only the dates a source gives: 印发日期 is not 生效日期
    if entry.publish_date:
        lines.append(f"印发日期:{dates.day(entry.publish_date)}")
    if entry.effective_date:
        lines.append(f"生效日期:{dates.day(entry.effective_date)}")
    if entry.expiry_date:
        lines.append(f"失效日期:{dates.day(entry.expiry_date)}")
    if _reference(entry):
        lines.append(f"章节:{esc(shorten(_reference(entry), 200))}")
    blocks = ["\n".join(lines)]
    number = _number(entry)
    text = f"{number}. {entry.title}。{entry.body}" if number else f"{entry.title}。{entry.body}"
    blocks += render_long(text, esc, _BLOCK_LIMIT)
    url = entry.source_url or ""
    if url.startswith(("https://", "http://")) and len(url) <= 500:
        href = html.escape(url, quote=True)
        blocks.append(f'<a href="{href}">官方原文链接</a>')
    return pack_blocks(blocks)


def entry_list_text(
    heading: str, entries: Sequence[EntryView], *, first: int, today: dt.date | None = None
) -> str:
    """A numbered list of titles (the buttons below carry the same numbers); with
    ``today``, expired entries are marked 〔已失效〕."""
    lines = [heading, ""]
    marks: set[str] = set()
    for offset, entry in enumerate(entries):
        mark = status_mark(entry, today) if today is not None else ""
        marks.add(mark)
        lines.append(f"{first + offset}. {esc(entry.title)}{mark}")
    notes = [note for mark, note in MARK_NOTES.items() if mark in marks]
    if notes:
        lines += ["", *(f"<i>{note}</i>" for note in notes)]
    return "\n".join(lines)


MARK_NOTES = {EXPIRED_MARK: EXPIRED_NOTE, REPEALED_MARK: REPEALED_NOTE, CLOSED_MARK: CLOSED_NOTE}


def related_text(entry: EntryView, related: Sequence[EntryView]) -> str:
    if not related:
        return f"暂未找到与「{esc(entry.title)}」相关的其他政策。可以使用 /browse 浏览。"
    return entry_list_text(f"<b>与「{esc(entry.title)}」相关的政策</b>", related, first=1)


def also_text(entries: Sequence[EntryView], *, today: dt.date | None = None) -> str:
    """Under the answer to a question asking which measures there are: the others."""
    return entry_list_text("<b>与您的问题相关的还有:</b>", entries, first=1, today=today)


def other_industry_note(asked: str, written: str) -> str:
    """Plain text: the question says the enterprise is of one trade (住宿和餐饮业) and
    the answering measure's text names only others: it may not be written for it."""
    return (
        f"ℹ️ 您提到的行业是「{asked}」,而这条措施原文写明的适用行业是「{written}」,"
        "可能不适用于贵企业,请以原文为准或向受理部门确认。"
    )


def outside_text(word: str, label: str, *, tip: bool = True, request: bool = False) -> str:
    """A question about a subject no document of the library speaks of (发票, 天气): say
    so, rather than "no policy found" under a list of unrelated ones. ``request``: an
    enterprise's administrative matter, which an 企业服务专员 can take as a 诉求."""
    text = f"已收录的政策文件里没有关于「{word}」的内容,这属于{label}方面的问题。"
    if request:
        text += "如需协助,可发送 /request 提交诉求,由企业服务专员帮您对接相关部门。"
    return text + (
        "本助手解答企业扶持政策;可以换个说法再问,或使用 /browse 按分类浏览。" if tip else ""
    )


def no_answer_text(suggestions: Sequence[EntryView], *, today: dt.date | None = None) -> str:
    if not suggestions:
        return "没有找到相关政策。可以换个说法再问,或使用 /browse 按分类浏览。"
    head = "没有找到与您的问题完全对应的政策。以下条目可能相关,点击查看,或按分类浏览:"
    return entry_list_text(head, suggestions, first=1, today=today)


def search_heading(query: str, total: int, page: int, pages: int) -> str:
    return f"<b>搜索「{esc(query)}」</b> 共 {total} 条,第 {page + 1}/{pages} 页:"


def browse_heading(category: str, level: str, total: int, page: int, pages: int) -> str:
    return f"<b>{esc(category)} · {esc(level)}</b> 共 {total} 条,第 {page + 1}/{pages} 页:"


def facet_heading(label: str, total: int, page: int, pages: int) -> str:
    return f"<b>{esc(label)}</b> 共 {total} 条,第 {page + 1}/{pages} 页:"


def levels_text(category: str) -> str:
    return f"<b>{esc(category)}</b>\n请选择政策层级:"


def inline_description(entry: EntryView) -> str:
    return shorten(entry.body, 80)


def inline_message(entry: EntryView, *, today: dt.date | None = None) -> str:
    """One self-contained message for inline mode (cut to fit a single message); with
    ``today``, a document no longer in force says so."""
    messages = card_messages(entry, today=today, limit=MESSAGE_LIMIT - 100)
    if len(messages) == 1:
        return messages[0]
    return messages[0] + "\n\n<i>(内容较长,请在机器人对话中查看全文)</i>"
