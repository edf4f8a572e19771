"""The monthly report on a seeded dataset, figure by figure (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from services import roles as role_service
from services.report import month_bounds, monthly_report, report_csv, report_lines
from services.sla import SlaPolicy
from storage import tickets as store
from storage.db import session_scope
from storage.models_tickets import Ticket

TZ = ZoneInfo("Asia/Shanghai")
MAP = Path(__file__).resolve().parents[2] / "docs" / "service-map.example.yaml"
POLICY = SlaPolicy(tz=TZ)
A, B = 10002, 10005  # 示例专员甲 (demo-park), 示例专员乙 (demo-district)


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def seeded(engine: Engine) -> None:
    with session_scope(engine) as session:
        role_service.load_service_map(session, role_service.read_service_map(MAP))
        rows = [
            # (created, category, area, district, assignee, status, contact, resolved, rating)
            (
                at(11, 2, 10),
                "融资对接",
                "demo-park",
                "demo-district",
                A,
                "已关闭",
                at(11, 2, 15),
                at(11, 4, 10),
                "满意",
            ),
            (
                at(11, 9, 10),
                "政策咨询",
                "demo-district",
                "demo-district",
                B,
                "复核中",
                at(11, 11, 9),
                at(11, 16, 10),
                "不满意",
            ),
            (at(11, 20, 10), "法律服务", None, None, None, "待分派", None, None, None),
            (at(11, 30, 9), "人才", "demo-park", "demo-district", A, "待接单", None, None, None),
            # 10-31 23:30 and 12-01 00:10 in Shanghai: not November (UTC dates differ)
            (at(10, 31, 23, 30), "其他", None, None, None, "待分派", None, None, None),
            (at(12, 1, 0, 10), "其他", None, None, None, "待分派", None, None, None),
        ]
        for n, (
            created,
            category,
            area,
            district,
            assignee,
            status,
            contact,
            resolved,
            rating,
        ) in enumerate(rows, 1):
            store.add_ticket(
                session,
                Ticket(
                    number=f"QY-TEST-{n:04d}",
                    enterprise_id=100 + n,
                    category=category,
                    description="-",
                    enterprise_name=f"企业{n}",
                    area_code=area,
                    district_code=district,
                    status=status,
                    assignee_id=assignee,
                    first_contact_due=POLICY.first_contact_due(created),
                    resolve_due=POLICY.resolve_due(created),
                    first_contact_at=contact,
                    resolved_at=resolved,
                    rating=rating,
                    created_at=created,
                    updated_at=created,
                ),
            )


def test_month_bounds() -> None:
    assert month_bounds("2026-12", TZ) == (at(12, 1, 0), dt.datetime(2027, 1, 1, tzinfo=TZ))
    for bad in ("2026-13", "2026-1", "26-11", "november"):
        with pytest.raises(ValueError):
            month_bounds(bad, TZ)


def test_monthly_report_figures(engine: Engine) -> None:
    seeded(engine)
    with session_scope(engine) as session:
        report = monthly_report(session, month="2026-11", tz=TZ, now=at(11, 30, 12))
    assert report.total == 4
    assert report.by_status == {"已关闭": 1, "复核中": 1, "待分派": 1, "待接单": 1}
    assert report.by_category == {"融资对接": 1, "政策咨询": 1, "法律服务": 1, "人才": 1}
    assert report.by_district == {"示例区": 3, "未填写": 1}
    assert report.by_commissioner == {"示例专员甲": 2, "示例专员乙": 1, "未分派": 1}
    # first contact: #1 met; #2 late; #3 never (due end of Mon 11-23); #4 still in time
    assert (report.first_contact.met, report.first_contact.missed) == (1, 2)
    assert report.first_contact.pending == 1
    assert report.first_contact.share == pytest.approx(1 / 3)
    # resolution: #1 in time (48 h), #2 late (168 h), #3 overdue, #4 still in time
    assert (report.resolution.met, report.resolution.missed, report.resolution.pending) == (1, 2, 1)
    assert report.median_hours_to_resolve == pytest.approx(108.0)
    assert report.satisfaction == {"满意": 1, "基本满意": 0, "不满意": 1, "未评价": 0}
    lines = report_lines(report)
    assert lines[1] == "工单总数:4"
    assert "首次联系时限达标率:33%(达标 1,超时 2,未到期 1)" in lines
    assert "办结用时中位数:108.0 小时" in lines
    rows = list(csv.reader(io.StringIO(report_csv(report))))
    assert rows[0] == ["section", "key", "value"]
    assert ["sla", "resolution_share", "0.3333"] in rows
    assert ["district", "示例区", "3"] in rows and ["commissioner", "未分派", "1"] in rows
    with session_scope(engine) as session:
        december = monthly_report(session, month="2026-12", tz=TZ, now=at(12, 2, 0))
    assert december.total == 1 and december.median_hours_to_resolve is None
