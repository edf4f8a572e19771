"""The question matcher: normalise, segment, expand, retrieve (BM25 over an inverted
index), then re-rank with rapidfuzz and calibrate a confidence in [0, 1].

Pure domain code: no telegram, no database. Build once per knowledge-base version;
``search`` is cheap and thread-safe (read-only after construction).
"""

from __future__ import annotations

import itertools
import math
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from knowledge.lexicon import Segmenter, pinyin_of
from knowledge.model import EntryView
from knowledge.text import DEFAULT_MAX_CHARS, normalize

_PY = "\x01"  # prefix of pinyin-bigram terms (typo channel)
_NO_DOCS: array[int] = array("i")
_NO_TFS: array[int] = array("H")


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
    synonym_weight: float = 0.7
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
    # order: bias, coverage, bm25*strength, alt, title, strength, unmatched/15
    confidence: tuple[float, ...] = (-7.649, 3.353, 2.454, 3.555, 2.914, 2.542, 1.886)
    threshold: float = 0.5


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
            ]
        )


class Matcher:
    """Retrieval and ranking over a fixed set of entries."""

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
        # the compact forms used for rapidfuzz; identical strings are stored once
        shared: dict[str, str] = {}

        def compact(text: str) -> str:
            key = normalize(text).replace(" ", "")
            return shared.setdefault(key, key)

        self._ids = [e.entry_id for e in entries]
        self._titles = [compact(e.title) for e in entries]
        self._display_titles = [e.title for e in entries]
        self._paths = [e.path for e in entries]
        self._alts = [tuple(compact(q) for q in e.alt_questions) for e in entries]
        self._keywords = [tuple(compact(k) for k in e.keywords) for e in entries]
        segmenter.add_words(k for e in entries for k in e.keywords)
        self._build(entries)

    # ------------------------------------------------------------------ build
    def _entry_terms(self, entry: EntryView) -> dict[str, float]:
        c = self.config
        tf: dict[str, float] = {}

        def add(text: str, weight: float, pinyin: bool = False) -> None:
            normalized = normalize(text, max_chars=100_000)
            for tok in self.segmenter.tokens(normalized):
                tf[tok] = tf.get(tok, 0.0) + weight
            if pinyin:
                for gram in _pinyin_bigrams(normalized):
                    tf[gram] = tf.get(gram, 0.0) + c.pinyin

        add(entry.title, c.title, pinyin=True)
        for kw in entry.keywords:
            add(kw, c.keywords, pinyin=True)
        for q in entry.alt_questions:
            add(q, c.alt_questions, pinyin=True)
        for heading in entry.path:
            add(heading, c.path)
        add(entry.body, c.body)
        return tf

    def _build(self, entries: Sequence[EntryView]) -> None:
        vocab: dict[str, int] = {}
        post_docs: list[array[int]] = []
        post_tf: list[array[int]] = []  # term frequency × 10 (field weights are tenths)
        lengths = np.zeros(len(entries), dtype=np.float32)
        for doc, entry in enumerate(entries):
            tf = self._entry_terms(entry)
            lengths[doc] = sum(tf.values())
            for term, freq in tf.items():
                tid = vocab.get(term)
                if tid is None:
                    tid = vocab[term] = len(vocab)
                    post_docs.append(array("i"))
                    post_tf.append(array("H"))
                post_docs[tid].append(doc)
                post_tf[tid].append(min(65535, round(freq * 10)))
        n = max(len(entries), 1)
        avg = float(lengths.mean()) if len(entries) else 1.0
        c = self.config
        self._vocab = vocab
        # postings in one flat array per kind (CSR): term t owns [offsets[t], offsets[t+1])
        counts = np.fromiter((len(p) for p in post_docs), dtype=np.int64, count=len(post_docs))
        self._offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(counts, out=self._offsets[1:])
        self._all_docs = np.empty(int(self._offsets[-1]), dtype=np.int32)
        # BM25 weights need no more than half precision; it halves their memory
        self._all_weights = np.empty(int(self._offsets[-1]), dtype=np.float16)
        df = counts.astype(np.float64)
        self._idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = (c.k1 * (1 - c.b + c.b * lengths / max(avg, 1e-6))).astype(np.float32)
        for tid in range(len(vocab)):
            lo, hi = self._offsets[tid], self._offsets[tid + 1]
            docs = np.frombuffer(post_docs[tid], dtype=np.int32)
            tfs = np.frombuffer(post_tf[tid], dtype=np.uint16).astype(np.float32) / 10
            self._all_docs[lo:hi] = docs
            self._all_weights[lo:hi] = self._idf[tid] * tfs * (c.k1 + 1) / (tfs + norm[docs])
            post_docs[tid], post_tf[tid] = _NO_DOCS, _NO_TFS  # free as we go: lower peak
        self._n = len(entries)
        real = [self._idf[t] for w, t in vocab.items() if not w.startswith(_PY)]
        self._oov_idf = float(np.median(real)) if real else 1.0
        self._words = list(vocab)
        self._by_pinyin: dict[str, list[int]] = {}
        for word, tid in vocab.items():
            if not word.startswith(_PY) and len(word) >= 2 and _is_cjk(word):
                self._by_pinyin.setdefault("".join(pinyin_of(word)), []).append(tid)

    def _postings(self, tid: int) -> np.ndarray:
        return self._all_docs[self._offsets[tid] : self._offsets[tid + 1]]

    @property
    def size(self) -> int:
        return self._n

    # ------------------------------------------------------------------ query
    def _query(self, normalized: str) -> tuple[list[_Unit], list[_QueryTerm]]:
        c = self.config
        seg = self.segmenter
        units: list[_Unit] = []
        terms: dict[int, _QueryTerm] = {}

        def put(tid: int, weight: float, unit: int) -> None:
            if tid not in terms or terms[tid].weight < weight:
                terms[tid] = _QueryTerm(tid, weight, unit)

        tokens = list(dict.fromkeys(seg.tokens(normalized)))
        known = {
            t for t in tokens if t in self._vocab or seg.lexicon.synonyms(t) & self._vocab.keys()
        }
        for token in tokens:
            # search mode also yields the parts of long words: they help retrieval but
            # are not separate concepts of the question when the whole word is known
            part_of_known = any(token != other and token in other for other in known)
            index = -1 if part_of_known else len(units)
            weight = 0.5 if part_of_known else 1.0
            unit = _Unit(token, self._oov_idf)
            tid = self._vocab.get(token)
            if tid is not None:
                put(tid, weight, index)
                unit.term_ids.add(tid)
                unit.idf = float(self._idf[tid])
            for syn in seg.lexicon.synonyms(token):
                sid = self._vocab.get(syn)
                if sid is not None:
                    put(sid, weight * c.synonym_weight, index)
                    unit.term_ids.add(sid)
            if tid is None and unit.term_ids:
                unit.idf = max(float(self._idf[t]) for t in unit.term_ids)
            if len(token) == 1:
                unit.factor = c.single_char_factor
            if token in seg.lexicon.intents:
                unit.factor = c.intent_factor
            elif not unit.term_ids and len(token) >= 2:
                unit.factor = c.unknown_word_factor  # a thing the knowledge base never mentions
            if not part_of_known:
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
        scores = np.zeros(self._n, dtype=np.float32)
        for qt in qterms:
            lo, hi = self._offsets[qt.term_id], self._offsets[qt.term_id + 1]
            scores[self._all_docs[lo:hi]] += qt.weight * self._all_weights[lo:hi]
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
                    if any(span in w and span != w for w in words):
                        continue  # part of a real word the user typed (公积金 ⊅ 基金)
                    key = "".join(syllables[start : start + size])
                    for tid in self._by_pinyin.get(key, ()):
                        word = self._words[tid]
                        if word not in normalized and all(word != w for w, _ in found):
                            found.append((word, span))
        return found

    def search(self, question: str, *, top: int = 3) -> SearchResult:
        """Rank entries for ``question``; ``answered`` is False below the threshold."""
        normalized = normalize(question, max_chars=self.max_chars)
        matches: list[Match] = []
        ceiling = 1.0
        for doc, features in self._ranked(normalized, self.config.candidates)[: max(top, 1)]:
            # a lower-ranked entry is never reported as more certain than a higher one
            ceiling = min(ceiling, self._confidence(features))
            title, path = self._display_titles[doc], self._paths[doc]
            matches.append(Match(self._ids[doc], title, path, round(ceiling, 4)))
        answered = bool(matches) and matches[0].score >= self.config.threshold
        return SearchResult(question, normalized, answered, tuple(matches))

    def explain(self, question: str, *, top: int = 3) -> list[tuple[str, Features, float]]:
        """The features behind the ranking (for calibration and debugging)."""
        normalized = normalize(question, max_chars=self.max_chars)
        ranked = self._ranked(normalized, self._n)[:top]
        return [(self._ids[doc], f, self._confidence(f)) for doc, f in ranked]

    def _ranked(self, normalized: str, limit: int) -> list[tuple[int, Features]]:
        """Up to ``limit`` BM25 candidates with their features, best first."""
        if not normalized or self._n == 0:
            return []
        units, qterms = self._query(normalized)
        if not qterms:
            return []
        scores = self._bm25(qterms)
        k = min(limit, self._n)
        cand = np.argpartition(-scores, k - 1)[:k] if k < self._n else np.arange(self._n)
        cand = np.sort(cand[scores[cand] > 0])
        if len(cand) == 0:
            return []
        max_possible = sum(u.weight for u in units) * (self.config.k1 + 1)
        features = self._features(units, cand, scores, max_possible, normalized)
        pairs = list(zip(cand.tolist(), features, strict=True))
        pairs.sort(key=lambda pair: (-self._rank(pair[1]), pair[0]))
        return pairs

    def _features(
        self,
        units: list[_Unit],
        cand: np.ndarray,
        scores: np.ndarray,
        max_possible: float,
        normalized: str,
    ) -> list[Features]:
        coverage = self._coverage(units, cand)
        top_bm = float(scores[cand].max())
        compact = normalized.replace(" ", "")
        unmatched = sum(u.weight for u in units if not u.term_ids)
        return [
            Features(
                coverage=coverage[pos],
                bm25=float(scores[doc]) / top_bm,
                strength=min(1.0, float(scores[doc]) / max(max_possible, 1e-6) * 2),
                alt=self._alt_similarity(compact, doc),
                title=self._title_similarity(compact, doc),
                unmatched=unmatched,
            )
            for pos, doc in enumerate(cand.tolist())
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

    def _coverage(self, units: list[_Unit], cand: np.ndarray) -> list[float]:
        total = sum(u.weight for u in units) or 1.0
        hits = np.zeros(len(cand), dtype=np.float64)
        for unit in units:
            present = np.zeros(len(cand), dtype=bool)
            for tid in unit.term_ids:
                docs = self._postings(tid)
                where = np.searchsorted(docs, cand)
                where[where >= len(docs)] = len(docs) - 1
                present |= docs[where] == cand
            hits += unit.weight * present
        return (hits / total).tolist()

    def _alt_similarity(self, compact: str, doc: int) -> float:
        best = 0.0
        for alt in self._alts[doc]:
            best = max(best, fuzz.ratio(compact, alt))
        return best / 100.0

    def _title_similarity(self, compact: str, doc: int) -> float:
        best = fuzz.partial_ratio(self._titles[doc], compact)
        for kw in self._keywords[doc]:
            if len(kw) >= 2:
                best = max(best, fuzz.partial_ratio(kw, compact) * min(1.0, len(kw) / 4))
        return best / 100.0


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def _pinyin_bigrams(normalized: str) -> list[str]:
    grams: list[str] = []
    for run in _CJK_RUN.findall(normalized):
        syllables = pinyin_of(run) if len(run) <= 16 else ()
        grams.extend(f"{_PY}{a}_{b}" for a, b in itertools.pairwise(syllables))
    return grams
