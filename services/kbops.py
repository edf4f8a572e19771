"""Documents that admins upload: read → store as pending → preview (an import that is
rolled back) → edit metadata. Publishing and rollback are in ``services.kbpublish``.

No Telegram here; the bot calls these functions in worker threads."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from knowledge.importing import ImportFailed
from knowledge.importing.formats import SUFFIX_KINDS, document_bundle, read_file
from knowledge.importing.yamldoc import ImportBundle
from knowledge.model import GUIDE_FIELDS, Enrichment, Level
from services.knowledge import apply_bundle, bundle_key
from storage import kb, kbops
from storage.db import session_scope
from storage.models_kbops import KBPendingUpload, UploadStatus
from storage.types import utcnow

log = logging.getLogger(__name__)

KINDS = {suffix: kind for suffix, kind in SUFFIX_KINDS.items() if suffix}  # file suffixes
LEVELS = tuple(level.value for level in Level)
PENDING_DAYS = 7  # an upload not published within a week is stale
MAX_CATEGORIES = 5


def read_upload(file_name: str, data: bytes) -> tuple[str, str]:
    """(kind, content) of an uploaded file, checked by parsing it; raises ImportFailed.
    The reader is chosen by the content (a PDF named .txt is read as a PDF)."""
    read = read_file(file_name, data)
    build_bundle(read.kind, read.content, {})
    return read.kind, read.content


def build_bundle(kind: str, text: str, edits: dict[str, Any]) -> ImportBundle:
    """The import bundle of an upload with the admin's metadata edits applied."""
    bundle = document_bundle(kind, text)
    if bundle.document is None:
        return bundle  # enrichment only: no document metadata to edit
    meta = bundle.meta
    for name in ("level", "region"):
        if edits.get(name):
            setattr(meta, name, str(edits[name]))
    for name in ("effective_date", "expiry_date"):
        if edits.get(name):
            setattr(meta, name, dt.date.fromisoformat(str(edits[name])))
    categories = edits.get("categories")
    if categories:
        key = bundle_key(bundle)
        for parsed in bundle.document.entries:
            entry_id = f"{key}:{parsed.local_id}"
            extra = bundle.enrich.setdefault(entry_id, Enrichment())
            extra.categories = [str(c) for c in categories]
    return bundle


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_SPLIT = re.compile(r"[,,、;;\s]+")
CLEAR_WORDS = {"无", "清除", "-", "none"}


def parse_edit(name: str, text: str) -> Any:
    """The value of a typed metadata edit ("" clears the edit); raises ImportFailed."""
    text = text.strip()
    if text.casefold() in CLEAR_WORDS:
        return ""
    if name == "region":
        if not 1 <= len(text) <= 20 or not re.search(r"[^\W_]", text):
            raise ImportFailed("地区名称应为 1–20 个字,例如:洪山。")
        return text
    if name in ("effective_date", "expiry_date"):
        match = _DATE.match(text)
        try:
            if match is None:
                raise ValueError(text)
            return dt.date(*(int(part) for part in match.groups())).isoformat()
        except ValueError:
            raise ImportFailed("日期格式应为 YYYY-MM-DD,例如 2025-12-31。") from None
    if name == "categories":
        names = [part for part in _SPLIT.split(text) if part]
        if not names or len(names) > MAX_CATEGORIES or any(len(n) > 12 for n in names):
            raise ImportFailed(
                f"请填写 1–{MAX_CATEGORIES} 个分类,用顿号或逗号分隔,每个不超过 12 字。"
            )
        return list(dict.fromkeys(names))
    raise ValueError(f"unknown field {name}")


def _check_dates(edits: dict[str, Any]) -> None:
    start, end = edits.get("effective_date"), edits.get("expiry_date")
    if start and end and str(end) < str(start):
        raise ImportFailed("失效日期不能早于生效日期。")


@dataclass(frozen=True, slots=True)
class Change:
    entry_id: str
    title: str


@dataclass(frozen=True, slots=True)
class Measure:
    """A measure of an uploaded document and the labels of the guide fields read for it."""

    title: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Preview:
    """What publishing an upload would do (computed by an import that is rolled back)."""

    upload_id: int
    file_name: str
    is_document: bool
    title: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    publish_date: dt.date | None = None
    key: str | None = None
    level: str | None = None
    region: str | None = None
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    categories: tuple[str, ...] = ()
    added: tuple[Change, ...] = ()
    changed: tuple[Change, ...] = ()
    removed: tuple[Change, ...] = ()
    unchanged: int = 0
    measures: tuple[Measure, ...] = ()


