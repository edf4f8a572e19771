"""Publishing an upload for real (audit-logged with a snapshot), removing a document,
undoing any logged import (a publish, a CLI import, a removal or a rollback), and the
log. No Telegram here; callers run these in worker threads."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from services.kbops import build_bundle, pending
from services.knowledge import KnowledgeBase, publish_bundle
from storage import kb, kbops
from storage.db import session_scope
from storage.models_kbops import KBPublish, UploadStatus
from storage.types import utcnow

log = logging.getLogger(__name__)


class PublishError(Exception):
    """A publish, removal or rollback that cannot be done; the message is for the admin."""


@dataclass(slots=True)
class Published:
    publish_id: int
    report: kb.ImportReport
    file_name: str


def publish_upload(
    knowledge: KnowledgeBase, upload_id: int, *, user_id: int | None, actor: str
) -> Published | None:
    """Import a pending upload for real in one transaction (PolicyEvent rows included),
    log it with a snapshot of what it changes, and rebuild the index. None when stale."""
    with session_scope(knowledge.engine) as session:
        upload = pending(session, upload_id)
        if upload is None or not kbops.claim_upload(
            session, upload_id=upload_id, status=UploadStatus.PUBLISHED
        ):
            return None
        bundle = build_bundle(upload.kind, upload.content, upload.edits)
        report, publish_id = publish_bundle(
            session,
            bundle=bundle,
            source=f"upload:{upload.file_name}",
            actor=actor,
            file_name=upload.file_name,
            user_id=user_id,
        )
        upload.import_id = report.import_id
        session.add(upload)
        published = Published(publish_id=publish_id, report=report, file_name=upload.file_name)
    knowledge.refresh()
    log.info("published upload %d as import %s", upload_id, report.import_id)
    return published


def rollback(
    knowledge: KnowledgeBase, import_id: int, *, actor: str, user_id: int | None = None,
    force: bool = False,
) -> kb.ImportReport:  # fmt: skip
    """Undo a logged import (a publish, a CLI import, a removal or a rollback): restore
    the snapshot taken before it; recorded as an import with events and in the log, with
    a snapshot of its own so that it can be undone in turn. Refuses when later imports
    touched the same entries."""
    with session_scope(knowledge.engine) as session:
        original = kbops.logged_import(session, import_id=import_id)
        if original is None:
            raise PublishError(f"没有导入编号为 {import_id} 的导入记录(policybot kb history)。")
        if original.rolled_back_at is not None:
            raise PublishError(f"导入 {import_id} 已经撤销过了。")
        if not original.snapshot:
            raise PublishError(f"导入 {import_id} 没有保存撤销所需的快照,无法撤销。")
        affected = {*original.snapshot.get("entries", {}), *_ids(original.report)}
        later = kbops.later_changes(
            session, import_id=import_id, document_key=original.document_key, entry_ids=affected
        )
        if later and not force:
            raise PublishError(
                f"之后的导入 {', '.join(map(str, later))} 也改动了这些条目;"
                "撤销会一并丢弃它们的改动。确认无误请加 --force。"
            )
        before = kbops.snapshot(
            session, document_key=original.document_key, entry_ids=sorted(affected)
        )
        try:
            report = kbops.restore(session, saved=original.snapshot, source=f"rollback:{import_id}")
        except LookupError:
            raise PublishError(f"导入 {import_id} 涉及的文档已不存在,无法撤销。") from None
        assert report.import_id is not None and original.id is not None
        original.rolled_back_at = utcnow()
        session.add(original)
        if original.rollback_of is not None:  # undoing an undo: the change it undid is back
            undone = session.get(KBPublish, original.rollback_of)
            if undone is not None:
                undone.rolled_back_at = None
                session.add(undone)
        kbops.add_publish(
            session,
            action="rollback",
            import_id=report.import_id,
            user_id=user_id,
            actor=actor,
            file_name=original.file_name,
            document_key=original.document_key,
            report=kbops.report_json(report),
            snapshot=before,
            rollback_of=original.id,
        )
    knowledge.refresh()
    log.info("rolled back import %d (new import %s)", import_id, report.import_id)
    return report


def remove_document(
    knowledge: KnowledgeBase, document_key: str, *, actor: str, user_id: int | None = None
) -> kb.ImportReport:
    """Withdraw every current entry of a document; logged with a snapshot like an import,
    so ``rollback`` brings the entries back. The index is rebuilt at once."""
    with session_scope(knowledge.engine) as session:
        if kb.get_document(session, key=document_key) is None:
            raise PublishError(f"没有编号为 {document_key} 的文档(policybot kb list)。")
        saved = kbops.snapshot(session, document_key=document_key)
        report = kbops.withdraw_document(
            session, document_key=document_key, source=f"remove:{document_key}"
        )
        if not report.removed:
            raise PublishError(f"文档 {document_key} 已没有现行条目,无需移除。")
        assert report.import_id is not None
        kbops.add_publish(
            session,
            action="remove",
            import_id=report.import_id,
            user_id=user_id,
            actor=actor,
            file_name="",
            document_key=document_key,
            report=kbops.report_json(report),
            snapshot=saved,
        )
    knowledge.refresh()
    log.info("removed document %s (import %s)", document_key, report.import_id)
    return report


def _ids(report: dict[str, Any]) -> list[str]:
    return [*report.get("added", []), *report.get("changed", []), *report.get("removed", [])]


@dataclass(frozen=True, slots=True)
class HistoryRow:
    publish_id: int
    action: str
    import_id: int
    actor: str
    file_name: str
    document_key: str | None
    created_at: dt.datetime
    rolled_back: bool
    report: dict[str, Any] = field(default_factory=dict)


def history(engine: Engine, *, limit: int = 50) -> list[HistoryRow]:
    with session_scope(engine) as session:
        rows: list[KBPublish] = kbops.list_publishes(session, limit=limit)
        return [
            HistoryRow(
                publish_id=row.id or 0,
                action=row.action,
                import_id=row.import_id,
                actor=row.actor,
                file_name=row.file_name,
                document_key=row.document_key,
                created_at=row.created_at,
                rolled_back=row.rolled_back_at is not None,
                report=dict(row.report),
            )
            for row in rows
        ]
