"""User-supplied text with NUL (\\x00), other control characters and lone
surrogates is stored through the storage and service functions on SQLite and PostgreSQL.

PostgreSQL refuses NUL in text columns (psycopg: "PostgreSQL text fields cannot contain
NUL (0x00) bytes") and neither database can encode a lone surrogate; ``storage.types``
drops NUL and replaces lone surrogates with U+FFFD for every text and JSON column, so both
databases store the same thing. Every other control character is kept as it is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, String
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from services import privacy
from services import roles as role_service
from services.sla import SlaPolicy
from services.ticket_access import Action, Actor
from services.tickets import Draft, act, create_ticket
from storage import kb, kbops, profiles, push, roles, users
from storage import tickets as ticket_store
from storage.db import session_scope
from storage.models import QuestionLog, UserRole
from storage.models_kbops import KBPendingUpload, KBQuestionTriage, TriageStatus
from storage.persistence import DBPersistence
from storage.types import StorableJSON, StorableString, storable_json, storable_text

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
MAP = Path(__file__).resolve().parents[2] / "docs" / "service-map.example.yaml"
USER = 4242
# control characters other than NUL, bidi marks, a BOM, separators: all kept as they are
CONTROLS = "\x01\x07\x08\t\x0b\x0c\r\n\x1b\x1f\x7f\x85\u200b\u200e\u202e\u2028\ufeff"
NASTY = "甲\x00乙" + CONTROLS + "\x00\ud800丙\udfff"  # NUL twice, two lone surrogates
CLEAN = "甲乙" + CONTROLS + "\ufffd丙\ufffd"


def test_the_sanitizer() -> None:
    assert storable_text(NASTY) == CLEAN
    assert storable_text("\x00") == ""
    assert storable_text("a\ud83d\ude00b") == "a😀b"  # a split surrogate pair is joined
    plain = "普通文字" * 10
    assert storable_text(plain) is plain  # nothing to do: the same object
    assert storable_json({NASTY: [NASTY, 1, None, True, {"k": (NASTY,)}]}) == {
        CLEAN: [CLEAN, 1, None, True, {"k": [CLEAN]}]
    }


def test_every_text_and_json_column_is_storable() -> None:
    """The sanitizer is not opt-in: every String/Text/JSON column of every table has it."""
    import storage.models  # noqa: F401  (all tables on the metadata)

    missing = [
        f"{table.name}.{column.name}: {column.type!r}"
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, String | JSON)  # a bare type, not wrapped
    ]
    assert missing == []
    kinds = {
        type(column.type) for table in SQLModel.metadata.tables.values() for column in table.columns
    }
    assert {StorableString, StorableJSON} <= kinds


def test_questions_feedback_and_triage(engine: Engine) -> None:
    with session_scope(engine) as session:
        users.get_or_create_user(session, user_id=USER)
        row = kb.log_question(
            session,
            question=NASTY,
            normalized=NASTY,
            answered=False,
            best_entry_id=NASTY,
            best_score=0.0,
            channel="tg\x00",
            user_id=USER,
        )
        question_id = row.id
        users.add_feedback(
            session, user_id=USER, entry_id=NASTY, helpful=False, question_id=question_id
        )
        # the second vote finds the first one although its entry id had NUL in it
        users.add_feedback(
            session, user_id=USER, entry_id=NASTY, helpful=True, question_id=question_id
        )
        kbops.add_triage(
            session,
            normalized=[NASTY],
            status=TriageStatus.OFF_TOPIC,
            entry_id=NASTY,
            user_id=USER,
        )
    with session_scope(engine) as session:
        stored = session.exec(select(QuestionLog)).one()
        assert (stored.question, stored.normalized, stored.channel) == (CLEAN, CLEAN, "tg")
        assert stored.best_entry_id == CLEAN
        groups = kb.unanswered_questions(session)
        assert [(g.example, g.count) for g in groups] == [(CLEAN, 1)]
        votes = users.feedback_of_user(session, user_id=USER)
        assert [(v.entry_id, v.helpful) for v in votes] == [(CLEAN, True)]
        triage = session.exec(select(KBQuestionTriage)).one()
        assert (triage.normalized, triage.entry_id) == (CLEAN, CLEAN)
        assert [q.id for q in kbops.open_questions(session)] == []  # triaged: not open


def test_profiles_and_self_checks(engine: Engine) -> None:
    with session_scope(engine) as session:
        profiles.set_name(session, user_id=USER, name=NASTY)
        profiles.update_facts(
            session, user_id=USER, facts={"district": NASTY, NASTY: "x\x00y", "n": 3}
        )
        profiles.save_check(
            session,
            state=profiles.CheckState(
                user_id=USER,
                chat_id=USER,
                rule_id="r\x00",
                answers={"q\x00": NASTY},
                asked=[NASTY],
            ),
        )
    with session_scope(engine) as session:
        view = profiles.get_profile(session, user_id=USER)
        assert view is not None
        assert view.name == CLEAN.strip()
        assert dict(view.facts) == {"district": CLEAN, CLEAN: "xy", "n": 3}
        check = profiles.get_check(session, user_id=USER)
        assert check is not None
        assert (check.rule_id, check.answers, check.asked) == ("r", {"q": CLEAN}, [CLEAN])
        exported = privacy.export_user(session, user_id=USER)
        assert "\x00" not in repr(exported)


def test_tickets(engine: Engine) -> None:
    policy = SlaPolicy(tz=TZ)
    with session_scope(engine) as session:
        role_service.load_service_map(session, role_service.read_service_map(MAP))
        role_service.grant(
            session,
            actor_id=None,
            user_id=7,
            role=UserRole.COMMISSIONER,
            area_code="demo-park",
            name="王\x00专员",
        )
        draft = Draft(
            category="法律服务\x00",
            description=NASTY,
            enterprise_name=NASTY[:50],
            area_code="demo-park",
            phone="138\x0000138000",
            attachments=(("document", "file\x00id"),),
        )
        change = create_ticket(session, draft=draft, enterprise_id=USER, now=NOW, policy=policy)
        ticket_id = change.ticket.id
        assert ticket_id is not None
        owner = Actor(user_id=USER, chat_id=USER)
        commissioner = Actor(user_id=7, chat_id=7, is_commissioner=True)
        act(session, ticket_id=ticket_id, action=Action.ACCEPT, actor=commissioner, now=NOW,
            policy=policy)  # fmt: skip
        act(session, ticket_id=ticket_id, action=Action.REPLY, actor=commissioner, now=NOW,
            policy=policy, text=NASTY)  # fmt: skip
        act(session, ticket_id=ticket_id, action=Action.ENT_REPLY, actor=owner, now=NOW,
            policy=policy, text=NASTY, file=("photo", "p\x00"))  # fmt: skip
        act(session, ticket_id=ticket_id, action=Action.RESOLVE, actor=commissioner, now=NOW,
            policy=policy, text=NASTY)  # fmt: skip
        act(session, ticket_id=ticket_id, action=Action.RATE, actor=owner, now=NOW,
            policy=policy, rating="满意")  # fmt: skip
        act(session, ticket_id=ticket_id, action=Action.COMMENT, actor=owner, now=NOW,
            policy=policy, text=NASTY)  # fmt: skip
        roles.log_action(
            session, actor_id=None, action="grant\x00", target=NASTY, details={"why": NASTY}
        )
    with session_scope(engine) as session:
        stored = ticket_store.get_ticket(session, ticket_id=ticket_id)
        assert stored is not None
        assert (stored.description, stored.rating_comment) == (CLEAN, CLEAN)
        assert (stored.category, stored.phone) == ("法律服务", "13800138000")
        assert stored.enterprise_name == storable_text(NASTY[:50])
        timeline = ticket_store.events(session, ticket_id=ticket_id, include_internal=True)
        texts = [e.text for e in timeline if e.text]
        assert texts and all(t == CLEAN for t in texts)
        assert {e.file_id for e in timeline if e.file_id} == {"fileid", "p"}
        commissioner_row = roles.get_commissioner(session, user_id=7)
        assert commissioner_row is not None and commissioner_row.name == "王专员"
        logged = roles.admin_actions(session)[0]
        assert (logged.action, logged.target, logged.details) == ("grant", CLEAN, {"why": CLEAN})


def test_uploads_subscriptions_and_audit(engine: Engine) -> None:
    with session_scope(engine) as session:
        upload = kbops.create_upload(
            session, user_id=USER, file_name="a\x00.txt", kind="text", content=NASTY * 100
        )
        upload_id = upload.id
        assert upload_id is not None
        edits = {"region": NASTY, "categories": [NASTY]}
        kbops.set_edits(session, upload_id=upload_id, edits=edits)
        view = push.add_subscription(
            session,
            user_id=USER,
            filters=push.Filters(categories=(NASTY, "融资"), districts=("洪山\x00区",)),
            now=NOW,
        )
        push.audit(session, actor_id=USER, action="sub\x00", target=NASTY, details={NASTY: 1},
                   now=NOW)  # fmt: skip
    with session_scope(engine) as session:
        stored = session.get(KBPendingUpload, upload_id)
        assert stored is not None
        assert (stored.file_name, stored.content) == ("a.txt", CLEAN * 100)
        assert stored.edits == {"region": CLEAN, "categories": [CLEAN]}
        [sub] = push.list_subscriptions(session, user_id=USER)
        assert sub.id == view.id
        assert sub.filters.categories == (CLEAN, "融资")
        assert sub.filters.districts == ("洪山区",)
        [entry] = push.audit_entries(session, action_prefix="sub")
        assert (entry.action, entry.target, entry.details) == ("sub", CLEAN, {CLEAN: 1})


async def test_bot_state(engine: Engine) -> None:
    persistence = DBPersistence(engine)
    await persistence.update_user_data(USER, {"draft": NASTY, NASTY: [NASTY, {"k": NASTY}]})
    await persistence.update_chat_data(-USER, {"search": {"queries": {"1": NASTY}}})
    await persistence.update_bot_data({"last": NASTY})
    await persistence.update_conversation("ask", (USER, USER), "WAITING\x00")
    fresh = DBPersistence(engine)
    assert await fresh.get_user_data() == {USER: {"draft": CLEAN, CLEAN: [CLEAN, {"k": CLEAN}]}}
    assert await fresh.get_chat_data() == {-USER: {"search": {"queries": {"1": CLEAN}}}}
    assert await fresh.get_bot_data() == {"last": CLEAN}
    assert await fresh.get_conversations("ask") == {(USER, USER): "WAITING"}
