from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.importing.views import read_manifest_views
from knowledge.lexicon import Segmenter, default_lexicon
from knowledge.matcher import Matcher
from knowledge.model import EntryView

SEED = (
    Path(__file__).resolve().parents[2]
    / "knowledge"
    / "data"
    / "seeds"
    / "wuhan-2023-sme-work-plan.yaml"
)


def fixture_entry(number: str, title: str, body: str) -> EntryView:
    """One entry of the tests' own fixture document (not a real policy), as imported
    without enrichment."""
    return EntryView(
        entry_id=f"test:{number}",
        document_key="test",
        document_title="测试夹具",
        path=(),
        number=number,
        title=title,
        body=body,
    )


@pytest.fixture(scope="session")
def seed_views() -> list[EntryView]:
    return read_manifest_views(SEED)


@pytest.fixture(scope="session")
def segmenter() -> Segmenter:
    return Segmenter(default_lexicon())


@pytest.fixture(scope="session")
def matcher(seed_views: list[EntryView], segmenter: Segmenter) -> Matcher:
    return Matcher(seed_views, segmenter=segmenter)
