"""Fixtures of the knowledge-base operations tests: the bundled knowledge base
on the ``engine`` fixture's database (SQLite and PostgreSQL) and sample documents."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from knowledge.lexicon import Segmenter, default_lexicon
from services.knowledge import KnowledgeBase
from tests.conftest import BundledTemplate


@pytest.fixture(scope="session")
def segmenter() -> Segmenter:
    """Loading jieba takes ~1 s: share one segmenter between knowledge bases."""
    return Segmenter(default_lexicon())


@pytest.fixture
def knowledge(
    engine: Engine,
    segmenter: Segmenter,
    bundled_template: BundledTemplate,
    tmp_path_factory: pytest.TempPathFactory,
) -> KnowledgeBase:
    """The bundled documents and their index, as ``ensure_bundled()`` and ``refresh()``
    make them (``BundledTemplate``: made once, replayed)."""
    return bundled_template.knowledge(
        engine, segmenter=segmenter, index_dir=tmp_path_factory.mktemp("index")
    )