def _titles(session: Session, ids: list[str]) -> tuple[Change, ...]:
    changes = []
    for entry_id in ids:
        entry = kb.get_entry(session, entry_id=entry_id)
        changes.append(Change(entry_id, entry.title if entry else entry_id))
    return tuple(changes)


def _preview(session: Session, upload: KBPendingUpload) -> Preview:
    assert upload.id is not None
    bundle = build_bundle(upload.kind, upload.content, upload.edits)
    report = apply_bundle(session, bundle=bundle, source=f"preview:{upload.file_name}")
    session.flush()
    meta, document = bundle.meta, bundle.document
    return Preview(
        upload_id=upload.id,
        file_name=upload.file_name,
        is_document=document is not None,
        title=report.document_title,
        issuer=(meta.issuer or document.issuer) if document else None,
        doc_number=(meta.doc_number or document.doc_number) if document else None,
        publish_date=(meta.publish_date or document.publish_date) if document else None,
        key=report.document_key,
        level=(meta.level or document.level) if document else None,
        region=(meta.region or document.region) if document else None,
        effective_date=(meta.effective_date or document.effective_date) if document else None,
        expiry_date=(meta.expiry_date or document.expiry_date) if document else None,
        measures=tuple(
            Measure(e.title, tuple(GUIDE_FIELDS[name] for name in e.guide))
            for e in (document.entries if document else ())
        ),
        categories=tuple(upload.edits.get("categories") or ()),
        added=_titles(session, report.added),
        changed=_titles(session, report.changed),
        removed=_titles(session, report.removed),
        unchanged=report.unchanged,
    )


def preview_upload(engine: Engine, upload_id: int) -> Preview | None:
    """Apply the upload in a transaction that is always rolled back; None when stale."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            upload = pending(session, upload_id)
            return _preview(session, upload) if upload is not None else None
        finally:
            session.rollback()


def pending(session: Session, upload_id: int) -> KBPendingUpload | None:
    upload = kbops.get_upload(session, upload_id=upload_id)
    if upload is None or upload.status != UploadStatus.PENDING.value:
        return None
    age = utcnow() - upload.created_at
    return upload if age <= dt.timedelta(days=PENDING_DAYS) else None


def is_pending(engine: Engine, upload_id: int) -> bool:
    with session_scope(engine) as session:
        return pending(session, upload_id) is not None


def create_upload(engine: Engine, *, user_id: int, file_name: str, data: bytes) -> Preview:
    """Read and store an upload, then preview it; raises ImportFailed (nothing stored)."""
    kind, text = read_upload(file_name, data)
    with session_scope(engine) as session:
        row = kbops.create_upload(
            session, user_id=user_id, file_name=file_name, kind=kind, content=text
        )
        upload_id = row.id
    assert upload_id is not None
    try:
        preview = preview_upload(engine, upload_id)
    except ImportFailed:
        cancel_upload(engine, upload_id)
        raise
    assert preview is not None
    return preview


def edit_upload(engine: Engine, upload_id: int, **changes: Any) -> Preview | None:
    """Change metadata (level, region, effective_date, expiry_date, categories) and
    preview again; an edit that the import refuses is not kept (ImportFailed)."""
    with session_scope(engine) as session:
        upload = pending(session, upload_id)
        if upload is None:
            return None
        edits = {k: v for k, v in {**upload.edits, **changes}.items() if v not in ("", None)}
        if edits.get("level") and edits["level"] not in LEVELS:
            raise ImportFailed("层级应为 国家/省/市/区 之一。")
        _check_dates(edits)
        build_bundle(upload.kind, upload.content, edits)  # validate first
        kbops.set_edits(session, upload_id=upload_id, edits=edits)
    return preview_upload(engine, upload_id)


def cancel_upload(engine: Engine, upload_id: int) -> bool:
    with session_scope(engine) as session:
        return kbops.claim_upload(session, upload_id=upload_id, status=UploadStatus.CANCELLED)
