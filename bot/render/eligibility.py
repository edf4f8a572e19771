"""Callback data and keyboards of 资格自测 (``elig:``) and the enterprise profile (``prof:``).

Callback data never carries a user id: every button acts on the presser's own check or
profile. Field ids and rule refs in the data are checked against the user's current state
by the handlers (a stale or forged button changes nothing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from knowledge.rules import Field, FieldType, answer_options

from . import callbacks as cb
from .markup import shorten

Button = InlineKeyboardButton
Rows = list[list[InlineKeyboardButton]]

_FIELD = r"[a-z][a-z0-9_]{1,47}"
_REF = r"[a-z0-9][a-z0-9-]{1,47}|~[0-9a-f]{12}"
NO_FIELD = "-"  # 上一步 on the result card (no question shown)
NAME_FIELD = "enterprise_name"  # the profile's 企业名称 (no rule asks it)

# ------------------------------------------------------------------ patterns
ELIG_START_RE = re.compile(rf"^elig:start:({_REF})$")
ELIG_ANSWER_RE = re.compile(rf"^elig:ans:({_FIELD}):(\d{{1,2}})$")
ELIG_SKIP_RE = re.compile(rf"^elig:skip:({_FIELD})$")
ELIG_BACK_RE = re.compile(rf"^elig:back:({_FIELD}|{NO_FIELD})$")
ELIG_SAVE_RE = re.compile(rf"^elig:save:({_REF})$")
ELIG_CANCEL = "elig:cancel"
ELIG_RESUME = "elig:resume"
ELIG_FIXED_RE = re.compile(r"^elig:(cancel|resume)$")

PROF_VIEW = "prof:view"
PROF_EDIT = "prof:edit"
PROF_CANCEL = "prof:cancel"
PROF_MATCH = "prof:match"
PROF_DELETE = "prof:del"
PROF_DELETE_OK = "prof:del:ok"
PROF_FORGET_OK = "prof:forget:ok"
PROF_FORGET_NO = "prof:forget:no"
PROF_FIXED_RE = re.compile(r"^prof:(view|edit|match|del|del:ok)$")
PROF_FORGET_NO_RE = re.compile(r"^prof:forget:no$")
PROF_FIELD_RE = re.compile(rf"^prof:field:({_FIELD})$")
PROF_ANSWER_RE = re.compile(rf"^prof:ans:({_FIELD}):(\d{{1,2}})$")
PROF_UNSET_RE = re.compile(rf"^prof:unset:({_FIELD})$")
PROF_CANCEL_RE = re.compile(r"^prof:cancel$")
PROF_FORGET_OK_RE = re.compile(r"^prof:forget:ok$")

_TITLE_CHARS = 26
_LABEL_CHARS = 14


def start_data(ref: str) -> str:
    return cb.checked(f"elig:start:{ref}")


def answer_data(field_id: str, index: int) -> str:
    return cb.checked(f"elig:ans:{field_id}:{index}")


def skip_data(field_id: str) -> str:
    return cb.checked(f"elig:skip:{field_id}")


def back_data(field_id: str | None) -> str:
    return cb.checked(f"elig:back:{field_id or NO_FIELD}")


def save_data(ref: str) -> str:
    return cb.checked(f"elig:save:{ref}")


def field_data(field_id: str) -> str:
    return cb.checked(f"prof:field:{field_id}")


# ------------------------------------------------------------------ 资格自测


def _grid(buttons: Sequence[InlineKeyboardButton], per_row: int) -> Rows:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def _choices(field: Field, data: Callable[[int], str]) -> Rows:
    """Buttons for the field's choices (是/否 for yes/no); ``data(n)`` is the n-th's data."""
    options = answer_options(field)
    buttons = [
        Button(shorten(option.label, _LABEL_CHARS), callback_data=data(n))
        for n, option in enumerate(options)
    ]
    longest = max((len(option.label) for option in options), default=0)
    return _grid(buttons, 3 if longest <= 5 else 2)


def question_keyboard(field: Field, *, first: bool) -> InlineKeyboardMarkup:
    """Choices (or nothing for typed answers), then « 上一步 / 跳过 / 取消."""
    rows: Rows = []
    nav: list[InlineKeyboardButton] = []
    if not first:
        nav.append(Button("« 上一步", callback_data=back_data(field.id)))
    if answer_options(field):
        rows = _choices(field, lambda n: answer_data(field.id, n))
        unsure = Button("不清楚", callback_data=skip_data(field.id))
        if field.type is FieldType.YES_NO:
            rows[-1].append(unsure)
        else:
            rows.append([unsure])
    else:
        nav.append(Button("跳过 ›", callback_data=skip_data(field.id)))
    nav.append(Button("✖ 取消", callback_data=ELIG_CANCEL))
    return InlineKeyboardMarkup([*rows, nav])


def rules_keyboard(
    rules: Sequence[tuple[str, str]], *, resume: str | None = None
) -> InlineKeyboardMarkup:
    """The programmes to check, as (ref, title); ``resume``: the title of a paused check."""
    rows: Rows = []
    if resume is not None:
        label = f"▶️ 继续上次自测:{shorten(resume, _TITLE_CHARS - 8)}"
        rows.append([Button(label, callback_data=ELIG_RESUME)])
    rows += [
        [Button(shorten(title, _TITLE_CHARS), callback_data=start_data(ref))]
        for ref, title in rules
    ]
    return InlineKeyboardMarkup(rows)


def result_keyboard(
    ref: str, entries: Sequence[tuple[str, str]], *, can_save: bool
) -> InlineKeyboardMarkup:
    """Under a result: save to the profile, the linked policies, 修改上一个回答, 重新自测."""
    rows: Rows = []
    if can_save:
        rows.append([Button("💾 保存到企业档案", callback_data=save_data(ref))])
    rows += [
        [
            Button(
                f"📄 {shorten(title, _TITLE_CHARS)}",
                callback_data=cb.card(cb.CardAction.SHOW, entry_id),
            )
        ]
        for entry_id, title in entries
    ]
    rows.append(
        [
            Button("« 修改上一个回答", callback_data=back_data(None)),
            Button("🔁 重新自测", callback_data=start_data(ref)),
        ]
    )
    return InlineKeyboardMarkup(rows)


def paused_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[Button("▶️ 继续", callback_data=ELIG_RESUME)]])


# ------------------------------------------------------------------ profile


def profile_keyboard(*, has_profile: bool) -> InlineKeyboardMarkup:
    if not has_profile:
        return InlineKeyboardMarkup([[Button("✏️ 填写企业档案", callback_data=PROF_EDIT)]])
    return InlineKeyboardMarkup(
        [
            [
                Button("✏️ 修改", callback_data=PROF_EDIT),
                Button("🩺 政策体检", callback_data=PROF_MATCH),
            ],
            [Button("🗑 删除档案", callback_data=PROF_DELETE)],
        ]
    )


def fields_keyboard(fields: Sequence[tuple[str, str, bool]]) -> InlineKeyboardMarkup:
    """The editable facts as (field id, label, filled); filled ones are ticked."""
    buttons = [
        Button(("✓ " if filled else "") + shorten(label, _LABEL_CHARS), callback_data=field_data(i))
        for i, label, filled in fields
    ]
    return InlineKeyboardMarkup(
        [*_grid(buttons, 2), [Button("« 返回档案", callback_data=PROF_VIEW)]]
    )


def edit_keyboard(field: Field | None, *, filled: bool) -> InlineKeyboardMarkup:
    """While editing one fact: its choices (None: the enterprise name), 清除, 取消."""
    field_id = field.id if field is not None else NAME_FIELD
    rows: Rows = []
    if field is not None:
        rows = _choices(field, lambda n: cb.checked(f"prof:ans:{field_id}:{n}"))
    last: list[InlineKeyboardButton] = []
    if filled:
        last.append(Button("🧹 清除此项", callback_data=cb.checked(f"prof:unset:{field_id}")))
    last.append(Button("✖ 取消", callback_data=PROF_CANCEL))
    return InlineKeyboardMarkup([*rows, last])


def confirm_delete_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                Button("确认删除档案", callback_data=PROF_DELETE_OK),
                Button("取消", callback_data=PROF_VIEW),
            ]
        ]
    )


def confirm_forget_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                Button("⚠️ 确认删除全部数据", callback_data=PROF_FORGET_OK),
                Button("取消", callback_data=PROF_FORGET_NO),
            ]
        ]
    )


def match_keyboard(rules: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Under /match: a check of each programme worth pursuing, then 完善档案."""
    rows: Rows = [
        [Button(f"✅ 自测:{shorten(title, _TITLE_CHARS - 4)}", callback_data=start_data(ref))]
        for ref, title in rules
    ]
    rows.append([Button("✏️ 完善企业档案", callback_data=PROF_EDIT)])
    return InlineKeyboardMarkup(rows)
