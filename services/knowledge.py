"""The knowledge-base service: import files, keep an in-memory index, answer questions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import math
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from knowledge.importing import ImportFailed
from knowledge.importing.formats import document_bundle, read_file
from knowledge.importing.metadata import guess_level, guess_region
from knowledge.importing.yamldoc import KEY_PATTERN, ImportBundle
from knowledge.levels import levels_named
from knowledge.lexicon import Lexicon, Segmenter, default_lexicon
from knowledge.matcher import Match, Matcher, MatcherConfig, OwnText, SearchResult, index_compat
from knowledge.model import OWN_GUIDE_FIELDS, DocumentMeta, EntryView
from knowledge.text import asks_for_list
from services import index_store
from services.index_store import EntryViews
from storage import kb, kbops
from storage.db import session_scope

log = logging.getLogger(__name__)

BUNDLED_DIR = resources.files("knowledge") / "data" / "seeds"


def default_key(title: str, doc_number: str | None) -> str:
    basis = doc_number or title
    return "doc-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:10]


def read_bundle(path: Path, meta: DocumentMeta | None = None) -> ImportBundle:
    """Read one input file (any format ``knowledge.importing.formats`` reads) into an
    import bundle; ``meta`` (given with the import) overrides what the file says."""
    if not path.is_file():
        raise ImportFailed(f"找不到文件:{path}")
    read = read_file(path.name, path.read_bytes())
    return document_bundle(read.kind, read.content, meta=meta, base_dir=path.parent)


def bundle_key(bundle: ImportBundle) -> str | None:
    """The key of the document a bundle imports (explicit, or derived from its 文号 or
    title), or None for an enrichment-only bundle."""
    if bundle.document is None:
        return None
    meta, document = bundle.meta, bundle.document
    return meta.key or default_key(
        meta.title or document.title, meta.doc_number or document.doc_number
    )


def apply_bundle(session: Session, *, bundle: ImportBundle, source: str) -> kb.ImportReport:
    """Write one bundle in the caller's transaction."""
    meta, document, key = bundle.meta, bundle.document, bundle_key(bundle)
    if document is None or key is None:
        return kb.enrich_entries(session, enrich=bundle.enrich, source=source)
    if not KEY_PATTERN.match(key):
        raise ImportFailed(f"文档编号(key)格式不对:{key}")
    if meta.issuer is not None:  # the manifest names the issuer: its level and region
        meta.level = meta.level or guess_level(meta.issuer)
        meta.region = meta.region or guess_region(meta.issuer)
    # no 生效日期 unless a source gives one: the date of issue is shown as 印发日期
    return kb.import_document(
        session, parsed=document, meta=meta, key=key, source=source, enrich=bundle.enrich
    )


def publish_bundle(
    session: Session,
    *,
    bundle: ImportBundle,
    source: str,
    actor: str,
    file_name: str,
    user_id: int | None = None,
) -> tuple[kb.ImportReport, int]:
    """Write one bundle and log it in the publish log with a snapshot of what it changes,
    so that ``kb rollback`` can undo it (bot uploads and CLI imports alike); returns the
    report and the log row's id."""
    key = bundle_key(bundle)
    saved = kbops.snapshot(session, document_key=key, entry_ids=bundle.enrich)
    report = apply_bundle(session, bundle=bundle, source=source)
    assert report.import_id is not None
    row = kbops.add_publish(
        session,
        action="publish",
        import_id=report.import_id,
        user_id=user_id,
        actor=actor,
        file_name=file_name[-200:],
        document_key=report.document_key,
        report=kbops.report_json(report),
        snapshot=saved,
    )
    assert row.id is not None
    return report, row.id


# the fields that say what a measure is and who it is for (where and how to apply do not)
_INDEXED_FIELDS = (*OWN_GUIDE_FIELDS, "materials")


def searchable(view: EntryView) -> EntryView:
    """The view as it is indexed: a measure's field lines ("申报条件:…") were taken out of
    its body into its guide; what they say about the measure is searched with the body
    (fields written by curators, with their keywords, are not)."""
    extra = [
        view.guide[name].value
        for name in _INDEXED_FIELDS
        if name in view.text_fields
        and not all(line in view.body for line in view.guide[name].value.splitlines())
    ]
    if not extra:
        return view
    return dataclasses.replace(view, body="\n".join([view.body, *extra]))


