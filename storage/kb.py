"""Data access for the knowledge base. Keyword-only functions; callers own the session."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, SQLModel, col, select

from knowledge.audience import Audience, entry_text, read_audience
from knowledge.importing.errors import ImportFailed
from knowledge.importing.metadata import plan_year, same_title
from knowledge.model import DocumentMeta, Enrichment, EntryView, ParsedDocument, Sourced
from storage.models import KBImport, PolicyDocument, PolicyEntry, PolicyEvent, QuestionLog
from storage.types import utcnow


@dataclass(slots=True)
class ImportReport:
    """What one import changed; ``added``/``changed``/``removed`` hold entry ids."""

    source: str
    document_key: str | None = None
    document_title: str | None = None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    import_id: int | None = None

    @property
    def total_changes(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


def entry_hash(entry: PolicyEntry) -> str:
    """Hash of what a subscriber cares about: text, path, categories and guide."""
    payload = json.dumps(
        [entry.title, entry.body, entry.path, entry.number, entry.categories, entry.guide],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def get_document(session: Session, *, key: str) -> PolicyDocument | None:
    return session.exec(select(PolicyDocument).where(PolicyDocument.key == key)).first()


SEED_LOCK = 0x706F6C03  # "pol" + 3, with the schema (storage/db.py: + 2, leader: + 1)


def lock_for_seeding(session: Session) -> None:
    """On PostgreSQL, wait for any other instance seeding the knowledge base (the lock
    ends with the transaction); SQLite serialises writers itself."""
    if session.get_bind().dialect.name == "postgresql":
        schema = func.hashtext(func.current_schema())
        session.exec(select(func.pg_advisory_xact_lock(SEED_LOCK, schema)))


def count_entries(session: Session) -> int:
    stmt = (
        select(func.count()).select_from(PolicyEntry).where(col(PolicyEntry.removed_at).is_(None))
    )
    return int(session.exec(stmt).one())


def get_entry(session: Session, *, entry_id: str) -> PolicyEntry | None:
    return session.exec(select(PolicyEntry).where(PolicyEntry.entry_id == entry_id)).first()


_LABELS = {
    "key": "编号", "title": "标题", "doc_number": "文号", "issuer": "发文机关",
    "addressee": "主送机关", "level": "层级", "region": "地区", "source_url": "来源网址",
    "source_name": "来源名称", "entry_id": "编号", "number": "序号",
}  # fmt: skip


def _check_lengths(row: SQLModel, what: str) -> None:
    """Refuse a value longer than its VARCHAR column (e.g. a 400-字 Markdown title, a 90-字
    Chinese numeral). PostgreSQL raised a DataError that is no message for the user, while
    SQLite stored the value: now both refuse it with ImportFailed, before any flush."""
    for attr in sa_inspect(type(row)).column_attrs:
        length = getattr(attr.columns[0].type, "length", None)
        value = getattr(row, attr.key)
        if length and isinstance(value, str) and len(value) > length:
            label = _LABELS.get(attr.key, attr.key)
            raise ImportFailed(
                f"{what}的{label}过长(最多 {length} 字,现有 {len(value)} 字):{value[:30]}…"
            )


def read_entry_audience(entry: PolicyEntry, document: PolicyDocument) -> Audience:
    """Who the entry is for, read from its text and its document's title and region."""
    guide = {name: str(fact.get("value", "")) for name, fact in entry.guide.items()}
    text = entry_text(entry.title, entry.body, guide, entry.audiences)
    return read_audience(text, title=document.title, level=document.level, region=document.region)


def tag_audience(entry: PolicyEntry, document: PolicyDocument) -> None:
    """Store the entry's audience tags (after its text, guide or document changed)."""
    entry.audience_tags = read_entry_audience(entry, document).to_json()


def audience_of(session: Session, *, entry_id: str) -> Audience | None:
    """The stored audience of an entry (read from its text when it was stored before the
    tags existed); None when there is no such entry."""
    row = session.exec(
        select(PolicyEntry, PolicyDocument)
        .join(PolicyDocument, col(PolicyEntry.document_id) == col(PolicyDocument.id))
        .where(PolicyEntry.entry_id == entry_id)
    ).first()
    if row is None:
        return None
    entry, document = row
    if entry.audience_tags is None:
        return read_entry_audience(entry, document)
    return Audience.from_json(entry.audience_tags)


TEXT_ORIGIN = "text"  # a guide field read from the document's own field lines


