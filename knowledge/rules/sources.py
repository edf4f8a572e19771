"""The documents a programme cites: its ``sources`` block and the citations in its texts.

A programme lists every document it relies on once::

    sources:
      - id: wh-plan-2023                     # short key, unique in the file
        title: 武汉市2023年中小企业工作要点      # without 《》
        number: ""                           # 文号 (empty when the document has none)
        issuer: 武汉市促进中小企业发展工作领导小组
        date: 2023-03-31                     # 印发/发布日期 as the source gives it
        url: https://…                       # where known
        parts: [专精特新中小企业认定标准]       # annex titles cited as 《…》
        in_force: confirmed                  # confirmed | unverified (default)
        superseded_from: 2026-01-17          # a later version was published (optional)
        superseded_by: 《…》(2026年修订发布)
        note: how the facts were checked (for operators)

Every ``source`` text (conditions, ``validity_source``, ``next_steps_source``) names
documents as 《title》 or by 文号; :func:`cited` finds them and the lint reports a citation
that is not in the block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from knowledge.rules.errors import RuleLoadError
from knowledge.rules.model import InForce, SourceDoc
from knowledge.rules.parsing import check_keys, parse_date, text

_TITLE = re.compile(r"《([^《》]+)》")
_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}〔\d{4}〕\d+\s*号")
_KEYS = {
    "id",
    "title",
    "number",
    "issuer",
    "date",
    "url",
    "parts",
    "in_force",
    "superseded_from",
    "superseded_by",
    "note",
}


def parse_sources(raw: Any, *, file: Path | None) -> tuple[SourceDoc, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise RuleLoadError("sources 应为文件列表", file=file, where="sources")
    docs: list[SourceDoc] = []
    for index, item in enumerate(raw):
        where = f"sources[{index}]"
        if not isinstance(item, dict):
            raise RuleLoadError("每个出处文件应为表(id、title、number……)", file=file, where=where)
        check_keys(item, _KEYS, file=file, where=where)
        parts = item.get("parts") or []
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            raise RuleLoadError("parts 应为附件标题列表", file=file, where=f"{where}.parts")
        try:
            in_force = InForce(str(item.get("in_force") or InForce.UNVERIFIED.value))
        except ValueError:
            raise RuleLoadError(
                "in_force 应为 confirmed 或 unverified", file=file, where=where
            ) from None
        date = item.get("date")
        docs.append(
            SourceDoc(
                id=text(item, "id", file=file, where=where, required=True),
                title=text(item, "title", file=file, where=where, required=True).strip("《》"),
                number=text(item, "number", file=file, where=where),
                issuer=text(item, "issuer", file=file, where=where),
                date="" if date is None else str(date),
                url=text(item, "url", file=file, where=where),
                parts=tuple(p.strip("《》") for p in parts),
                in_force=in_force,
                superseded_from=parse_date(
                    item.get("superseded_from"), file=file, where=f"{where}.superseded_from"
                ),
                superseded_by=text(item, "superseded_by", file=file, where=where),
                note=text(item, "note", file=file, where=where),
            )
        )
    return tuple(docs)


def citations(source: str) -> tuple[list[str], list[str]]:
    """The 《titles》 and 文号 a source text names."""
    numbers = [re.sub(r"\s+", "", n) for n in _NUMBER.findall(source)]
    return _TITLE.findall(source), numbers


def cited(source: str, docs: Sequence[SourceDoc]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(ids of the documents ``source`` cites, the citations matching no document)."""
    titles, numbers = citations(source)
    found: list[str] = []
    unknown: list[str] = []
    for title in titles:
        doc = next((d for d in docs if title == d.title or title in d.parts), None)
        if doc is None:
            unknown.append(f"《{title}》")
        elif doc.id not in found:
            found.append(doc.id)
    for number in numbers:
        doc = next((d for d in docs if number == re.sub(r"\s+", "", d.number)), None)
        if doc is None:
            unknown.append(number)
        elif doc.id not in found:
            found.append(doc.id)
    return tuple(found), tuple(unknown)
