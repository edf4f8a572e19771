"""Fit the matcher's ranking weights and confidence model on the dev question sets.

    python benchmarks/calibrate.py

Grid-searches the ranking blend for top-1 accuracy, then fits a logistic regression
(plain gradient descent, numpy) of "the best candidate is the right answer" on the
best candidate's features, so that a match's score estimates that probability. The
training data are every dev set of benchmarks/search.py (plain and paraphrase questions
on the bundled document as shipped, and on documents imported without enrichment), so
the score means the same on an enriched and on a bare document. It prints the values to
paste into ``MatcherConfig`` and the rates on the held-out set, which is never used for
fitting.

    python benchmarks/calibrate.py --bare-only

refits only the terms for entries imported without keywords or alternative questions
(``Features.bare``), keeping the ranking and every other coefficient: what the shipped
``MatcherConfig.confidence`` was made with. The test library (tests/fixtures/library) is
not among the training sets, so its rows in benchmarks/search.py show how that
generalises to documents the fit has not seen.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.search import load_set, question_sets  # noqa: E402
from knowledge.evaluation import LabelledQuestion, load_questions  # noqa: E402
from knowledge.importing.views import read_manifest_views  # noqa: E402
from knowledge.lexicon import Segmenter, default_lexicon  # noqa: E402
from knowledge.matcher import Features, Matcher  # noqa: E402

SEED = ROOT / "knowledge" / "data" / "seeds" / "wuhan-2023-sme-work-plan.yaml"
Row = tuple[LabelledQuestion, list[tuple[str, Features]]]
BARE_TERMS = 3  # the last inputs of Features.vector: bare, bare*coverage, bare*bm25*strength
# an answer to an off-topic question costs this many right answers: a confident wrong
# card is worse than asking back
OFF_TOPIC_WEIGHT = 16.0


def collect(matcher: Matcher, questions: list[LabelledQuestion]) -> list[Row]:
    return [(q, [(eid, f) for eid, f, _ in matcher.explain(q.question, top=10)]) for q in questions]


Picked = tuple[LabelledQuestion, str | None, np.ndarray]


def best_scope(rows: list[Row], weights: np.ndarray) -> np.ndarray:
    """The scope-model inputs of each question's best candidate."""
    out = []
    for _, cands in rows:
        if not cands:
            out.append(np.zeros(5))
            continue
        _, f = max(cands, key=lambda c: float(weights @ _rank_vector(c[1])))
        out.append(f.scope_vector())
    return np.array(out)


def best_of(rows: list[Row], weights: np.ndarray) -> list[Picked]:
    out: list[Picked] = []
    for q, cands in rows:
        if not cands:
            out.append((q, None, np.zeros(len(Features(0, 0, 0, 0, 0, 0).vector()))))
            continue
        eid, f = max(cands, key=lambda c: float(weights @ _rank_vector(c[1])))
        out.append((q, eid, f.vector()))
    return out


def _rank_vector(f: Features) -> np.ndarray:
    return np.array([f.coverage, f.bm25 * f.strength, f.alt, f.title])


def top1(picked: list[tuple[LabelledQuestion, str | None, np.ndarray]]) -> float:
    scope = [p for p in picked if p[0].expect]
    return sum(1 for q, e, _ in scope if e in q.expect) / len(scope)


def fit_logistic(x: np.ndarray, y: np.ndarray, steps: int = 20_000) -> np.ndarray:
    xb = np.hstack([np.ones((len(x), 1)), x])
    theta = np.zeros(xb.shape[1])
    ridge = np.r_[0.0, np.full(x.shape[1], 1e-3)]
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ theta))
        theta -= xb.T @ (p - y) / len(y) + ridge * theta
    return theta


def fit_bare_terms(
    x: np.ndarray, y: np.ndarray, off_topic: np.ndarray, theta: np.ndarray, steps: int = 20_000
) -> np.ndarray:
    """The confidence model's terms for entries without enrichment, the others kept:
    for an entry with keywords and alternative questions nothing changes, and one
    imported as-is is not judged by the alt and title features it cannot have.
    Off-topic questions weigh ``OFF_TOPIC_WEIGHT``."""
    n = x.shape[1] - BARE_TERMS
    offset = theta[0] + x[:, :n] @ theta[1 : n + 1]
    z = x[:, n:]
    weights = 1.0 + (OFF_TOPIC_WEIGHT - 1.0) * off_topic
    bare = np.zeros(BARE_TERMS)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(offset + z @ bare)))
        bare -= z.T @ ((p - y) * weights) / weights.sum() * 5 + 1e-3 * bare
    return np.r_[theta[: n + 1], bare]


