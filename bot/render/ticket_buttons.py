"""Callback data (``tk:`` tickets, ``req:`` the request form, ``adm:`` /admin) and the
keyboards of service requests. Every pattern is anchored; every string ≤ 64 bytes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from services.ticket_access import Action
from storage.models_tickets import Commissioner, Department, Rating, ServiceArea, TicketStatus

from .callbacks import checked
from .markup import shorten

Button = InlineKeyboardButton
S = TicketStatus

# ------------------------------------------------------------------ patterns
# Row ids (INTEGER columns) have at most 9 digits here: a forged id beyond PostgreSQL's
# int4 does not match, so it is a stale button rather than a database error.
_SIMPLE = "acc|rep|info|done|ret|drep|erep|tod|view|att|back|close|tr|asg"
TK_DEPT_RE = re.compile(r"^tk:trd:(\d{1,9}):(\d{1,9})$")
TK_ASSIGN_RE = re.compile(r"^tk:asgu:(\d{1,9}):(\d{1,15})$")
TK_RATE_RE = re.compile(r"^tk:rate:(\d{1,9}):([123])$")
TK_CANCEL = "tk:cancel"
TK_SKIP = "tk:skip"
# text-input actions (a conversation asks for the text)
INPUT_ACTIONS = "rep|info|done|ret|drep|erep|tod"
TK_INPUT_RE = re.compile(rf"^tk:({INPUT_ACTIONS}):(\d{{1,9}})$")
TK_IMMEDIATE_RE = re.compile(r"^tk:(acc|view|att|back|close|tr|asg):(\d{1,9})$")

REQ_CAT_RE = re.compile(r"^req:cat:(\d)$")
REQ_AREA_RE = re.compile(r"^req:area:([^\s:]{1,40})$")
REQ_SUBMIT_RE = re.compile(r"^req:submit:([01])$")
REQ_BACK, REQ_CANCEL, REQ_USE, REQ_SKIP, REQ_DONE = (
    "req:back",
    "req:cancel",
    "req:use",
    "req:skip",
    "req:done",
)
NO_AREA = "-"

ADM_REVOKE_RE = re.compile(r"^adm:rv:(\d{1,15})$")
ADM_ROLE_RE = re.compile(r"^adm:role:(c|a)$")
ADM_AREA_RE = re.compile(r"^adm:area:([^\s:]{1,40})$")
ADM_GRANT, ADM_CANCEL = "adm:grant", "adm:cancel"

RATINGS: dict[str, Rating] = {"1": Rating.GOOD, "2": Rating.FAIR, "3": Rating.BAD}


def tk(action: Action | str, ticket_id: int) -> str:
    return checked(f"tk:{action}:{ticket_id}")


def _row(*buttons: tuple[str, str]) -> list[InlineKeyboardButton]:
    return [Button(label, callback_data=data) for label, data in buttons]


# ------------------------------------------------------------------ ticket keyboards


def assignee_keyboard(ticket_id: int, status: str) -> InlineKeyboardMarkup | None:
    """The commissioner's buttons for the ticket's state."""
    if status == S.ASSIGNED.value:
        return InlineKeyboardMarkup(
            [_row(("✅ 接单", tk(Action.ACCEPT, ticket_id)), ("↩️ 退回/改派", tk("ret", ticket_id)))]
        )
    if status in (S.IN_PROGRESS.value, S.TRANSFERRED.value):
        return InlineKeyboardMarkup(
            [
                _row(
                    ("💬 回复企业", tk("rep", ticket_id)),
                    ("📎 补充材料请求", tk("info", ticket_id)),
                ),
                _row(("🔀 转办", tk("tr", ticket_id)), ("🏁 办结", tk("done", ticket_id))),
                _row(("↩️ 退回/改派", tk("ret", ticket_id)), ("📜 详情", tk("view", ticket_id))),
            ]
        )
    return None


def admin_keyboard(ticket_id: int, status: str) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    if status == S.QUEUED.value:
        rows.append(_row(("👤 分派", tk("asg", ticket_id)), ("🔒 关闭", tk("close", ticket_id))))
    elif status == S.REVIEW.value:
        rows.append(
            _row(("👤 改派", tk("asg", ticket_id)), ("↩️ 退回原专员", tk("back", ticket_id)))
        )
        rows.append(
            _row(
                ("🔒 关闭", tk("close", ticket_id)),
            )
        )
    elif status in (S.ASSIGNED.value, S.IN_PROGRESS.value, S.TRANSFERRED.value):
        rows.append(_row(("👤 改派", tk("asg", ticket_id)), ("💬 回复企业", tk("rep", ticket_id))))
    elif status == S.RESOLVED.value:
        rows.append(
            _row(
                ("🔒 关闭", tk("close", ticket_id)),
            )
        )
    rows.append(
        _row(
            ("📜 详情", tk("view", ticket_id)),
        )
    )
    return InlineKeyboardMarkup(rows)


def enterprise_keyboard(ticket_id: int, status: str) -> InlineKeyboardMarkup | None:
    if status == S.CLOSED.value:
        return None
    return InlineKeyboardMarkup([_row(("💬 回复专员", tk("erep", ticket_id)))])


def reply_keyboard(ticket_id: int, *, to_department: bool) -> InlineKeyboardMarkup:
    """Under a relayed message to the commissioner: answer the sender."""
    if to_department:
        return InlineKeyboardMarkup([_row(("💬 回复部门", tk("tod", ticket_id)))])
    return InlineKeyboardMarkup([_row(("💬 回复企业", tk("rep", ticket_id)))])


def department_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([_row(("💬 答复专员", tk("drep", ticket_id)))])


def rating_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                Button(rating.value, callback_data=checked(f"tk:rate:{ticket_id}:{code}"))
                for code, rating in RATINGS.items()
            ]
        ]
    )


def departments_keyboard(ticket_id: int, departments: Sequence[Department]) -> InlineKeyboardMarkup:
    rows = [
        [Button(shorten(d.name, 28), callback_data=checked(f"tk:trd:{ticket_id}:{d.id}"))]
        for d in departments
    ]
    rows.append(_row(("取消", TK_CANCEL)))
    return InlineKeyboardMarkup(rows)


def commissioners_keyboard(
    ticket_id: int, commissioners: Sequence[Commissioner], load: dict[int, int]
) -> InlineKeyboardMarkup:
    rows = [
        [
            Button(
                f"{shorten(c.name, 12)}({c.area_code or '-'},"
                f"{load.get(c.user_id, 0)}/{c.capacity})",
                callback_data=checked(f"tk:asgu:{ticket_id}:{c.user_id}"),
            )
        ]
        for c in commissioners
    ]
    rows.append(_row(("取消", TK_CANCEL)))
    return InlineKeyboardMarkup(rows)


def tickets_keyboard(items: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    """One 查看 button per (ticket id, label)."""
    if not items:
        return None
    return InlineKeyboardMarkup(
        [_row((shorten(label, 30), tk("view", tid))) for tid, label in items]
    )


def cancel_keyboard(*, skip: bool = False) -> InlineKeyboardMarkup:
    buttons = [("跳过", TK_SKIP)] if skip else []
    return InlineKeyboardMarkup([_row(*buttons, ("取消", TK_CANCEL))])


# ------------------------------------------------------------------ the request form


def _nav(*, back: bool = True) -> list[InlineKeyboardButton]:
    return _row(*([("« 上一步", REQ_BACK)] if back else []), ("✖ 取消", REQ_CANCEL))


def categories_keyboard(categories: Sequence[str]) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    for index, name in enumerate(categories):
        button = Button(name, callback_data=checked(f"req:cat:{index}"))
        if rows and len(rows[-1]) < 3:
            rows[-1].append(button)
        else:
            rows.append([button])
    rows.append(_nav(back=False))
    return InlineKeyboardMarkup(rows)


def step_keyboard(
    *, use: str | None = None, skip: bool = False, done: bool = False
) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if use:
        rows.append(_row((f"使用:{shorten(use, 20)}", REQ_USE)))
    if done:
        rows.append(_row(("完成", REQ_DONE)))
    if skip:
        rows.append(_row(("跳过", REQ_SKIP)))
    rows.append(_nav())
    return InlineKeyboardMarkup(rows)


def areas_keyboard(areas: Sequence[ServiceArea], *, use: str | None = None) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if use:
        rows.append(_row((f"使用:{shorten(use, 20)}", REQ_USE)))
    for area in areas[:24]:
        button = Button(shorten(area.name, 14), callback_data=checked(f"req:area:{area.code}"))
        if rows and len(rows[-1]) < 2 and not rows[-1][0].text.startswith("使用"):
            rows[-1].append(button)
        else:
            rows.append([button])
    rows.append(_row(("不确定/其他", f"req:area:{NO_AREA}")))
    rows.append(_nav())
    return InlineKeyboardMarkup(rows)


def confirm_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            _row(("✅ 提交", "req:submit:0")),
            _row(("✅ 提交并允许专员看到我的账号", "req:submit:1")),
            _nav(),
        ]
    )


# ------------------------------------------------------------------ /admin


def admin_roles_keyboard(revocable: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    rows = [
        _row((f"撤销 {shorten(label, 20)}", checked(f"adm:rv:{uid}"))) for uid, label in revocable
    ]
    rows.append(_row(("➕ 授予角色", ADM_GRANT)))
    return InlineKeyboardMarkup(rows)


def admin_role_choice_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [_row(("企业服务专员", "adm:role:c"), ("管理员", "adm:role:a")), _row(("取消", ADM_CANCEL))]
    )


def admin_area_keyboard(areas: Sequence[ServiceArea]) -> InlineKeyboardMarkup:
    rows = [_row((shorten(a.name, 20), checked(f"adm:area:{a.code}"))) for a in areas[:24]]
    rows.append(_row(("不指定区域", f"adm:area:{NO_AREA}"), ("取消", ADM_CANCEL)))
    return InlineKeyboardMarkup(rows)


def admin_cancel_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([_row(("取消", ADM_CANCEL))])


ROUTE_SEND = "tkq:send"
ROUTE_ASK = "tkq:ask"
ROUTE_RE = r"^tkq:(send|ask)$"


def route_keyboard() -> InlineKeyboardMarkup:
    """A text typed while a ticket waits for the enterprise: to the commissioner, or a
    question."""
    return InlineKeyboardMarkup(
        [
            [Button("📨 发给专员", callback_data=ROUTE_SEND)],
            [Button("🔍 作为问题提问", callback_data=ROUTE_ASK)],
        ]
    )


def forward_keyboard() -> InlineKeyboardMarkup:
    """Under the card answering a question typed while a ticket waits."""
    return InlineKeyboardMarkup([[Button("📨 发给专员", callback_data=ROUTE_SEND)]])
