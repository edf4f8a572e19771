"""Texts, callback data and keyboards of the clarifying question ("您是想了解以下哪项?")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from knowledge.model import EntryView

from . import callbacks as cb
from .cards import entry_list_text
from .eligibility import start_data
from .markup import esc, shorten

QUESTION = "您是想了解以下哪项?"
# the same options for a question asking which measures there are (融资有什么支持政策)
LISTING = "与您的问题相关的有以下几项,点击查看:"
NONE_LABEL = "都不是"
NONE_REPLY = (
    "抱歉,以上几项都不是您要找的政策。您可以换个说法再问,说明企业的情况和想办的事,"
    "例如:“我们是做软件的小公司,招了应届毕业生,有补贴吗”;"
    "也可以发送 /request 提交人工咨询,由工作人员为您解答。您的问题已记录,我们会补充相关政策。"
)
CHOSEN = "好的,以下是您选择的政策:"
_TITLE_CHARS = 28

# clar:<question id>:<n>:<entry ref> (n = 1..3) and clar:<question id>:none
OPTION_RE = re.compile(r"^clar:(\d{1,12}):([1-3]):([^\s]{1,40})$")
NONE_RE = re.compile(r"^clar:(\d{1,12}):none$")


def option_data(question_id: int | None, number: int, entry_id: str) -> str:
    return cb.checked(f"clar:{question_id or 0}:{number}:{cb.entry_ref(entry_id)}")


def none_data(question_id: int | None) -> str:
    return cb.checked(f"clar:{question_id or 0}:none")


def question_text(
    notes: Sequence[str] = (),
    *,
    self_checks: Sequence[str] = (),
    listing: Sequence[EntryView] = (),
    today: dt.date | None = None,
) -> str:
    """``notes`` are HTML already; ``self_checks`` are the titles of programmes the question
    names that have an eligibility self-check (offered as buttons below); ``listing``: the
    options, when the question asked which measures there are, so they are its answer and
    listed with their marks (〔2023年度〕, 〔已失效〕 as of ``today``)."""
    head = f"<b>{LISTING}</b>" if listing else f"<b>{QUESTION}</b>"
    if listing:
        head = entry_list_text(head, listing, first=1, today=today)
    parts = [*notes, head]
    if self_checks:
        parts.append(self_check_note(self_checks))
    return "\n\n".join(parts)


def self_check_note(titles: Sequence[str]) -> str:
    """The programmes a question names that have an eligibility self-check (HTML)."""
    names = "、".join(f"「{esc(t)}」" for t in titles)
    return f"{names}可以做资格自测,看看贵企业是否符合条件。"


def self_check_rows(self_checks: Sequence[tuple[str, str]]) -> list[list[InlineKeyboardButton]]:
    """A button per named programme's self-check (``self_checks``: rule ref and title)."""
    return [
        [
            InlineKeyboardButton(
                f"✅ 自测:{shorten(title, _TITLE_CHARS - 4)}", callback_data=start_data(ref)
            )
        ]
        for ref, title in self_checks
    ]


def question_keyboard(
    entries: Sequence[EntryView],
    *,
    question_id: int | None,
    self_checks: Sequence[tuple[str, str]] = (),
) -> InlineKeyboardMarkup:
    """One button per candidate, 都不是, then a self-check per named programme
    (``self_checks``: rule ref and title)."""
    rows = [
        [
            InlineKeyboardButton(
                f"{n}. {shorten(e.title, _TITLE_CHARS)}",
                callback_data=option_data(question_id, n, e.entry_id),
            )
        ]
        for n, e in enumerate(entries[:3], start=1)
    ]
    rows.append([InlineKeyboardButton(NONE_LABEL, callback_data=none_data(question_id))])
    rows += self_check_rows(self_checks)
    return InlineKeyboardMarkup(rows)


def none_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("📂 分类浏览", callback_data=cb.BROWSE_ROOT)]]
    )
