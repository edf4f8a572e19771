"""The unanswered-questions loop: group unanswered and 没帮助 questions by similarity,
attach one to an entry as an alternative question (the index is rebuilt at once), or
mark it off-topic. No Telegram here."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy.engine import Engine
from sqlmodel import Session

from knowledge.model import Enrichment, EntryView
from services import learning
from services.knowledge import KnowledgeBase
from storage import kb, kbops
from storage.db import session_scope
from storage.kbops import AskedQuestion
from storage.models_kbops import TriageStatus
from storage.models_learning import EvidenceKind

log = logging.getLogger(__name__)

SIMILARITY = 85  # rapidfuzz ratio (0–100) above which two questions are one group
MAX_ALT_CHARS = 200


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """Similar questions; ``question_id`` is the row that stands for the group."""

    question_id: int
    example: str
    count: int
    unhelpful: int  # how many of them were answered but voted 没帮助
    last_asked: dt.datetime
    variants: tuple[str, ...]  # other wordings, most frequent first
    normalized: tuple[str, ...]
    best_entry_id: str | None

    @property
    def unanswered(self) -> int:
        return self.count - self.unhelpful


def _compact(text: str) -> str:
    return "".join(text.split())


BLOCK = 256  # texts compared with all earlier leaders in one rapidfuzz call


def _leaders(texts: Sequence[str], similarity: float) -> list[int | None]:
    """For each text in order, the index of the earlier leader it joins (the most similar
    one at ≥ ``similarity``, the first on ties), or None when it becomes a leader itself.

    The greedy pass is inherently quadratic; a block of texts is compared with every
    leader so far in one ``process.cdist`` call, which runs without the GIL on every core
    (thousands of open questions took seconds of a held GIL one ``extractOne`` at a time,
    stalling the bot), and only the leaders a block itself creates are compared one by one.
    """
    compact = [_compact(text) for text in texts]
    leaders: list[str] = []  # compacted
    joined: list[int | None] = []
    for start in range(0, len(compact), BLOCK):
        block = compact[start : start + BLOCK]
        known = len(leaders)
        scores = (
            process.cdist(
                block, leaders, scorer=fuzz.ratio, score_cutoff=similarity,
                dtype=np.float64, workers=-1,
            )
            if known
            else None
        )  # fmt: skip
        for row, text in enumerate(block):
            best: tuple[float, int] | None = None
            if scores is not None:
                column = int(scores[row].argmax())  # the first of the highest
                if scores[row, column] >= similarity:
                    # float64, as extractOne scores: compared below with no rounding
                    best = (float(scores[row, column]), column)
            found = process.extractOne(
                text, leaders[known:], scorer=fuzz.ratio, score_cutoff=similarity
            )
            if found is not None and (best is None or found[1] > best[0]):
                best = (found[1], known + found[2])
            if best is None:
                leaders.append(text)
                joined.append(None)
            else:
                joined.append(best[1])
    return joined


def group_questions(
    rows: Sequence[AskedQuestion], *, similarity: float = SIMILARITY
) -> list[QuestionGroup]:
    """Groups by normalised text, then merges texts whose similarity ≥ ``similarity``;
    most frequent first (ties: most recent first)."""
    by_text: dict[str, list[AskedQuestion]] = {}
    for row in rows:
        by_text.setdefault(row.normalized, []).append(row)
    texts = sorted(by_text, key=lambda t: (-len(by_text[t]), -by_text[t][-1].asked_at.timestamp()))
    leaders: list[str] = []
    clusters: dict[str, list[str]] = {}
    for text, joins in zip(texts, _leaders(texts, similarity), strict=True):
        if joins is None:
            leaders.append(text)
            clusters[text] = [text]
        else:
            clusters[leaders[joins]].append(text)
    groups: list[QuestionGroup] = []
    for leader, members in clusters.items():
        asked = [row for text in members for row in by_text[text]]
        latest = by_text[leader][-1]
        groups.append(
            QuestionGroup(
                question_id=latest.id,
                example=latest.question,
                count=len(asked),
                unhelpful=sum(row.unhelpful for row in asked),
                last_asked=max(row.asked_at for row in asked),
                variants=tuple(by_text[text][-1].question for text in members[1:]),
                normalized=tuple(members),
                best_entry_id=latest.best_entry_id,
            )
        )
    groups.sort(key=lambda g: (-g.count, -g.last_asked.timestamp()))
    return groups


def _groups(session: Session, since: dt.datetime | None) -> list[QuestionGroup]:
    return group_questions(kbops.open_questions(session, since=since))


def list_groups(
    engine: Engine, *, since: dt.datetime | None = None, limit: int = 50
) -> list[QuestionGroup]:
    with session_scope(engine) as session:
        return _groups(session, since)[:limit]


def _group_of(session: Session, question_id: int) -> QuestionGroup | None:
    question = kbops.get_question(session, question_id=question_id)
    if question is None:
        return None
    for group in _groups(session, None):
        if question.normalized in group.normalized:
            return group
    return None


def find_group(engine: Engine, question_id: int) -> QuestionGroup | None:
    """The open group a logged question belongs to; None when dealt with or unknown."""
    with session_scope(engine) as session:
        return _group_of(session, question_id)


@dataclass(frozen=True, slots=True)
class Review:
    """What an admin is shown of a group: the entries closest to its question, and the
    subject no document speaks of when the question names one (发票: ``outside``)."""

    entries: list[EntryView]
    outside: str = ""
    outside_label: str = ""


def review(knowledge: KnowledgeBase, group: QuestionGroup, top: int = 3) -> Review:
    """The matcher's best candidates for the group's question (and the entry it was once
    answered with), and the outside subject it names, if any."""
    result = knowledge.search(group.example, top=top)
    found: dict[str, EntryView] = {}
    for match in result.matches:
        entry = knowledge.entry(match.entry_id)
        if entry is not None:
            found.setdefault(entry.entry_id, entry)
    if group.best_entry_id and len(found) < top:
        best = knowledge.entry(group.best_entry_id)
        if best is not None:
            found.setdefault(best.entry_id, best)
    return Review(list(found.values())[:top], result.outside, result.outside_label)


def attach(
    knowledge: KnowledgeBase, question_id: int, entry_id: str, *, user_id: int | None
) -> QuestionGroup | None:
    """Add the group's question to the entry's alternative questions and rebuild the
    index; None when the question or the entry is gone or was dealt with already."""
    with session_scope(knowledge.engine) as session:
        group = _group_of(session, question_id)
        entry = kb.get_entry(session, entry_id=entry_id)
        if group is None or entry is None or entry.removed_at is not None:
            return None
        question = " ".join(group.example.split())[:MAX_ALT_CHARS]
        known = {_compact(q) for q in entry.alt_questions}
        if question and _compact(question) not in known:
            enrichment = Enrichment(alt_questions=[*entry.alt_questions, question])
            kb.enrich_entries(session, enrich={entry_id: enrichment}, source="unanswered:attach")
        kbops.add_triage(
            session,
            normalized=group.normalized,
            status=TriageStatus.ATTACHED,
            entry_id=entry_id,
            user_id=user_id,
        )
        # the admin's attach is evidence too: kept with its provenance in ``kb learned``
        learning.record(
            session,
            question_id=question_id,
            entry_id=entry_id,
            user_id=user_id,
            kind=EvidenceKind.ADMIN,
            min_users=1,
            wording=question,
        )
    knowledge.refresh()
    log.info("attached question %d to %s", question_id, entry_id)
    return group


def mark_off_topic(
    engine: Engine, question_id: int, *, user_id: int | None
) -> QuestionGroup | None:
    """The group is no longer listed; None when it was dealt with already."""
    with session_scope(engine) as session:
        group = _group_of(session, question_id)
        if group is None:
            return None
        kbops.add_triage(
            session,
            normalized=group.normalized,
            status=TriageStatus.OFF_TOPIC,
            entry_id=None,
            user_id=user_id,
        )
    return group
