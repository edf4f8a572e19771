"""Texts of service requests (HTML, Simplified Chinese): ticket cards, timelines, lists
and notifications. Every ticket message starts with 【ticket number】 so a reply to it can
be recognised (``TICKET_MESSAGE_RE``); the ticket itself is always looked up in the DB.

Privacy: the enterprise sees the commissioner's display name only; the commissioner sees
the enterprise's Telegram account only when the enterprise chose to share it; a
department never sees the phone number or the account.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from storage.models_tickets import Ticket, TicketEvent, TicketStatus

from . import dates
from .markup import esc, shorten

S = TicketStatus
TICKET_MESSAGE_RE = re.compile(r"^【QY-\d{8}-\d{4,}】")

FORBIDDEN = "您无权查看或处理该工单。"
# after the refusal of a staff or admin command (texts.refused): where one's own are
SEE_MY_REQUESTS = "查看您提交的诉求请发送 /myrequests。"
STATE_CHANGED = "工单状态已变化,该操作已不可用。请用 /ticket 查看最新状态。"
MISSING = "没有找到该工单或对象。"
CANCELLED = "已取消。"
PRIVATE_ONLY = "请在与我的私聊中使用此功能。"
INBOX_EMPTY = "您的待办工单为空 🎉"
QUEUE_EMPTY = "待分派/复核队列为空。"
MY_EMPTY = "您还没有提交过诉求。发送 /request 提交一个。"
TICKET_USAGE = "用法:<code>/ticket QY-20261128-0001</code>"
NO_DEPARTMENTS = "尚未配置部门,无法转办。请联系管理员。"
NO_COMMISSIONERS = "没有可用的专员。"
CHOOSE_DEPARTMENT = "请选择转办部门:"
CHOOSE_COMMISSIONER = "请选择要分派的专员(区域,在办/容量):"
RELAY_QUEUED = "已记录到工单。工单分派给专员后,专员即可看到。"
RELAY_SENT = "已转达。"
RELAY_FAILED = "消息已记录,但暂时无法送达对方,稍后请再试或联系管理员。"
SKIPPED = "好的。"
UNSUPPORTED = "只能发送文字、图片或文件。"
NOT_RELAYABLE = "这条消息不能直接回复,请使用消息下方的按钮。"

PROMPTS: dict[str, str] = {
    "rep": "请输入要发给企业的回复(可发送文字、图片或文件):",
    "info": "请说明需要企业补充的材料:",
    "done": "请输入办结意见(办理结果),将发送给企业:",
    "ret": "请简要说明退回原因(仅管理员可见):",
    "drep": "请输入给专员的答复:",
    "erep": "请输入要发给专员的内容(可发送文字、图片或文件):",
    "tod": "请输入给部门的回复:",
    "trd": "请输入转办说明(将连同诉求发送给部门):",
    "cmt": "感谢评价!如有补充意见请直接输入,或点「跳过」。",
}
GROUP_PROMPT_SUFFIX = "\n(请<b>回复本条消息</b>输入;发送 /cancel 取消)"

_KIND_LABELS = {
    "created": "提交诉求",
    "attachment": "附件",
    "assigned": "分派给专员",
    "queued": "进入待分派队列",
    "accepted": "专员接单",
    "transferred": "转办部门",
    "message": "留言",
    "info_request": "补充材料请求",
    "resolved": "办结",
    "returned": "退回待分派",
    "reassigned": "改派",
    "back": "退回原专员继续办理",
    "closed": "关闭",
    "rated": "评价",
    "comment": "评价意见",
    "reminder": "时限提醒",
    "escalated": "超时上报",
}
_PUBLIC_TEXT = frozenset({"created", "message", "info_request", "resolved", "comment"})


def header(ticket: Ticket) -> str:
    return f"【{ticket.number}】"


def _when(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return dates.moment(value, tz) if value else "-"


def _due(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return dates.deadline(value, tz) if value else "-"


def overdue(ticket: Ticket, now: dt.datetime) -> bool:
    if ticket.status in (S.RESOLVED.value, S.CLOSED.value):
        return False
    waiting = ticket.first_contact_at is None and now >= ticket.first_contact_due
    return waiting or now >= ticket.resolve_due


def summary_line(ticket: Ticket, now: dt.datetime) -> str:
    flag = "⏰" if overdue(ticket, now) else "·"
    name = esc(shorten(ticket.enterprise_name, 16))
    return f"{flag} {ticket.number} {ticket.status} {ticket.category} {name}"


def ticket_card(
    ticket: Ticket,
    *,
    tz: ZoneInfo,
    now: dt.datetime,
    internal: bool,
    assignee_name: str | None = None,
    department_name: str | None = None,
    area_name: str | None = None,
    with_contact: bool = False,
) -> str:
    """The ticket with its status; ``with_contact`` adds phone/account (assignee, admin)."""
    lines = [
        f"{header(ticket)} <b>{esc(ticket.category)}</b> · {esc(ticket.status)}",
        f"企业:{esc(ticket.enterprise_name)}",
        f"区域:{esc(area_name or ticket.area_code or '未填写')}",
        f"诉求:{esc(ticket.description)}",
        f"提交:{_when(ticket.created_at, tz)}",
        f"专员:{esc(assignee_name or '待分派')}",
    ]
    if internal:
        lines.append(f"首次联系时限:{_due(ticket.first_contact_due, tz)}")
        lines.append(f"办结时限:{_due(ticket.resolve_due, tz)}")
        if department_name:
            lines.append(f"转办部门:{esc(department_name)}")
        if overdue(ticket, now):
            lines.append("⏰ <b>已超时</b>")
    if with_contact:
        if ticket.phone:
            lines.append(f"电话:{esc(ticket.phone)}")
        if ticket.share_contact:
            lines.append(f'联系人:<a href="tg://user?id={ticket.enterprise_id}">企业联系人</a>')
    if ticket.rating:
        lines.append(f"评价:{esc(ticket.rating)}")
    return "\n".join(lines)


def timeline(
    events: Sequence[TicketEvent], *, tz: ZoneInfo, internal: bool, limit: int = 30
) -> str:
    lines = ["<b>办理记录</b>"]
    shown = list(events)[-limit:]
    for event in shown:
        label = _KIND_LABELS.get(event.kind, event.kind)
        if event.kind == "rated":
            label += f":{event.details.get('rating', '')}"
        line = f"{_when(event.created_at, tz)} {esc(event.actor_role)} {label}"
        if event.file_id:
            line += " 📎"
        if event.text and (internal or event.kind in _PUBLIC_TEXT):
            line += f":{esc(shorten(event.text, 200))}"
        lines.append(line)
    return "\n".join(lines)


def listing(title: str, tickets: Sequence[Ticket], now: dt.datetime) -> str:
    return "\n".join(
        [f"<b>{esc(title)}</b>({len(tickets)})", *(summary_line(t, now) for t in tickets)]
    )


def sort_overdue_first(tickets: Sequence[Ticket], now: dt.datetime) -> list[Ticket]:
    return sorted(tickets, key=lambda t: (not overdue(t, now), t.resolve_due, t.id or 0))


# ------------------------------------------------------------------ notifications


def confirmation(ticket: Ticket, *, assigned: bool, first_contact_days: int) -> str:
    who = "已分派给企业服务专员" if assigned else "已进入待分派队列,管理员将尽快安排专员"
    return (
        f"{header(ticket)} 诉求已提交 ✅\n工单编号:<b>{ticket.number}</b>\n{who}。\n"
        f"专员将在 {first_contact_days} 个工作日内与您联系。可用 /myrequests 查看进度;"
        "回复本消息可给专员留言。"
    )


def new_for_assignee(ticket: Ticket, card: str, *, reassigned: bool) -> str:
    title = "改派给您的工单" if reassigned else "新工单"
    return f"{header(ticket)} 📥 <b>{title}</b>\n\n{card.split(chr(10), 1)[1]}\n\n请及时接单。"


def queued_for_admins(ticket: Ticket, card: str, reason: str | None) -> str:
    why = f"\n退回原因:{esc(reason)}" if reason else ""
    return f"{header(ticket)} 📮 <b>待分派</b>{why}\n\n{card.split(chr(10), 1)[1]}"


def status_for_enterprise(
    ticket: Ticket, *, assignee_name: str | None, text: str | None = None
) -> str:
    status = TicketStatus(ticket.status)
    if status is S.ASSIGNED:
        body = f"已分派给企业服务专员 {esc(assignee_name or '')},等待接单。"
    elif status is S.IN_PROGRESS:
        body = f"专员 {esc(assignee_name or '')} 正在办理您的诉求。"
    elif status is S.TRANSFERRED:
        body = "您的诉求已转交相关部门办理,专员将跟进并答复您。"
    elif status is S.QUEUED:
        body = "您的诉求正在重新分派专员,请耐心等待。"
    elif status is S.RESOLVED:
        body = f"您的诉求已办结。\n办理结果:{esc(text or '')}\n\n请对本次服务进行评价:"
    elif status is S.REVIEW:
        body = "您的评价已收到,诉求已提交管理员复核。"
    else:
        body = "工单已关闭,感谢您的使用。"
    return f"{header(ticket)} 状态:<b>{status.value}</b>\n{body}"


def relay(ticket: Ticket, *, sender: str, text: str | None, kind: str | None = None) -> str:
    attached = {"photo": "[图片]", "document": "[文件]"}.get(kind or "", "")
    body = esc(text) if text else ""
    return f"{header(ticket)} 💬 <b>{esc(sender)}</b>:{attached}{body}\n<i>(回复本消息即可答复)</i>"


def info_request(ticket: Ticket, *, sender: str, text: str) -> str:
    return (
        f"{header(ticket)} 📎 <b>{esc(sender)} 请您补充材料</b>:\n{esc(text)}\n"
        "<i>回复本消息发送文字、图片或文件。</i>"
    )


def transfer_for_department(ticket: Ticket, *, sender: str, note: str | None) -> str:
    return (
        f"{header(ticket)} 🔀 <b>转办</b>(来自 {esc(sender)})\n"
        f"类别:{esc(ticket.category)}\n企业:{esc(ticket.enterprise_name)}\n"
        f"诉求:{esc(ticket.description)}\n转办说明:{esc(note or '无')}\n"
        "<i>回复本消息或点「答复专员」,答复将转给专员。</i>"
    )


def for_assignee(ticket: Ticket, what: str) -> str:
    return f"{header(ticket)} {what}"


def reassigned_away(ticket: Ticket) -> str:
    return f"{header(ticket)} 该工单已改派给其他专员,您无需再处理。"


def rated(ticket: Ticket, rating: str, comment: str | None = None) -> str:
    extra = f"\n意见:{esc(comment)}" if comment else ""
    return f"{header(ticket)} ⭐ 企业评价:<b>{esc(rating)}</b>{extra}"


def review_for_admins(ticket: Ticket, card: str) -> str:
    return f"{header(ticket)} ⚠️ <b>企业不满意,请复核</b>\n\n{card.split(chr(10), 1)[1]}"


def reminder(ticket: Ticket, kind: str, due: dt.datetime, tz: ZoneInfo) -> str:
    what = "首次联系企业" if kind == "remind_first" else "办结"
    return f"{header(ticket)} ⏳ 提醒:请在 {_due(due, tz)}{what}。"


def escalation(
    ticket: Ticket, kind: str, due: dt.datetime, tz: ZoneInfo, assignee: str | None
) -> str:
    what = "未在时限内首次联系企业" if kind == "overdue_first" else "未在时限内办结"
    return (
        f"{header(ticket)} 🚨 <b>超时上报</b>:{what}(时限 {_due(due, tz)})\n"
        f"专员:{esc(assignee or '待分派')} · 状态:{esc(ticket.status)}"
    )


def route_after_answer(number: str) -> str:
    return (
        f"您的诉求【{esc(number)}】正在等待您的回复。"
        "如果上面这个问题是要问专员的,请点「发给专员」。"
    )


def route_question(ticket: Ticket) -> str:
    return (
        f"您的诉求【{esc(ticket.number)}】正在等待您的回复。"
        "请问这段话是要发给专员,还是作为政策问题提问?"
    )
