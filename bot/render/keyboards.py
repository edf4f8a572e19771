"""Inline keyboards. Every callback data string comes from ``callbacks`` (≤ 64 bytes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from knowledge.model import EntryView

from . import callbacks as cb
from . import clarify
from .markup import shorten
from .texts import ROLE_CHOICES

Button = InlineKeyboardButton
_TITLE_CHARS = 28


def role_keyboard() -> InlineKeyboardMarkup:
    """Only the self-chosen roles; 专员/管理员 are granted, never offered."""
    return InlineKeyboardMarkup(
        [[Button(label, callback_data=cb.role(code))] for code, (_, label) in ROLE_CHOICES.items()]
    )


def card_keyboard(
    entry_id: str,
    *,
    question_id: int | None,
    eligibility: bool = False,
    feedback: bool = True,
    replacement: EntryView | None = None,
    self_checks: Sequence[tuple[str, str]] = (),
) -> InlineKeyboardMarkup:
    """Buttons under a policy card.

    * 资格自测 appears only when the knowledge base has eligibility rules for the entry;
      when the question named programmes with a self-check (``self_checks``: rule ref
      and title), their self-checks are offered directly instead;
    * 订阅此类政策 and 人工咨询, then the feedback buttons.
    """
    rows: list[list[InlineKeyboardButton]] = [
        [
            Button("📜 原文", callback_data=cb.card(cb.CardAction.FULL, entry_id)),
            Button("🔗 相关政策", callback_data=cb.card(cb.CardAction.RELATED, entry_id)),
        ]
    ]
    if replacement is not None:  # the card is of a repealed document: its successor
        label = f"➡️ 现行:{shorten(replacement.title, _TITLE_CHARS)}"
        rows.insert(
            0, [Button(label, callback_data=cb.card(cb.CardAction.SHOW, replacement.entry_id))]
        )
    if self_checks:
        rows += clarify.self_check_rows(self_checks)
    elif eligibility:
        rows.append([Button("✅ 资格自测", callback_data=cb.card(cb.CardAction.CHECK, entry_id))])
    service_row = [Button("🙋 人工咨询", callback_data=cb.card(cb.CardAction.HUMAN, entry_id))]
    subscribe = cb.card(cb.CardAction.SUBSCRIBE, entry_id)
    service_row.insert(0, Button("🔔 订阅此类政策", callback_data=subscribe))
    rows.append(service_row)  # 订阅此类政策 first, then 人工咨询
    if feedback:
        rows.append(
            [
                Button("👍 有帮助", callback_data=cb.feedback(True, question_id, entry_id)),
                Button("👎 没帮助", callback_data=cb.feedback(False, question_id, entry_id)),
            ]
        )
    return InlineKeyboardMarkup(rows)


def _entry_rows(entries: Sequence[EntryView], *, first: int) -> list[list[InlineKeyboardButton]]:
    return [
        [
            Button(
                f"{first + offset}. {shorten(entry.title, _TITLE_CHARS)}",
                callback_data=cb.card(cb.CardAction.SHOW, entry.entry_id),
            )
        ]
        for offset, entry in enumerate(entries)
    ]


def browse_button() -> InlineKeyboardButton:
    return Button("📂 分类浏览", callback_data=cb.BROWSE_ROOT)


def suggestions_keyboard(entries: Sequence[EntryView]) -> InlineKeyboardMarkup:
    """Closest entries for a low-confidence question, plus 分类浏览."""
    return InlineKeyboardMarkup([*_entry_rows(entries, first=1), [browse_button()]])


def related_keyboard(entries: Sequence[EntryView]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*_entry_rows(entries, first=1), [browse_button()]])


def categories_keyboard(categories: Sequence[str]) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    for index, name in enumerate(categories):
        button = Button(shorten(name, _TITLE_CHARS), callback_data=cb.browse_category(index))
        if rows and len(rows[-1]) < 2:
            rows[-1].append(button)
        else:
            rows.append([button])
    rows.append(
        [
            Button("🏛 按层级", callback_data=cb.BROWSE_LEVELS),
            Button("🏢 按发文机关", callback_data=cb.BROWSE_ISSUERS),
        ]
    )
    return InlineKeyboardMarkup(rows)


def facet_levels_keyboard(levels: Sequence[str]) -> InlineKeyboardMarkup:
    """层级 across all categories."""
    row = [Button(f"{level}级", callback_data=cb.browse_by_level(level)) for level in levels]
    return InlineKeyboardMarkup([row, [Button("« 返回分类", callback_data=cb.BROWSE_ROOT)]])


def issuers_keyboard(issuers: Sequence[str]) -> InlineKeyboardMarkup:
    rows = [
        [Button(shorten(name, _TITLE_CHARS), callback_data=cb.browse_by_issuer(index))]
        for index, name in enumerate(issuers)
    ]
    rows.append([Button("« 返回分类", callback_data=cb.BROWSE_ROOT)])
    return InlineKeyboardMarkup(rows)


def facet_page_keyboard(
    entries: Sequence[EntryView],
    *,
    page_data: Callable[[int], str],
    back: str,
    page: int,
    pages: int,
    first: int,
) -> InlineKeyboardMarkup:
    """A page of entries listed by level or issuer; ``page_data`` gives a page's button."""
    rows = _entry_rows(entries, first=first)
    nav = _nav_row(
        page_data(page - 1) if page > 0 else None,
        page_data(page + 1) if page + 1 < pages else None,
    )
    if nav:
        rows.append(nav)
    rows.append([Button("« 返回", callback_data=back)])
    return InlineKeyboardMarkup(rows)