def _text_guide(entry: PolicyEntry, guide: dict[str, Sourced]) -> None:
    """Replace the fields read from the text by those of this version of the text; fields
    given by enrichment stay (they are applied over these)."""
    kept = {k: v for k, v in entry.guide.items() if v.get("origin") != TEXT_ORIGIN}
    read = {
        k: {"value": v.value, "source": v.source, "origin": TEXT_ORIGIN} for k, v in guide.items()
    }
    entry.guide = {**read, **kept}


def _apply_enrichment(entry: PolicyEntry, enrichment: Enrichment) -> None:
    for name in ("categories", "audiences", "keywords", "alt_questions"):
        value = getattr(enrichment, name)
        if value is not None:
            setattr(entry, name, list(dict.fromkeys(value)))
    if enrichment.guide is not None:
        read = {k: v for k, v in entry.guide.items() if v.get("origin") == TEXT_ORIGIN}
        given = {k: {"value": v.value, "source": v.source} for k, v in enrichment.guide.items()}
        entry.guide = {**read, **given}
    if enrichment.title:
        entry.title = enrichment.title


def import_document(
    session: Session,
    *,
    parsed: ParsedDocument,
    meta: DocumentMeta,
    key: str,
    source: str,
    enrich: dict[str, Enrichment] | None = None,
) -> ImportReport:
    """Insert or update a document and its entries in place; record the events.

    Text-derived fields are replaced; enrichment (keywords, alternative questions,
    guide fields) survives a re-import unless the bundle gives new values.
    """
    enrich = enrich or {}
    now = utcnow()
    document = get_document(session, key=key)
    if document is None:
        document = PolicyDocument(key=key, title=parsed.title, content_hash=parsed.content_hash)
        session.add(document)
    document.title = meta.title or parsed.title
    document.doc_number = meta.doc_number or parsed.doc_number
    document.issuer = meta.issuer or parsed.issuer
    document.addressee = parsed.addressee
    document.publish_date = meta.publish_date or parsed.publish_date
    document.repeals = list(parsed.repeals)
    # what the text says (level from the issuer, "自…起施行", "有效期…") unless the
    # manifest or the admin says otherwise
    for name in ("level", "region", "effective_date", "expiry_date"):
        value = getattr(meta, name) or getattr(parsed, name)
        if value is not None:
            setattr(document, name, value)
    for name in ("source_url", "source_name"):
        value = getattr(meta, name)
        if value is not None:
            setattr(document, name, value)
    document.content_hash = parsed.content_hash
    document.preamble = parsed.preamble
    document.body_text = parsed.body_text
    document.attachments = list(parsed.attachments)
    document.updated_at = now
    _check_lengths(document, "文件")
    session.flush()
    assert document.id is not None

    report = ImportReport(source=source, document_key=key, document_title=document.title)
    existing = {
        e.entry_id: e
        for e in session.exec(select(PolicyEntry).where(PolicyEntry.document_id == document.id))
    }
    seen: set[str] = set()
    for parsed_entry in parsed.entries:
        entry_id = f"{key}:{parsed_entry.local_id}"
        seen.add(entry_id)
        entry = existing.get(entry_id)
        is_new = entry is None or entry.removed_at is not None
        if entry is None:
            entry = PolicyEntry(
                entry_id=entry_id, document_id=document.id, title=parsed_entry.title
            )
            session.add(entry)
        before = entry.content_hash
        entry.number = parsed_entry.number
        entry.title = parsed_entry.title
        entry.body = parsed_entry.body
        entry.path = list(parsed_entry.path)
        entry.position = parsed_entry.position
        entry.removed_at = None
        _text_guide(entry, parsed_entry.guide)
        if entry_id in enrich:
            _apply_enrichment(entry, enrich[entry_id])
        tag_audience(entry, document)
        entry.content_hash = entry_hash(entry)
        _check_lengths(entry, f"条目 {parsed_entry.local_id[:30]} ")
        if is_new:
            entry.created_at = now
            report.added.append(entry_id)
        elif entry.content_hash != before:
            entry.updated_at = now
            report.changed.append(entry_id)
        else:
            report.unchanged += 1
    for entry_id, entry in existing.items():
        if entry_id not in seen and entry.removed_at is None:
            entry.removed_at = now
            report.removed.append(entry_id)
    unknown = set(enrich) - seen
    if unknown:
        raise ImportFailed(f"补充信息中的条目编号在文件中不存在:{', '.join(sorted(unknown)[:5])}")
    _record(session, report)
    return report