def _indexed(views: Mapping[str, EntryView]) -> dict[str, EntryView]:
    return {entry_id: searchable(view) for entry_id, view in views.items()}


def with_replacements(
    entries: EntryViews, replacing: Mapping[str, kb.DocumentRef], before: set[str]
) -> EntryViews:
    """The views with ``replaced_by`` as the documents' repeal sentences now say; only the
    documents repealed now or ``before`` are looked at (ids are "<document key>:…")."""
    keys = set(replacing) | before
    if not keys:
        return entries
    changed: dict[str, EntryView] = {}
    for entry_id in entries:
        if entry_id.partition(":")[0] not in keys:
            continue
        view = entries[entry_id]
        newer = replacing.get(view.document_key)
        key, title = (newer.key, newer.title) if newer is not None else (None, None)
        if view.replaced_by != key or view.replaced_by_title != title:
            changed[entry_id] = dataclasses.replace(view, replaced_by=key, replaced_by_title=title)
    return entries.updated(list(entries), changed) if changed else entries


# listed beside an answer, a measure must itself be likely to answer a question on the
# subject: a score just over the answer threshold is a guess between unrelated items
# (企业上市有什么奖励: 个转企 at 0.57, beside 精上市)
_LIST_FLOOR = 0.75
TOP = 3  # a question: the answer, or the options it is asked back with
LIST_TOP = 6  # a question asking which measures there are: the answer and up to five more


def search_top(question: str, top: int = TOP) -> int:
    """How many matches to search ``question`` for: one asking which measures there are
    (有什么补贴) looks further down, for the others to list beside the answer."""
    return max(top, LIST_TOP) if asks_for_list(question) else top


_STATUS_EXTRA = 5  # more matches than asked for, so that a current document can come up
_CLOSE_SCORE = 0.75  # a current match this close to a stale one (share of its score) wins


def prefer_current(
    result: SearchResult,
    entries: Mapping[str, EntryView],
    today: dt.date,
    *,
    threshold: float,
    tie_margin: float = 0.3,
) -> SearchResult:
    """Move matches from repealed or expired documents, and from yearly plans of past years
    (targets, not schemes one applies for), behind current ones that compete with them:
    the repealing document's entries, or current entries scoring close. A question asked
    back only because a stale match tied with the current one is answered by the current
    one when it is confident and no other current match ties with it."""
    matches = list(result.matches)
    if not matches:
        return result

    def stale(match: Match) -> EntryView | None:
        entry = entries.get(match.entry_id)
        if entry is None:
            return None
        status = entry.status_on(today)
        return None if status.current else entry

    out: list[Match] = []
    waiting: list[Match] = []
    for match in matches:
        entry = stale(match)
        if entry is None:
            out.append(match)
            continue
        rival = any(
            stale(other) is None
            and (
                other.score >= match.score * _CLOSE_SCORE
                or entries[other.entry_id].document_key == entry.replaced_by
            )
            for other in matches
            if other.entry_id in entries
        )
        (waiting if rival else out).append(match)
    if not waiting:
        return result
    # only the stale matches with a current rival move (behind everything); the others
    # keep their place: a past year's plan that answers well is not buried under weak
    # current matches because some other stale match further down had a rival
    current = [m for m in out if stale(m) is None]
    ordered = out + waiting
    answered = result.answered and ordered[0].score >= threshold
    clarify = result.clarify
    moved = stale(matches[0]) is not None and stale(ordered[0]) is None
    if moved and (result.answered or result.clarify):
        # the current match that now goes first answers only if it is confident and
        # clear of the other current ones, as the matcher asks of any answer; else the
        # question (answerable, as the stale match showed) is asked back
        second = current[1].score if len(current) > 1 else 0.0
        answered = _answers(ordered[0].score, second, threshold=threshold, tie_margin=tie_margin)
        clarify = not answered
    return dataclasses.replace(result, matches=tuple(ordered), answered=answered, clarify=clarify)


_LEVEL_CLOSE = 0.3  # a match of the level asked about this close to the best goes first


