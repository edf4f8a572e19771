"""Learning from use: evidence, confirmation by N distinct users or by an admin, the
alternative question on the next refresh, provenance and undo."""

from __future__ import annotations

from services import learning, unanswered
from services.knowledge import KnowledgeBase
from storage.db import session_scope
from storage.models_learning import EvidenceKind, LearnedWording

WORDING = "帮小店变成正规公司有好处吗"  # in no item's words
ENTRY = "wh-sme-2023:2.5.20"  # 加快推进“个转企”


def _tap(
    knowledge: KnowledgeBase, user_id: int, *, kind: EvidenceKind = EvidenceKind.CLARIFY
) -> LearnedWording | None:
    asked = knowledge.ask(WORDING, user_id=user_id)
    with session_scope(knowledge.engine) as session:
        return learning.record(
            session,
            question_id=asked.question_id,
            entry_id=ENTRY,
            user_id=user_id,
            kind=kind,
            min_users=2,
        )


def test_distinct_users_confirm_a_wording_on_the_next_refresh(knowledge: KnowledgeBase) -> None:
    before = knowledge.search(WORDING)
    assert not (before.answered and before.best and before.best.entry_id == ENTRY)
    assert _tap(knowledge, 101) is None  # one user is not enough
    assert _tap(knowledge, 101, kind=EvidenceKind.HELPFUL) is None  # the same user again
    learned = _tap(knowledge, 102, kind=EvidenceKind.HELPFUL)
    assert learned is not None and learned.basis == "users" and learned.users == 2
    assert _tap(knowledge, 103) is None  # learned already: not twice
    assert knowledge.is_stale()  # written as an enrichment: the next refresh takes it
    knowledge.refresh()
    entry = knowledge.entry(ENTRY)
    assert entry is not None and WORDING in entry.alt_questions
    after = knowledge.search(WORDING)
    assert after.answered and after.best is not None and after.best.entry_id == ENTRY
    with session_scope(knowledge.engine) as session:
        [row] = learning.listing(session)
        assert (row.entry_id, row.question, row.undone_at) == (ENTRY, WORDING, None)


def test_undo_takes_the_wording_out_and_sticks(knowledge: KnowledgeBase) -> None:
    _tap(knowledge, 201)
    learned = _tap(knowledge, 202)
    assert learned is not None and learned.id is not None
    with session_scope(knowledge.engine) as session:
        undone = learning.undo(session, wording_id=learned.id, user_id=1)
        assert undone is not None and undone.undone_by == 1
        assert learning.undo(session, wording_id=learned.id, user_id=1) is None
        assert learning.undo(session, wording_id=9999, user_id=1) is None
    knowledge.refresh()
    entry = knowledge.entry(ENTRY)
    assert entry is not None and WORDING not in entry.alt_questions
    assert _tap(knowledge, 203) is None  # more users do not bring an undone wording back
    revived = _tap(knowledge, 1, kind=EvidenceKind.ADMIN)  # an admin does
    assert revived is not None and revived.basis == "admin" and revived.undone_at is None


def test_admin_attach_is_recorded_with_provenance(knowledge: KnowledgeBase) -> None:
    missed = "周转不开咋整"
    knowledge.ask(missed, user_id=7)
    [group] = unanswered.list_groups(knowledge.engine)
    assert unanswered.attach(knowledge, group.question_id, "wh-sme-2023:2.2.6", user_id=42)
    with session_scope(knowledge.engine) as session:
        [row] = learning.listing(session)
        assert (row.basis, row.confirmed_by, row.question) == ("admin", 42, missed)
    entry = knowledge.entry("wh-sme-2023:2.2.6")
    assert entry is not None and entry.alt_questions.count(missed) == 1  # not added twice


def test_evidence_for_a_gone_question_or_entry_is_ignored(knowledge: KnowledgeBase) -> None:
    asked = knowledge.ask(WORDING, user_id=5)
    with session_scope(knowledge.engine) as session:
        for question_id, entry_id in ((None, ENTRY), (99999, ENTRY), (asked.question_id, "x:1")):
            assert (
                learning.record(
                    session,
                    question_id=question_id,
                    entry_id=entry_id,
                    user_id=5,
                    kind=EvidenceKind.ADMIN,
                    min_users=1,
                )
                is None
            )
        assert learning.listing(session) == []
