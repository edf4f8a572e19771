"""The search index kept between runs: the matcher's arrays and the entry views of one
knowledge-base revision in one file (``knowledge.index_file``).

The entry views are stored too, one JSON document per entry in a byte array, and
decoded when first used: a start from a current file reads neither the database's
entries nor all of the views.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.index_file import IndexUnusable, read_index, write_index
from knowledge.lexicon import Segmenter
from knowledge.matcher import Matcher, MatcherConfig
from knowledge.model import EntryView, Sourced

log = logging.getLogger(__name__)

_DATES = ("effective_date", "expiry_date", "publish_date")
_TUPLES = (
    "path",
    "categories",
    "audiences",
    "keywords",
    "alt_questions",
    "text_fields",
    "audience",
)


def view_to_json(view: EntryView) -> bytes:
    data: dict[str, Any] = {
        name: getattr(view, name)
        for name in EntryView.__dataclass_fields__
        if name not in ("guide", *_DATES)
    }
    data["guide"] = {k: [v.value, v.source] for k, v in view.guide.items()}
    for name in _DATES:
        value = getattr(view, name)
        data[name] = value.isoformat() if value else None
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def view_from_json(raw: bytes) -> EntryView:
    data = json.loads(raw)
    for name in _TUPLES:  # a field newer than the stored index keeps its default
        if name in data:
            data[name] = tuple(data[name])
    for name in _DATES:
        if name in data:
            data[name] = dt.date.fromisoformat(data[name]) if data[name] else None
    data["guide"] = {k: Sourced(v, s) for k, (v, s) in data["guide"].items()}
    return EntryView(**data)


class _StoredViews:
    """Views as stored: entry ``i`` is ``blob[offsets[i]:offsets[i + 1]]``."""

    def __init__(self, ids: list[str], blob: np.ndarray, offsets: np.ndarray) -> None:
        self.position = {entry_id: i for i, entry_id in enumerate(ids)}
        self.blob = blob
        self.offsets = offsets

    def raw(self, entry_id: str) -> bytes:
        i = self.position[entry_id]
        return self.blob[self.offsets[i] : self.offsets[i + 1]].tobytes()


class EntryViews(Mapping[str, EntryView]):
    """The entries of one snapshot by id, in index order; those that come from a stored
    index are decoded on first use."""

    def __init__(
        self,
        order: list[str],
        views: Mapping[str, EntryView],
        stored: _StoredViews | None = None,
    ) -> None:
        self._order = order
        self._members = set(order)
        self._views = dict(views)
        self._stored = stored
        self._lock = threading.Lock()

    @classmethod
    def of(cls, views: list[EntryView]) -> EntryViews:
        return cls([v.entry_id for v in views], {v.entry_id: v for v in views})

    def updated(self, order: list[str], changed: Mapping[str, EntryView]) -> EntryViews:
        """The entries ``order`` where ``changed`` replaces or adds views."""
        kept = {k: v for k, v in self._views.items() if k not in changed}
        return EntryViews(order, {**kept, **changed}, self._stored)

    def __getitem__(self, entry_id: str) -> EntryView:
        if entry_id not in self._members:
            raise KeyError(entry_id)
        view = self._views.get(entry_id)
        if view is None:
            assert self._stored is not None
            view = view_from_json(self._stored.raw(entry_id))
            with self._lock:
                self._views[entry_id] = view
        return view

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._members

    def encoded(self) -> tuple[np.ndarray, np.ndarray]:
        """All views as one byte array and the offsets of each (stored ones copied)."""
        chunks: list[bytes] = []
        for entry_id in self._order:
            view = self._views.get(entry_id)
            if view is None and self._stored is not None:
                chunks.append(self._stored.raw(entry_id))
            else:
                chunks.append(view_to_json(self[entry_id]))
        offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
        np.cumsum([len(c) for c in chunks], out=offsets[1:])
        return np.frombuffer(b"".join(chunks), dtype=np.uint8), offsets


def load(
    path: Path,
    *,
    compat: Mapping[str, object],
    segmenter: Segmenter,
    config: MatcherConfig,
    max_chars: int,
) -> tuple[Matcher, EntryViews, str] | None:
    """The stored matcher, its entries and its revision token; None (logged) when the
    file is missing, damaged, or built for another format, lexicon or configuration."""
    try:
        stored = read_index(path, compat=compat)
        matcher = Matcher.from_arrays(
            stored.arrays, stored.meta, segmenter=segmenter, config=config, max_chars=max_chars
        )
        ids = matcher.entry_ids
        views = _StoredViews(ids, stored.arrays["views"], stored.arrays["view_offsets"])
        if len(views.offsets) != len(ids) + 1:
            raise IndexUnusable("entries and views differ")
    except (IndexUnusable, KeyError, TypeError, ValueError) as exc:
        missing = isinstance(exc, IndexUnusable) and str(exc) == "missing"
        level = logging.INFO if missing else logging.WARNING
        log.log(level, "stored index %s not used: %s", path.name, exc)
        return None
    return matcher, EntryViews(list(ids), {}, views), stored.revision


def store(
    path: Path,
    *,
    compat: Mapping[str, object],
    revision: str,
    matcher: Matcher,
    entries: EntryViews,
) -> None:
    """Write the index; a failure (read-only or full disk) is logged, not raised: the
    index in memory works all the same."""
    arrays, meta = matcher.to_arrays()
    blob, offsets = entries.encoded()
    try:
        write_index(
            path,
            compat=compat,
            revision=revision,
            arrays={**arrays, "views": blob, "view_offsets": offsets},
            meta=meta,
        )
    except OSError as exc:
        log.warning("could not store the index in %s: %s", path, exc)
