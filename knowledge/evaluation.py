"""Evaluation of a search function on a labelled question set (``policybot eval``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.importing.errors import ImportFailed
from knowledge.matcher import SearchResult
from knowledge.text import normalize

LOW_OVERLAP_MAX = 1 / 3


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    question: str
    expect: tuple[str, ...]  # empty: off-topic
    tags: tuple[str, ...] = ()

    @property
    def in_scope(self) -> bool:
        return bool(self.expect)


@dataclass(slots=True)
class Miss:
    question: str
    expect: tuple[str, ...]
    got: tuple[str, ...]
    score: float
    answered: bool


@dataclass(slots=True)
class EvalReport:
    total: int = 0
    in_scope: int = 0
    off_topic: int = 0
    top1: int = 0
    top3: int = 0
    answered_in_scope: int = 0
    offered_in_scope: int = 0  # answered right, or asked back with the right item offered
    declined_off_topic: int = 0  # neither answered nor asked back
    low_overlap: int = 0
    low_overlap_top1: int = 0
    stale_top1: int = 0  # answers from a repealed or expired document
    misses: list[Miss] = field(default_factory=list)
    answers: list[tuple[float, bool]] = field(default_factory=list)  # (score, right)

    @staticmethod
    def _rate(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    @property
    def top1_rate(self) -> float:
        return self._rate(self.top1, self.in_scope)

    @property
    def top3_rate(self) -> float:
        return self._rate(self.top3, self.in_scope)

    @property
    def answered_rate(self) -> float:
        return self._rate(self.answered_in_scope, self.in_scope)

    @property
    def offered_rate(self) -> float:
        return self._rate(self.offered_in_scope, self.in_scope)

    @property
    def declined_rate(self) -> float:
        return self._rate(self.declined_off_topic, self.off_topic)

    @property
    def low_overlap_top1_rate(self) -> float:
        return self._rate(self.low_overlap_top1, self.low_overlap)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "questions": self.total,
            "in_scope": self.in_scope,
            "off_topic": self.off_topic,
            "top1": round(self.top1_rate, 4),
            "top3": round(self.top3_rate, 4),
            "answered_in_scope": round(self.answered_rate, 4),
            "offered_in_scope": round(self.offered_rate, 4),
            "declined_off_topic": round(self.declined_rate, 4),
            "low_overlap_questions": self.low_overlap,
            "low_overlap_top1": round(self.low_overlap_top1_rate, 4),
            "stale_top1": self.stale_top1,
        }


def load_questions(path: Path) -> list[LabelledQuestion]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ImportFailed(f"无法读取问题集 {path}:{exc}") from exc
    items = raw.get("questions") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise ImportFailed(f"{path} 中没有 questions 列表。")
    out: list[LabelledQuestion] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not str(item.get("q", "")).strip():
            raise ImportFailed(f"{path} 第 {index + 1} 个问题缺少 q。")
        expect = item.get("expect") or []
        if isinstance(expect, str):
            expect = [expect]
        out.append(
            LabelledQuestion(
                question=str(item["q"]),
                expect=tuple(str(e) for e in expect),
                tags=tuple(str(t) for t in item.get("tags") or ()),
            )
        )
    return out


def overlap(question: str, entry_text: str, tokenize: Callable[[str], list[str]]) -> float:
    """Share of the question's content words that appear in the entry's own text."""
    tokens = [t for t in dict.fromkeys(tokenize(normalize(question))) if len(t) > 1 or t.isalnum()]
    if not tokens:
        return 0.0
    text = normalize(entry_text, max_chars=100_000).replace(" ", "")
    return sum(1 for t in tokens if t in text) / len(tokens)


def evaluate(
    questions: Sequence[LabelledQuestion],
    search: Callable[[str], SearchResult],
    *,
    entry_texts: Mapping[str, str] | None = None,
    tokenize: Callable[[str], list[str]] | None = None,
    is_stale: Callable[[str], bool] | None = None,
) -> EvalReport:
    """``is_stale`` tells entries of repealed or expired documents: answered questions whose
    first match is one of them are counted in ``stale_top1``."""
    report = EvalReport()
    for item in questions:
        result = search(item.question)
        got = tuple(m.entry_id for m in result.matches)
        score = result.matches[0].score if result.matches else 0.0
        report.total += 1
        if result.answered:
            report.answers.append((score, bool(got) and got[0] in item.expect))
        if not item.in_scope:
            report.off_topic += 1
            if not result.answered and not result.clarify:
                report.declined_off_topic += 1
            else:
                report.misses.append(Miss(item.question, (), got[:3], score, True))
            continue
        report.in_scope += 1
        hit1 = bool(got) and got[0] in item.expect
        report.top1 += hit1
        report.top3 += any(g in item.expect for g in got[:3])
        report.answered_in_scope += result.answered
        offered = got[:3] if result.clarify else got[:1] if result.answered else ()
        report.offered_in_scope += any(g in item.expect for g in offered)
        if is_stale is not None and got and result.answered and is_stale(got[0]):
            report.stale_top1 += 1
        if entry_texts is not None and tokenize is not None:
            text = entry_texts.get(item.expect[0], "")
            if overlap(item.question, text, tokenize) <= LOW_OVERLAP_MAX:
                report.low_overlap += 1
                report.low_overlap_top1 += hit1
        if not hit1 or not result.answered:
            report.misses.append(Miss(item.question, item.expect, got[:3], score, result.answered))
    return report
