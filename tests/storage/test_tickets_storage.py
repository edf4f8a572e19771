"""storage/tickets.py and storage/roles.py on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from storage import roles
from storage import tickets as store
from storage.db import session_scope
from storage.models_tickets import Ticket

NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)


def ticket(number: str, *, assignee: int | None, status: str) -> Ticket:
    return Ticket(
        number=number,
        enterprise_id=1,
        category="其他",
        description="-",
        enterprise_name="甲",
        status=status,
        assignee_id=assignee,
        first_contact_due=NOW,
        resolve_due=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


def test_links_alerts_load_and_queue(engine: Engine) -> None:
    with session_scope(engine) as session:
        roles.upsert_commissioner(session, user_id=5, name="甲", capacity=3)
        roles.upsert_commissioner(session, user_id=6, name="乙")
        first = store.add_ticket(session, ticket("QY-1", assignee=5, status="处理中"))
        store.add_ticket(session, ticket("QY-2", assignee=5, status="已关闭"))
        third = store.add_ticket(session, ticket("QY-3", assignee=6, status="待接单"))
        store.add_ticket(session, ticket("QY-4", assignee=None, status="待分派"))
        assert first.id is not None and third.id is not None
        store.add_link(session, chat_id=-100, message_id=7, ticket_id=first.id, peer="assignee")
        store.add_link(session, chat_id=-100, message_id=7, ticket_id=third.id, peer="enterprise")
        link = store.find_link(session, chat_id=-100, message_id=7)
        assert link is not None and (link.ticket_id, link.peer) == (first.id, "assignee")
        assert store.find_link(session, chat_id=-100, message_id=8) is None
        assert store.claim_alert(session, ticket_id=first.id, kind="x", cycle=0, at=NOW)
        assert not store.claim_alert(session, ticket_id=first.id, kind="x", cycle=0, at=NOW)
        assert store.claim_alert(session, ticket_id=first.id, kind="x", cycle=1, at=NOW)
        assert store.open_load(session) == {5: 1, 6: 1}
        assert [t.number for t in store.queue_tickets(session)] == ["QY-4"]
        roles.deactivate_commissioner(session, user_id=6)  # its ticket needs reassignment
        assert [t.number for t in store.queue_tickets(session)] == ["QY-3", "QY-4"]
        assert store.get_ticket_by_number(session, number="qy-1") is not None
    with session_scope(engine) as session:  # the alerts survived the transaction
        assert len(store.alerts_of(session, ticket_id=first.id)) == 2
