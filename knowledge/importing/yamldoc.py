"""YAML import format: a document manifest, structured entries and enrichment.

One file may hold any of three parts::

    document:            # metadata; with `file:` the text of a .txt/.md document
      key: wh-sme-2023
      file: wuhan-2023-sme-work-plan.txt
      level: 市
    entries:             # structured entries (when there is no text file)
      - id: "1"
        title: ...
        body: ...
    enrich:              # fields for existing entries, keyed by full entry id
      "wh-sme-2023:2.2.6":
        keywords: [...]
        guide:
          support_content: {value: ..., source: ...}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.importing.errors import ImportFailed
from knowledge.importing.textdoc import decode_bytes, parse_text_document
from knowledge.model import (
    GUIDE_FIELDS,
    DocumentMeta,
    Enrichment,
    Level,
    ParsedDocument,
    ParsedEntry,
    Sourced,
)

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
_LIST_FIELDS = ("categories", "audiences", "keywords", "alt_questions")


@dataclass(slots=True)
class ImportBundle:
    """Everything one input file asks to import."""

    meta: DocumentMeta
    document: ParsedDocument | None = None
    enrich: dict[str, Enrichment] = field(default_factory=dict)
    categories: list[Sourced] = field(default_factory=list)


def _date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ImportFailed(f"{where} 的日期格式不对(应为 YYYY-MM-DD):{value}") from exc


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise ImportFailed(f"{where} 应为文字列表。")
    return [str(v).strip() for v in value if str(v).strip()]


def parse_guide(value: Any, where: str) -> dict[str, Sourced]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ImportFailed(f"{where}.guide 应为字段表。")
    guide: dict[str, Sourced] = {}
    for name, item in value.items():
        if name not in GUIDE_FIELDS:
            raise ImportFailed(
                f"{where}.guide 中有未知字段 {name}(可用:{', '.join(GUIDE_FIELDS)})。"
            )
        if item in (None, ""):
            continue
        if not isinstance(item, dict) or not item.get("value") or not item.get("source"):
            raise ImportFailed(
                f"{where}.guide.{name} 必须同时给出 value 和 source(出处),没有出处的内容不能导入。"
            )
        guide[name] = Sourced(str(item["value"]).strip(), str(item["source"]).strip())
    return guide


def parse_meta(raw: Any) -> DocumentMeta:
    if raw is None:
        return DocumentMeta()
    if not isinstance(raw, dict):
        raise ImportFailed("document 部分应为字段表。")
    key = raw.get("key")
    if key is not None and not KEY_PATTERN.match(str(key)):
        raise ImportFailed(f"document.key 只能用小写字母、数字、- 和 _,长度 2-40:{key}")
    level = raw.get("level")
    if level is not None and level not in {lv.value for lv in Level}:
        raise ImportFailed(f"document.level 应为 国家/省/市/区 之一:{level}")
    return DocumentMeta(
        key=str(key) if key else None,
        title=raw.get("title"),
        doc_number=raw.get("doc_number"),
        issuer=raw.get("issuer"),
        level=level,
        region=raw.get("region"),
        publish_date=_date(raw.get("publish_date"), "document.publish_date"),
        effective_date=_date(raw.get("effective_date"), "document.effective_date"),
        expiry_date=_date(raw.get("expiry_date"), "document.expiry_date"),
        source_url=raw.get("source_url"),
        source_name=raw.get("source_name"),
    )


def parse_enrichment(raw: Any, where: str) -> Enrichment:
    if not isinstance(raw, dict):
        raise ImportFailed(f"{where} 应为字段表。")
    unknown = set(raw) - {*_LIST_FIELDS, "guide", "title"}
    if unknown:
        raise ImportFailed(f"{where} 中有未知字段:{', '.join(sorted(unknown))}")
    lists = {name: _str_list(raw[name], f"{where}.{name}") for name in _LIST_FIELDS if name in raw}
    return Enrichment(
        guide=parse_guide(raw["guide"], where) if "guide" in raw else None,
        title=raw.get("title"),
        **lists,
    )


def _structured_document(
    meta: DocumentMeta, raw: Any
) -> tuple[ParsedDocument, dict[str, Enrichment]]:
    if not isinstance(raw, list) or not raw:
        raise ImportFailed("entries 应为非空列表。")
    if not meta.title:
        raise ImportFailed("使用 entries 导入时,document.title 必填。")
    entries: list[ParsedEntry] = []
    enrich: dict[str, Enrichment] = {}
    for position, item in enumerate(raw):
        where = f"entries[{position}]"
        if not isinstance(item, dict) or not item.get("id") or not item.get("title"):
            raise ImportFailed(f"{where} 必须有 id 和 title。")
        local_id = str(item["id"])
        if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z._-]{0,30}", local_id):
            raise ImportFailed(f"{where}.id 只能用字母、数字和 . - _:{local_id}")
        entries.append(
            ParsedEntry(
                local_id=local_id,
                number=str(item.get("number", "")),
                title=str(item["title"]).strip(),
                body=str(item.get("body", "")).strip(),
                path=_str_list(item.get("path"), f"{where}.path"),
                position=position,
            )
        )
        extra = {k: v for k, v in item.items() if k in (*_LIST_FIELDS, "guide")}
        if extra:
            enrich[local_id] = parse_enrichment(extra, where)
    ids = [e.local_id for e in entries]
    if len(set(ids)) != len(ids):
        raise ImportFailed("entries 中有重复的 id。")
    text = "\n".join(f"{e.title}\n{e.body}" for e in entries)
    doc = ParsedDocument(
        title=meta.title,
        body_text=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        entries=entries,
        doc_number=meta.doc_number,
        issuer=meta.issuer,
        publish_date=meta.publish_date,
    )
    return doc, enrich


def parse_yaml_bundle(text: str, *, base_dir: Path | None = None) -> ImportBundle:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImportFailed(f"YAML 格式错误:{exc}") from exc
    if not isinstance(raw, dict) or not ({"document", "entries", "enrich"} & raw.keys()):
        raise ImportFailed("YAML 文件应包含 document、entries 或 enrich 中的至少一项。")
    meta = parse_meta(raw.get("document"))
    bundle = ImportBundle(meta=meta)
    for index, cat in enumerate(raw.get("categories") or []):
        if not isinstance(cat, dict) or not cat.get("name") or not cat.get("source"):
            raise ImportFailed(f"categories[{index}] 必须有 name 和 source。")
        bundle.categories.append(Sourced(str(cat["name"]), str(cat["source"])))
    document_raw = raw.get("document") or {}
    if isinstance(document_raw, dict) and document_raw.get("file"):
        if base_dir is None:
            raise ImportFailed("document.file 需要从文件导入(无法确定相对路径)。")
        path = (base_dir / str(document_raw["file"])).resolve()
        if not path.is_file():
            raise ImportFailed(f"document.file 指向的文件不存在:{document_raw['file']}")
        bundle.document = parse_text_document(
            decode_bytes(path.read_bytes()), markdown=path.suffix.lower() == ".md"
        )
    if raw.get("entries") is not None:
        if bundle.document is not None:
            raise ImportFailed("document.file 与 entries 不能同时使用。")
        bundle.document, local_enrich = _structured_document(meta, raw["entries"])
        if not meta.key:
            raise ImportFailed("使用 entries 导入时,document.key 必填。")
        bundle.enrich.update({f"{meta.key}:{k}": v for k, v in local_enrich.items()})
    enrich = raw.get("enrich") or {}
    if not isinstance(enrich, dict):
        raise ImportFailed("enrich 应为以条目编号为键的字段表。")
    for entry_id, fields in enrich.items():
        bundle.enrich[str(entry_id)] = parse_enrichment(fields, f"enrich[{entry_id}]")
    return bundle
