"""The question matcher: normalise, segment, expand, retrieve (BM25 over an inverted
index), then re-rank with rapidfuzz and calibrate a confidence in [0, 1].

Pure domain code: no telegram, no database. Build once per knowledge-base version;
``search`` is cheap and thread-safe (read-only after construction).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from knowledge.lexicon import Concept, Lexicon, OutsideTopic, Segmenter, pinyin_of
from knowledge.model import OWN_GUIDE_FIELDS, EntryView
from knowledge.text import DEFAULT_MAX_CHARS, normalize, spans

_PY = "\x01"  # prefix of pinyin-bigram terms (typo channel)
_CHUNK = 1 << 21  # postings per slice when computing BM25 weights
_PENDING = 1 << 18  # postings gathered before they are added to a question's scores
# the version of what the index holds and how it is computed: a stored index of another
# version is rebuilt (bump it with any change to the build or to ``to_arrays``)
# 3: postings flag the terms of the entry's own text (_OWN); 4: views carry their audience
INDEX_FORMAT = 4
# the high bit of a posting's tf: the term is in the entry's own text (title, body,
# headings), not only in keywords or alternative questions added by hand
_OWN = 1 << 15
_TF = _OWN - 1


@dataclass(frozen=True, slots=True)
class MatcherConfig:
    """Weights of the index fields, of query expansion and of the confidence model."""

    title: float = 3.0
    keywords: float = 2.0
    alt_questions: float = 1.5
    path: float = 0.3
    body: float = 1.0
    pinyin: float = 0.5
    k1: float = 1.2
    b: float = 0.75
    # a word of the question stands for several index terms (itself, synonyms, a
    # concept's policy terms): an entry scores the best of them plus this share of the
    # others, so many related hand-added keywords do not outweigh a text saying it once
    expansion_share: float = 0.3
    # a word of the question found only in an entry's hand-added keywords or alternative
    # questions covers this share of it (1 in its title, body or headings): enrichment
    # helps, but an enriched entry does not cover more of a question than its text says
    hand_coverage: float = 0.5
    synonym_weight: float = 0.7
    concept_weight: float = 0.6  # a concept's policy terms, found from the user's words
    cilin_weight: float = 0.4  # general-language synonyms (词林): below the domain's own
    correction_weight: float = 0.8
    pinyin_query_weight: float = 0.3
    candidates: int = 30
    single_char_factor: float = 0.5
    intent_factor: float = 0.35
    unknown_word_factor: float = 1.5
    # ranking: linear blend of features (grid-searched by benchmarks/calibrate.py)
    w_coverage: float = 0.4
    w_bm25: float = 0.1
    w_alt: float = 0.05
    w_title: float = 0.05
    # confidence: logistic regression on the best candidate's features, fitted by
    # benchmarks/calibrate.py so that the score estimates P(top-1 answer is right)
    # order: bias, coverage, bm25*strength, alt, title, strength, unmatched/15, then for an
    # entry without keywords or alternative questions: bare, bare*coverage,
    # bare*bm25*strength (refitted alone by `calibrate.py --bare-only`)
    confidence: tuple[float, ...] = (
        *(-7.649, 3.353, 2.454, 3.555, 2.914, 2.542, 1.886),
        *(0.174, 3.673, 1.303),
    )
    threshold: float = 0.5
    # asking back ("您是想了解以下哪项?") instead of a guess or a shrug: a second logistic
    # model on the same features estimates P(the question is about something the knowledge
    # base covers); an unanswered question above scope_threshold is asked back, below it
    # it is declined (off-topic)
    # order: bias, coverage, strength, title, unknown share, concept
    scope: tuple[float, ...] = (-1.303, 3.499, 1.844, 2.391, -1.158, 2.797)
    scope_threshold: float = 0.8
    # two candidates this close in confidence (in logits) are asked back: 0.8 is a best
    # answer at 0.9 against a second one at 0.8 (0.3 let 0.90 against 0.84 through)
    tie_margin: float = 0.8
    exact_alt: float = 0.95  # an alternative question this close to the question settles it
    # the candidates are worth offering even when the scope model is unsure if their
    # confidences add up to offer_floor: the entries a question may be about are nearly
    # exclusive, so the sum estimates the chance that one of the options is right
    offer_floor: float = 0.3
    # a question declined (neither answered nor asked back) lists the entries scoring at
    # least this as possibly related; below it none (the weather gets no policy list)
    suggest_floor: float = 0.05
    # an answer needs the best entry to cover this share of the question (idf-weighted):
    # a close alternative question or keyword on one word of it (办公室 … 空调坏了找谁修)
    # makes a confident score, not an answer; below it the bot asks back or declines. A
    # programme's name in a question about something else (iPhone 16是哪天上市的,
    # 知识产权专业考研哪个学校好考) is about a fifth of it: at 0.25 about as many wrong
    # answers became questions back as right answers did, and none left the offered set
    answer_coverage: float = 0.25


@dataclass(frozen=True, slots=True)
class Match:
    entry_id: str
    title: str
    path: tuple[str, ...]
    score: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    question: str
    normalized: str
    answered: bool
    matches: tuple[Match, ...]
    # not answered, but the candidates are plausible: ask which one was meant
    clarify: bool = False
    # eligibility self-checks of the programmes the question names (concept map)
    self_checks: tuple[str, ...] = ()
    # only thanks and acknowledgements (谢谢 / 收到,谢谢 / 好的): declined, not a question
    chatter: bool = False
    # declined because the question is about a subject no entry speaks of (发票, 天气):
    # the word found and the subject's label (outside_topics.yaml)
    outside: str = ""
    outside_label: str = ""
    # the subject is an enterprise's administrative matter an 企业服务专员 can take as a 诉求
    outside_request: bool = False

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


@dataclass(slots=True)
class _QueryTerm:
    term_id: int
    weight: float
    unit: int  # index of the query unit it stands for (-1: pinyin channel)


@dataclass(slots=True)
class _Unit:
    """One concept of the question (a word), with the index terms that stand for it."""

    text: str
    idf: float
    term_ids: set[int] = field(default_factory=set)
    factor: float = 1.0  # intent words and single characters count less

    @property
    def weight(self) -> float:
        return self.idf * self.factor


@dataclass(frozen=True, slots=True)
class Features:
    """What the ranking and the confidence of one candidate are computed from."""

    coverage: float  # share of the question's concepts found in the entry (idf-weighted)
    bm25: float  # BM25 relative to the best candidate
    strength: float  # BM25 relative to what a perfect match would score
    alt: float  # closest alternative question (rapidfuzz ratio)
    title: float  # title or keyword inside the question (rapidfuzz partial ratio)
    unmatched: float  # idf mass of question words the knowledge base does not know
    unknown_share: float = 0.0  # the same as a share of the question's idf mass
    concept: float = 0.0  # 1 when a concept of the question reaches the entry's terms
    content: bool = True  # the entry has one of the question's content words (not 申请 …)
    # 1 for an entry without keywords or alternative questions (imported as-is): its alt
    # and title features cannot be high, and the confidence model reads the rest for it
    bare: float = 0.0

    def vector(self) -> np.ndarray:
        """The inputs of the confidence model, in the order of MatcherConfig.confidence."""
        return np.array(
            [
                self.coverage,
                self.bm25 * self.strength,
                self.alt,
                self.title,
                self.strength,
                min(self.unmatched, 15.0) / 15.0,
                self.bare,
                self.bare * self.coverage,
                self.bare * self.bm25 * self.strength,
            ]
        )

    def scope_vector(self) -> np.ndarray:
        """The inputs of the scope model, in the order of MatcherConfig.scope."""
        return np.array(
            [self.coverage, self.strength, self.title, self.unknown_share, self.concept]
        )


class OwnText:
    """Whether one of the entries ``holders`` says ``name`` in its own text: title, body,
    what its guide says of the measure (支持对象, 支持内容, 申报条件), headings, keywords
    and alternative questions, but not its 申报材料: 发票 in 申报材料:展位费发票 is a paper
    to hand in, not a subject the library speaks of. The index holds 工作 and 许可 of
    工作许可 said in two places; the text says the name whole or not. One per set of
    entries, so the answers are kept per name."""

    def __init__(self, entries: Mapping[str, EntryView]) -> None:
        self._entries = entries
        self._said: dict[str, bool] = {}

    def __call__(self, name: str, holders: list[str]) -> bool:
        said = self._said.get(name)
        if said is None:
            said = self._said[name] = any(self._says(entry_id, name) for entry_id in holders)
        return said

    def _says(self, entry_id: str, name: str) -> bool:
        view = self._entries.get(entry_id)
        if view is None:
            return False
        said = [view.guide[f].value for f in OWN_GUIDE_FIELDS if f in view.guide]
        texts = (view.title, view.body, *said, *view.path, *view.keywords, *view.alt_questions)
        return any(name in unicodedata.normalize("NFKC", text).lower() for text in texts)


class Matcher:
    """Retrieval and ranking over a fixed set of entries."""

    # whether some entry's own text says a word, given the ids of the entries that may
    # (see _knows): set from the entries when built from them, by their owner
    # (services.knowledge) when read from a stored index or updated
    speaks_of: Callable[[str, list[str]], bool] | None = None

    def __init__(
        self,
        entries: Sequence[EntryView],
        *,
        segmenter: Segmenter,
        config: MatcherConfig | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
    ) -> None:
        self.config = config or MatcherConfig()
        self.segmenter = segmenter
        self.max_chars = max_chars
        self._segmenter_words = list(dict.fromkeys(k for e in entries for k in e.keywords))
        segmenter.add_words(self._segmenter_words)
        vocab: dict[str, int] = {}
        terms, docs, tfs = _Collector(self, vocab).collect(entries)
        self._install(
            words=list(vocab),
            counts=np.bincount(terms, minlength=len(vocab)),
            docs=docs,
            tfs=tfs,
            lengths=_lengths(docs, tfs, len(entries)),
            per_entry=_per_entry(entries),
        )
        self.speaks_of = OwnText({e.entry_id: e for e in entries})

    # ------------------------------------------------------------------ build
    def _entry_fields(self, entry: EntryView) -> list[tuple[str, float, bool, bool]]:
        """The texts of an entry that the index holds: (text, field weight, whether its
        pinyin bigrams are indexed too for the typo channel, whether it is the entry's
        own text rather than added by hand)."""
        c = self.config
        return [
            (entry.title, c.title, True, True),
            *((kw, c.keywords, True, False) for kw in entry.keywords),
            *((q, c.alt_questions, True, False) for q in entry.alt_questions),
            *((heading, c.path, False, True) for heading in entry.path),
            (entry.body, c.body, False, True),
        ]

    def _install(
        self,
        *,
        words: list[str],
        counts: np.ndarray,
        docs: np.ndarray,
        tfs: np.ndarray,
        lengths: np.ndarray,
        per_entry: _PerEntry,
        by_pinyin: dict[str, list[int]] | None = None,
    ) -> None:
        """Derive the searchable index from postings sorted by (term, doc), ``counts``
        of them per term: ``tfs`` are term frequencies × 10 (field weights are tenths),
        ``lengths`` in the same unit."""
        c = self.config
        n = len(per_entry.ids)
        self._concept_cache: dict[str, tuple[int, ...]] = {}
        self._ids, self._titles, self._display_titles = (
            per_entry.ids,
            per_entry.titles,
            per_entry.display,
        )
        self._paths, self._alts, self._keywords = (
            per_entry.paths,
            per_entry.alts,
            per_entry.keywords,
        )
        self._n = n
        self._words = words
        self._vocab = {w: i for i, w in enumerate(words)}
        # postings in one flat array per kind (CSR): term t owns [offsets[t], offsets[t+1])
        self._offsets = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(counts, out=self._offsets[1:])
        self._all_docs = np.ascontiguousarray(docs, dtype=np.int32)
        self._all_tfs = np.ascontiguousarray(tfs, dtype=np.uint16)  # kept for updates
        self._lengths = np.ascontiguousarray(lengths, dtype=np.int64)
        df = counts.astype(np.float64)
        self._idf = np.log(1 + (max(n, 1) - df + 0.5) / (df + 0.5)).astype(np.float32)
        # the average length from integer tenths: exact whatever the order of the entries
        avg = float(self._lengths.sum()) / 10 / n if n else 1.0
        norm = (c.k1 * (1 - c.b + c.b * (self._lengths / 10) / max(avg, 1e-6))).astype(np.float32)
        # BM25 weights need no more than half precision; it halves their memory
        self._all_weights = np.empty(len(docs), dtype=np.float16)
        for lo in range(0, len(docs), _CHUNK):  # in slices: a lower peak than all at once
            hi = min(lo + _CHUNK, len(docs))
            tf = (self._all_tfs[lo:hi] & _TF).astype(np.float32) / 10
            terms = np.searchsorted(self._offsets, np.arange(lo, hi), side="right") - 1
            idf = self._idf[terms]
            self._all_weights[lo:hi] = idf * tf * (c.k1 + 1) / (tf + norm[self._all_docs[lo:hi]])
        real = np.fromiter((not w.startswith(_PY) for w in words), dtype=bool, count=len(words))
        self._oov_idf = float(np.median(self._idf[real])) if real.any() else 1.0
        if by_pinyin is None:
            by_pinyin = {}
            for word, tid in self._vocab.items():
                _add_homophone(by_pinyin, word, tid)
        # homophones in a fixed order (by word), however the vocabulary grew
        for tids in by_pinyin.values():
            tids.sort(key=words.__getitem__)
        self._by_pinyin = by_pinyin

    def _postings(self, tid: int) -> np.ndarray:
        return self._all_docs[self._offsets[tid] : self._offsets[tid + 1]]

    def _term_of_postings(self) -> np.ndarray:
        return np.repeat(np.arange(len(self._words), dtype=np.int32), np.diff(self._offsets))

    # ------------------------------------------------------------ persistence
    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The whole built index as named arrays and JSON-able metadata (for
        ``knowledge.index_file``); ``from_arrays`` rebuilds an identical matcher."""
        arrays: dict[str, np.ndarray] = {
            "offsets": self._offsets,
            "docs": self._all_docs,
            "tfs": self._all_tfs,
            "weights": self._all_weights,
            "idf": self._idf,
            "lengths": self._lengths,
        }
        meta: dict[str, Any] = {
            "words": self._words,
            "by_pinyin": self._by_pinyin,
            "oov_idf": self._oov_idf,
            "ids": self._ids,
            "titles": self._titles,
            "display_titles": self._display_titles,
            "paths": self._paths,
            "alts": self._alts,
            "keywords": self._keywords,
            "segmenter_words": self._segmenter_words,
        }
        return arrays, meta

    @classmethod
    def from_arrays(
        cls,
        arrays: Mapping[str, np.ndarray],
        meta: Mapping[str, Any],
        *,
        segmenter: Segmenter,
        config: MatcherConfig | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
    ) -> Matcher:
        """A matcher over a stored index (the arrays may be read-only memory maps)."""
        self = cls.__new__(cls)
        self.config = config or MatcherConfig()
        self.segmenter = segmenter
        self.max_chars = max_chars
        segmenter.add_words(meta["segmenter_words"])
        self._segmenter_words = list(meta["segmenter_words"])
        self._ids = list(meta["ids"])
        self._titles = list(meta["titles"])
        self._display_titles = list(meta["display_titles"])
        self._paths = [tuple(p) for p in meta["paths"]]
        self._alts = [tuple(a) for a in meta["alts"]]
        self._keywords = [tuple(k) for k in meta["keywords"]]
        self._n = len(self._ids)
        self._words = list(meta["words"])
        self._vocab = {w: i for i, w in enumerate(self._words)}
        self._by_pinyin = {k: list(v) for k, v in meta["by_pinyin"].items()}
        self._oov_idf = float(meta["oov_idf"])
        self._offsets = arrays["offsets"]
        self._all_docs = arrays["docs"]
        self._all_tfs = arrays["tfs"]
        self._all_weights = arrays["weights"]
        self._idf = arrays["idf"]
        self._lengths = arrays["lengths"]
        self._concept_cache = {}
        return self

    # ------------------------------------------------------------ incremental
    def updated(self, order: Sequence[str], changed: Mapping[str, EntryView]) -> Matcher | None:
        """A new matcher over the entries ``order`` (ids, in index order) where
        ``changed`` holds every entry that is new or changed since this one was built;
        the others are reused as they are and ``self`` stays usable.

        None when only a full build gives the same answers: the kept entries changed
        their relative order, or new keywords would change how every text is cut.
        """
        old_pos = {entry_id: i for i, entry_id in enumerate(self._ids)}
        kept_new: list[int] = []
        kept_old: list[int] = []
        added: list[tuple[int, EntryView]] = []
        for i, entry_id in enumerate(order):
            view = changed.get(entry_id)
            if view is not None:
                added.append((i, view))
            elif entry_id in old_pos:
                kept_new.append(i)
                kept_old.append(old_pos[entry_id])
            else:
                raise KeyError(f"entry {entry_id} is neither in the index nor in changed")
        if any(a >= b for a, b in itertools.pairwise(kept_old)):
            return None
        if not self.segmenter.knows_words(k for _, v in added for k in v.keywords):
            return None
        n = len(order)
        new = type(self).__new__(type(self))
        new.config, new.segmenter, new.max_chars = self.config, self.segmenter, self.max_chars
        new._segmenter_words = list(
            dict.fromkeys([*self._segmenter_words, *(k for _, v in added for k in v.keywords)])
        )
        vocab = dict(self._vocab)
        a_terms, a_local, a_tfs = _Collector(new, vocab).collect([v for _, v in added])
        positions = np.asarray([i for i, _ in added], dtype=np.int64)
        lengths = np.zeros(n, dtype=np.int64)
        lengths[kept_new] = np.asarray(self._lengths)[kept_old]
        lengths[positions] = _lengths(a_local, a_tfs, len(added))
        a_docs = positions[a_local]  # positions ascend: still sorted by (term, doc)
        words = list(vocab)
        old_terms = len(self._words)
        docs: np.ndarray
        tfs: np.ndarray
        if len(kept_old) == self._n and (not added or added[0][0] >= self._n):
            # only new entries, after the old ones: each goes at the end of its term's
            # postings, and no term loses its last entry
            at = self._offsets[np.minimum(a_terms + 1, old_terms)]
            docs = np.insert(np.asarray(self._all_docs), at, a_docs)
            tfs = np.insert(np.asarray(self._all_tfs), at, a_tfs)
            counts = np.bincount(a_terms, minlength=len(words))
            counts[:old_terms] += np.diff(self._offsets)
            alive = np.ones(len(words), dtype=bool)
            term_ids = np.arange(len(words))
        else:
            remap = np.full(self._n, -1, dtype=np.int64)
            remap[np.asarray(kept_old, dtype=np.int64)] = kept_new
            terms = self._term_of_postings()
            new_docs = remap[self._all_docs]
            keep = new_docs >= 0
            terms, docs, tfs = terms[keep], new_docs[keep], np.asarray(self._all_tfs)[keep]
            stride = n + 1
            at = np.searchsorted(
                terms.astype(np.int64) * stride + docs, a_terms.astype(np.int64) * stride + a_docs
            )
            terms = np.insert(terms, at, a_terms)
            docs = np.insert(docs, at, a_docs)
            tfs = np.insert(tfs, at, a_tfs)
            # terms no entry uses any more leave the vocabulary, as in a full build
            counts = np.bincount(terms, minlength=len(words))
            alive = counts > 0
            term_ids = np.cumsum(alive) - 1
            counts = counts[alive]
        by_pinyin: dict[str, list[int]] = {}
        for key, tids in self._by_pinyin.items():
            live = [int(term_ids[t]) for t in tids if alive[t]]
            if live:
                by_pinyin[key] = live
        for word, tid in vocab.items():
            if tid >= old_terms and alive[tid]:
                _add_homophone(by_pinyin, word, int(term_ids[tid]))
        new._install(
            words=[w for w, a in zip(words, alive.tolist(), strict=True) if a],
            counts=counts,
            docs=docs,
            tfs=tfs,
            lengths=lengths,
            per_entry=_PerEntry.merged(self, order, kept_new, kept_old, added),
            by_pinyin=by_pinyin,
        )
        return new

    @property
    def size(self) -> int:
        return self._n

    @property
    def entry_ids(self) -> list[str]:
        """The ids of the indexed entries, in index order."""
        return self._ids

    # ------------------------------------------------------------------ query
    def _concept_terms(self, concept: Concept) -> tuple[int, ...]:
        """Index terms of a concept's policy terms: the term itself when the index has it
        as one token, else the most specific (highest idf) of its tokens of two or more
        characters: 股权托管交易中心 stands for 托管, not for every 中心 or 交易."""
        cached = self._concept_cache.get(concept.id)
        if cached is None:
            ids: dict[int, None] = {}
            for term in concept.terms:
                tid = self._vocab.get(term)
                if tid is not None:
                    ids[tid] = None
                    continue
                parts = [
                    pid
                    for part in self.segmenter.tokens(term)
                    if len(part) >= 2 and (pid := self._vocab.get(part)) is not None
                ]
                if parts:
                    ids[max(parts, key=lambda pid: float(self._idf[pid]))] = None
            cached = self._concept_cache[concept.id] = tuple(ids)
        return cached

    def _query(
        self, normalized: str, hits: list[tuple[Concept, str]] | None = None
    ) -> tuple[list[_Unit], list[_QueryTerm]]:
        """The question's units and index terms; ``hits`` are its concepts when the
        caller has already found them."""
        c = self.config
        seg = self.segmenter
        units: list[_Unit] = []
        terms: dict[int, _QueryTerm] = {}
        compact = normalized.replace(" ", "")
        if hits is None:
            hits = seg.lexicon.concepts_in(compact)
        named = seg.lexicon.concept_words_in(compact)

        def put(tid: int, weight: float, unit: int) -> None:
            if tid not in terms or terms[tid].weight < weight:
                terms[tid] = _QueryTerm(tid, weight, unit)

        tokens = list(dict.fromkeys(seg.tokens(normalized)))
        known = {
            t for t in tokens if t in self._vocab or seg.lexicon.synonyms(t) & self._vocab.keys()
        }
        # a word the index does not have that search mode also cut into parts (摊位费 →
        # 摊位, 外贸公司 → 外贸 + 公司) is not one more concept of the question: it joins
        # its first part's unit, so one meaning is not counted (or missed) twice
        compound: dict[str, str] = {}
        for token in tokens:
            part = next((p for p in tokens if p != token and len(p) >= 2 and p in token), None)
            if part is not None and token not in self._vocab:
                compound[token] = part
        unit_of: dict[str, int] = {}
        for token in tokens:
            # search mode also yields the parts of long words: they help retrieval but
            # are not separate concepts of the question when the whole word is known
            part_of_known = any(token != other and token in other for other in known)
            whole = compound.get(token)
            joined = whole is not None and whole in unit_of and not part_of_known
            index = unit_of[whole] if joined and whole else (-1 if part_of_known else len(units))
            weight = 0.5 if part_of_known else 1.0
            unit = units[index] if joined else _Unit(token, self._oov_idf)
            tid = self._vocab.get(token)
            if tid is not None:
                put(tid, weight, index)
                unit.term_ids.add(tid)
                unit.idf = float(self._idf[tid])
            # sorted: the order terms are added in decides float sums (and the hash of a
            # string, hence a set's order, changes from one process to the next)
            for syn in sorted(seg.lexicon.synonyms(token)):
                sid = self._vocab.get(syn)
                if sid is not None:
                    put(sid, weight * c.synonym_weight, index)
                    unit.term_ids.add(sid)
            for syn in sorted(seg.lexicon.related(token)):
                sid = self._vocab.get(syn)
                if sid is not None:
                    put(sid, weight * c.cilin_weight, index)
                    unit.term_ids.add(sid)
            for concept, word in named:
                if token in word or (word in token and len(token) > 1):
                    for cid in self._concept_terms(concept):
                        put(cid, weight * c.concept_weight, index)
                        unit.term_ids.add(cid)
            if joined:
                continue
            if not part_of_known:
                unit_of[token] = index
            if tid is None and unit.term_ids:
                unit.idf = max(float(self._idf[t]) for t in unit.term_ids)
            if len(token) == 1:
                unit.factor = c.single_char_factor
            if token in seg.lexicon.intents:
                unit.factor = c.intent_factor
            elif not unit.term_ids and len(token) >= 2:
                trade = seg.lexicon.as_a_trade(compact, token, hits, strict=True)
                unit.factor = c.intent_factor if trade else c.unknown_word_factor
            if not part_of_known:
                units.append(unit)
        for concept, word in hits:
            if any(u.text in word or word in u.text for u in units):
                continue  # stopwords only: the concept is a unit of its own
            unit = _Unit(word, self._oov_idf)
            for cid in self._concept_terms(concept):
                put(cid, c.concept_weight, len(units))
                unit.term_ids.add(cid)
            if unit.term_ids:
                unit.idf = max(float(self._idf[t]) for t in unit.term_ids)
                units.append(unit)
        for word, span in self._corrections(normalized, tokens):
            tid = self._vocab[word]
            # the typed words inside the misspelt span now stand for the corrected word
            inside = [u for u in units if not u.term_ids and u.text in span]
            for unit in inside:
                unit.term_ids.add(tid)
                unit.idf = max(unit.idf, float(self._idf[tid]))
            put(tid, c.correction_weight, units.index(inside[0]) if inside else -1)
        for gram in _pinyin_bigrams(normalized):
            gid = self._vocab.get(gram)
            if gid is not None:
                put(gid, c.pinyin_query_weight, -1)
        return units, list(terms.values())

    def _bm25(self, qterms: list[_QueryTerm]) -> np.ndarray:
        """BM25 where each word of the question scores an entry by the best of the terms
        that stand for it, plus ``expansion_share`` of the others (see MatcherConfig).

        The scores are float32 sums added term by term in query order; the additions are
        collected and applied by ``np.add.at`` (which adds in the order given), so each
        entry's sum is the same as from one ``+=`` per term. A posting's contribution is
        looked up by its float16 bit pattern in a table per query weight (see
        ``_weight_table``) rather than computed in float16 arithmetic, which numpy does
        element by element and was most of the time of a question.
        """
        share = self.config.expansion_share
        scores = np.zeros(self._n, dtype=np.float32)
        by_unit: dict[int, list[_QueryTerm]] = {}
        for qt in qterms:
            by_unit.setdefault(qt.unit, []).append(qt)
        bits = self._all_weights.view(np.uint16)
        docs_parts: list[np.ndarray] = []
        value_parts: list[np.ndarray] = []
        pending = 0  # postings gathered and not yet added
        for unit, group in by_unit.items():
            if unit < 0 or len(group) == 1:
                for qt in group:  # the typo channel and parts of known words add up
                    lo, hi = self._offsets[qt.term_id], self._offsets[qt.term_id + 1]
                    docs_parts.append(self._all_docs[lo:hi])
                    table = _weight_table(qt.weight, half=True)
                    value_parts.append(table.take(bits[lo:hi], mode="clip"))
                    pending += int(hi - lo)
                    if pending >= _PENDING:  # bounds the memory of the gathered arrays
                        _add_in_order(scores, docs_parts, value_parts)
                        pending = 0
                continue
            # best + share × (sum − best) = share × sum + (1 − share) × best
            spans = [(self._offsets[qt.term_id], self._offsets[qt.term_id + 1]) for qt in group]
            docs = np.concatenate([self._all_docs[lo:hi] for lo, hi in spans], dtype=np.intp)
            weights = np.concatenate(
                [
                    _weight_table(qt.weight, half=False).take(bits[lo:hi], mode="clip")
                    for qt, (lo, hi) in zip(group, spans, strict=True)
                ]
            )
            best = np.zeros(self._n, dtype=np.float32)
            np.maximum.at(best, docs, weights)  # weights are ≥ 0: the first one is kept
            docs_parts.append(docs)
            value_parts.append(share * weights)
            _add_in_order(scores, docs_parts, value_parts)
            pending = 0
            scores += (1 - share) * best
        _add_in_order(scores, docs_parts, value_parts)
        return scores

    def _corrections(self, normalized: str, tokens: list[str]) -> list[tuple[str, str]]:
        """Vocabulary words that sound like a span of the question but are not in it:
        homophone typos from pinyin input (融资担保肥率 → 费率, 小金规 → 小进规)."""
        words = [t for t in tokens if len(t) >= 2 and self.segmenter.is_word(t)]
        found: list[tuple[str, str]] = []
        for run in _CJK_RUN.findall(normalized):
            syllables = pinyin_of(run) if len(run) <= 40 else ()
            for size in range(min(6, len(run)), 1, -1):
                for start in range(len(run) - size + 1):
                    span = run[start : start + size]
                    if span in self._vocab:
                        continue
                    # most spans sound like no word of the index: looked up before the
                    # slower test below
                    homophones = self._by_pinyin.get("".join(syllables[start : start + size]))
                    if not homophones or any(span in w for w in words):
                        # a real word the user typed, or part of one (公积金 ⊅ 基金;
                        # 手里 is not a typo of 受理)
                        continue
                    for tid in homophones:
                        word = self._words[tid]
                        if word not in normalized and all(word != w for w, _ in found):
                            found.append((word, span))
        return found

    def search(self, question: str, *, top: int = 3) -> SearchResult:
        """Rank entries for ``question``.

        ``answered``: the best match is confident (above the threshold), clearly ahead of
        the second, and about the programme the question names. ``clarify``: not
        answered, but the best candidates are plausible, so the caller should ask which
        one was meant. Neither: off-topic or unknown, declined.
        """
        c = self.config
        normalized = normalize(question, max_chars=self.max_chars)
        compact = normalized.replace(" ", "")
        lexicon = self.segmenter.lexicon
        hits = lexicon.concepts_in(compact)
        ranked, units = self._ranked(normalized, c.candidates, hits)
        keys = [concept for concept, _ in hits if concept.key]
        raw = [self._confidence(f) for _, f in ranked[:3]]
        # a known wording of the best entry (e.g. one learned from use) is not ambiguous
        settled = bool(ranked) and ranked[0][1].alt >= c.exact_alt
        asking = False
        if ranked and keys and not settled:
            # the question names a programme: entries about it go first when asking
            about = [d for d, _ in ranked[:10] if any(self._is_about(d, k) for k in keys)]
            if about and not self._is_about(ranked[0][0], keys[0]):
                asking = True
                first = {d: i for i, d in enumerate(about)}
                ranked.sort(key=lambda p: first.get(p[0], len(first)))
            elif len(about) >= 2 and self._only_concepts(normalized, hits):
                asking = True  # "专精特新怎么申报": several entries are about it
        matches: list[Match] = []
        ceiling = 1.0
        for doc, features in ranked[: max(top, 1)]:
            # a lower-ranked entry is never reported as more certain than a higher one
            ceiling = min(ceiling, self._confidence(features))
            title, path = self._display_titles[doc], self._paths[doc]
            matches.append(Match(self._ids[doc], title, path, round(ceiling, 4)))
        best = raw[0] if raw else 0.0
        # the closest rival among the shown candidates, whichever rank the blend gave it
        tie = not settled and len(raw) > 1 and _logit(best) - _logit(max(raw[1:])) < c.tie_margin
        # one shared intent word (申请、条件) or character does not make a question about
        # the entry
        covered = bool(ranked) and ranked[0][1].content
        # unknown words naming the asking enterprise's line of business (文具 in 我开文具店的)
        trades = [u for u in units if self._names_a_trade(compact, u)]
        confident = (
            covered
            and best >= c.threshold
            and _asked_coverage(units, trades, ranked[0][1]) >= c.answer_coverage
        )
        # how to write a job ad or lay out a stand, not asking for support: no policy
        # answers it, however close an entry's words (招聘, 展位) are
        support = lexicon.asks_support(compact, hits)
        task = not settled and not support and lexicon.asks_a_task(compact)
        answered = confident and not tie and not asking and not task
        # asks for support, or speaks as an enterprise (我们, 店, 开花店的): a question the
        # entries only touch is asked back only then, and a confident entry keeps a listed
        # subject in only then — 今年明前龙井啥时候上市 and 外贸邮件结尾写best regards还是kind
        # regards share a word with the policies, not their subject
        in_scope = support or bool(trades) or lexicon.speaks_as_enterprise(compact)
        likely = sum(raw) >= c.offer_floor
        plausible = (
            covered
            and len(matches) > 1
            and (likely or self._scope(ranked[0][1]) >= c.scope_threshold)
            and in_scope
        )
        clarify = not answered and not task and (asking or (confident and tie) or plausible)
        # _ranked finds nothing for chatter, so the test only runs when nothing was found
        chatter = not ranked and self._chatter(normalized)
        outside, topic = (
            ("", None)
            if settled or chatter
            else self._outside(
                normalized,
                units,
                ranked[0][0] if ranked else None,
                hits,
                confident=confident and in_scope,
            )
        )
        if outside:
            answered = clarify = False
        checks = tuple(dict.fromkeys(k.self_check for k, _ in hits if k.self_check))
        return SearchResult(
            question,
            normalized,
            answered,
            tuple(matches),
            clarify,
            checks,
            chatter,
            outside,
            topic.label if topic else "",
            topic is not None and topic.request,
        )

    def _names_a_trade(self, compact: str, unit: _Unit) -> bool:
        """Whether ``unit`` is a word the index does not know that names the asking
        enterprise's line of business (文具 in 我开文具店的)."""
        return (
            not unit.term_ids
            and len(unit.text) >= 2
            and self.segmenter.lexicon.names_a_trade(compact, unit.text)
        )

    def _outside(
        self,
        normalized: str,
        units: list[_Unit],
        best: int | None,
        hits: list[tuple[Concept, str]],
        *,
        confident: bool,
    ) -> tuple[str, OutsideTopic | None]:
        """A word of the question naming a subject the knowledge base has nothing on
        (outside_topics.yaml: 发票, 天气 …), with the subject. Empty when every
        such word is said by some entry or names the asking enterprise's line of business
        in a question asking for support (开宠物店的能申请创业补贴吗); when the best entry
        is about a programme the question names that the subject is a step of (``within``:
        个体户转公司要换营业执照吗 is about 个转企); and when the best entry, confident (if
        tied with another, as a notice and the work plan on one measure are) in a question
        asking for support or speaking as an enterprise (``confident`` says both), or about
        a programme the question names, covers at least as much of the rest of the question
        as the word weighs (个体户注销后成立公司有奖励吗 is answered; 上市 does not
        keep 小米上市几年了,市值多少 in, nor 外贸 an insurance claim about going abroad)."""
        lexicon = self.segmenter.lexicon
        compact = normalized.replace(" ", "")
        found = lexicon.outside_in(compact)
        if not found:
            return "", None
        keys = [c for c, _ in hits if c.key and best is not None and self._is_about(best, c)]
        for topic, word in found:
            # 年报 in 今年 | 报名 is not said; 车贷 in 买车 | 贷款 is, as 买车 is outside too
            across = self.segmenter.across_words(compact, word) and not any(
                other != word and _overlap(compact, word, other) for _, other in found
            )
            if across or self._knows(word) or lexicon.as_a_trade(compact, word, hits):
                continue
            if any(c.id in topic.within for c in keys):
                return "", None
            if (
                (confident or keys)
                and best is not None
                and self._covers_rest(units, best, word, compact)
            ):
                return "", None
            return word, topic
        return "", None

    def _knows(self, word: str) -> bool:
        """Whether some entry speaks of ``word``. From the index alone: the word is a term,
        or each of the words it is made of is (失业保险: 失业 and 保险). With ``speaks_of``
        set, the entries holding those terms are asked whether their own text says it (a
        申报材料 list naming 展位费发票 does not make 发票 a subject of the library; 工作 and
        许可 in two places are not 工作许可). An outside word has no synonym of the domain's
        (tested), and 词林's are too loose for it: 担保人 stands beside 总负责人 there."""
        holders = self._holders(word)
        return holders is not None and (self.speaks_of is None or self.speaks_of(word, holders))

    def _holders(self, name: str) -> list[str] | None:
        """The ids of the entries whose index terms include ``name``, or all the words it is
        made of; None when the index does not hold them."""
        tid = self._vocab.get(name)
        if tid is not None:
            docs = self._postings(tid)
        else:
            parts = [p for p in self.segmenter.tokens(name) if p != name]
            if len(parts) < 2 or not all(len(p) >= 2 and p in self._vocab for p in parts):
                return None
            docs = self._postings(self._vocab[parts[0]])
            for part in parts[1:]:
                docs = np.intersect1d(docs, self._postings(self._vocab[part]))
        return [self._ids[int(d)] for d in docs]

    def _covers_rest(self, units: list[_Unit], doc: int, word: str, compact: str) -> bool:
        """Whether entry ``doc`` covers at least as much of the question's other words
        (``units``, idf-weighted) as the units that hold ``word`` weigh; a unit of 信用卡 is
        matched through its part 信用, so what the entry covers of it does not count. A
        unit holds the word when they overlap in the question: 买车贷款 is cut 买车 + 贷款,
        and both are the words of 车贷 there."""
        total = sum(u.weight for u in units) or 1.0
        held = [u for u in units if word in u.text or _overlap(compact, u.text, word)]
        rest = [u for u in units if u not in held]
        if not rest:
            return False
        covered = self._coverage(rest, np.array([doc]), {})[0][0]
        rest_share = sum(u.weight for u in rest) / total
        return covered * rest_share >= 1.0 - rest_share

    def _chatter(self, normalized: str) -> bool:
        """Whether the message is chatter: only pleasantries and stopwords, with at least
        one pleasantry (谢谢 is also a stopword, so it is looked for in the text itself).
        The one rule for both skipping the search and ``SearchResult.chatter``."""
        lexicon = self.segmenter.lexicon
        # the substring test first: most questions contain no pleasantry and are not cut
        if not any(p in normalized for p in lexicon.pleasantries):
            return False
        return all(word in lexicon.pleasantries for word in self.segmenter.tokens(normalized))

    def _is_about(self, doc: int, concept: Concept) -> bool:
        """Whether an entry is about a concept: one of its terms is in the entry's title,
        keywords or alternative questions (or, for an entry that has none of those, in
        its text)."""
        texts = (self._titles[doc], *self._keywords[doc], *self._alts[doc])
        if any(term in text for term in concept.terms for text in texts):
            return True
        if self._keywords[doc] or self._alts[doc]:
            return False
        return any(self._contains(doc, tid) for tid in self._concept_terms(concept))

    def _contains(self, doc: int, tid: int) -> bool:
        docs = self._postings(tid)
        where = int(np.searchsorted(docs, doc))
        return where < len(docs) and int(docs[where]) == doc

    def _only_concepts(self, normalized: str, hits: list[tuple[Concept, str]]) -> bool:
        """The question names concepts and otherwise only says what it wants (申报、条件)."""
        rest = normalized.replace(" ", "")
        for _, word in hits:
            rest = rest.replace(word, "")
        lexicon = self.segmenter.lexicon
        return all(len(tok) == 1 or tok in lexicon.intents for tok in self.segmenter.tokens(rest))

    def explain(self, question: str, *, top: int = 3) -> list[tuple[str, Features, float]]:
        """The features behind the ranking (for calibration and debugging)."""
        normalized = normalize(question, max_chars=self.max_chars)
        hits = self.segmenter.lexicon.concepts_in(normalized.replace(" ", ""))
        ranked = self._ranked(normalized, self._n, hits)[0][:top]
        return [(self._ids[doc], f, self._confidence(f)) for doc, f in ranked]

    def _ranked(
        self, normalized: str, limit: int, hits: list[tuple[Concept, str]]
    ) -> tuple[list[tuple[int, Features]], list[_Unit]]:
        """Up to ``limit`` BM25 candidates with their features, best first, and the
        question's units they were scored on; no candidates for chatter (收到,谢谢 / 好的 /
        知道了), which is not a question about anything."""
        if not normalized or self._n == 0 or self._chatter(normalized):
            return [], []
        units, qterms = self._query(normalized, hits)
        if not qterms or not units:
            # no word of the question is more than a function word (可以 / 怎么办): the
            # typo and pinyin channels alone would find homophones
            return [], units
        scores = self._bm25(qterms)
        k = min(limit, self._n)
        cand = np.argpartition(-scores, k - 1)[:k] if k < self._n else np.arange(self._n)
        cand = np.sort(cand[scores[cand] > 0])
        if len(cand) == 0:
            return [], units
        max_possible = sum(u.weight for u in units) * (self.config.k1 + 1)
        features = self._features(units, cand, scores, max_possible, normalized, hits)
        pairs = list(zip(cand.tolist(), features, strict=True))
        pairs.sort(key=lambda pair: (-self._rank(pair[1]), pair[0]))
        return pairs, units

    def _features(
        self,
        units: list[_Unit],
        cand: np.ndarray,
        scores: np.ndarray,
        max_possible: float,
        normalized: str,
        hits: list[tuple[Concept, str]],
    ) -> list[Features]:
        looked: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        coverage, content = self._coverage(units, cand, looked)
        compact = normalized.replace(" ", "")
        unmatched = sum(u.weight for u in units if not u.term_ids)
        share = unmatched / (sum(u.weight for u in units) or 1.0)
        concept_docs = self._concept_docs(cand, hits, looked)
        docs = cand.tolist()
        points = scores[cand].tolist()
        top_bm = max(points)
        alts = self._alt_similarities(compact, docs)
        titles = self._title_similarities(compact, docs)
        perfect = max(max_possible, 1e-6)
        return [
            Features(
                coverage=coverage[pos],
                bm25=points[pos] / top_bm,
                strength=min(1.0, points[pos] / perfect * 2),
                alt=alts[pos],
                title=titles[pos],
                unmatched=unmatched,
                unknown_share=share,
                concept=float(doc in concept_docs),
                content=content[pos],
                bare=float(not self._alts[doc] and not self._keywords[doc]),
            )
            for pos, doc in enumerate(docs)
        ]

    def _rank(self, f: Features) -> float:
        c = self.config
        return (
            c.w_coverage * f.coverage
            + c.w_bm25 * f.bm25 * f.strength
            + c.w_alt * f.alt
            + c.w_title * f.title
        )

    def _confidence(self, f: Features) -> float:
        b = self.config.confidence
        return _sigmoid(b[0] + float(np.dot(b[1:], f.vector())))

    def _scope(self, f: Features) -> float:
        b = self.config.scope
        return _sigmoid(b[0] + float(np.dot(b[1:], f.scope_vector())))

    def _concept_docs(
        self,
        cand: np.ndarray,
        hits: list[tuple[Concept, str]],
        looked: dict[int, tuple[np.ndarray, np.ndarray]],
    ) -> set[int]:
        """The candidates that contain a term of a concept the question names (looked up
        per candidate: a common term's postings name most of a large index)."""
        found = np.zeros(len(cand), dtype=bool)
        for concept, _ in hits:
            if concept.intent:
                continue  # asking for money does not say what the question is about
            for tid in self._concept_terms(concept):
                found |= self._in_postings(tid, cand, looked)[0]
        return set(cand[found].tolist())

    def _in_postings(
        self, tid: int, cand: np.ndarray, looked: dict[int, tuple[np.ndarray, np.ndarray]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per candidate (ascending entry positions): whether term ``tid`` is in it, and
        whether in its own text; ``looked`` keeps the answers for this question (the
        words of a question and its concepts share terms)."""
        known = looked.get(tid)
        if known is None:
            lo, hi = self._offsets[tid], self._offsets[tid + 1]
            docs = self._all_docs[lo:hi]
            # past the end: "clip" compares with the last posting, which is not the entry
            where = docs.searchsorted(cand)
            found = docs.take(where, mode="clip") == cand
            own = found & (self._all_tfs[lo:hi].take(where, mode="clip") >= _OWN)
            known = looked[tid] = (found, own)
        return known

    def _coverage(
        self,
        units: list[_Unit],
        cand: np.ndarray,
        looked: dict[int, tuple[np.ndarray, np.ndarray]],
    ) -> tuple[list[float], list[bool]]:
        """Per candidate: the idf-weighted share of the question's units it contains (a
        unit only in its keywords or alternative questions counts ``hand_coverage``), and
        whether it contains a content unit (a word of two or more characters that is not
        an intent word such as 申请、办理)."""
        total = sum(u.weight for u in units) or 1.0
        intents = self.segmenter.lexicon.intents
        hits = np.zeros(len(cand), dtype=np.float64)
        content = np.zeros(len(cand), dtype=bool)
        hand = self.config.hand_coverage
        for unit in units:
            present = np.zeros(len(cand), dtype=bool)
            own = np.zeros(len(cand), dtype=bool)
            for tid in unit.term_ids:
                found, found_own = self._in_postings(tid, cand, looked)
                present |= found
                own |= found_own
            hits += unit.weight * np.where(own, 1.0, hand * present)
            if len(unit.text) >= 2 and unit.text not in intents:
                content |= present
        return (hits / total).tolist(), content.tolist()

    def _alt_similarities(self, compact: str, docs: list[int]) -> list[float]:
        """Per entry, its closest alternative question (rapidfuzz ratio); the entries
        share alternative questions, and each is compared with the question once."""
        seen: dict[str, float] = {}
        out: list[float] = []
        for doc in docs:
            best = 0.0
            for alt in self._alts[doc]:
                score = seen.get(alt)
                if score is None:
                    score = seen[alt] = fuzz.ratio(compact, alt)
                if score > best:
                    best = score
            out.append(best / 100.0)
        return out

    def _title_similarities(self, compact: str, docs: list[int]) -> list[float]:
        """Per entry, its title or a keyword inside the question (rapidfuzz partial
        ratio, a keyword of under four characters counting less); the entries share
        titles and keywords, and each is compared with the question once."""
        titles: dict[str, float] = {}
        keywords: dict[str, float] = {}  # partial ratio × the keyword's factor
        out: list[float] = []
        for doc in docs:
            title = self._titles[doc]
            best = titles.get(title)
            if best is None:
                best = titles[title] = fuzz.partial_ratio(title, compact)
            for kw in self._keywords[doc]:
                value = keywords.get(kw)
                if value is None:
                    if len(kw) < 2:
                        value = keywords[kw] = -1.0  # one character says nothing
                    else:
                        factor = min(1.0, len(kw) / 4)
                        if 100 * factor <= best:
                            continue  # a ratio is at most 100: it cannot do better here
                        value = keywords[kw] = fuzz.partial_ratio(kw, compact) * factor
                if value > best:
                    best = value
            out.append(best / 100.0)
        return out


def index_compat(config: MatcherConfig, lexicon: Lexicon) -> dict[str, object]:
    """What a stored index must have been built with to be used: this format, the same
    build weights (the answer threshold aside), lexicon and tokenizer versions."""
    build_config = repr(dataclasses.replace(config, threshold=0.0))
    words = json.dumps(
        [
            sorted(lexicon.user_words.items()),
            lexicon.groups,
            sorted(lexicon.stopwords),
            sorted(lexicon.intents),
            # concept words and terms are dictionary words: they change how texts are cut
            [(c.words, c.terms, c.pairs) for c in lexicon.concepts],
        ],
        ensure_ascii=False,
    )
    return {
        "format": INDEX_FORMAT,
        "config": hashlib.sha256(build_config.encode("utf-8")).hexdigest(),
        "lexicon": hashlib.sha256(words.encode("utf-8")).hexdigest(),
        "libraries": {name: version(name) for name in ("jieba", "pypinyin", "opencc")},
    }


@dataclass(slots=True)
class _PerEntry:
    """What the re-ranking reads of each entry, by index position."""

    ids: list[str]
    titles: list[str]  # compact forms for rapidfuzz
    display: list[str]
    paths: list[tuple[str, ...]]
    alts: list[tuple[str, ...]]
    keywords: list[tuple[str, ...]]

    @classmethod
    def merged(
        cls,
        old: Matcher,
        order: Sequence[str],
        kept_new: list[int],
        kept_old: list[int],
        added: list[tuple[int, EntryView]],
    ) -> _PerEntry:
        fresh = _per_entry([view for _, view in added])

        def fill(before: list[Any], now: list[Any]) -> list[Any]:
            out: list[Any] = [None] * len(order)
            for new_pos, old_pos in zip(kept_new, kept_old, strict=True):
                out[new_pos] = before[old_pos]
            for j, (new_pos, _) in enumerate(added):
                out[new_pos] = now[j]
            return out

        return cls(
            ids=list(order),
            titles=fill(old._titles, fresh.titles),
            display=fill(old._display_titles, fresh.display),
            paths=fill(old._paths, fresh.paths),
            alts=fill(old._alts, fresh.alts),
            keywords=fill(old._keywords, fresh.keywords),
        )


def _per_entry(entries: Sequence[EntryView]) -> _PerEntry:
    # the compact forms used for rapidfuzz; identical strings are stored once
    shared: dict[str, str] = {}
    done: dict[str, str] = {}

    def compact(text: str) -> str:
        found = done.get(text)
        if found is None:
            key = normalize(text).replace(" ", "")
            found = done[text] = shared.setdefault(key, key)
        return found

    return _PerEntry(
        ids=[e.entry_id for e in entries],
        titles=[compact(e.title) for e in entries],
        display=[e.title for e in entries],
        paths=[e.path for e in entries],
        alts=[tuple(compact(q) for q in e.alt_questions) for e in entries],
        keywords=[tuple(compact(k) for k in e.keywords) for e in entries],
    )


class _Collector:
    """Turns entries into postings sorted by (term, entry) with tf × 10 (field weights
    are tenths, so frequencies add up exactly).

    Each distinct text chunk is cut once: jieba cuts every run between spaces on its
    own, so a chunk's tokens do not depend on its neighbours, and policy texts repeat
    headings and phrases a lot. Tokens become term ids as they are first seen; the
    counting is numpy work over all the entries of a batch.
    """

    BATCH = 8192  # entries per np.unique: bounds the memory of the token arrays
    _KEEP = 200  # texts up to this length are remembered (headings, titles, keywords)

    def __init__(self, matcher: Matcher, vocab: dict[str, int]) -> None:
        self._matcher = matcher
        self._vocab = vocab
        self._chunks: dict[str, list[int]] = {}
        self._fields: dict[tuple[str, bool], tuple[np.ndarray, np.ndarray | None]] = {}

    def _field(self, text: str, pinyin: bool) -> tuple[np.ndarray, np.ndarray | None]:
        found = self._fields.get((text, pinyin))
        if found is not None:
            return found
        vocab, chunks, segmenter = self._vocab, self._chunks, self._matcher.segmenter
        normalized = normalize(text, max_chars=100_000)
        ids: list[int] = []
        for chunk in normalized.split(" "):
            chunk_ids = chunks.get(chunk)
            if chunk_ids is None:
                chunk_ids = chunks[chunk] = [
                    vocab.setdefault(token, len(vocab)) for token in segmenter.tokens(chunk)
                ]
            ids += chunk_ids
        grams = None
        if pinyin:
            grams = np.array(
                [vocab.setdefault(g, len(vocab)) for g in _pinyin_bigrams(normalized)],
                dtype=np.int64,
            )
        found = (np.array(ids, dtype=np.int64), grams)
        if len(text) <= self._KEEP:
            self._fields[(text, pinyin)] = found
        return found

    def collect(self, entries: Sequence[EntryView]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(terms, docs, tfs) of ``entries`` (docs numbered from 0), sorted by (term, doc)."""
        stride = max(len(entries), 1)
        pinyin_weight = round(self._matcher.config.pinyin * 10)
        batches: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for start in range(0, len(entries), self.BATCH):
            parts: list[np.ndarray] = []
            part_docs: list[int] = []
            part_weights: list[int] = []
            part_own: list[bool] = []
            for doc, entry in enumerate(entries[start : start + self.BATCH], start):
                for text, weight, pinyin, own in self._matcher._entry_fields(entry):
                    ids, grams = self._field(text, pinyin)
                    parts.append(ids)
                    part_docs.append(doc)
                    part_weights.append(round(weight * 10))
                    part_own.append(own)
                    if grams is not None:
                        parts.append(grams)
                        part_docs.append(doc)
                        part_weights.append(pinyin_weight)
                        part_own.append(own)
            lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
            ids = np.concatenate(parts)
            docs = np.repeat(np.asarray(part_docs, dtype=np.int64), lengths)
            weights = np.repeat(np.asarray(part_weights, dtype=np.float64), lengths)
            owned = np.repeat(np.asarray(part_own, dtype=np.float64), lengths)
            keys, inverse = np.unique(ids * stride + docs, return_inverse=True)
            tfs = np.minimum(np.bincount(inverse, weights=weights), _TF).astype(np.uint16)
            tfs[np.bincount(inverse, weights=owned) > 0] |= _OWN
            del ids, docs, weights, owned, inverse
            batches.append(
                ((keys // stride).astype(np.int32), (keys % stride).astype(np.int32), tfs)
            )
        return _merge_sorted(batches, len(self._vocab))


def _merge_sorted(
    batches: list[tuple[np.ndarray, np.ndarray, np.ndarray]], terms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One (term, doc)-sorted postings list from batches that are each sorted and hold
    ascending docs: every batch's postings of a term go after the earlier batches' ones
    (placed by counting, never sorted again; each batch is freed once placed)."""
    if not batches:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.uint16)
    counts = [np.bincount(b[0], minlength=terms) for b in batches]
    total = np.sum(counts, axis=0)
    offsets = np.zeros(terms + 1, dtype=np.int64)
    np.cumsum(total, out=offsets[1:])
    out_docs = np.empty(int(offsets[-1]), dtype=np.int32)
    out_tfs = np.empty(int(offsets[-1]), dtype=np.uint16)
    filled = offsets[:-1].copy()  # where each term's next batch starts writing
    while batches:
        b_terms, b_docs, b_tfs = batches.pop(0)
        b_counts = counts.pop(0)
        starts = np.zeros(terms, dtype=np.int64)
        np.cumsum(b_counts[:-1], out=starts[1:])
        rank = np.arange(len(b_terms), dtype=np.int64) - starts[b_terms]
        where = filled[b_terms] + rank
        out_docs[where] = b_docs
        out_tfs[where] = b_tfs
        filled += b_counts
    return np.repeat(np.arange(terms, dtype=np.int32), total), out_docs, out_tfs


def _add_homophone(by_pinyin: dict[str, list[int]], word: str, tid: int) -> None:
    """Index a Chinese word of two or more characters by its pinyin (typo channel)."""
    if not word.startswith(_PY) and len(word) >= 2 and _is_cjk(word):
        by_pinyin.setdefault("".join(pinyin_of(word)), []).append(tid)


def _lengths(docs: np.ndarray, tfs: np.ndarray, n: int) -> np.ndarray:
    """Entry lengths in tenths (integers: the sum does not depend on the order)."""
    return np.bincount(docs, weights=tfs & _TF, minlength=n).astype(np.int64)


_HALVES = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)
_TABLES: dict[tuple[float, bool], np.ndarray] = {}


def _weight_table(weight: float, *, half: bool) -> np.ndarray:
    """What a posting of BM25 weight ``h`` (float16) adds for a query term of ``weight``,
    for each of the 65,536 float16 bit patterns, computed as the plain expressions are:
    ``half``: ``weight * h`` in float16 arithmetic (a Python float times a float16 array
    stays float16), widened to float32; else ``weight * float32(h)`` in float32. A
    float16 product is the float32 product (exact: 11 × 11 significant bits) rounded to
    float16, which the table does once per bit pattern instead of once per posting. The
    few query weights there are (products of the configuration's weights) make few
    tables; the cache is emptied if it grows. Read with ``take(bits, mode="clip")``:
    every uint16 is a valid position, and "clip" skips the bounds checks."""
    key = (weight, half)
    table = _TABLES.get(key)
    if table is None:
        # the patterns no posting has (infinities, NaN, the largest) may overflow: no matter
        with np.errstate(over="ignore", invalid="ignore"):
            if half:
                table = (np.float16(weight).astype(np.float32) * _HALVES).astype(np.float16)
                table = table.astype(np.float32)
            else:
                table = np.float32(weight) * _HALVES
        if len(_TABLES) >= 32:
            _TABLES.clear()
        _TABLES[key] = table
    return table


def _add_in_order(scores: np.ndarray, docs: list[np.ndarray], values: list[np.ndarray]) -> None:
    """Add ``values`` at ``docs``, part after part (``np.add.at`` adds in the order given,
    so each score is summed in the same order as by one ``+=`` per part); empties both."""
    if docs:
        np.add.at(scores, np.concatenate(docs, dtype=np.intp), np.concatenate(values))
        docs.clear()
        values.clear()


def _asked_coverage(units: list[_Unit], trades: list[_Unit], best: Features) -> float:
    """The share of the question the best entry covers, leaving out ``trades``, the words
    that only say who asks: an unknown word naming the enterprise's line of business (文具
    in 我开文具店的 … 能不能参加政府采购) is not something the answer should cover."""
    total = sum(u.weight for u in units)
    trade = sum(u.weight for u in trades)
    if not trade or total <= trade:
        return best.coverage
    return best.coverage * total / (total - trade)


def _overlap(text: str, word: str, other: str) -> bool:
    """Whether an occurrence of ``word`` in ``text`` overlaps one of ``other``."""
    return any(a < e and s < b for a, b in spans(text, word) for s, e in spans(text, other))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def _pinyin_bigrams(normalized: str) -> list[str]:
    grams: list[str] = []
    for run in _CJK_RUN.findall(normalized):
        syllables = pinyin_of(run) if len(run) <= 16 else ()
        grams.extend(f"{_PY}{a}_{b}" for a, b in itertools.pairwise(syllables))
    return grams
