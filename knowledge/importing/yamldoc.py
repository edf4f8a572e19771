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
MAX_DEPTH = 50  # nesting of lists and mappings; a manifest needs 5
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Loader(yaml.SafeLoader):
    """``SafeLoader`` whose strings are valid Unicode: the escapes "\\ud83d\\ude00" (as
    JSON writes 😀) are joined into one character, and a lone "\\ud800", which no UTF-8
    text can hold, is refused (hashing the entries failed with UnicodeEncodeError)."""

    def construct_scalar(self, node: yaml.ScalarNode) -> Any:  # type: ignore[override]
        value = super().construct_scalar(node)
        if isinstance(value, str) and _SURROGATE.search(value):
            try:
                return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
            except UnicodeDecodeError:
                raise ImportFailed(f"YAML 中有无效的字符(单独的代理项):{value[:30]!r}") from None
        return value


_LIST_FIELDS = ("categories", "audiences", "keywords", "alt_questions")


@dataclass(slots=True)
class ImportBundle:
    """Everything one input file asks to import."""

    meta: DocumentMeta
    document: ParsedDocument | None = None
    enrich: dict[str, Enrichment] = field(default_factory=dict)
    categories: list[Sourced] = field(default_factory=list)


def _text(value: Any, where: str) -> str:
    """A YAML scalar as text. Lists and mappings are refused: besides being wrong, str() of
    one built from aliases ("&a [x, x]", "[*a, *a]", ...) can be exponentially large."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | dt.date):  # bool is an int
        return str(value)
    raise ImportFailed(f"{where} 应为文字,而不是列表或字段表。")


def _optional_text(value: Any, where: str) -> str | None:
    return None if value is None else _text(value, where)


def _date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):  # "2023-03-31 10:00": the day (a datetime cannot be
        return value.date()  # compared with the dates it meets later)
    if isinstance(value, dt.date):
        return value
    text = _text(value, where)
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ImportFailed(f"{where} 的日期格式不对(应为 YYYY-MM-DD):{text}") from exc


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
        guide[name] = Sourced(
            _text(item["value"], f"{where}.guide.{name}.value").strip(),
            _text(item["source"], f"{where}.guide.{name}.source").strip(),
        )
    return guide


def parse_meta(raw: Any) -> DocumentMeta:
    if raw is None:
        return DocumentMeta()
    if not isinstance(raw, dict):
        raise ImportFailed("document 部分应为字段表。")
    key = _optional_text(raw.get("key"), "document.key")
    if key is not None and not KEY_PATTERN.match(key):
        raise ImportFailed(f"document.key 只能用小写字母、数字、- 和 _,长度 2-40:{key}")
    level = raw.get("level")
    if level is not None:  # a list was a TypeError ("unhashable type") in the set lookup
        level = _text(level, "document.level")
        if level not in {lv.value for lv in Level}:
            raise ImportFailed(f"document.level 应为 国家/省/市/区 之一:{level}")
    text = {
        name: _optional_text(raw.get(name), f"document.{name}")
        for name in ("title", "doc_number", "issuer", "region", "source_url", "source_name")
    }  # they were taken as they came: a number or a list reached the database
    return DocumentMeta(
        key=key or None,
        title=text["title"],
        doc_number=text["doc_number"],
        issuer=text["issuer"],
        level=level,
        region=text["region"],
        publish_date=_date(raw.get("publish_date"), "document.publish_date"),
        effective_date=_date(raw.get("effective_date"), "document.effective_date"),
        expiry_date=_date(raw.get("expiry_date"), "document.expiry_date"),
        source_url=text["source_url"],
        source_name=text["source_name"],
    )


def parse_enrichment(raw: Any, where: str) -> Enrichment:
    if not isinstance(raw, dict):
        raise ImportFailed(f"{where} 应为字段表。")
    unknown = set(raw) - {*_LIST_FIELDS, "guide", "title"}
    if unknown:
        # str(): keys may be numbers too ("1: x"), which sorted() cannot order among strings
        raise ImportFailed(f"{where} 中有未知字段:{', '.join(sorted(map(str, unknown)))}")
    lists = {name: _str_list(raw[name], f"{where}.{name}") for name in _LIST_FIELDS if name in raw}
    return Enrichment(
        guide=parse_guide(raw["guide"], where) if "guide" in raw else None,
        title=_optional_text(raw.get("title"), f"{where}.title"),
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
        local_id = _text(item["id"], f"{where}.id")
        if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z._-]{0,30}", local_id):
            raise ImportFailed(f"{where}.id 只能用字母、数字和 . - _:{local_id}")
        entries.append(
            ParsedEntry(
                local_id=local_id,
                number=_text(item.get("number", ""), f"{where}.number"),
                title=_text(item["title"], f"{where}.title").strip(),
                body=_text(item.get("body", ""), f"{where}.body").strip(),
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


def _load(text: str) -> Any:
    """``yaml.safe_load`` (with :class:`_Loader`) after a check of the nesting depth: PyYAML
    builds nested values recursively, so "[[[[…" 3,000 deep was a RecursionError after
    1.2 s (its parser, used for the check, keeps an explicit stack)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ImportFailed(f"YAML 嵌套层数过多(最多 {MAX_DEPTH} 层)。")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader


def parse_yaml_bundle(text: str, *, base_dir: Path | None = None) -> ImportBundle:
    try:
        raw = _load(text)
    except yaml.YAMLError as exc:
        raise ImportFailed(f"YAML 格式错误:{exc}") from exc
    except ImportFailed:
        raise
    except ValueError as exc:  # a timestamp that is no date: "publish_date: 2023-02-30"
        raise ImportFailed(f"YAML 中有不存在的日期:{exc}") from exc
    if not isinstance(raw, dict) or not ({"document", "entries", "enrich"} & raw.keys()):
        raise ImportFailed("YAML 文件应包含 document、entries 或 enrich 中的至少一项。")
    meta = parse_meta(raw.get("document"))
    bundle = ImportBundle(meta=meta)
    categories = raw.get("categories") or []
    if not isinstance(categories, list):  # e.g. "categories: 5" was a TypeError
        raise ImportFailed("categories 应为列表。")
    for index, cat in enumerate(categories):
        where = f"categories[{index}]"
        if not isinstance(cat, dict) or not cat.get("name") or not cat.get("source"):
            raise ImportFailed(f"{where} 必须有 name 和 source。")
        name, source = _text(cat["name"], f"{where}.name"), _text(cat["source"], where)
        bundle.categories.append(Sourced(name, source))
    document_raw = raw.get("document") or {}
    if isinstance(document_raw, dict) and document_raw.get("file"):
        if base_dir is None:
            raise ImportFailed("document.file 需要从文件导入(无法确定相对路径)。")
        path = (base_dir / _text(document_raw["file"], "document.file")).resolve()
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