def enrich_entries(session: Session, *, enrich: dict[str, Enrichment], source: str) -> ImportReport:
    """Apply enrichment to entries that already exist; unknown ids are an error."""
    report = ImportReport(source=source)
    if not enrich:
        raise ImportFailed("enrich 部分为空。")
    entries = {
        e.entry_id: e
        for e in session.exec(
            select(PolicyEntry).where(col(PolicyEntry.entry_id).in_(list(enrich)))
        )
    }
    missing = [entry_id for entry_id in enrich if entry_id not in entries]
    if missing:
        raise ImportFailed(f"找不到这些条目,请先导入原文:{', '.join(missing[:5])}")
    for entry_id, enrichment in enrich.items():
        entry = entries[entry_id]
        before = entry.content_hash
        _apply_enrichment(entry, enrichment)
        document = session.get(PolicyDocument, entry.document_id)
        if document is not None:
            tag_audience(entry, document)
        _check_lengths(entry, f"条目 {entry_id} ")
        entry.content_hash = entry_hash(entry)
        entry.updated_at = utcnow()
        if entry.content_hash != before:
            report.changed.append(entry_id)
        else:
            report.unchanged += 1
    _record(session, report)
    return report


def _record(session: Session, report: ImportReport) -> None:
    batch = KBImport(
        source=report.source[-500:],
        document_key=report.document_key,
        added=len(report.added),
        changed=len(report.changed),
        removed=len(report.removed),
    )
    session.add(batch)
    session.flush()
    assert batch.id is not None
    report.import_id = batch.id
    for kind, ids in (
        ("added", report.added),
        ("changed", report.changed),
        ("removed", report.removed),
    ):
        for entry_id in ids:
            session.add(PolicyEvent(import_id=batch.id, entry_id=entry_id, kind=kind))
    session.flush()


def load_entry_views(
    session: Session, *, include_removed: bool = False, document_keys: Iterable[str] | None = None
) -> list[EntryView]:
    """All current entries (of ``document_keys`` when given) as read-only views, in
    document and reading order."""
    stmt = select(PolicyEntry, PolicyDocument).join(
        PolicyDocument, col(PolicyEntry.document_id) == col(PolicyDocument.id)
    )
    if not include_removed:
        stmt = stmt.where(col(PolicyEntry.removed_at).is_(None))
    if document_keys is not None:
        stmt = stmt.where(col(PolicyDocument.key).in_(list(document_keys)))
    stmt = stmt.order_by(col(PolicyDocument.id), col(PolicyEntry.position))
    replacements = replacing_documents(session)
    return [
        entry_view(entry, document, replaced_by=replacements.get(document.key))
        for entry, document in session.exec(stmt)
    ]


