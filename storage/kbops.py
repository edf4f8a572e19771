"""Data access for knowledge-base operations: pending uploads, the publish log with its
snapshots (and their restore), the triage of unanswered questions, the admins.

Keyword-only functions; callers own the session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage import kb
from storage.models import (
    BotUser,
    Feedback,
    KBImport,
    PolicyDocument,
    PolicyEntry,
    PolicyEvent,
    QuestionLog,
    UserRole,
)
from storage.models_kbops import (
    KBPendingUpload,
    KBPublish,
    KBQuestionTriage,
    TriageStatus,
    UploadStatus,
)
from storage.types import utcnow

_DOC_FIELDS = (
    "title", "doc_number", "issuer", "addressee", "level", "region", "publish_date",
    "effective_date", "expiry_date", "source_url", "source_name", "content_hash",
    "preamble", "body_text", "attachments", "repeals",
)  # fmt: skip
_DOC_DATES = ("publish_date", "effective_date", "expiry_date")
_ENTRY_FIELDS = (
    "number", "title", "body", "path", "position", "categories", "audiences", "keywords",
    "alt_questions", "guide", "content_hash",
)  # fmt: skip

# ------------------------------------------------------------------ pending uploads


def create_upload(
    session: Session, *, user_id: int, file_name: str, kind: str, content: str
) -> KBPendingUpload:
    row = KBPendingUpload(user_id=user_id, file_name=file_name[:200], kind=kind, content=content)
    session.add(row)
    session.flush()
    return row


def get_upload(session: Session, *, upload_id: int) -> KBPendingUpload | None:
    return session.get(KBPendingUpload, upload_id)


def set_edits(session: Session, *, upload_id: int, edits: dict[str, Any]) -> None:
    row = session.get(KBPendingUpload, upload_id)
    if row is not None:
        row.edits = dict(edits)
        row.updated_at = utcnow()
        session.add(row)
        session.flush()


def claim_upload(session: Session, *, upload_id: int, status: UploadStatus) -> bool:
    """Move a pending upload to ``status``; False when it is no longer pending (a second
    press, another instance). The row stays locked until the transaction ends."""
    stmt = (
        update(KBPendingUpload)
        .where(col(KBPendingUpload.id) == upload_id)
        .where(col(KBPendingUpload.status) == UploadStatus.PENDING.value)
        .values(status=status.value, updated_at=utcnow())
    )
    return bool(session.connection().execute(stmt).rowcount)


# ------------------------------------------------------------------ snapshots


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return type(value)(value)
    return value


def snapshot(
    session: Session, *, document_key: str | None, entry_ids: Iterable[str] = ()
) -> dict[str, Any]:
    """The state a publish may change, as JSON: the document and all its entries (a
    document import), or the listed entries (an enrichment)."""
    data: dict[str, Any] = {"document_key": document_key, "document": None, "entries": {}}
    if document_key is not None:
        document = kb.get_document(session, key=document_key)
        if document is None:
            return data
        data["document"] = {name: _plain(getattr(document, name)) for name in _DOC_FIELDS}
        stmt = select(PolicyEntry).where(PolicyEntry.document_id == document.id)
    else:
        stmt = select(PolicyEntry).where(col(PolicyEntry.entry_id).in_(list(entry_ids)))
    for entry in session.exec(stmt):
        state = {name: _plain(getattr(entry, name)) for name in _ENTRY_FIELDS}
        state["removed_at"] = _plain(entry.removed_at)
        data["entries"][entry.entry_id] = state
    return data


def restore(session: Session, *, saved: dict[str, Any], source: str) -> kb.ImportReport:
    """Put the document and entries back as ``saved`` (from :func:`snapshot`); entries the
    publish created are removed. The change is recorded as an import with its events."""
    now = utcnow()
    key: str | None = saved.get("document_key")
    states: dict[str, dict[str, Any]] = saved.get("entries") or {}
    report = kb.ImportReport(source=source, document_key=key)
    if key is not None:
        document = kb.get_document(session, key=key)
        if document is None:
            raise LookupError(f"document {key} no longer exists")
        for name, value in (saved.get("document") or {}).items():
            if name in _DOC_DATES and value is not None:
                value = dt.date.fromisoformat(value)
            setattr(document, name, value)
        document.updated_at = now
        report.document_title = document.title
        session.add(document)
        stmt = select(PolicyEntry).where(PolicyEntry.document_id == document.id)
    else:
        stmt = select(PolicyEntry).where(col(PolicyEntry.entry_id).in_(list(states)))
    documents: dict[int, PolicyDocument | None] = {}
    for entry in session.exec(stmt):
        was_visible, old_hash = entry.removed_at is None, entry.content_hash
        state = states.get(entry.entry_id)
        if state is None:  # created by the publish that is undone
            entry.removed_at = entry.removed_at or now
        else:
            for name in _ENTRY_FIELDS:
                setattr(entry, name, state[name])
            removed = state.get("removed_at")
            entry.removed_at = dt.datetime.fromisoformat(removed) if removed else None
            if entry.document_id not in documents:
                documents[entry.document_id] = session.get(PolicyDocument, entry.document_id)
            if (owner := documents[entry.document_id]) is not None:
                kb.tag_audience(entry, owner)
        visible = entry.removed_at is None
        if visible and not was_visible:
            report.added.append(entry.entry_id)
        elif was_visible and not visible:
            report.removed.append(entry.entry_id)
        elif visible and entry.content_hash != old_hash:
            report.changed.append(entry.entry_id)
        else:
            report.unchanged += 1
        entry.updated_at = now
        session.add(entry)
    session.flush()
    kb.record_import(session, report)
    return report


def withdraw_document(session: Session, *, document_key: str, source: str) -> kb.ImportReport:
    """Remove every current entry of a document (the document row stays, so a rollback
    can bring them back); recorded as an import with its events."""
    report = kb.ImportReport(source=source, document_key=document_key)
    document = kb.get_document(session, key=document_key)
    if document is None:
        raise LookupError(f"no document {document_key}")
    report.document_title = document.title
    now = utcnow()
    stmt = select(PolicyEntry).where(
        PolicyEntry.document_id == document.id, col(PolicyEntry.removed_at).is_(None)
    )
    for entry in session.exec(stmt.order_by(col(PolicyEntry.position))):
        entry.removed_at = now
        entry.updated_at = now
        session.add(entry)
        report.removed.append(entry.entry_id)
    session.flush()
    kb.record_import(session, report)
    return report


# ------------------------------------------------------------------ publish log

UNDOABLE = ("publish", "remove", "rollback")


def report_json(report: kb.ImportReport) -> dict[str, Any]:
    """What the log keeps of an import report."""
    return {
        name: getattr(report, name)
        for name in ("document_title", "added", "changed", "removed", "unchanged")
    }


def add_publish(session: Session, **values: Any) -> KBPublish:
    row = KBPublish(**values)
    session.add(row)
    session.flush()
    return row


def logged_import(session: Session, *, import_id: int) -> KBPublish | None:
    """The log row of an import (a publish, a CLI import, a removal or a rollback)."""
    stmt = select(KBPublish).where(KBPublish.import_id == import_id)
    return session.exec(stmt.where(col(KBPublish.action).in_(UNDOABLE))).first()


def list_publishes(session: Session, *, limit: int = 50) -> list[KBPublish]:
    stmt = select(KBPublish).order_by(col(KBPublish.id).desc()).limit(limit)
    return list(session.exec(stmt))


def later_changes(
    session: Session, *, import_id: int, document_key: str | None, entry_ids: Iterable[str]
) -> list[int]:
    """Imports after ``import_id`` that touched the same document or entries."""
    ids = set(entry_ids)
    found: set[int] = set()
    if document_key is not None:
        stmt = select(KBImport.id).where(
            col(KBImport.id) > import_id, KBImport.document_key == document_key
        )
        found.update(i for i in session.exec(stmt) if i is not None)
    if ids:
        stmt_events = select(PolicyEvent.import_id).where(
            col(PolicyEvent.import_id) > import_id, col(PolicyEvent.entry_id).in_(list(ids))
        )
        found.update(session.exec(stmt_events))
    # a later change that was undone again cancels out with its rollback
    for rollback in session.exec(select(KBPublish).where(col(KBPublish.rollback_of).is_not(None))):
        undone = session.get(KBPublish, rollback.rollback_of) if rollback.rollback_of else None
        if undone is not None and undone.import_id > import_id:
            found -= {undone.import_id, rollback.import_id}
    return sorted(found)


# ------------------------------------------------------------------ unanswered questions


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """A logged question that was not answered, or whose answer was voted 没帮助."""

    id: int
    question: str
    normalized: str
    asked_at: dt.datetime
    best_entry_id: str | None
    unhelpful: bool


def open_questions(session: Session, *, since: dt.datetime | None = None) -> list[AskedQuestion]:
    """Unanswered and 没帮助 questions an admin has not dealt with, oldest first."""
    unanswered = select(QuestionLog).where(col(QuestionLog.answered).is_(False))
    unhelpful = (
        select(QuestionLog)
        .join(Feedback, col(Feedback.question_id) == col(QuestionLog.id))
        .where(col(Feedback.helpful).is_(False))
    )
    if since is not None:
        unanswered = unanswered.where(col(QuestionLog.created_at) >= since)
        unhelpful = unhelpful.where(col(Feedback.created_at) >= since)
    rows: dict[int, AskedQuestion] = {}
    for flag, stmt in ((False, unanswered), (True, unhelpful)):
        for row in session.exec(stmt):
            assert row.id is not None
            rows.setdefault(
                row.id,
                AskedQuestion(
                    row.id, row.question, row.normalized, row.created_at, row.best_entry_id, flag
                ),
            )
    off_topic: set[str] = set()
    attached: dict[str, dt.datetime] = {}
    for triage in session.exec(select(KBQuestionTriage)):
        if triage.status == TriageStatus.OFF_TOPIC.value:
            off_topic.add(triage.normalized)
        else:
            last = attached.get(triage.normalized)
            attached[triage.normalized] = max(triage.created_at, last or triage.created_at)
    kept = [
        q
        for q in rows.values()
        if q.normalized not in off_topic
        and (q.normalized not in attached or q.asked_at > attached[q.normalized])
    ]
    return sorted(kept, key=lambda q: (q.asked_at, q.id))


def get_question(session: Session, *, question_id: int) -> QuestionLog | None:
    return session.get(QuestionLog, question_id)


def add_triage(
    session: Session,
    *,
    normalized: Iterable[str],
    status: TriageStatus,
    entry_id: str | None,
    user_id: int | None,
) -> None:
    for text in dict.fromkeys(normalized):
        session.add(
            KBQuestionTriage(
                normalized=text, status=status.value, entry_id=entry_id, user_id=user_id
            )
        )
    session.flush()


# ------------------------------------------------------------------ admins


def admin_ids(session: Session) -> list[int]:
    """Users granted the admin role in the database (``POLICYBOT_ADMIN_IDS`` come on top)."""
    stmt = select(BotUser.id).where(BotUser.role == UserRole.ADMIN.value)
    return sorted(session.exec(stmt))