def rates(
    picked: list[tuple[LabelledQuestion, str | None, np.ndarray]], theta: np.ndarray
) -> dict[str, float]:
    def conf(v: np.ndarray) -> float:
        return 1 / (1 + math.exp(-(theta[0] + theta[1:] @ v)))

    scope = [p for p in picked if p[0].expect]
    off = [p for p in picked if not p[0].expect]
    return {
        "top1": round(top1(picked), 4),
        "answered": round(sum(conf(v) >= 0.5 for _, _, v in scope) / len(scope), 4),
        "declined": round(sum(conf(v) < 0.5 for _, _, v in off) / max(len(off), 1), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--holdout", type=Path, default=ROOT / "tests/knowledge/holdout_questions.yaml"
    )
    parser.add_argument(
        "--keep-ranking",
        action="store_true",
        help="fit the confidence and scope models on the current ranking weights",
    )
    parser.add_argument(
        "--bare-only",
        action="store_true",
        help="refit only the confidence terms of entries without enrichment (the rest kept)",
    )
    args = parser.parse_args()
    segmenter = Segmenter(default_lexicon())
    matcher = Matcher(read_manifest_views(SEED), segmenter=segmenter)
    dev: list[Row] = []
    for name, views, paths in question_sets():
        if "held-out" not in name:  # the held-out sets are measured, never fitted on
            dev += collect(Matcher(views, segmenter=segmenter), load_set(paths))
    hold = collect(matcher, load_questions(args.holdout))
    grid = itertools.product(
        [0.3, 0.4, 0.5, 0.6],
        [0.1, 0.2, 0.3, 0.4],
        [0.05, 0.1, 0.15, 0.25],
        [0.0, 0.05, 0.1, 0.15, 0.25],
    )
    best_acc, best_w = -1.0, np.zeros(4)
    for combo in grid:
        weights = np.array(combo)
        acc = top1(best_of(dev, weights))
        if acc > best_acc:
            best_acc, best_w = acc, weights
    config = matcher.config
    current_w = np.array([config.w_coverage, config.w_bm25, config.w_alt, config.w_title])
    if args.keep_ranking or args.bare_only:
        best_w = current_w
    picked = best_of(dev, best_w)
    x = np.array([v for _, _, v in picked])
    y = np.array([1.0 if q.expect and e in q.expect else 0.0 for q, e, _ in picked])
    if args.bare_only:
        off_topic = np.array([0.0 if q.expect else 1.0 for q, _, _ in picked])
        theta = fit_bare_terms(x, y, off_topic, np.array(matcher.config.confidence))
    else:
        theta = fit_logistic(x, y)
    # scope: "the question is about something the knowledge base covers", whichever entry;
    # below it a question is declined, above it (and not answered) the bot asks back
    in_scope = np.array([1.0 if q.expect else 0.0 for q, _, _ in picked])
    scope = fit_logistic(best_scope(dev, best_w), in_scope)
    print("fitted scope:     ", tuple(round(float(t), 3) for t in scope))
    current_theta = np.array(config.confidence)
    names = ("w_coverage", "w_bm25", "w_alt", "w_title")
    print("fitted ranking:   ", ", ".join(f"{n}={w:g}" for n, w in zip(names, best_w, strict=True)))
    print("fitted confidence:", tuple(round(float(t), 3) for t in theta))
    print("  dev     ", rates(picked, theta))
    print("  held-out", rates(best_of(hold, best_w), theta))
    current = ", ".join(f"{n}={w:g}" for n, w in zip(names, current_w, strict=True))
    print("current ranking:  ", current)
    print("current confidence:", tuple(float(t) for t in current_theta))
    print("  dev     ", rates(best_of(dev, current_w), current_theta))
    print("  held-out", rates(best_of(hold, current_w), current_theta))


if __name__ == "__main__":
    main()
