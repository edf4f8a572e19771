"""Data access for tickets, their timeline, relay links and SLA alerts.
Keyword-only functions; callers own the session (and so the transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models_tickets import (
    LOAD_STATUSES,
    OPEN_STATUSES,
    Commissioner,
    Ticket,
    TicketAlert,
    TicketCounter,
    TicketEvent,
    TicketLink,
    TicketStatus,
)


def next_sequence(session: Session, *, day: dt.date) -> int:
    """The next number of ``day``'s sequence, unique under concurrency.

    The first statement writes (insert-if-missing, then increment), so the row is locked
    (PostgreSQL) or the database is (SQLite) until the transaction ends."""
    values = {"day": day, "last": 0}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(TicketCounter).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(TicketCounter).values(values).on_conflict_do_nothing())
    session.execute(
        update(TicketCounter)
        .where(col(TicketCounter.day) == day)
        .values(last=col(TicketCounter.last) + 1)
    )
    last = session.execute(select(TicketCounter.last).where(col(TicketCounter.day) == day))
    return int(last.scalar_one())


def ticket_number(day: dt.date, sequence: int) -> str:
    return f"QY-{day:%Y%m%d}-{sequence:04d}"


def add_ticket(session: Session, ticket: Ticket) -> Ticket:
    session.add(ticket)
    session.flush()
    return ticket


def get_ticket(session: Session, *, ticket_id: int, lock: bool = False) -> Ticket | None:
    """The ticket; ``lock`` takes a row lock (PostgreSQL) for a state transition."""
    stmt = select(Ticket).where(Ticket.id == ticket_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def get_ticket_by_number(session: Session, *, number: str) -> Ticket | None:
    return session.exec(select(Ticket).where(Ticket.number == number.upper())).first()


def tickets_of_enterprise(session: Session, *, enterprise_id: int, limit: int = 20) -> list[Ticket]:
    stmt = (
        select(Ticket)
        .where(Ticket.enterprise_id == enterprise_id)
        .order_by(col(Ticket.id).desc())
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def last_ticket_of(session: Session, *, enterprise_id: int) -> Ticket | None:
    found = tickets_of_enterprise(session, enterprise_id=enterprise_id, limit=1)
    return found[0] if found else None


def open_tickets(
    session: Session,
    *,
    assignee_id: int | None = None,
    department_ids: Sequence[int] = (),
    statuses: Sequence[TicketStatus] = OPEN_STATUSES,
) -> list[Ticket]:
    """Open tickets; with ``assignee_id``/``department_ids``, those of that person (either)."""
    stmt = select(Ticket).where(col(Ticket.status).in_([s.value for s in statuses]))
    if assignee_id is not None or department_ids:
        mine = col(Ticket.assignee_id) == assignee_id
        if department_ids:
            mine = mine | col(Ticket.department_id).in_(list(department_ids))
        stmt = stmt.where(mine)
    return list(session.exec(stmt.order_by(col(Ticket.id))).all())


def queue_tickets(session: Session) -> list[Ticket]:
    """What admins watch: the default queue, tickets under review, and tickets whose
    commissioner is no longer active."""
    inactive = select(Commissioner.user_id).where(col(Commissioner.active).is_(False))
    stmt = select(Ticket).where(
        col(Ticket.status).in_([TicketStatus.QUEUED.value, TicketStatus.REVIEW.value])
        | (
            col(Ticket.status).in_([s.value for s in LOAD_STATUSES])
            & col(Ticket.assignee_id).in_(inactive)
        )
    )
    return list(session.exec(stmt.order_by(col(Ticket.id))).all())


def open_load(session: Session) -> dict[int, int]:
    """Open tickets (those that count against capacity) per commissioner."""
    stmt = (
        select(Ticket.assignee_id, func.count())
        .where(col(Ticket.status).in_([s.value for s in LOAD_STATUSES]))
        .where(col(Ticket.assignee_id).is_not(None))
        .group_by(col(Ticket.assignee_id))
    )
    return {int(uid): int(n) for uid, n in session.exec(stmt).all() if uid is not None}


def tickets_created_between(
    session: Session, *, start: dt.datetime, end: dt.datetime
) -> list[Ticket]:
    stmt = (
        select(Ticket)
        .where(col(Ticket.created_at) >= start, col(Ticket.created_at) < end)
        .order_by(col(Ticket.id))
    )
    return list(session.exec(stmt).all())


# ------------------------------------------------------------------ timeline


def add_event(
    session: Session,
    *,
    ticket_id: int,
    actor_id: int | None,
    actor_role: str,
    kind: str,
    at: dt.datetime,
    internal: bool = False,
    text: str | None = None,
    file_id: str | None = None,
    file_kind: str | None = None,
    details: dict[str, Any] | None = None,
) -> TicketEvent:
    row = TicketEvent(
        ticket_id=ticket_id,
        actor_id=actor_id,
        actor_role=actor_role,
        kind=kind,
        internal=internal,
        text=text,
        file_id=file_id,
        file_kind=file_kind,
        details=details or {},
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


def events(session: Session, *, ticket_id: int, include_internal: bool) -> list[TicketEvent]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    if not include_internal:
        stmt = stmt.where(col(TicketEvent.internal).is_(False))
    return list(session.exec(stmt.order_by(col(TicketEvent.id))).all())


def attachments(session: Session, *, ticket_id: int, include_internal: bool) -> list[TicketEvent]:
    return [
        e
        for e in events(session, ticket_id=ticket_id, include_internal=include_internal)
        if e.file_id
    ]


# ------------------------------------------------------------------ relay links


def add_link(session: Session, *, chat_id: int, message_id: int, ticket_id: int, peer: str) -> None:
    try:
        with session.begin_nested():
            session.add(
                TicketLink(chat_id=chat_id, message_id=message_id, ticket_id=ticket_id, peer=peer)
            )
    except IntegrityError:  # the same message linked twice: keep the first
        pass


def find_link(session: Session, *, chat_id: int, message_id: int) -> TicketLink | None:
    stmt = select(TicketLink).where(
        TicketLink.chat_id == chat_id, TicketLink.message_id == message_id
    )
    return session.exec(stmt).first()


# ------------------------------------------------------------------ SLA alerts


def claim_alert(
    session: Session, *, ticket_id: int, kind: str, cycle: int, at: dt.datetime
) -> TicketAlert | None:
    """Record that an alert is being sent; None when it was claimed already (once only)."""
    alert = TicketAlert(ticket_id=ticket_id, kind=kind, cycle=cycle, created_at=at)
    try:
        with session.begin_nested():
            session.add(alert)
        return alert
    except IntegrityError:
        return None


def reclaim_unsent_alerts(
    session: Session, *, claimed_before: dt.datetime, at: dt.datetime
) -> list[TicketAlert]:
    """Alerts claimed before ``claimed_before`` and never marked sent (the instance that
    claimed them died), claimed again at ``at``; rows another transaction holds are
    skipped."""
    stmt = (
        select(TicketAlert)
        .where(col(TicketAlert.sent_at).is_(None), col(TicketAlert.created_at) < claimed_before)
        .order_by(col(TicketAlert.id))
        .with_for_update(skip_locked=True)
    )
    rows = list(session.exec(stmt).all())
    for row in rows:
        row.created_at = at
        session.add(row)
    session.flush()
    return rows


def mark_alert_sent(session: Session, *, alert_id: int, at: dt.datetime) -> None:
    row = session.get(TicketAlert, alert_id)
    if row is not None:
        row.sent_at = at
        session.add(row)


def alerts_of(session: Session, *, ticket_id: int) -> list[TicketAlert]:
    stmt = select(TicketAlert).where(TicketAlert.ticket_id == ticket_id)
    return list(session.exec(stmt.order_by(col(TicketAlert.id))).all())