def entry_order(session: Session) -> list[str]:
    """The ids of all current entries in the order of ``load_entry_views``."""
    stmt = (
        select(PolicyEntry.entry_id)
        .join(PolicyDocument, col(PolicyEntry.document_id) == col(PolicyDocument.id))
        .where(col(PolicyEntry.removed_at).is_(None))
        .order_by(col(PolicyDocument.id), col(PolicyEntry.position))
    )
    return list(session.exec(stmt))


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document named as the replacement of another."""

    key: str
    title: str


def replacing_documents(session: Session) -> dict[str, DocumentRef]:
    """Document key → the (newest) document whose text repeals it ("原《…》同时废止"),
    matched by title. Only keys, titles and repeal lists are read."""
    stmt = select(PolicyDocument.key, PolicyDocument.title, PolicyDocument.repeals).order_by(
        col(PolicyDocument.id)
    )  # oldest first: a later repeal overrides
    documents = [(key, title, list(repeals or ())) for key, title, repeals in session.exec(stmt)]
    out: dict[str, DocumentRef] = {}
    for new_key, new_title, repeals in documents:
        for repealed in repeals:
            for old_key, old_title, _ in documents:
                if old_key != new_key and same_title(old_title, repealed):
                    out[old_key] = DocumentRef(new_key, new_title)
    return out


def entry_view(
    entry: PolicyEntry, document: PolicyDocument, *, replaced_by: DocumentRef | None = None
) -> EntryView:
    """The read-only view of a stored entry and its document."""
    return EntryView(
        entry_id=entry.entry_id,
        document_key=document.key,
        document_title=document.title,
        path=tuple(entry.path),
        number=entry.number,
        title=entry.title,
        body=entry.body,
        categories=tuple(entry.categories),
        audiences=tuple(entry.audiences),
        keywords=tuple(entry.keywords),
        alt_questions=tuple(entry.alt_questions),
        guide={k: Sourced(v["value"], v["source"]) for k, v in entry.guide.items()},
        level=document.level,
        region=document.region,
        source_url=document.source_url,
        source_name=document.source_name or document.title,
        effective_date=document.effective_date,
        expiry_date=document.expiry_date,
        publish_date=document.publish_date,
        doc_number=document.doc_number,
        issuer=document.issuer,
        plan_year=plan_year(document.title),
        text_fields=tuple(k for k, v in entry.guide.items() if v.get("origin") == TEXT_ORIGIN),
        audience=Audience.from_json(entry.audience_tags).for_people(),
        replaced_by=replaced_by.key if replaced_by else None,
        replaced_by_title=replaced_by.title if replaced_by else None,
    )


def log_question(
    session: Session,
    *,
    question: str,
    normalized: str,
    answered: bool,
    best_entry_id: str | None,
    best_score: float,
    channel: str,
    user_id: int | None = None,
    outside_topic: str | None = None,
) -> QuestionLog:
    row = QuestionLog(
        question=question[:2000],
        normalized=normalized[:2000],
        answered=answered,
        best_entry_id=best_entry_id,
        best_score=best_score,
        channel=channel,
        user_id=user_id,
        outside_topic=outside_topic[:40] if outside_topic else None,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class UnansweredGroup:
    normalized: str
    example: str
    count: int
    last_asked: dt.datetime
    best_entry_id: str | None


def unanswered_questions(
    session: Session, *, limit: int = 50, since: dt.datetime | None = None
) -> list[UnansweredGroup]:
    """Unanswered questions grouped by their normalised text, most frequent first."""
    stmt = select(QuestionLog).where(col(QuestionLog.answered).is_(False))
    if since is not None:
        stmt = stmt.where(col(QuestionLog.created_at) >= since)
    rows = list(session.exec(stmt.order_by(col(QuestionLog.created_at))))
    counts = Counter(row.normalized for row in rows)
    latest: dict[str, QuestionLog] = {row.normalized: row for row in rows}
    groups = [
        UnansweredGroup(
            normalized=norm,
            example=latest[norm].question,
            count=count,
            last_asked=latest[norm].created_at,
            best_entry_id=latest[norm].best_entry_id,
        )
        for norm, count in counts.items()
    ]
    groups.sort(key=lambda g: (-g.count, -g.last_asked.timestamp()))
    return groups[:limit]


def latest_import_id(session: Session) -> int:
    """Id of the newest import (0 when nothing was imported)."""
    return session.exec(select(func.max(KBImport.id))).one() or 0


@dataclass(frozen=True, slots=True)
class Revision:
    """The knowledge base's version: the newest import (every import, publish and
    rollback records one) and when it ran, since a re-created database repeats ids."""

    import_id: int
    token: str


def revision(session: Session, *, import_id: int | None = None) -> Revision:
    """The current revision, or that of import ``import_id`` (token "" when there is
    no such import)."""
    stmt = select(KBImport.id, KBImport.created_at)
    if import_id is None:
        stmt = stmt.order_by(col(KBImport.id).desc()).limit(1)
    else:
        stmt = stmt.where(KBImport.id == import_id)
    row = session.exec(stmt).first()
    if row is None:
        return Revision(import_id or 0, "0" if not import_id else "")
    found_id, created_at = row
    assert found_id is not None
    return Revision(found_id, f"{found_id}@{created_at.isoformat()}")


def documents_changed_since(session: Session, *, import_id: int) -> set[str] | None:
    """Keys of the documents whose entries the imports after ``import_id`` touched;
    None when one of them cannot say (an enrichment that changed no text)."""
    keys: set[str] = set()
    anonymous: list[int] = []
    stmt = select(KBImport.id, KBImport.document_key).where(col(KBImport.id) > import_id)
    for batch_id, key in session.exec(stmt):
        if key:
            keys.add(key)
        else:
            assert batch_id is not None
            anonymous.append(batch_id)
    if anonymous:
        stmt_events = (
            select(KBImport.id, PolicyDocument.key)
            .join(PolicyEvent, col(PolicyEvent.import_id) == col(KBImport.id), isouter=True)
            .join(PolicyEntry, col(PolicyEntry.entry_id) == col(PolicyEvent.entry_id), isouter=True)
            .join(
                PolicyDocument, col(PolicyDocument.id) == col(PolicyEntry.document_id), isouter=True
            )
            .where(col(KBImport.id).in_(anonymous))
        )
        for _batch_id, key in session.exec(stmt_events):
            if key is None:
                return None
            keys.add(key)
    return keys


def record_import(session: Session, report: ImportReport) -> None:
    """Record a change made outside ``import_document``/``enrich_entries`` (a rollback, an
    attached question) as an import with its events; sets ``report.import_id``."""
    _record(session, report)