def prefer_level(
    result: SearchResult,
    entries: Mapping[str, EntryView],
    today: dt.date,
    *,
    threshold: float,
    tie_margin: float,
) -> SearchResult:
    """Move the current matches of the level of government the question names (省里, 区里,
    国家局那边) ahead of the others when they score at least ``_LEVEL_CLOSE`` of the best:
    the person has said whose measure they mean. The first of them answers only when it
    is confident and clear of the other matches of that level; else the question is asked
    back (unless it was declined)."""
    named = levels_named(result.normalized)
    matches = list(result.matches)
    if len(named) != 1 or not matches:
        return result
    [level] = named

    def fits(match: Match) -> bool:
        entry = entries.get(match.entry_id)
        return entry is not None and entry.level == level and entry.status_on(today).current

    top = matches[0].score
    first = [m for m in matches if fits(m) and m.score >= top * _LEVEL_CLOSE]
    if not first or not (result.answered or result.clarify):
        return dataclasses.replace(
            result, matches=tuple(first + [m for m in matches if m not in first])
        )
    if first[0] is matches[0] and result.answered:
        return result
    # a rival of another level is no reason to ask back: 省里有应急资金吗 is about the
    # province's 应急转贷, however close the city's 续贷过桥资金 scores
    ordered = first + [m for m in matches if m not in first]
    same = [m for m in matches if fits(m)]
    second = same[1].score if len(same) > 1 else 0.0
    answered = _answers(ordered[0].score, second, threshold=threshold, tie_margin=tie_margin)
    return dataclasses.replace(
        result, matches=tuple(ordered), answered=answered, clarify=not answered
    )


