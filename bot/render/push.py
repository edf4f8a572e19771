"""Policy push UI: callback data (``sub:…``, ``bc:…``, anchored regexes, ≤ 64 bytes) and
the inline keyboards of /subscribe, /subscriptions, /unsubscribe, /broadcast and notices.
Texts are in ``push_texts``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from storage.models_push import Cadence, NoticeKind
from storage.push import Prefs, SubscriptionView
from storage.push_outbox import NoticeData

from . import callbacks as cb
from .markup import shorten
from .push_texts import (
    CADENCE_LABELS,
    QUIET_PRESETS,
    STEP_LABELS,
    STEPS,
    WEEKDAYS,
    digest_notice,
    hhmm,
    single_notice,
)

Button = InlineKeyboardButton
Rows = list[list[InlineKeyboardButton]]
_LABEL_CHARS = 24

# ------------------------------------------------------------------ callback data
SUB_NEW = "sub:new"
SUB_LIST = "sub:list"
SUB_PREFS = "sub:prefs"
SUB_DELALL = "sub:delall"
SUB_DELALL_OK = "sub:delall:ok"
SUB_FIXED_RE = re.compile(r"^sub:(new|list|prefs|delall|delall:ok)$")
SUB_KIND_RE = re.compile(r"^sub:kind:(topic|profile)$")
SUB_STEP_RE = re.compile(r"^sub:(go|any):(\d{1,9}):(cat|lvl|dist|aud)$")
SUB_TOGGLE_RE = re.compile(r"^sub:tog:(\d{1,9}):(cat|lvl|dist|aud):(\d{1,3})$")
SUB_DRAFT_RE = re.compile(r"^sub:(save|cancel):(\d{1,9})$")
SUB_ITEM_RE = re.compile(r"^sub:(edit|del):(\d{1,9})$")
SUB_CADENCE_RE = re.compile(r"^sub:cad:(instant|daily|weekly)$")
SUB_TIME_RE = re.compile(r"^sub:time:([+-])$")
SUB_WEEKDAY_RE = re.compile(r"^sub:wd:([0-6])$")
SUB_QUIET_RE = re.compile(r"^sub:quiet:(\d{1,2})$")
BC_ACTION_RE = re.compile(r"^bc:(all|roles|cats|ok|no|back):(\d{1,9})$")
BC_PICK_RE = re.compile(r"^bc:(role|cat):(\d{1,9}):(\d{1,3})$")


def step_data(action: str, token: int, step: str) -> str:
    return cb.checked(f"sub:{action}:{token}:{step}")


def toggle_data(token: int, step: str, index: int) -> str:
    return cb.checked(f"sub:tog:{token}:{step}:{index}")


def _grid(buttons: Sequence[InlineKeyboardButton], per_row: int) -> Rows:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


# ------------------------------------------------------------------ /subscribe
def kind_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [Button("📚 按主题订阅", callback_data="sub:kind:topic")],
            [Button("🏢 符合我企业档案的政策", callback_data="sub:kind:profile")],
            [Button("📋 我的订阅", callback_data=SUB_LIST)],
        ]
    )


def wizard_keyboard(
    token: int, step: str, options: Sequence[str], chosen: Sequence[str]
) -> InlineKeyboardMarkup:
    """Toggles of one step (✅ = chosen), 不限, step navigation, 保存, 取消."""
    per_row = 2 if step in ("cat", "aud") else 3
    toggles = [
        Button(
            ("✅ " if name in chosen else "") + shorten(name, _LABEL_CHARS),
            callback_data=toggle_data(token, step, index),
        )
        for index, name in enumerate(options)
    ]
    rows = _grid(toggles, per_row)
    rows.append(
        [
            Button(
                ("✅ " if not chosen else "") + "不限", callback_data=step_data("any", token, step)
            )
        ]
    )
    position = STEPS.index(step)
    nav: list[InlineKeyboardButton] = []
    if position > 0:
        previous = STEPS[position - 1]
        nav.append(
            Button(f"‹ {STEP_LABELS[previous]}", callback_data=step_data("go", token, previous))
        )
    if position + 1 < len(STEPS):
        following = STEPS[position + 1]
        nav.append(
            Button(f"{STEP_LABELS[following]} ›", callback_data=step_data("go", token, following))
        )
    rows.append(nav)
    rows.append(
        [
            Button("✅ 保存订阅", callback_data=cb.checked(f"sub:save:{token}")),
            Button("取消", callback_data=cb.checked(f"sub:cancel:{token}")),
        ]
    )
    return InlineKeyboardMarkup(rows)


def profile_keyboard(token: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                Button("✅ 保存订阅", callback_data=cb.checked(f"sub:save:{token}")),
                Button("取消", callback_data=cb.checked(f"sub:cancel:{token}")),
            ]
        ]
    )


def saved_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                Button("📋 我的订阅", callback_data=SUB_LIST),
                Button("⚙️ 推送设置", callback_data=SUB_PREFS),
            ]
        ]
    )


# ------------------------------------------------------------------ /subscriptions
def list_keyboard(subscriptions: Sequence[SubscriptionView]) -> InlineKeyboardMarkup:
    rows: Rows = [
        [
            Button(f"✏️ 修改 {number}", callback_data=cb.checked(f"sub:edit:{sub.id}")),
            Button(f"🗑 退订 {number}", callback_data=cb.checked(f"sub:del:{sub.id}")),
        ]
        for number, sub in enumerate(subscriptions, 1)
    ]
    rows.append(
        [
            Button("➕ 新建订阅", callback_data=SUB_NEW),
            Button("⚙️ 推送设置", callback_data=SUB_PREFS),
        ]
    )
    if subscriptions:
        rows.append([Button("全部退订", callback_data=SUB_DELALL)])
    return InlineKeyboardMarkup(rows)


def unsubscribe_keyboard(subscriptions: Sequence[SubscriptionView]) -> InlineKeyboardMarkup:
    rows: Rows = [
        [Button(f"🗑 退订 {number}", callback_data=cb.checked(f"sub:del:{sub.id}"))]
        for number, sub in enumerate(subscriptions, 1)
    ]
    rows.append([Button("全部退订", callback_data=SUB_DELALL)])
    return InlineKeyboardMarkup(rows)


def confirm_all_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                Button("确认全部退订", callback_data=SUB_DELALL_OK),
                Button("« 返回", callback_data=SUB_LIST),
            ]
        ]
    )


def prefs_keyboard(prefs: Prefs) -> InlineKeyboardMarkup:
    def mark(selected: bool, label: str) -> str:
        return ("✅ " if selected else "") + label

    rows: Rows = [
        [
            Button(mark(prefs.cadence is cadence, label), callback_data=f"sub:cad:{cadence.value}")
            for cadence, label in CADENCE_LABELS.items()
        ]
    ]
    if prefs.cadence is not Cadence.INSTANT:
        rows.append(
            [
                Button("⏪ 提前半小时", callback_data="sub:time:-"),
                Button("推迟半小时 ⏩", callback_data="sub:time:+"),
            ]
        )
    if prefs.cadence is Cadence.WEEKLY:
        rows.append(
            [
                Button(mark(prefs.weekday == day, name), callback_data=f"sub:wd:{day}")
                for day, name in enumerate(WEEKDAYS)
            ]
        )
    quiet = (prefs.quiet_start, prefs.quiet_end)
    presets = [
        Button(
            mark(
                quiet == preset or (preset[0] == preset[1] and quiet[0] == quiet[1]), label(preset)
            ),
            callback_data=f"sub:quiet:{index}",
        )
        for index, preset in enumerate(QUIET_PRESETS)
    ]
    rows.extend(_grid(presets, 2))
    rows.append([Button("« 我的订阅", callback_data=SUB_LIST)])
    return InlineKeyboardMarkup(rows)


def label(preset: tuple[int, int]) -> str:
    start, end = preset
    return "关闭免打扰" if start == end else f"免打扰 {hhmm(start)}–{hhmm(end)}"


# ------------------------------------------------------------------ /broadcast
def broadcast_keyboard(token: int) -> InlineKeyboardMarkup:
    def data(action: str) -> str:
        return cb.checked(f"bc:{action}:{token}")

    return InlineKeyboardMarkup(
        [
            [
                Button("全部订阅用户", callback_data=data("all")),
                Button("按身份", callback_data=data("roles")),
                Button("按分类", callback_data=data("cats")),
            ],
            [
                Button("✅ 确认发送", callback_data=data("ok")),
                Button("取消", callback_data=data("no")),
            ],
        ]
    )


def broadcast_choices(token: int, kind: str, options: Sequence[str]) -> InlineKeyboardMarkup:
    buttons = [
        Button(shorten(name, _LABEL_CHARS), callback_data=cb.checked(f"bc:{kind}:{token}:{index}"))
        for index, name in enumerate(options)
    ]
    rows = _grid(buttons, 2)
    rows.append([Button("« 返回", callback_data=cb.checked(f"bc:back:{token}"))])
    return InlineKeyboardMarkup(rows)


# ------------------------------------------------------------------ notices
def notice_keyboard(entries: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Buttons to the cards of ``(entry_id, title)`` and 管理订阅."""
    rows: Rows = []
    if len(entries) == 1:
        rows.append(
            [Button("📄 查看详情", callback_data=cb.card(cb.CardAction.SHOW, entries[0][0]))]
        )
    else:
        rows.extend(
            [
                Button(
                    f"{number}. {shorten(title, _LABEL_CHARS)}",
                    callback_data=cb.card(cb.CardAction.SHOW, entry_id),
                )
            ]
            for number, (entry_id, title) in enumerate(entries, 1)
        )
    rows.append([Button("⚙️ 管理订阅", callback_data=SUB_LIST)])
    return InlineKeyboardMarkup(rows)


def manage_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[Button("⚙️ 管理订阅", callback_data=SUB_LIST)]])


def notice_message(
    notices: Sequence[NoticeData], *, digest: Cadence | None, today: dt.date
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of one push message: a single notice, or a list (a digest, or
    several notices due together) with a button per policy; one line per policy."""
    unique: dict[tuple[str | None, bool], NoticeData] = {}
    for notice in notices:
        key = (notice.entry_id, notice.kind is NoticeKind.DEADLINE)
        if notice.entry_id is None:
            key = (f"#{notice.id}", False)
        unique.setdefault(key, notice)
    items = list(unique.values())
    linked = [
        (n.entry_id, n.title or n.entry_id)
        for n in items
        if n.entry_id and n.kind is not NoticeKind.WITHDRAWN  # no card to show any more
    ]
    if len(items) == 1 and digest is None:
        if items[0].kind is NoticeKind.WITHDRAWN:
            return single_notice(items[0], today), manage_keyboard()
        markup = notice_keyboard(linked) if linked else None
        return single_notice(items[0], today), markup
    return digest_notice(items, digest, today), notice_keyboard(linked)
