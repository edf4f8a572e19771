"""The knowledge-base service: import files, keep an in-memory index, answer questions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from knowledge.importing import ImportFailed, decode_bytes, parse_text_document
from knowledge.importing.docx import docx_to_text
from knowledge.importing.yamldoc import KEY_PATTERN, ImportBundle, parse_yaml_bundle
from knowledge.lexicon import Lexicon, Segmenter, default_lexicon
from knowledge.matcher import Matcher, MatcherConfig, SearchResult
from knowledge.model import DocumentMeta, EntryView, Level
from storage import kb
from storage.db import session_scope

log = logging.getLogger(__name__)

BUNDLED_DIR = resources.files("knowledge") / "data" / "seeds"
TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
YAML_SUFFIXES = {".yaml", ".yml"}
DOCX_SUFFIX = ".docx"


def guess_level(issuer: str | None) -> str | None:
    """Level of the issuing body, read from its name (国务院/部 → 国家, 省, 市, 区)."""
    if not issuer:
        return None
    if re.search(r"国务院|^国家|^中华人民共和国|部$|总局$", issuer):
        return Level.NATIONAL.value
    for suffix, level in (("区", Level.DISTRICT), ("市", Level.CITY), ("省", Level.PROVINCE)):
        if re.match(rf"^[\u4e00-\u9fff]{{2,8}}?{suffix}", issuer):
            return level.value
    return None


def guess_region(issuer: str | None) -> str | None:
    if not issuer:
        return None
    match = re.match(r"^([\u4e00-\u9fff]{2,4}?)(?:省|市|区|县)", issuer)
    return match.group(1) if match else None


def default_key(title: str, doc_number: str | None) -> str:
    basis = doc_number or title
    return "doc-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:10]


def read_bundle(path: Path, meta: DocumentMeta | None = None) -> ImportBundle:
    """Read one input file (text, Markdown or YAML) into an import bundle."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportFailed(f"找不到文件:{path}")
    data = path.read_bytes()
    if suffix in YAML_SUFFIXES:
        bundle = parse_yaml_bundle(decode_bytes(data), base_dir=path.parent)
        if meta is not None:
            bundle.meta = _merge_meta(bundle.meta, meta)
        return bundle
    if suffix in TEXT_SUFFIXES or suffix == "":
        document = parse_text_document(decode_bytes(data), markdown=suffix != ".txt")
        return ImportBundle(meta=meta or DocumentMeta(), document=document)
    if suffix == DOCX_SUFFIX:
        document = parse_text_document(docx_to_text(data))
        return ImportBundle(meta=meta or DocumentMeta(), document=document)
    raise ImportFailed(f"不支持的文件类型 {suffix}:请使用 .txt、.md、.docx 或 .yaml。")


def bundle_key(bundle: ImportBundle) -> str | None:
    """The key of the document a bundle imports (explicit, or derived from its 文号 or
    title), or None for an enrichment-only bundle."""
    if bundle.document is None:
        return None
    meta, document = bundle.meta, bundle.document
    return meta.key or default_key(
        meta.title or document.title, meta.doc_number or document.doc_number
    )


def _merge_meta(base: DocumentMeta, override: DocumentMeta) -> DocumentMeta:
    merged = dataclasses.replace(base)
    for field in dataclasses.fields(merged):
        name = field.name
        value = getattr(override, name)
        if value is not None:
            setattr(merged, name, value)
    return merged


def apply_bundle(session: Session, *, bundle: ImportBundle, source: str) -> kb.ImportReport:
    """Write one bundle in the caller's transaction."""
    meta, document, key = bundle.meta, bundle.document, bundle_key(bundle)
    if document is None or key is None:
        return kb.enrich_entries(session, enrich=bundle.enrich, source=source)
    if not KEY_PATTERN.match(key):
        raise ImportFailed(f"文档编号(key)格式不对:{key}")
    issuer = meta.issuer or document.issuer
    if meta.level is None:
        meta.level = guess_level(issuer)
    if meta.region is None:
        meta.region = guess_region(issuer)
    if meta.effective_date is None:
        meta.effective_date = meta.publish_date or document.publish_date
    return kb.import_document(
        session, parsed=document, meta=meta, key=key, source=source, enrich=bundle.enrich
    )


