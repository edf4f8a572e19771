"""Publishing an upload for real (audit-logged with a snapshot), undoing a publish, and
the publish history. No Telegram here; callers run these in worker threads."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from services.kbops import build_bundle, pending
from services.knowledge import KnowledgeBase, apply_bundle, bundle_key
from storage import kb, kbops
from storage.db import session_scope
from storage.models_kbops import KBPublish, UploadStatus
from storage.types import utcnow

log = logging.getLogger(__name__)


class PublishError(Exception):
    """A publish or rollback that cannot be done; the message is for the admin."""


@dataclass(slots=True)
class Published:
    publish_id: int
    report: kb.ImportReport
    file_name: str


def _report_json(report: kb.ImportReport) -> dict[str, Any]:
    return {
        name: getattr(report, name)
        for name in ("document_title", "added", "changed", "removed", "unchanged")
    }


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
        key = bundle_key(bundle)
        saved = kbops.snapshot(session, document_key=key, entry_ids=bundle.enrich)
        report = apply_bundle(session, bundle=bundle, source=f"upload:{upload.file_name}")
        assert report.import_id is not None
        upload.import_id = report.import_id
        session.add(upload)
        row = kbops.add_publish(
            session,
            action="publish",
            import_id=report.import_id,
            user_id=user_id,
            actor=actor,
            file_name=upload.file_name,
            document_key=report.document_key,
            report=_report_json(report),
            snapshot=saved,
        )
        assert row.id is not None
        published = Published(publish_id=row.id, report=report, file_name=upload.file_name)
    knowledge.refresh()
    log.info("published upload %d as import %s", upload_id, report.import_id)
    return published


def rollback(
    knowledge: KnowledgeBase, import_id: int, *, actor: str, user_id: int | None = None,
    force: bool = False,
) -> kb.ImportReport:  # fmt: skip
    """Undo a publish: restore the snapshot taken before it; recorded as an import with
    events and in the log. Refuses when later imports touched the same entries."""
    with session_scope(knowledge.engine) as session:
        original = kbops.publish_of_import(session, import_id=import_id)
        if original is None:
            raise PublishError(f"没有导入编号为 {import_id} 的发布记录(policybot kb history)。")
        if original.rolled_back_at is not None:
            raise PublishError(f"导入 {import_id} 已经撤销过了。")
        affected = {*original.snapshot.get("entries", {}), *_ids(original.report)}
        later = kbops.later_changes(
            session, import_id=import_id, document_key=original.document_key, entry_ids=affected
        )
        if later and not force:
            raise PublishError(
                f"之后的导入 {', '.join(map(str, later))} 也改动了这些条目;"
                "撤销会一并丢弃它们的改动。确认无误请加 --force。"
            )
        report = kbops.restore(session, saved=original.snapshot, source=f"rollback:{import_id}")
        assert report.import_id is not None and original.id is not None
        original.rolled_back_at = utcnow()
        session.add(original)
        kbops.add_publish(
            session,
            action="rollback",
            import_id=report.import_id,
            user_id=user_id,
            actor=actor,
            file_name=original.file_name,
            document_key=original.document_key,
            report=_report_json(report),
            rollback_of=original.id,
        )
    knowledge.refresh()
    log.info("rolled back import %d (new import %s)", import_id, report.import_id)
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
