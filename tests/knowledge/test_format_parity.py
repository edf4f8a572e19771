"""Parity of the readers: the same questions asked of the ``.txt`` version of a fixture
and of its PDF, web-page and legacy Word versions give the same top-1 answer (target: at
least 98%). Questions: ``tests/fixtures/formats/questions.yaml``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.importing.formats import document_bundle, read_file
from knowledge.importing.views import bundle_entry_views
from knowledge.lexicon import Segmenter
from knowledge.matcher import Matcher
from knowledge.model import DocumentMeta

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
QUESTIONS: dict[str, list[dict[str, str]]] = yaml.safe_load(
    (FOLDER / "questions.yaml").read_text(encoding="utf-8")
)
TARGET = 0.98


def top1(segmenter: Segmenter, name: str, fmt: str) -> list[str | None]:
    """The top-1 entry of each question about one document read from one format (the
    fixture's file name after its stem)."""
    read = read_file(f"{name}{fmt}", (FOLDER / f"{name}{fmt}").read_bytes())
    bundle = document_bundle(read.kind, read.content, meta=DocumentMeta(key=name))
    matcher = Matcher(bundle_entry_views(bundle), segmenter=segmenter)
    answers: list[str | None] = []
    for item in QUESTIONS[name]:
        best = matcher.search(item["q"], top=1).best
        answers.append(best.entry_id.split(":", 1)[1] if best else None)
    return answers


@pytest.mark.parametrize("fmt", [".pdf", "-layout2.pdf", ".html", ".doc"])
def test_the_same_questions_get_the_same_top1(segmenter: Segmenter, fmt: str) -> None:
    if fmt == ".doc" and shutil.which("catdoc") is None:
        pytest.skip("catdoc missing (apt-get install catdoc)")
    same = total = right = 0
    for name, items in QUESTIONS.items():
        expected = top1(segmenter, name, ".txt")
        got = top1(segmenter, name, fmt)
        same += sum(a == b for a, b in zip(expected, got, strict=True))
        total += len(items)
        right += sum(a == item["expect"] for a, item in zip(got, items, strict=True))
    assert total >= 40
    assert same / total >= TARGET, f"{fmt}: {same}/{total} same top-1 as the .txt"
    # the questions are answerable at all: parity of wrong answers would prove little
    assert right / total >= 0.8, f"{fmt}: {right}/{total} right"
