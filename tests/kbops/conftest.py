"""Fixtures of the knowledge-base operations tests: the bundled knowledge base
on the ``engine`` fixture's database (SQLite and PostgreSQL) and sample documents."""

from __future__ import annotations

import pytest

from knowledge.lexicon import Segmenter, default_lexicon


@pytest.fixture(scope="session")
def segmenter() -> Segmenter:
    """Loading jieba takes ~1 s: share one segmenter between knowledge bases."""
    return Segmenter(default_lexicon())
