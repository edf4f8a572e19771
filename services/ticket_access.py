"""Who may see a ticket and who may do what with it, in which state.

An enterprise sees only its own tickets, a commissioner those assigned to them or to a
department they are a contact of, a department chat the tickets transferred to it, and
admins everything. Ticket details are shown only in private chats or in the ticket's
department chat. Every decision is made on the stored ticket, never on callback data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from storage import roles, users
from storage.models import UserRole
from storage.models_tickets import Ticket, TicketStatus

S = TicketStatus


class Action(StrEnum):
    ACCEPT = "acc"  # 接单
    TRANSFER = "tr"  # 转办
    REPLY = "rep"  # 回复企业 (commissioner or admin -> enterprise)
    INFO = "info"  # 补充材料请求
    RESOLVE = "done"  # 办结
    RETURN = "ret"  # 退回/改派 (back to the queue)
    TO_DEPARTMENT = "tod"  # commissioner -> department
    DEPT_REPLY = "drep"  # department -> commissioner
    ENT_REPLY = "erep"  # enterprise -> commissioner
    RATE = "rate"
    COMMENT = "cmt"  # optional comment after a rating
    ASSIGN = "asg"  # admin: (re)assign to a commissioner
    BACK = "back"  # admin: a reviewed ticket goes back to its commissioner
    CLOSE = "close"  # admin
    VIEW = "view"
    ATTACHMENTS = "att"


class Party(StrEnum):
    ENTERPRISE = "enterprise"
    ASSIGNEE = "assignee"
    DEPARTMENT = "department"


ACTOR_LABELS = {
    "enterprise": "企业",
    "commissioner": "专员",
    "department": "部门",
    "admin": "管理员",
}
SYSTEM = "系统"

_ACTIVE = frozenset({S.IN_PROGRESS, S.TRANSFERRED})
_NOT_CLOSED = frozenset(S) - {S.CLOSED}
ALLOWED_FROM: dict[Action, frozenset[TicketStatus]] = {
    Action.ACCEPT: frozenset({S.ASSIGNED}),
    Action.TRANSFER: _ACTIVE,
    Action.REPLY: _ACTIVE | {S.RESOLVED, S.REVIEW},
    Action.INFO: _ACTIVE,
    Action.RESOLVE: _ACTIVE,
    Action.RETURN: _ACTIVE | {S.ASSIGNED},
    Action.TO_DEPARTMENT: _ACTIVE,
    Action.DEPT_REPLY: _ACTIVE,
    Action.ENT_REPLY: _NOT_CLOSED,
    Action.RATE: frozenset({S.RESOLVED}),
    Action.COMMENT: frozenset(S),
    Action.ASSIGN: _NOT_CLOSED - {S.RESOLVED},
    Action.BACK: frozenset({S.REVIEW}),
    Action.CLOSE: _NOT_CLOSED,
    Action.VIEW: frozenset(S),
    Action.ATTACHMENTS: frozenset(S),
}
ASSIGNEE_ONLY = frozenset(
    {
        Action.ACCEPT,
        Action.TRANSFER,
        Action.INFO,
        Action.RESOLVE,
        Action.RETURN,
        Action.TO_DEPARTMENT,
    }
)
ADMIN_ONLY = frozenset({Action.ASSIGN, Action.BACK, Action.CLOSE})
ENTERPRISE_ONLY = frozenset({Action.ENT_REPLY, Action.RATE, Action.COMMENT})


class Refused(Exception):
    """An action that is not allowed: ``reason`` is ``forbidden``, ``state`` or ``missing``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    chat_id: int
    is_admin: bool = False
    is_commissioner: bool = False
    department_ids: tuple[int, ...] = ()

    @property
    def private(self) -> bool:
        return self.chat_id == self.user_id


def load_actor(session: Session, *, user_id: int, chat_id: int, admin_ids: Iterable[int]) -> Actor:
    role = users.user_role(session, user_id=user_id)
    commissioner = roles.get_commissioner(session, user_id=user_id)
    return Actor(
        user_id=user_id,
        chat_id=chat_id,
        is_admin=user_id in set(admin_ids) or role is UserRole.ADMIN,
        is_commissioner=role is UserRole.COMMISSIONER
        and commissioner is not None
        and commissioner.active,
        department_ids=tuple(roles.departments_of(session, user_id=user_id, chat_id=chat_id)),
    )


def is_department(ticket: Ticket, actor: Actor) -> bool:
    return ticket.department_id is not None and ticket.department_id in actor.department_ids


def is_assignee(ticket: Ticket, actor: Actor) -> bool:
    return actor.is_commissioner and actor.private and ticket.assignee_id == actor.user_id


def is_enterprise(ticket: Ticket, actor: Actor) -> bool:
    return actor.private and ticket.enterprise_id == actor.user_id


def can_view(ticket: Ticket, actor: Actor) -> bool:
    if is_department(ticket, actor):
        return True
    if not actor.private:
        return False
    return actor.is_admin or is_enterprise(ticket, actor) or is_assignee(ticket, actor)


def viewer_party(ticket: Ticket, actor: Actor) -> str:
    """How the actor sees the ticket: ``enterprise`` hides internal events."""
    if is_enterprise(ticket, actor) and not (actor.is_admin or is_assignee(ticket, actor)):
        return "enterprise"
    return "internal"


def actor_label(ticket: Ticket, actor: Actor) -> str:
    if is_assignee(ticket, actor):
        return ACTOR_LABELS["commissioner"]
    if is_department(ticket, actor) and not actor.private:
        return ACTOR_LABELS["department"]
    if actor.is_admin and actor.private:
        return ACTOR_LABELS["admin"]
    if is_enterprise(ticket, actor):
        return ACTOR_LABELS["enterprise"]
    return ACTOR_LABELS["department"]


def check(action: Action, ticket: Ticket, actor: Actor) -> None:
    """Raise ``Refused`` unless ``actor`` may do ``action`` on ``ticket`` now."""
    if action in ASSIGNEE_ONLY:
        allowed = is_assignee(ticket, actor)
    elif action in ADMIN_ONLY:
        allowed = actor.is_admin and actor.private
    elif action in ENTERPRISE_ONLY:
        allowed = is_enterprise(ticket, actor)
    elif action is Action.REPLY:
        allowed = is_assignee(ticket, actor) or (actor.is_admin and actor.private)
    elif action is Action.DEPT_REPLY:
        allowed = is_department(ticket, actor)
    else:  # VIEW, ATTACHMENTS
        allowed = can_view(ticket, actor)
    if not allowed:
        raise Refused("forbidden")
    if TicketStatus(ticket.status) not in ALLOWED_FROM[action]:
        raise Refused("state")