@dataclass(frozen=True, slots=True)
class Answer:
    """A search result and the id of its row in the question log (for feedback)."""

    result: SearchResult
    question_id: int | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent version of the knowledge base in memory."""

    entries: dict[str, EntryView]
    matcher: Matcher
    import_id: int  # the newest import this snapshot includes


class KnowledgeBase:
    """Owns the in-memory index; rebuilt from the database after each import."""

    def __init__(
        self,
        engine: Engine,
        *,
        threshold: float = 0.5,
        max_chars: int = 300,
        lexicon: Lexicon | None = None,
        segmenter: Segmenter | None = None,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        """``segmenter`` may be shared between instances (loading jieba takes ~1 s);
        ``timezone`` is the calendar of expiry dates."""
        self.engine = engine
        self.tz = ZoneInfo(timezone)
        # the clock of expiry decisions (tests replace it)
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.config = MatcherConfig(threshold=threshold)
        self.max_chars = max_chars
        self.lexicon = segmenter.lexicon if segmenter else (lexicon or default_lexicon())
        self._segmenter: Segmenter | None = segmenter
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    # -------------------------------------------------------------- loading
    def ensure_bundled(self) -> kb.ImportReport | None:
        """Load the bundled seed documents into an empty database (once, even when
        several processes start together on it)."""
        try:
            with session_scope(self.engine) as session:
                kb.lock_for_seeding(session)  # PostgreSQL: the others wait here
                if kb.count_entries(session) > 0:
                    return None
                reports = [
                    apply_bundle(
                        session, bundle=read_bundle(Path(str(path))), source=f"bundled:{path.name}"
                    )
                    for path in sorted(BUNDLED_DIR.iterdir(), key=lambda p: p.name)
                    if path.name.endswith(".yaml")
                ]
        except IntegrityError:  # SQLite: another process imported it first
            with session_scope(self.engine) as session:
                if kb.count_entries(session) > 0:
                    return None
            raise
        log.info("loaded %d bundled document(s)", len(reports))
        return reports[0] if reports else None

    def refresh(self) -> Snapshot:
        """(Re)build the index from the database; searches keep the old one meanwhile."""
        with session_scope(self.engine) as session:
            import_id = kb.latest_import_id(session)
            views = kb.load_entry_views(session)
        with self._lock:
            if self._segmenter is None:
                self._segmenter = Segmenter(self.lexicon)
            matcher = Matcher(
                views, segmenter=self._segmenter, config=self.config, max_chars=self.max_chars
            )
            snapshot = Snapshot(
                entries={v.entry_id: v for v in views}, matcher=matcher, import_id=import_id
            )
            self._snapshot = snapshot
        log.info("index built with %d entries", len(views))
        return snapshot

    def is_stale(self) -> bool:
        """True when another process imported documents since the index was built."""
        if self._snapshot is None:
            return True
        with session_scope(self.engine) as session:
            return kb.latest_import_id(session) != self._snapshot.import_id

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot or self.refresh()

    # -------------------------------------------------------------- queries
    def today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()

    def search(self, question: str, *, top: int = 3, today: dt.date | None = None) -> SearchResult:
        """Ranked matches; an expired entry stays findable but is never a confident answer."""
        snapshot = self.snapshot
        result = snapshot.matcher.search(question, top=top)
        best = result.best
        if result.answered and best is not None:
            entry = snapshot.entries.get(best.entry_id)
            if entry is not None and entry.is_expired(today or self.today()):
                return dataclasses.replace(result, answered=False)
        return result

    def entry(self, entry_id: str) -> EntryView | None:
        return self.snapshot.entries.get(entry_id)

    def entries(self) -> list[EntryView]:
        return list(self.snapshot.entries.values())

    def has_eligibility_rules(self, entry_id: str) -> bool:
        """Whether a 资格自测 (eligibility self-check) exists for the entry: an eligibility
        rule (``knowledge/data/rules``) links it."""
        from services import eligibility  # the rules load on first use, not at start-up

        return eligibility.has_rules_for(entry_id)

    def ask(
        self, question: str, *, top: int = 3, channel: str = "cli", user_id: int | None = None
    ) -> Answer:
        """Search and log the question (unanswered ones are listed for maintainers)."""
        result = self.search(question, top=top)
        best = result.best
        with session_scope(self.engine) as session:
            row = kb.log_question(
                session,
                question=question,
                normalized=result.normalized,
                answered=result.answered,
                best_entry_id=best.entry_id if best else None,
                best_score=best.score if best else 0.0,
                channel=channel,
                user_id=user_id,
            )
        return Answer(result=result, question_id=row.id)

    # -------------------------------------------------------------- imports
    def import_paths(
        self,
        paths: Iterable[Path],
        *,
        meta: DocumentMeta | None = None,
        progress: Callable[[Path], None] | None = None,
    ) -> list[kb.ImportReport]:
        """Import each file in its own transaction; the index is rebuilt once at the end.

        A file that fails leaves the database as it was and raises ImportFailed
        (files before it stay imported).
        """
        reports: list[kb.ImportReport] = []
        try:
            for path in paths:
                bundle = read_bundle(path, meta)
                with session_scope(self.engine) as session:
                    reports.append(apply_bundle(session, bundle=bundle, source=str(path)))
                if progress is not None:
                    progress(path)
        finally:
            if reports:
                self.refresh()
        return reports
