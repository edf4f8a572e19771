"""The right of access (`policybot users export`) and the retention of closed
tickets' personal fields (`privacy:retention`), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bot.cli import app as cli
from services import privacy
from services.sla import SlaPolicy
from services.tickets import Draft, create_ticket
from storage import profiles, users
from storage.db import session_scope
from storage.models import QuestionLog, UserRole
from storage.models_tickets import Ticket, TicketStatus

TZ = ZoneInfo("Asia/Shanghai")
USER = 5_550_001
OTHER = 5_550_002
PHONE = "13800138000"


def _ticket(engine: Engine, user_id: int, name: str) -> int:
    with session_scope(engine) as session:
        draft = Draft(
            category="其他", description=f"{name}的诉求", enterprise_name=name, phone=PHONE
        )
        change = create_ticket(
            session,
            draft=draft,
            enterprise_id=user_id,
            now=dt.datetime.now(TZ),
            policy=SlaPolicy(tz=TZ),
        )
        return change.ticket.id or 0


def _seed(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        for uid in (USER, OTHER):
            users.get_or_create_user(session, user_id=uid)
        users.set_role(session, user_id=USER, role=UserRole.HANDLER)
        profiles.set_name(session, user_id=USER, name="甲公司")
        profiles.update_facts(session, user_id=USER, facts={"annual_revenue": "800"})
        profiles.update_facts(session, user_id=OTHER, facts={"annual_revenue": "7654321"})
        session.add(
            QuestionLog(question="贷款贴息", normalized="贷款贴息", answered=True, user_id=USER)
        )
    return _ticket(engine, USER, "甲公司"), _ticket(engine, OTHER, "乙公司")


def test_export_holds_everything_about_the_user_and_nothing_else(engine: Engine) -> None:
    mine, theirs = _seed(engine)
    with session_scope(engine) as session:
        data = privacy.export_user(session, user_id=USER)
    json.dumps(data, ensure_ascii=False)  # JSON-ready
    assert data["bot_user"][0]["role"] == UserRole.HANDLER.value
    assert data["profile"][0]["name"] == "甲公司"
    assert data["profile"][0]["facts"] == {"annual_revenue": "800"}
    assert [t["id"] for t in data["tickets"]] == [mine]
    assert data["tickets"][0]["phone"] == PHONE and data["tickets"][0]["events"]
    assert [q["question"] for q in data["questions"]] == ["贷款贴息"]
    dumped = json.dumps(data, ensure_ascii=False)
    assert "乙公司" not in dumped and "7654321" not in dumped
    assert theirs != mine


def test_cli_export(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(engine)
    monkeypatch.setenv("POLICYBOT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(cli, ["users", "export", str(USER)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["user_id"] == USER and data["profile"][0]["name"] == "甲公司"


def test_retention_anonymises_only_old_closed_tickets(engine: Engine) -> None:
    old, recent = _ticket(engine, USER, "甲公司"), _ticket(engine, USER, "甲公司二")
    open_one = _ticket(engine, OTHER, "乙公司")
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        for ticket_id, closed in ((old, now - dt.timedelta(days=40)), (recent, now)):
            row = session.get(Ticket, ticket_id)
            assert row is not None
            row.status, row.closed_at = TicketStatus.CLOSED.value, closed
            session.add(row)
    with session_scope(engine) as session:
        changed = privacy.purge_closed_tickets(session, before=now - dt.timedelta(days=30))
    assert changed == 1
    with session_scope(engine) as session:
        rows = {t: session.get(Ticket, t) for t in (old, recent, open_one)}
        assert all(r is not None for r in rows.values())
        gone = rows[old]
        assert gone is not None and gone.phone is None
        assert gone.enterprise_name == privacy.ANONYMISED == gone.description
        assert all(r is not None and r.phone == PHONE for r in (rows[recent], rows[open_one]))
    with session_scope(engine) as session:  # idempotent
        later = now + dt.timedelta(seconds=1)
        assert privacy.purge_closed_tickets(session, before=later) == 1  # only `recent` now
