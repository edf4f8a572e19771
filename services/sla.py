"""SLA deadlines in working days (Monday to Friday, in the bot's time zone).

A deadline of N working days is the end (24:00) of the N-th working day after the day
of submission: Monday 09:00 + 1 → end of Tuesday; Friday or Saturday + 1 → end of Monday.
0 days means the end of the submission day. Public holidays and make-up working days
(调休) are not known here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session

from storage import tickets as tickets_store
from storage.models_tickets import Ticket, TicketStatus

S = TicketStatus
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5


def add_working_days(start: dt.datetime, days: int, tz: ZoneInfo) -> dt.datetime:
    """The deadline ``days`` working days after ``start`` (aware, in ``tz``)."""
    if start.tzinfo is None:
        raise ValueError("start must be aware")
    day = start.astimezone(tz).date()
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)


def remind_at(due: dt.datetime, hour: int, tz: ZoneInfo) -> dt.datetime:
    """When to remind before ``due``: ``hour`` o'clock on the deadline's last day."""
    last_day = (due.astimezone(tz) - dt.timedelta(microseconds=1)).date()
    return dt.datetime.combine(last_day, dt.time(hour), tzinfo=tz)


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    first_contact_days: int = 1
    resolve_days: int = 3
    remind_hour: int = 9
    tz: ZoneInfo = DEFAULT_TZ

    def first_contact_due(self, start: dt.datetime) -> dt.datetime:
        return add_working_days(start, self.first_contact_days, self.tz)

    def resolve_due(self, start: dt.datetime) -> dt.datetime:
        return add_working_days(start, self.resolve_days, self.tz)

    def remind_at(self, due: dt.datetime) -> dt.datetime:
        return remind_at(due, self.remind_hour, self.tz)


# ------------------------------------------------------------------ due alerts


class AlertKind(StrEnum):
    REMIND_FIRST = "remind_first"  # to the assignee, on the last day for first contact
    REMIND_RESOLVE = "remind_resolve"  # to the assignee, on the last day for resolution
    OVERDUE_FIRST = "overdue_first"  # to admins: no first contact in time
    OVERDUE_RESOLVE = "overdue_resolve"  # to admins: not resolved in time


ESCALATIONS = frozenset({AlertKind.OVERDUE_FIRST, AlertKind.OVERDUE_RESOLVE})
_WORKING = (S.ASSIGNED.value, S.IN_PROGRESS.value, S.TRANSFERRED.value)


@dataclass(frozen=True, slots=True)
class Alert:
    ticket: Ticket
    kind: AlertKind
    due: dt.datetime
    alert_id: int | None = None  # its ticket_alert row: mark it sent once it went out


# a claimed alert not marked sent after this long is sent again (its sender died)
ALERT_LEASE = dt.timedelta(minutes=2)


def _due_kinds(
    ticket: Ticket, now: dt.datetime, policy: SlaPolicy
) -> list[tuple[AlertKind, dt.datetime]]:
    found: list[tuple[AlertKind, dt.datetime]] = []
    waiting = ticket.status in (S.QUEUED.value, S.ASSIGNED.value)
    if ticket.first_contact_at is None and waiting:
        due = ticket.first_contact_due
        if now >= due:
            found.append((AlertKind.OVERDUE_FIRST, due))
        elif ticket.assignee_id is not None and now >= policy.remind_at(due):
            found.append((AlertKind.REMIND_FIRST, due))
    if ticket.resolved_at is None and (waiting or ticket.status in _WORKING):
        due = ticket.resolve_due
        if now >= due:
            found.append((AlertKind.OVERDUE_RESOLVE, due))
        elif ticket.assignee_id is not None and now >= policy.remind_at(due):
            found.append((AlertKind.REMIND_RESOLVE, due))
    return found


def claim_due_alerts(
    session: Session, *, now: dt.datetime, policy: SlaPolicy, lease: dt.timedelta = ALERT_LEASE
) -> list[Alert]:
    """The reminders and escalations due now that were not sent yet in the ticket's SLA
    cycle; each is recorded (``ticket_alert`` and the timeline) before it is returned, so
    it is sent once even with several instances or after a restart. The caller marks
    each sent (:func:`mark_sent`); one claimed more than ``lease`` ago and never marked
    (its instance died in between) is returned again while it is still due."""
    alerts = _reclaimed(session, now=now, policy=policy, lease=lease)
    for ticket in tickets_store.open_tickets(session):
        assert ticket.id is not None
        for kind, due in _due_kinds(ticket, now, policy):
            claimed = tickets_store.claim_alert(
                session, ticket_id=ticket.id, kind=kind.value, cycle=ticket.sla_cycle, at=now
            )
            if claimed is None:
                continue
            tickets_store.add_event(
                session,
                ticket_id=ticket.id,
                actor_id=None,
                actor_role="系统",
                kind="escalated" if kind in ESCALATIONS else "reminder",
                at=now,
                internal=True,
                details={"alert": kind.value},
            )
            alerts.append(Alert(ticket, kind, due, claimed.id))
    return alerts


def _reclaimed(
    session: Session, *, now: dt.datetime, policy: SlaPolicy, lease: dt.timedelta
) -> list[Alert]:
    found: list[Alert] = []
    for row in tickets_store.reclaim_unsent_alerts(session, claimed_before=now - lease, at=now):
        ticket = tickets_store.get_ticket(session, ticket_id=row.ticket_id)
        due_now = dict(_due_kinds(ticket, now, policy)) if ticket is not None else {}
        kind = AlertKind(row.kind)
        if ticket is None or row.cycle != ticket.sla_cycle or kind not in due_now:
            row.sent_at = now  # no longer due (handled, reassigned, or the next stage)
            session.add(row)
            continue
        found.append(Alert(ticket, kind, due_now[kind], row.id))
    return found


def mark_sent(session: Session, *, alerts: list[Alert], now: dt.datetime) -> None:
    for alert in alerts:
        if alert.alert_id is not None:
            tickets_store.mark_alert_sent(session, alert_id=alert.alert_id, at=now)