def levels_keyboard(index: int, levels: Sequence[str]) -> InlineKeyboardMarkup:
    level_row = [
        Button(f"{level}级", callback_data=cb.browse_level(index, level)) for level in levels
    ]
    return InlineKeyboardMarkup([level_row, [Button("« 返回分类", callback_data=cb.BROWSE_ROOT)]])


def _nav_row(prev: str | None, next_: str | None) -> list[InlineKeyboardButton]:
    row: list[InlineKeyboardButton] = []
    if prev is not None:
        row.append(Button("‹ 上一页", callback_data=prev))
    if next_ is not None:
        row.append(Button("下一页 ›", callback_data=next_))
    return row


def browse_page_keyboard(
    entries: Sequence[EntryView], *, index: int, level: str, page: int, pages: int, first: int
) -> InlineKeyboardMarkup:
    prev = cb.browse_page(index, level, page - 1) if page > 0 else None
    next_ = cb.browse_page(index, level, page + 1) if page + 1 < pages else None
    rows = _entry_rows(entries, first=first)
    nav = _nav_row(prev, next_)
    if nav:
        rows.append(nav)
    rows.append([Button("« 返回层级", callback_data=cb.browse_category(index))])
    return InlineKeyboardMarkup(rows)


def search_page_keyboard(
    entries: Sequence[EntryView], *, token: int, page: int, pages: int, first: int
) -> InlineKeyboardMarkup:
    prev = cb.search_page(token, page - 1) if page > 0 else None
    next_ = cb.search_page(token, page + 1) if page + 1 < pages else None
    rows = _entry_rows(entries, first=first)
    nav = _nav_row(prev, next_)
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def open_in_bot_keyboard(bot_username: str, entry_id: str) -> InlineKeyboardMarkup:
    """Under an inline-mode card: a deep link that opens the full card in the bot."""
    url = f"https://t.me/{bot_username}?start={cb.deep_link_payload(entry_id)}"
    return InlineKeyboardMarkup([[Button("在助手中查看详情", url=url)]])


FLOW_GO = "flow:go"
FLOW_CANCEL = "flow:cancel"


def flow_keyboard(title: str, *, cancel: bool) -> InlineKeyboardMarkup:
    """继续「…」 (one tap back to the open flow's step), with 取消 when asked for."""
    row = [Button(f"继续「{title}」", callback_data=FLOW_GO)]
    if cancel:
        row.append(Button("取消", callback_data=FLOW_CANCEL))
    return InlineKeyboardMarkup([row])
