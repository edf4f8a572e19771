"""services/tickets.py, ticket_access.py, roles.py and sla.py on SQLite and PostgreSQL:
numbering under concurrency, routing, the state machine, access, roles, SLA alerts."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from services import roles as role_service
from services.sla import (
    AlertKind,
    SlaPolicy,
    add_working_days,
    claim_due_alerts,
    mark_sent,
)
from services.ticket_access import Action, Actor, Refused, check
from services.tickets import (
    Draft,
    ProfileHint,
    act,
    create_ticket,
    normalize_phone,
    profile_hint,
)
from storage import roles
from storage import tickets as store
from storage.db import session_scope
from storage.models import UserRole

TZ = ZoneInfo("Asia/Shanghai")
POLICY = SlaPolicy(tz=TZ)
MAP = Path(__file__).resolve().parents[2] / "docs" / "service-map.example.yaml"
# Wednesday 2026-11-25 10:00 in Shanghai
WED = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
ENTERPRISE, A, B, C, ADMIN = 501, 10002, 10005, 10006, 900


def seed(engine: Engine) -> None:
    with session_scope(engine) as session:
        role_service.load_service_map(session, role_service.read_service_map(MAP))


def draft(area: str | None = "demo-park", **changes: object) -> Draft:
    values: dict[str, object] = {
        "category": "融资对接",
        "description": "想了解贷款贴息",
        "enterprise_name": "某某科技有限公司",
        "area_code": area,
        **changes,
    }
    return Draft(**values)  # type: ignore[arg-type]


def new_ticket(engine: Engine, *, area: str | None = "demo-park", now: dt.datetime = WED) -> int:
    with session_scope(engine) as session:
        change = create_ticket(
            session, draft=draft(area), enterprise_id=ENTERPRISE, now=now, policy=POLICY
        )
        assert change.ticket.id is not None
        return change.ticket.id


def commissioner(uid: int) -> Actor:
    return Actor(user_id=uid, chat_id=uid, is_commissioner=True)


def test_working_days() -> None:
    friday = dt.datetime(2026, 11, 27, 15, 0, tzinfo=TZ)
    saturday = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
    assert add_working_days(WED, 1, TZ) == dt.datetime(2026, 11, 27, 0, 0, tzinfo=TZ)
    assert add_working_days(friday, 1, TZ) == dt.datetime(2026, 12, 1, 0, 0, tzinfo=TZ)
    assert add_working_days(saturday, 1, TZ) == dt.datetime(2026, 12, 1, 0, 0, tzinfo=TZ)
    assert add_working_days(WED, 3, TZ) == dt.datetime(2026, 12, 1, 0, 0, tzinfo=TZ)
    assert add_working_days(WED, 0, TZ) == dt.datetime(2026, 11, 26, 0, 0, tzinfo=TZ)
    with pytest.raises(ValueError):
        add_working_days(WED.replace(tzinfo=None), 1, TZ)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("027-87654321", "027-87654321"),
        ("(0755)22345678", "0755-22345678"),
        ("010 6512 3456", "010-65123456"),
        ("12800138000", None),
        ("1380013800", None),
        ("87654321", None),
        ("abc", None),
    ],
)
def test_phone_numbers(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_numbers_are_daily_and_unique_under_concurrency(engine: Engine) -> None:
    seed(engine)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            with session_scope(engine) as session:
                change = create_ticket(
                    session, draft=draft(), enterprise_id=ENTERPRISE, now=WED, policy=POLICY
                )
                numbers.append(change.ticket.number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(numbers) == [f"QY-20261125-{n:04d}" for n in range(1, 9)]
    late = WED.replace(hour=23, minute=30)  # 15:30 UTC: still the 25th in Shanghai
    with session_scope(engine) as session:
        change = create_ticket(
            session, draft=draft(), enterprise_id=ENTERPRISE, now=late, policy=POLICY
        )
        assert change.ticket.number == "QY-20261125-0009"
        nxt = create_ticket(
            session,
            draft=draft(),
            enterprise_id=ENTERPRISE,
            now=late + dt.timedelta(hours=1),
            policy=POLICY,
        )
        assert nxt.ticket.number == "QY-20261126-0001"


def test_routing_area_then_least_loaded_of_district_then_queue(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:  # a third commissioner in the district
        role_service.grant(
            session,
            actor_id=None,
            user_id=C,
            role=UserRole.COMMISSIONER,
            area_code="demo-station",
            capacity=1,
        )
        roles.upsert_commissioner(session, user_id=A, capacity=1)
    first = new_ticket(engine)  # the park's commissioner A
    second = new_ticket(engine)  # A is full (capacity 1): least loaded of the district
    third = new_ticket(engine)  # B has 1/5, C 0/1: C (ratio 0)
    fourth = new_ticket(engine)  # only B has room
    with session_scope(engine) as session:
        assignees = [
            store.get_ticket(session, ticket_id=t).assignee_id  # type: ignore[union-attr]
            for t in (first, second, third, fourth)
        ]
    assert assignees == [A, B, C, B]
    unknown = new_ticket(engine, area=None)
    with session_scope(engine) as session:
        ticket = store.get_ticket(session, ticket_id=unknown)
        assert ticket is not None and ticket.assignee_id is None and ticket.status == "待分派"
        assert [t.id for t in store.queue_tickets(session)] == [unknown]


def test_lifecycle_state_machine_and_access(engine: Engine) -> None:
    seed(engine)
    tid = new_ticket(engine)
    owner = Actor(user_id=ENTERPRISE, chat_id=ENTERPRISE)
    other = Actor(user_id=777, chat_id=777)
    admin = Actor(user_id=ADMIN, chat_id=ADMIN, is_admin=True)

    def do(action: Action, actor: Actor, **kw: Any) -> str:
        with session_scope(engine) as session:
            return act(
                session, ticket_id=tid, action=action, actor=actor, now=WED, policy=POLICY, **kw
            ).ticket.status

    for action in (Action.ACCEPT, Action.RESOLVE, Action.TRANSFER):
        for stranger in (other, owner, commissioner(B), admin):
            with pytest.raises(Refused) as refused:
                do(action, stranger)
            assert refused.value.reason == "forbidden"
    with pytest.raises(Refused) as refused:
        do(Action.RESOLVE, commissioner(A))
    assert refused.value.reason == "state"  # not accepted yet
    assert do(Action.ACCEPT, commissioner(A)) == "处理中"
    with session_scope(engine) as session:
        dept = roles.get_department_by_code(session, code="demo-sme-center")
        assert dept is not None and dept.id is not None
        dept_id, dept_chat = dept.id, dept.chat_id
    assert do(Action.TRANSFER, commissioner(A), department_id=dept_id, text="请协助") == "转办中"
    department = Actor(user_id=42, chat_id=dept_chat, department_ids=(dept_id,))
    assert do(Action.DEPT_REPLY, department, text="已核实") == "处理中"
    assert do(Action.REPLY, commissioner(A), text="您好") == "处理中"
    assert do(Action.ENT_REPLY, owner, text="谢谢") == "处理中"
    with pytest.raises(Refused):
        do(Action.ENT_REPLY, Actor(user_id=ENTERPRISE, chat_id=-100))  # not in private
    assert do(Action.RESOLVE, commissioner(A), text="已办结") == "已办结"
    with pytest.raises(Refused):
        do(Action.RATE, other, rating="满意")
    assert do(Action.RATE, owner, rating="不满意") == "复核中"
    with pytest.raises(Refused):
        do(Action.BACK, commissioner(A))
    assert do(Action.ASSIGN, admin, assignee_id=B) == "待接单"
    with pytest.raises(Refused):
        do(Action.ACCEPT, commissioner(A))  # no longer theirs
    assert do(Action.ACCEPT, commissioner(B)) == "处理中"
    assert do(Action.RESOLVE, commissioner(B), text="再次办结") == "已办结"
    assert do(Action.RATE, owner, rating="满意") == "已关闭"
    with session_scope(engine) as session:
        ticket = store.get_ticket(session, ticket_id=tid)
        assert ticket is not None and ticket.sla_cycle == 1 and ticket.reopen_count == 1
        public = store.events(session, ticket_id=tid, include_internal=False)
        everything = store.events(session, ticket_id=tid, include_internal=True)
    assert len(everything) > len(public)
    assert not any(e.text == "已核实" for e in public)  # department exchange is internal
    assert any(e.text == "已核实" and e.actor_role == "部门" for e in everything)


def test_check_refuses_forged_actions_on_foreign_tickets(engine: Engine) -> None:
    seed(engine)
    tid = new_ticket(engine)
    with session_scope(engine) as session:
        ticket = store.get_ticket(session, ticket_id=tid)
    assert ticket is not None
    for action in Action:
        with pytest.raises(Refused):
            check(action, ticket, Actor(user_id=777, chat_id=777))


def test_nobody_grants_themselves_a_role(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        with pytest.raises(role_service.RoleError):
            role_service.grant(session, actor_id=7, user_id=7, role=UserRole.ADMIN)
        with pytest.raises(role_service.RoleError):
            role_service.revoke(session, actor_id=A, user_id=A)
        role_service.grant(session, actor_id=ADMIN, user_id=7, role=UserRole.ADMIN)
        assert role_service.revoke(session, actor_id=ADMIN, user_id=7) is True
        assert role_service.revoke(session, actor_id=ADMIN, user_id=7) is False
        actions = [(a.actor_id, a.action, a.target) for a in roles.admin_actions(session)]
    assert actions[:2] == [(ADMIN, "revoke", "7"), (ADMIN, "grant", "7")]


def test_service_map_errors_leave_nothing(engine: Engine) -> None:
    bad = {"areas": [{"code": "x y", "name": "坏编码"}]}
    with pytest.raises(role_service.RoleError), session_scope(engine) as session:
        role_service.load_service_map(session, bad)
    with session_scope(engine) as session:
        assert roles.list_areas(session) == []
        with pytest.raises(role_service.RoleError):
            role_service.load_service_map(session, {"departments": [{"code": "d", "name": "n"}]})


def test_sla_alerts_are_sent_once_per_cycle(engine: Engine) -> None:
    seed(engine)
    tid = new_ticket(engine)  # Wednesday 10:00: first contact due end of Thursday

    def due(at: dt.datetime) -> list[tuple[int, AlertKind]]:
        with session_scope(engine) as session:
            alerts = claim_due_alerts(session, now=at, policy=POLICY)
            mark_sent(session, alerts=alerts, now=at)  # as tickets:sla does once sent
            return [(a.ticket.id or 0, a.kind) for a in alerts]

    assert due(WED.replace(hour=18)) == []
    thursday_morning = dt.datetime(2026, 11, 26, 9, 30, tzinfo=TZ)
    assert due(thursday_morning) == [(tid, AlertKind.REMIND_FIRST)]
    assert due(thursday_morning) == []  # once
    friday = dt.datetime(2026, 11, 27, 8, 0, tzinfo=TZ)
    assert due(friday) == [(tid, AlertKind.OVERDUE_FIRST)]
    assert due(friday + dt.timedelta(hours=1)) == []
    monday = dt.datetime(2026, 11, 30, 9, 0, tzinfo=TZ)  # resolution due end of Monday
    assert due(monday) == [(tid, AlertKind.REMIND_RESOLVE)]
    tuesday = dt.datetime(2026, 12, 1, 0, 1, tzinfo=TZ)
    assert due(tuesday) == [(tid, AlertKind.OVERDUE_RESOLVE)]
    admin = Actor(user_id=ADMIN, chat_id=ADMIN, is_admin=True)
    with session_scope(engine) as session:  # reassignment: a new cycle, alerted again
        act(
            session,
            ticket_id=tid,
            action=Action.ASSIGN,
            actor=admin,
            now=tuesday,
            policy=POLICY,
            assignee_id=B,
        )
    assert due(tuesday) == [(tid, AlertKind.OVERDUE_FIRST), (tid, AlertKind.OVERDUE_RESOLVE)]
    with session_scope(engine) as session:
        events = store.events(session, ticket_id=tid, include_internal=True)
        assert [e.kind for e in events].count("escalated") == 4
        assert store.events(session, ticket_id=tid, include_internal=False)[-1].kind != "reminder"


def test_profile_hint_from_profile_then_last_ticket(engine: Engine) -> None:
    from storage import profiles

    seed(engine)
    with session_scope(engine) as session:
        assert profile_hint(session, user_id=ENTERPRISE) is None
        profiles.set_name(session, user_id=ENTERPRISE, name="档案里的公司")
        profiles.update_facts(session, user_id=ENTERPRISE, facts={"district": "示例区"})
        assert profile_hint(session, user_id=ENTERPRISE) == ProfileHint(
            "档案里的公司", "demo-district"
        )
        profiles.update_facts(session, user_id=ENTERPRISE, facts={"district": None})
    new_ticket(engine, area="demo-park")
    with session_scope(engine) as session:  # the area comes from the last ticket
        assert profile_hint(session, user_id=ENTERPRISE) == ProfileHint("档案里的公司", "demo-park")


def test_an_alert_claimed_by_an_instance_that_died_is_sent_again(engine: Engine) -> None:
    """Claimed, never marked sent (the instance died before sending): after the lease
    it is returned once more, while still due; once marked it is never returned again."""
    seed(engine)
    tid = new_ticket(engine)
    thursday = dt.datetime(2026, 11, 26, 9, 30, tzinfo=TZ)

    def claim(at: dt.datetime, *, send: bool) -> list[AlertKind]:
        with session_scope(engine) as session:
            alerts = claim_due_alerts(session, now=at, policy=POLICY)
            if send:
                mark_sent(session, alerts=alerts, now=at)
            return [a.kind for a in alerts if a.ticket.id == tid]

    assert claim(thursday, send=False) == [AlertKind.REMIND_FIRST]  # then the crash
    assert claim(thursday + dt.timedelta(minutes=1), send=True) == []  # lease not over
    assert claim(thursday + dt.timedelta(minutes=3), send=True) == [AlertKind.REMIND_FIRST]
    assert claim(thursday + dt.timedelta(minutes=6), send=True) == []
    with session_scope(engine) as session:
        [alert] = store.alerts_of(session, ticket_id=tid)
        assert alert.sent_at is not None
        events = store.events(session, ticket_id=tid, include_internal=True)
        assert [e.kind for e in events].count("reminder") == 1  # one timeline entry


def test_an_unsent_alert_that_is_no_longer_due_is_dropped(engine: Engine) -> None:
    seed(engine)
    tid = new_ticket(engine)
    thursday = dt.datetime(2026, 11, 26, 9, 30, tzinfo=TZ)
    friday = dt.datetime(2026, 11, 27, 8, 0, tzinfo=TZ)
    with session_scope(engine) as session:
        claim_due_alerts(session, now=thursday, policy=POLICY)  # never sent
    with session_scope(engine) as session:  # Friday: the reminder is stale, escalate
        alerts = claim_due_alerts(session, now=friday, policy=POLICY)
        assert [(a.ticket.id, a.kind) for a in alerts] == [(tid, AlertKind.OVERDUE_FIRST)]
        [stale] = [a for a in store.alerts_of(session, ticket_id=tid) if a.kind == "remind_first"]
        assert stale.sent_at is not None  # settled, never re-examined
