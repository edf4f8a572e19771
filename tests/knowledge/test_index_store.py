"""The stored index (knowledge.index_file) and incremental updates of the matcher."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.evaluation import load_questions
from knowledge.index_file import IndexUnusable, read_index, write_index
from knowledge.lexicon import Segmenter, default_lexicon
from knowledge.matcher import Matcher, MatcherConfig, index_compat
from knowledge.model import EntryView

DEV = Path(__file__).with_name("dev_questions.yaml")
QUESTIONS = [q.question for q in load_questions(DEV)[::6]] + ["小金规", "融资担保肥率"]


def answers(matcher: Matcher) -> list[list[tuple[str, float]]]:
    return [[(m.entry_id, m.score) for m in matcher.search(q).matches] for q in QUESTIONS]


def documents(seed_views: list[EntryView], size: int = 9) -> list[list[EntryView]]:
    """The seed's entries cut into small test documents with their own keys."""
    docs = []
    for n, start in enumerate(range(0, len(seed_views), size)):
        key = f"test-doc-{n}"
        docs.append(
            [
                dataclasses.replace(v, entry_id=f"{key}:{i}", document_key=key)
                for i, v in enumerate(seed_views[start : start + size])
            ]
        )
    return docs


def compat() -> dict[str, object]:
    return index_compat(MatcherConfig(), default_lexicon())


def test_stored_index_answers_as_the_built_one(
    matcher: Matcher, segmenter: Segmenter, tmp_path: Path
) -> None:
    path = tmp_path / "index.bin"
    arrays, meta = matcher.to_arrays()
    write_index(path, compat=compat(), revision="7@x", arrays=arrays, meta=meta)
    stored = read_index(path, compat=compat())
    assert stored.revision == "7@x"
    loaded = Matcher.from_arrays(stored.arrays, stored.meta, segmenter=segmenter)
    assert not loaded._all_weights.flags.writeable  # memory-mapped, not copied
    assert answers(loaded) == answers(matcher)


@pytest.mark.parametrize("where", [0.01, 0.5, 0.99])
def test_a_damaged_file_is_refused(matcher: Matcher, tmp_path: Path, where: float) -> None:
    path = tmp_path / "index.bin"
    arrays, meta = matcher.to_arrays()
    write_index(path, compat=compat(), revision="1@x", arrays=arrays, meta=meta)
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= 0x40
    path.write_bytes(bytes(data))
    with pytest.raises(IndexUnusable, match=r"checksum|not an index"):
        read_index(path, compat=compat())


def test_a_truncated_or_missing_file_is_refused(matcher: Matcher, tmp_path: Path) -> None:
    path = tmp_path / "index.bin"
    with pytest.raises(IndexUnusable, match="missing"):
        read_index(path, compat=compat())
    arrays, meta = matcher.to_arrays()
    write_index(path, compat=compat(), revision="1@x", arrays=arrays, meta=meta)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(IndexUnusable):
        read_index(path, compat=compat())


def test_another_format_or_lexicon_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index.bin"
    write_index(path, compat=compat(), revision="1@x", arrays={"a": np.arange(3)}, meta={"m": 1})
    for changed in ({**compat(), "format": -1}, {**compat(), "lexicon": "another"}):
        with pytest.raises(IndexUnusable, match="another format"):
            read_index(path, compat=changed)
    other = index_compat(MatcherConfig(title=9.0), default_lexicon())
    assert other != compat()
    # the answer threshold does not change what is built
    assert index_compat(MatcherConfig(threshold=0.9), default_lexicon()) == compat()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_incremental_update_answers_as_a_full_build(
    seed_views: list[EntryView], segmenter: Segmenter, data: st.DataObject
) -> None:
    docs = documents(seed_views)
    first = data.draw(st.lists(st.sampled_from(range(len(docs))), min_size=1, unique=True))
    before = [v for d in sorted(first) for v in docs[d]]
    matcher = Matcher(before, segmenter=segmenter)
    # then: some documents removed, some re-imported with a changed entry, some added
    after_docs = data.draw(st.lists(st.sampled_from(range(len(docs))), unique=True))
    reimported = data.draw(st.sets(st.sampled_from(sorted(after_docs)))) if after_docs else set()
    changed: dict[str, EntryView] = {}
    after: list[EntryView] = []
    for d in sorted(after_docs):
        for i, view in enumerate(docs[d]):
            if d in reimported and i == 0:
                view = dataclasses.replace(view, body=view.body + "新增内容:厂房租金补贴。")
            if d in reimported or d not in first:
                changed[view.entry_id] = view
            after.append(view)
    updated = matcher.updated([v.entry_id for v in after], changed)
    assert updated is not None
    full = Matcher(after, segmenter=segmenter)
    assert updated.entry_ids == full.entry_ids
    assert set(updated._vocab) == set(full._vocab)
    assert answers(updated) == answers(full)
    assert answers(matcher) == answers(Matcher(before, segmenter=segmenter))  # unchanged


def test_new_keywords_ask_for_a_full_build(
    seed_views: list[EntryView], segmenter: Segmenter
) -> None:
    matcher = Matcher(seed_views[:20], segmenter=segmenter)
    extra = dataclasses.replace(
        seed_views[20], entry_id="test-doc-x:1", keywords=("测试专用新词甲乙",)
    )
    order = [*matcher.entry_ids, extra.entry_id]
    assert matcher.updated(order, {extra.entry_id: extra}) is None
    known = dataclasses.replace(extra, keywords=seed_views[0].keywords)
    assert matcher.updated(order, {known.entry_id: known}) is not None


def test_a_document_added_after_the_others_answers_as_a_full_build(
    seed_views: list[EntryView], segmenter: Segmenter
) -> None:
    docs = documents(seed_views)
    before = [v for d in docs[:-2] for v in d]
    after = [*before, *docs[-2], *docs[-1]]
    matcher = Matcher(before, segmenter=segmenter)
    step = matcher.updated(
        [v.entry_id for v in [*before, *docs[-2]]], {v.entry_id: v for v in docs[-2]}
    )
    assert step is not None
    updated = step.updated([v.entry_id for v in after], {v.entry_id: v for v in docs[-1]})
    assert updated is not None
    full = Matcher(after, segmenter=segmenter)
    assert set(updated._vocab) == set(full._vocab)
    assert answers(updated) == answers(full)
