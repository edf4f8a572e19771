"""Learning from use: a tap on a clarification option, a 👍 on an answer and an admin's
attach in the unanswered loop are evidence that a wording belongs to an entry. A wording
confirmed by an admin, or by ``min_users`` distinct users, becomes an alternative question
of the entry (written as an enrichment, so the next index refresh picks it up, with the
provenance kept in ``learned_wording``); undo takes it out again."""

from __future__ import annotations

import logging

from sqlmodel import Session

from knowledge.model import Enrichment
from knowledge.text import normalize
from storage import kb
from storage import learning as store
from storage.models_learning import EvidenceKind, LearnedWording

log = logging.getLogger(__name__)

MAX_WORDING_CHARS = 200


def wording_key(question: str) -> str:
    """The form wordings are compared in (normalised, without spaces)."""
    return normalize(question).replace(" ", "")


def record(
    session: Session,
    *,
    question_id: int | None,
    entry_id: str,
    user_id: int | None,
    kind: EvidenceKind,
    min_users: int,
    wording: str | None = None,
) -> LearnedWording | None:
    """Store one piece of evidence that the question ``question_id`` (in the words
    ``wording``, by default as asked) is about ``entry_id``; the wording it newly
    confirms, else None."""
    asked = store.question(session, question_id=question_id) if question_id else None
    if asked is None:
        return None
    text = " ".join((wording or asked.question).split())[:MAX_WORDING_CHARS]
    key = wording_key(text)
    entry = kb.get_entry(session, entry_id=entry_id)
    if not key or entry is None or entry.removed_at is not None:
        return None
    store.add_evidence(
        session,
        entry_id=entry_id,
        question=text,
        normalized=key,
        kind=kind,
        user_id=user_id,
        question_id=question_id,
    )
    known = store.wording(session, normalized=key, entry_id=entry_id)
    if known is not None and (known.undone_at is None or kind is not EvidenceKind.ADMIN):
        return None  # learned already, or undone: only an admin brings it back
    users = store.distinct_users(session, normalized=key, entry_id=entry_id)
    if kind is not EvidenceKind.ADMIN and users < min_users:
        return None
    basis = "admin" if kind is EvidenceKind.ADMIN else "users"
    by = user_id if kind is EvidenceKind.ADMIN else None
    if known is None:
        known = store.add_wording(
            session,
            entry_id=entry_id,
            question=text,
            normalized=key,
            basis=basis,
            confirmed_by=by,
            users=users,
        )
    else:
        known.undone_at, known.undone_by = None, None
        known.basis, known.confirmed_by, known.users = basis, by, users
        session.add(known)
    if key not in {wording_key(q) for q in entry.alt_questions}:
        alts = [*entry.alt_questions, text]
        kb.enrich_entries(
            session, enrich={entry_id: Enrichment(alt_questions=alts)}, source=f"learned:{known.id}"
        )
    log.info("learned wording %s for %s (%s)", known.id, entry_id, basis)
    return known


def undo(session: Session, *, wording_id: int, user_id: int | None) -> LearnedWording | None:
    """Take a learned wording out of the entry's alternative questions; None when there is
    no such wording or it was undone already."""
    row = store.get_wording(session, wording_id=wording_id)
    if row is None or row.undone_at is not None:
        return None
    store.mark_undone(session, row=row, user_id=user_id)
    entry = kb.get_entry(session, entry_id=row.entry_id)
    if entry is not None and entry.removed_at is None:
        alts = [q for q in entry.alt_questions if wording_key(q) != row.normalized]
        if len(alts) != len(entry.alt_questions):
            kb.enrich_entries(
                session,
                enrich={row.entry_id: Enrichment(alt_questions=alts)},
                source=f"learned:undo:{row.id}",
            )
    return row


def listing(session: Session) -> list[LearnedWording]:
    return store.wordings(session)
