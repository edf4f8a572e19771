"""Tables of the service requests: the service map (areas, commissioners,
departments), tickets with their timeline, relay links, SLA alerts and admin actions.

Imported at the end of ``storage.models`` so that Alembic sees the tables.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Date, ForeignKey, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import AwareDateTime, utcnow


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def _json_dict() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def _when(*, nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False))


class TicketStatus(StrEnum):
    QUEUED = "待分派"  # in the default queue, watched by admins
    ASSIGNED = "待接单"  # assigned to a commissioner who has not accepted yet
    IN_PROGRESS = "处理中"
    TRANSFERRED = "转办中"  # handed to a department
    RESOLVED = "已办结"  # waiting for the enterprise's rating
    REVIEW = "复核中"  # rated 不满意: an admin reviews it
    CLOSED = "已关闭"


OPEN_STATUSES = (
    TicketStatus.QUEUED,
    TicketStatus.ASSIGNED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.TRANSFERRED,
    TicketStatus.REVIEW,
)
# what counts against a commissioner's capacity
LOAD_STATUSES = (TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.TRANSFERRED)


class TicketCategory(StrEnum):
    POLICY = "政策咨询"
    FINANCE = "融资对接"
    APPEAL = "诉求转办"
    LEGAL = "法律服务"
    TALENT = "人才"
    OTHER = "其他"


class Rating(StrEnum):
    GOOD = "满意"
    FAIR = "基本满意"
    BAD = "不满意"


class AreaKind(StrEnum):
    DISTRICT = "区"
    PARK = "园区"
    STATION = "服务站"


# ------------------------------------------------------------------ the service map


class ServiceArea(SQLModel, table=True):
    """A district, a park or a service station; ``district`` is the code of the district
    it belongs to (a district's own code for a district)."""

    __tablename__ = "service_area"
    __table_args__ = (UniqueConstraint("code", name="uq_service_area_code"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=10)
    district: str = Field(max_length=40)
    created_at: dt.datetime = _when()


class Commissioner(SQLModel, table=True):
    """An 企业服务专员: the Telegram user, the name shown to enterprises, area, capacity."""

    __tablename__ = "commissioner"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    name: str = Field(max_length=50)
    area_code: str | None = Field(default=None, max_length=40)
    capacity: int = 10
    active: bool = True
    created_at: dt.datetime = _when()


class Department(SQLModel, table=True):
    """A routing target: its Telegram chat (a user or a group) and contact commissioners."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("code", name="uq_department_code"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    area_code: str | None = Field(default=None, max_length=40)
    contacts: list[int] = _json_list()
    created_at: dt.datetime = _when()


# ------------------------------------------------------------------ tickets


class TicketCounter(SQLModel, table=True):
    """The daily sequence of ticket numbers (QY-<day>-<last>)."""

    __tablename__ = "ticket_counter"

    day: dt.date = Field(sa_column=Column(Date, primary_key=True, autoincrement=False))
    last: int = 0


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("number", name="uq_ticket_number"),
        Index("ix_ticket_status_assignee", "status", "assignee_id"),
        Index("ix_ticket_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=24)
    enterprise_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    category: str = Field(max_length=10)
    description: str = Field(sa_column=Column(Text, nullable=False))
    enterprise_name: str = Field(max_length=100)
    area_code: str | None = Field(default=None, max_length=40)
    district_code: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=30)  # personal data: never logged
    policy_entry_id: str | None = Field(default=None, max_length=80)
    share_contact: bool = False  # the enterprise lets the commissioner see its account
    status: str = Field(max_length=10)
    assignee_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    department_id: int | None = None
    sla_cycle: int = 0  # bumped on reassignment/reopening: new deadlines, new alerts
    reopen_count: int = 0
    rating: str | None = Field(default=None, max_length=6)
    rating_comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    first_contact_due: dt.datetime = _when()
    resolve_due: dt.datetime = _when()
    first_contact_at: dt.datetime | None = _when(nullable=True)
    resolved_at: dt.datetime | None = _when(nullable=True)
    closed_at: dt.datetime | None = _when(nullable=True)
    created_at: dt.datetime = _when()
    updated_at: dt.datetime = _when()


class TicketEvent(SQLModel, table=True):
    """The ticket timeline: every action and every relayed message, with who and when.
    ``internal`` events (department exchanges, notes) are not shown to the enterprise."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket", "ticket_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(sa_column=Column(ForeignKey("ticket.id"), nullable=False))
    actor_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    actor_role: str = Field(max_length=10)  # 企业 / 专员 / 部门 / 管理员 / 系统
    kind: str = Field(max_length=20)
    internal: bool = False
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    file_id: str | None = Field(default=None, max_length=200)
    file_kind: str | None = Field(default=None, max_length=10)
    details: dict[str, Any] = _json_dict()
    created_at: dt.datetime = _when()


class TicketLink(SQLModel, table=True):
    """A bot message sent in a ticket's context; a reply to it goes to ``peer``
    (``enterprise``, ``assignee`` or ``department``)."""

    __tablename__ = "ticket_link"
    __table_args__ = (UniqueConstraint("chat_id", "message_id", name="uq_ticket_link_message"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    ticket_id: int = Field(sa_column=Column(ForeignKey("ticket.id"), nullable=False))
    peer: str = Field(max_length=12)
    created_at: dt.datetime = _when()


class TicketAlert(SQLModel, table=True):
    """An SLA reminder or escalation (once per kind and SLA cycle): claimed at
    ``created_at``, sent at ``sent_at``. A claim left unsent (its instance died before
    sending) is claimed again after a lease."""

    __tablename__ = "ticket_alert"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", "cycle", name="uq_ticket_alert_once"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(sa_column=Column(ForeignKey("ticket.id"), nullable=False))
    kind: str = Field(max_length=20)
    cycle: int = 0
    created_at: dt.datetime = _when()
    sent_at: dt.datetime | None = _when(nullable=True)


class AdminAction(SQLModel, table=True):
    """Role grants, area/department/commissioner changes: who (None: the CLI operator)."""

    __tablename__ = "admin_action"
    __table_args__ = (Index("ix_admin_action_created", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    action: str = Field(max_length=30)
    target: str = Field(max_length=100)
    details: dict[str, Any] = _json_dict()
    created_at: dt.datetime = _when()
