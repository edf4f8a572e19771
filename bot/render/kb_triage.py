"""Admin views of the unanswered-questions loop and the weekly expiry digest.

Callback data: ``kbq:open:<question id>``, ``kbq:off:<question id>``,
``kbq:att:<question id>:<entry ref>``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from knowledge.model import EntryView
from services.unanswered import QuestionGroup, Review

from .callbacks import checked, entry_ref
from .markup import esc, shorten

Button = InlineKeyboardButton

QUESTION_RE = re.compile(r"^kbq:(open|off):(\d{1,9})$")
ATTACH_RE = re.compile(r"^kbq:att:(\d{1,9}):([^\s]{1,41})$")
GROUP_GONE = "该问题已处理或已不在列表中。"
NOTHING = "暂无未答或“没帮助”的问题。"


def question_action(action: str, question_id: int) -> str:
    return checked(f"kbq:{action}:{question_id}")


def attach_data(question_id: int, entry_id: str) -> str:
    return checked(f"kbq:att:{question_id}:{entry_ref(entry_id)}")


def _counts(group: QuestionGroup) -> str:
    parts = [f"未答 {group.unanswered}"] if group.unanswered else []
    if group.unhelpful:
        parts.append(f"没帮助 {group.unhelpful}")
    return " · ".join(parts)


def unanswered_text(groups: Sequence[QuestionGroup], *, days: int, tz: ZoneInfo) -> str:
    if not groups:
        return f"近 {days} 天{NOTHING}"
    lines = [f"<b>未答问题</b>(近 {days} 天,相似问法合并,按次数排序)", ""]
    for number, group in enumerate(groups, 1):
        when = group.last_asked.astimezone(tz).strftime("%m-%d")
        lines.append(
            f"{number}. 「{esc(shorten(group.example, 60))}」 ×{group.count}"
            f"({_counts(group)};最近 {when})"
        )
        if group.variants:
            others = ";".join(shorten(v, 20) for v in group.variants[:3])
            lines.append(f"   <i>相似:{esc(others)}</i>")
    lines += ["", "点击问题:挂到最接近的条目作为备选问法,或标为无关。"]
    return "\n".join(lines)


def unanswered_keyboard(groups: Sequence[QuestionGroup]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                Button(
                    f"{number}. {shorten(group.example, 24)}",
                    callback_data=question_action("open", group.question_id),
                )
            ]
            for number, group in enumerate(groups, 1)
        ]
    )


def group_text(group: QuestionGroup, review: Review) -> str:
    lines = [f"<b>「{esc(shorten(group.example, 120))}」</b> ×{group.count}({_counts(group)})"]
    if group.variants:
        lines.append("相似问法:" + esc(";".join(shorten(v, 30) for v in group.variants[:5])))
    if review.outside:
        lines.append(
            f"ℹ️ 已收录的文件里没有「{esc(review.outside)}」({esc(review.outside_label)}),"
            "所以这类问题被直接告知“未收录”;导入讲到它的政策文件后即可正常检索,否则可标为无关。"
        )
    suggestions = review.entries
    lines.append("")
    if suggestions:
        lines.append("最接近的条目(点击即把这个问题加为该条目的备选问法,立即生效):")
        for number, entry in enumerate(suggestions, 1):
            lines.append(f"{number}. {esc(shorten(entry.title, 60))}({esc(entry.entry_id)})")
    else:
        lines.append("没有接近的条目。")
    return "\n".join(lines)


def group_keyboard(group: QuestionGroup, suggestions: Sequence[EntryView]) -> InlineKeyboardMarkup:
    rows = [
        [
            Button(
                f"📎 挂到 {number}. {shorten(entry.title, 20)}",
                callback_data=attach_data(group.question_id, entry.entry_id),
            )
        ]
        for number, entry in enumerate(suggestions, 1)
    ]
    rows.append([Button("🚫 标为无关", callback_data=question_action("off", group.question_id))])
    return InlineKeyboardMarkup(rows)


def attached_text(group: QuestionGroup, entry: EntryView) -> str:
    return (
        f"✅ 已把「{esc(shorten(group.example, 80))}」添加为"
        f"「{esc(shorten(entry.title, 60))}」的备选问法,立即生效。"
    )


def off_topic_text(group: QuestionGroup) -> str:
    return f"🚫 已将「{esc(shorten(group.example, 80))}」标为无关问题,不再列出。"


# ------------------------------------------------------------------ expiry digest


def expiry_digest(entries: Sequence[EntryView], *, today: dt.date, days: int) -> str | None:
    """Documents whose entries expire within ``days``, soonest first; None when none."""
    documents: dict[str, tuple[dt.date, str, int]] = {}
    last = today + dt.timedelta(days=days)
    for entry in entries:
        if entry.expiry_date is None or not today <= entry.expiry_date <= last:
            continue
        date, title, count = documents.get(entry.document_key, (entry.expiry_date, "", 0))
        documents[entry.document_key] = (date, entry.source_name or entry.document_title, count + 1)
    if not documents:
        return None
    lines = [f"<b>⏳ 未来 {days} 天内将失效的政策</b>({today.isoformat()} 起)", ""]
    for key, (date, title, count) in sorted(documents.items(), key=lambda item: item[1][0]):
        left = (date - today).days
        lines.append(
            f"· {date.isoformat()}(还有 {left} 天){esc(shorten(title, 80))}"
            f" — {count} 条 <code>{esc(key)}</code>"
        )
    lines += ["", "失效后这些政策仍可查到,但会标注“已失效”,不再作为确定答复。"]
    return "\n".join(lines)
