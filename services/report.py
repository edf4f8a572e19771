"""The monthly report of service requests: tickets created in the month (bot time zone).

SLA shares count only tickets whose outcome is known: met (in time), missed (late, or
still not done after the deadline); tickets still within their deadline are pending.
The time to close is the time from submission to 办结 (resolution).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session

from storage import roles
from storage import tickets as store
from storage.models_tickets import Rating, Ticket, TicketStatus

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
NOT_RATED = "未评价"
UNASSIGNED = "未分派"
UNKNOWN_DISTRICT = "未填写"


@dataclass(frozen=True, slots=True)
class SlaShare:
    met: int
    missed: int
    pending: int

    @property
    def share(self) -> float | None:
        decided = self.met + self.missed
        return self.met / decided if decided else None


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    month: str
    total: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_district: dict[str, int]
    by_commissioner: dict[str, int]
    first_contact: SlaShare
    resolution: SlaShare
    median_hours_to_resolve: float | None
    satisfaction: dict[str, int]


def month_bounds(month: str, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of ``YYYY-MM`` in ``tz``; ValueError for anything else."""
    match = _MONTH.match(month.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError("month must be YYYY-MM")
    year, number = int(match.group(1)), int(match.group(2))
    start = dt.datetime(year, number, 1, tzinfo=tz)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz)
    return start, end


def _share(pairs: list[tuple[dt.datetime | None, dt.datetime, bool]], now: dt.datetime) -> SlaShare:
    met = missed = pending = 0
    for done_at, due, counted in pairs:
        if not counted:
            continue
        if done_at is not None:
            met, missed = (met + 1, missed) if done_at <= due else (met, missed + 1)
        elif now >= due:
            missed += 1
        else:
            pending += 1
    return SlaShare(met, missed, pending)


def build_report(
    tickets: list[Ticket],
    *,
    month: str,
    now: dt.datetime,
    district_names: dict[str, str],
    commissioner_names: dict[int, str],
) -> MonthlyReport:
    closed = TicketStatus.CLOSED.value
    first = _share([(t.first_contact_at, t.first_contact_due, True) for t in tickets], now)
    resolution = _share(
        [
            (t.resolved_at, t.resolve_due, t.resolved_at is not None or t.status != closed)
            for t in tickets
        ],
        now,
    )
    hours = [
        (t.resolved_at - t.created_at).total_seconds() / 3600 for t in tickets if t.resolved_at
    ]
    ratings = Counter(t.rating or NOT_RATED for t in tickets if t.resolved_at or t.rating)
    return MonthlyReport(
        month=month,
        total=len(tickets),
        by_status=dict(Counter(t.status for t in tickets)),
        by_category=dict(Counter(t.category for t in tickets)),
        by_district=dict(
            Counter(
                district_names.get(t.district_code, t.district_code)
                if t.district_code
                else UNKNOWN_DISTRICT
                for t in tickets
            )
        ),
        by_commissioner=dict(
            Counter(
                commissioner_names.get(t.assignee_id, str(t.assignee_id))
                if t.assignee_id
                else UNASSIGNED
                for t in tickets
            )
        ),
        first_contact=first,
        resolution=resolution,
        median_hours_to_resolve=statistics.median(hours) if hours else None,
        satisfaction={r: ratings.get(r, 0) for r in [*(x.value for x in Rating), NOT_RATED]},
    )


def monthly_report(
    session: Session, *, month: str, tz: ZoneInfo, now: dt.datetime
) -> MonthlyReport:
    start, end = month_bounds(month, tz)
    tickets = store.tickets_created_between(session, start=start, end=end)
    districts = {a.code: a.name for a in roles.list_areas(session)}
    names = {c.user_id: c.name for c in roles.list_commissioners(session, active_only=False)}
    return build_report(
        tickets, month=month, now=now, district_names=districts, commissioner_names=names
    )


def _pct(share: SlaShare) -> str:
    value = share.share
    text = "-" if value is None else f"{value:.0%}"
    return f"{text}(达标 {share.met},超时 {share.missed},未到期 {share.pending})"


def report_lines(report: MonthlyReport) -> list[str]:
    """The report as plain text lines (the CLI prints them, the bot wraps them)."""
    median = report.median_hours_to_resolve
    lines = [
        f"{report.month} 企业诉求月报",
        f"工单总数:{report.total}",
        f"首次联系时限达标率:{_pct(report.first_contact)}",
        f"办结时限达标率:{_pct(report.resolution)}",
        f"办结用时中位数:{'-' if median is None else f'{median:.1f} 小时'}",
    ]
    for title, counts in _sections(report):
        items = ",".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
        lines.append(f"{title}:{items or '-'}")
    return lines


def _sections(report: MonthlyReport) -> list[tuple[str, dict[str, int]]]:
    return [
        ("按状态", report.by_status),
        ("按类别", report.by_category),
        ("按区", report.by_district),
        ("按专员", report.by_commissioner),
        ("满意度", report.satisfaction),
    ]


def report_csv(report: MonthlyReport) -> str:
    """``section,key,value`` rows (shares as fractions with 4 decimals)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "key", "value"])
    writer.writerow(["summary", "month", report.month])
    writer.writerow(["summary", "total", report.total])
    for name, share in (("first_contact", report.first_contact), ("resolution", report.resolution)):
        value = share.share
        writer.writerow(["sla", f"{name}_met", share.met])
        writer.writerow(["sla", f"{name}_missed", share.missed])
        writer.writerow(["sla", f"{name}_pending", share.pending])
        writer.writerow(["sla", f"{name}_share", "" if value is None else f"{value:.4f}"])
    median = report.median_hours_to_resolve
    writer.writerow(
        ["summary", "median_hours_to_resolve", "" if median is None else f"{median:.2f}"]
    )
    keys = ("status", "category", "district", "commissioner", "satisfaction")
    for key, (_, counts) in zip(keys, _sections(report), strict=True):
        for name, count in sorted(counts.items()):
            writer.writerow([key, name, count])
    return buffer.getvalue()
