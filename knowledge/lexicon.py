"""Domain lexicon kept as data: jieba user dictionary, synonyms and stopwords."""

from __future__ import annotations

import importlib.util
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jieba
import yaml

from knowledge.text import normalize

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

DATA = resources.files("knowledge") / "data"


@dataclass(slots=True)
class Lexicon:
    """User words, synonym groups and stopwords; all terms normalised."""

    user_words: dict[str, int] = field(default_factory=dict)
    groups: list[tuple[str, ...]] = field(default_factory=list)
    stopwords: frozenset[str] = frozenset()
    intents: frozenset[str] = frozenset()
    _synonyms: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for group in self.groups:
            for term in group:
                self._synonyms.setdefault(term, set()).update(t for t in group if t != term)

    def synonyms(self, term: str) -> set[str]:
        return self._synonyms.get(term, set())

    def all_terms(self) -> Iterable[str]:
        yield from self.user_words
        for group in self.groups:
            yield from group

    @classmethod
    def from_files(
        cls,
        *,
        userdict: Path | None = None,
        synonyms: Path | None = None,
        stopwords: Path | None = None,
        intents: Path | None = None,
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
        raw = yaml.safe_load(read(synonyms, "synonyms.yaml")) or {}
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

        return cls(
            user_words=words,
            groups=[g for g in groups if len(g) > 1],
            stopwords=word_list(read(stopwords, "stopwords.txt")),
            intents=word_list(read(intents, "intents.txt")),
        )


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

    def tokens(self, normalized_text: str) -> list[str]:
        """Search-mode tokens (long words and their parts) without stopwords or spaces."""
        stop = self.lexicon.stopwords
        return [
            tok
            for tok in self._tokenizer.cut_for_search(normalized_text, HMM=True)
            if tok.strip() and tok not in stop
        ]


@lru_cache(maxsize=1)
def _pinyin_table() -> dict[int, str]:
    """pypinyin's single-character table (code point → readings), loaded on its own.

    Importing the ``pypinyin`` package also loads its phrase dictionary (about 50 MB
    and 0.3 s); typo matching only needs one reading per character.
    """
    spec = importlib.util.find_spec("pypinyin")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.py"
    module_spec = importlib.util.spec_from_file_location("_policybot_pinyin_dict", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return {
        code: _toneless(readings.split(",")[0]) for code, readings in module.pinyin_dict.items()
    }


def _toneless(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading.replace("ü", "v"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=8192)
def pinyin_of(text: str) -> tuple[str, ...]:
    """Toneless pinyin, one syllable per Chinese character (other characters as they are)."""
    table = _pinyin_table()
    return tuple(table.get(ord(ch), ch) for ch in text)
