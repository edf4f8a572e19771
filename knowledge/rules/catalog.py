"""Shared data for all rules: Wuhan districts, industry sections and shared fields.

Files in the rules directory whose names start with ``_`` are shared data, not programmes:

* ``_districts.yaml`` — Wuhan's districts and functional zones (choices of ``district`` fields);
* ``_industries.yaml`` — 《国民经济行业分类》门类 (choices of ``industry`` fields);
* ``_fields.yaml`` — fields used by several rules; a rule lists them by id, so an answer
  given once (or kept in a profile) serves every rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.rules.errors import RuleLoadError
from knowledge.rules.fields import parse_field
from knowledge.rules.model import Choice, Field
from knowledge.rules.parsing import parse_choices, read_yaml

DISTRICTS_FILE = "_districts.yaml"
INDUSTRIES_FILE = "_industries.yaml"
FIELDS_FILE = "_fields.yaml"


@dataclass(frozen=True, slots=True)
class Catalog:
    districts: tuple[Choice, ...] = ()
    industries: tuple[Choice, ...] = ()
    fields: Mapping[str, Field] = field(default_factory=dict)


def _grouped_choices(path: Path, keys: tuple[str, ...]) -> tuple[Choice, ...]:
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise RuleLoadError("应为字段表", file=path)
    choices: list[Choice] = []
    for key in keys:
        if key in raw:
            choices.extend(parse_choices(raw[key], file=path, where=key))
    if not choices:
        raise RuleLoadError(f"缺少选项列表({' / '.join(keys)})", file=path)
    return tuple(choices)


def load_catalog(directory: Path) -> Catalog:
    """Read the shared files of a rules directory (each is optional)."""
    districts_path = directory / DISTRICTS_FILE
    industries_path = directory / INDUSTRIES_FILE
    districts = (
        _grouped_choices(districts_path, ("districts", "functional_zones", "outside"))
        if districts_path.is_file()
        else ()
    )
    industries = (
        _grouped_choices(industries_path, ("sections",)) if industries_path.is_file() else ()
    )
    catalog = Catalog(districts=districts, industries=industries)
    fields_path = directory / FIELDS_FILE
    if not fields_path.is_file():
        return catalog
    raw = read_yaml(fields_path)
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), list):
        raise RuleLoadError("应包含 fields 列表", file=fields_path)
    shared: dict[str, Field] = {}
    for index, item in enumerate(raw["fields"]):
        parsed = parse_field(item, catalog=catalog, file=fields_path, where=f"fields[{index}]")
        if parsed.id in shared:
            raise RuleLoadError(
                f"字段 id 重复:{parsed.id}", file=fields_path, where=f"fields[{index}]"
            )
        shared[parsed.id] = parsed
    return Catalog(districts=districts, industries=industries, fields=shared)