def _answers(best: float, second: float, *, threshold: float, tie_margin: float) -> bool:
    """What the matcher asks of any answer: confident, and clear of its closest rival."""
    return best >= threshold and _logit(best) - _logit(second) >= tie_margin


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@dataclass(frozen=True, slots=True)
class Answer:
    """A search result and the id of its row in the question log (for feedback)."""

    result: SearchResult
    question_id: int | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent version of the knowledge base in memory."""

    entries: Mapping[str, EntryView]
    matcher: Matcher
    import_id: int  # the newest import this snapshot includes
    revision: str = ""  # kb.Revision.token of that import


def _database_id(engine: Engine) -> str:
    """Tells databases (and PostgreSQL schemas) apart in one index directory."""
    url = engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


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
        index_dir: Path | None = None,
    ) -> None:
        """``segmenter`` may be shared between instances (loading jieba takes ~1 s);
        ``timezone`` is the calendar of expiry dates; ``index_dir`` keeps the built index
        between runs (one file per database)."""
        self.engine = engine
        self.index_path = (
            index_dir / f"search-index-{_database_id(engine)}.bin" if index_dir else None
        )
        self.tz = ZoneInfo(timezone)
        # the clock of expiry decisions (tests replace it)
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.config = MatcherConfig(threshold=threshold)
        self.max_chars = max_chars
        self.lexicon = segmenter.lexicon if segmenter else (lexicon or default_lexicon())
        self._segmenter: Segmenter | None = segmenter
        self._snapshot: Snapshot | None = None
        self._repealed: set[str] = set()  # keys of the documents repealed in the snapshot
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
        """Bring the index up to the database's revision: kept when current, updated
        for the documents changed since, loaded from the stored index, or built.
        Searches answer from the previous snapshot meanwhile."""
        with self._lock:
            if self._segmenter is None:
                self._segmenter = Segmenter(self.lexicon)
            current = self._snapshot
            with session_scope(self.engine) as session:
                revision = kb.revision(session)
                if current is not None and current.revision == revision.token:
                    return current
                entries, matcher, how = self._index(session, current, revision)
                # a new document can repeal one whose views were not reloaded
                replacing = kb.replacing_documents(session)
                entries = with_replacements(entries, replacing, self._repealed)
                self._repealed = set(replacing)
            matcher.speaks_of = OwnText(entries)
            snapshot = Snapshot(
                entries=entries,
                matcher=matcher,
                import_id=revision.import_id,
                revision=revision.token,
            )
            self._snapshot = snapshot
            if how != "loaded" and self.index_path is not None:
                index_store.store(
                    self.index_path,
                    compat=self._compat(),
                    revision=revision.token,
                    matcher=matcher,
                    entries=entries,
                )
        log.info("index %s with %d entries", how, len(entries))
        return snapshot

    def _index(
        self, session: Session, current: Snapshot | None, revision: kb.Revision
    ) -> tuple[EntryViews, Matcher, str]:
        if current is not None:
            updated = self._update(session, current.matcher, current.entries, current.revision)
            if updated is not None:
                return *updated, "updated"
        elif self.index_path is not None:
            assert self._segmenter is not None
            stored = index_store.load(
                self.index_path,
                compat=self._compat(),
                segmenter=self._segmenter,
                config=self.config,
                max_chars=self.max_chars,
            )
            if stored is not None:
                matcher, entries, token = stored
                if token == revision.token:
                    return entries, matcher, "loaded"
                updated = self._update(session, matcher, entries, token)
                if updated is not None:
                    return *updated, "loaded and updated"
        views = kb.load_entry_views(session)
        return EntryViews.of(views), self._build(views), "built"

    def _update(
        self, session: Session, matcher: Matcher, entries: Mapping[str, EntryView], token: str
    ) -> tuple[EntryViews, Matcher] | None:
        """The index of revision ``token`` brought up to date with the documents changed
        since; None when only a full build can do it."""
        if not token:
            return None
        import_id = int(token.partition("@")[0])
        if kb.revision(session, import_id=import_id).token != token:
            return None  # not this database's history
        keys = kb.documents_changed_since(session, import_id=import_id)
        if keys is None:
            return None
        changed = {v.entry_id: v for v in kb.load_entry_views(session, document_keys=keys)}
        order = kb.entry_order(session)
        try:
            updated = matcher.updated(order, _indexed(changed))
        except KeyError:  # the database changed without an import record
            return None
        if updated is None or not isinstance(entries, EntryViews):
            return None
        return entries.updated(order, changed), updated

    def _build(self, views: list[EntryView]) -> Matcher:
        assert self._segmenter is not None
        return Matcher(
            [searchable(v) for v in views],
            segmenter=self._segmenter,
            config=self.config,
            max_chars=self.max_chars,
        )

    def _compat(self) -> dict[str, object]:
        return index_compat(self.config, self.lexicon)

    def is_stale(self) -> bool:
        """True when another process changed the knowledge base since the index was built."""
        if self._snapshot is None:
            return True
        with session_scope(self.engine) as session:
            return kb.revision(session).token != self._snapshot.revision

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot or self.refresh()

    # -------------------------------------------------------------- queries
    def today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()

    def search(self, question: str, *, top: int = 3, today: dt.date | None = None) -> SearchResult:
        """Ranked matches; an expired entry stays findable but is never a confident answer,
        a current document ranks before a repealed or expired one on the same subject, and
        a level the question names (省里) before the others."""
        snapshot = self.snapshot
        day = today or self.today()
        result = snapshot.matcher.search(question, top=top + _STATUS_EXTRA)
        # current documents before stale ones, then the level the question names
        for prefer in (prefer_current, prefer_level):
            result = prefer(
                result,
                snapshot.entries,
                day,
                threshold=self.config.threshold,
                tie_margin=self.config.tie_margin,
            )
        result = dataclasses.replace(result, matches=result.matches[:top])
        best = result.best
        if result.answered and best is not None:
            entry = snapshot.entries.get(best.entry_id)
            if entry is not None and entry.is_expired(day):
                return dataclasses.replace(result, answered=False)
        return result

    def suggested(self, result: SearchResult) -> tuple[Match, ...]:
        """The matches worth listing under a declined question (neither answered nor asked
        back) as possibly related: those scoring ``suggest_floor`` or more, so an
        off-topic question gets no list of random items, nor one about a subject no
        document speaks of (``SearchResult.outside``)."""
        if result.outside:
            return ()
        return tuple(m for m in result.matches if m.score >= self.config.suggest_floor)

    def also_listed(self, result: SearchResult) -> tuple[EntryView, ...]:
        """For an answered question asking which measures there are (区里对软件企业有什么
        补贴): the other matches scoring at least ``_LIST_FLOOR``, in order, as many as fit
        beside the answer in ``LIST_TOP``."""
        if not result.answered:
            return ()
        found = (self.entry(m.entry_id) for m in result.matches[1:] if m.score >= _LIST_FLOOR)
        return tuple(e for e in found if e is not None)[: LIST_TOP - 1]

    def replacement(self, entry: EntryView) -> EntryView | None:
        """The entry of the repealing document closest to a repealed entry (by title)."""
        if entry.replaced_by is None:
            return None
        candidates = [e for e in self.entries() if e.document_key == entry.replaced_by]
        if not candidates:
            return None
        from rapidfuzz import fuzz

        return max(candidates, key=lambda e: fuzz.ratio(e.title, entry.title))

    def entry(self, entry_id: str) -> EntryView | None:
        return self.snapshot.entries.get(entry_id)

    def answer_entry(self, result: SearchResult) -> EntryView | None:
        """The entry that answers ``result``'s question; None when it is not answered."""
        best = result.best
        return self.entry(best.entry_id) if best is not None and result.answered else None

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
        return self.log(question, self.search(question, top=top), channel=channel, user_id=user_id)

    def log(
        self, question: str, result: SearchResult, *, channel: str, user_id: int | None
    ) -> Answer:
        """Log a question with what :meth:`search` found for it. Chatter (谢谢 / 收到,谢谢)
        is not a question: it is not logged, so it never shows in the unanswered list and
        is not counted as asked in the statistics."""
        if result.chatter:
            return Answer(result=result, question_id=None)
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
                outside_topic=result.outside_label or None,
            )
        return Answer(result=result, question_id=row.id)

    # -------------------------------------------------------------- imports
    def import_paths(
        self,
        paths: Iterable[Path],
        *,
        meta: DocumentMeta | None = None,
        progress: Callable[[Path], None] | None = None,
        actor: str = "cli",
    ) -> list[kb.ImportReport]:
        """Import each file in its own transaction (see :meth:`import_files`) and raise
        ImportFailed with the first file's error, if any, after all were tried."""

        def each(result: FileResult) -> None:
            if progress is not None:
                progress(result.path)

        try:
            results = self.import_files(paths, meta=meta, actor=actor, progress=each)
        except ImportInterrupted as exc:
            raise (exc.__cause__ or exc) from None  # the database's own error, as before
        failed = next((r for r in results if r.error is not None), None)
        if failed is not None:
            raise ImportFailed(failed.error)
        return [r.report for r in results if r.report is not None]

    def import_files(
        self,
        paths: Iterable[Path],
        *,
        meta: DocumentMeta | None = None,
        progress: Callable[[FileResult], None] | None = None,
        actor: str = "cli",
    ) -> list[FileResult]:
        """Import each file in its own transaction, logged for ``kb rollback``; a file
        that cannot be read or imported is reported and changes nothing, the others are
        imported all the same. The index is rebuilt once at the end.

        A database failure (full, unreachable) stops the import: ImportInterrupted
        carries the results of the files before it (those are saved)."""
        results: list[FileResult] = []
        try:
            for path in paths:
                try:
                    bundle = read_bundle(path, meta)
                    with session_scope(self.engine) as session:
                        report, _ = publish_bundle(
                            session, bundle=bundle, source=str(path), actor=actor,
                            file_name=path.name,
                        )  # fmt: skip
                    result = FileResult(path, report=report)
                except ImportFailed as exc:
                    result = FileResult(path, error=str(exc))
                except SQLAlchemyError as exc:
                    raise ImportInterrupted(results, path) from exc
                results.append(result)
                if progress is not None:
                    progress(result)
        finally:
            if any(r.report is not None for r in results):
                self.refresh()
        return results


@dataclass(frozen=True, slots=True)
class FileResult:
    """What importing one file did: its report (saved) or why nothing was saved."""

    path: Path
    report: kb.ImportReport | None = None
    error: str | None = None


class ImportInterrupted(Exception):
    """The database failed while importing ``path``; ``results`` are the files before it
    (saved or refused, each in its own transaction); ``path`` and the rest were not."""

    def __init__(self, results: list[FileResult], path: Path) -> None:
        super().__init__(str(path))
        self.results = results
        self.path = path


def _manifest_texts(folder: Path) -> set[Path]:
    """The text files that YAML manifests in ``folder`` import as their document: they
    are imported through their manifest (with its key and metadata), not on their own."""
    import yaml

    used: set[Path] = set()
    for manifest in [*folder.rglob("*.yaml"), *folder.rglob("*.yml")]:
        try:
            raw = yaml.safe_load(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError):
            continue  # its import will say what is wrong with it
        document = raw.get("document") if isinstance(raw, dict) else None
        name = document.get("file") if isinstance(document, dict) else None
        if isinstance(name, str):
            used.add((manifest.parent / name).resolve())
    return used


def collect_paths(paths: Iterable[Path]) -> list[Path]:
    """The files to import: files as given, folders walked (sorted, hidden files and
    folders skipped, texts that a manifest in the folder imports left to the manifest)."""
    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        used = _manifest_texts(path)
        for found in sorted(path.rglob("*")):
            hidden = any(part.startswith(".") for part in found.relative_to(path).parts)
            if found.is_file() and not hidden and found.resolve() not in used:
                files.append(found)
    return files
