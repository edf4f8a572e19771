"""Loading rule files: ``knowledge/data/rules/<id>.yaml``, one programme per file.

Top-level keys::

    id, title, summary            # id: lower case, digits and -, same as the file name
    entries: [wh-sme-2023:2.5.20] # linked knowledge-base entries
    valid_from, valid_until       # dates or null (null when the source gives none)
    review_after                  # optional date after which the source may be outdated
    validity_source               # where the dates come from
    sources: [{id, title, number, issuer, date, url, …}]  # see knowledge.rules.sources
    fields: [district, {...}]     # shared field ids (_fields.yaml) or local definitions
    conditions: {...}             # see knowledge.rules.conditions
    outcomes: {eligible, not_eligible, undetermined}
    next_steps, next_steps_source
    cases: [{name, facts, expect, missing, to_confirm, tentative, today, validity}]

Errors raise :class:`~knowledge.rules.errors.RuleLoadError` naming file and spot.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from knowledge.rules.catalog import Catalog, load_catalog
from knowledge.rules.conditions import parse_condition
from knowledge.rules.errors import RuleLoadError
from knowledge.rules.fields import parse_field
from knowledge.rules.model import NEXT_STEPS_DEFAULT, Case, Field, Outcome, Rule
from knowledge.rules.parsing import check_keys, parse_date, read_yaml, text
from knowledge.rules.sources import cited, parse_sources

BUNDLED_RULES_DIR = Path(__file__).resolve().parents[1] / "data" / "rules"
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_VALIDITY = ("in_force", "not_yet_valid", "expired", "review")
_KEYS = {
    "id",
    "title",
    "summary",
    "entries",
    "valid_from",
    "valid_until",
    "review_after",
    "validity_source",
    "fields",
    "conditions",
    "outcomes",
    "next_steps",
    "next_steps_source",
    "cases",
    "sources",
}
_CASE_KEYS = {"name", "facts", "expect", "missing", "to_confirm", "tentative", "today", "validity"}


def rule_files(directory: Path) -> list[Path]:
    """The programme files of a directory (``_*.yaml`` are shared data), sorted by name."""
    return sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))


def _str_list(raw: Any, *, file: Path | None, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() for v in raw):
        raise RuleLoadError("应为文字列表", file=file, where=where)
    return tuple(v.strip() for v in raw)


def _outcome(raw: Any, *, file: Path | None, where: str) -> Outcome:
    try:
        return Outcome(str(raw))
    except ValueError:
        options = " | ".join(o.value for o in Outcome)
        raise RuleLoadError(f"结果应为 {options}:{raw}", file=file, where=where) from None


def _fields(raw: Any, catalog: Catalog, *, file: Path | None) -> tuple[Field, ...]:
    if not isinstance(raw, list) or not raw:
        raise RuleLoadError("fields 应为非空列表", file=file, where="fields")
    fields: list[Field] = []
    for index, item in enumerate(raw):
        where = f"fields[{index}]"
        if isinstance(item, str):
            shared = catalog.fields.get(item)
            if shared is None:
                raise RuleLoadError(
                    f"未知的共享字段:{item}(见 _fields.yaml)", file=file, where=where
                )
            fields.append(shared)
            continue
        parsed = parse_field(item, catalog=catalog, file=file, where=where)
        if parsed.id in catalog.fields:
            raise RuleLoadError(
                f"字段 {parsed.id} 已在 _fields.yaml 中定义,请直接写 - {parsed.id}",
                file=file,
                where=where,
            )
        fields.append(parsed)
    return tuple(fields)


def _case(raw: Any, *, file: Path | None, where: str) -> Case:
    if not isinstance(raw, dict):
        raise RuleLoadError("案例应为表", file=file, where=where)
    check_keys(raw, _CASE_KEYS, file=file, where=where)
    name = text(raw, "name", file=file, where=where, required=True)
    spot = f"{where}({name})"
    facts = raw.get("facts") or {}
    if not isinstance(facts, dict):
        raise RuleLoadError("facts 应为 字段: 值 的表", file=file, where=spot)
    if "expect" not in raw:
        raise RuleLoadError("缺少 expect", file=file, where=spot)
    validity = raw.get("validity")
    if validity is not None and validity not in _VALIDITY:
        raise RuleLoadError(f"validity 应为 {' | '.join(_VALIDITY)}", file=file, where=spot)
    missing = raw.get("missing")
    to_confirm = raw.get("to_confirm")
    tentative = raw.get("tentative")
    return Case(
        name=name,
        facts={str(k): v for k, v in facts.items()},
        expect=_outcome(raw["expect"], file=file, where=f"{spot}.expect"),
        missing=None if missing is None else _str_list(missing, file=file, where=f"{spot}.missing"),
        to_confirm=None
        if to_confirm is None
        else _str_list(to_confirm, file=file, where=f"{spot}.to_confirm"),
        tentative=None if tentative is None else _outcome(tentative, file=file, where=spot),
        today=parse_date(raw.get("today"), file=file, where=f"{spot}.today"),
        validity=validity,
        path=spot,
    )


def _outcomes(raw: Any, *, file: Path | None) -> dict[Outcome, str]:
    if not isinstance(raw, dict):
        raise RuleLoadError("outcomes 应包含 eligible、not_eligible、undetermined", file=file)
    check_keys(raw, {o.value for o in Outcome}, file=file, where="outcomes")
    return {o: text(raw, o.value, file=file, where="outcomes", required=True) for o in Outcome}


def parse_rule(raw: Any, *, catalog: Catalog, file: Path | None = None) -> Rule:
    """Build a :class:`Rule` from the parsed YAML of one file."""
    if not isinstance(raw, dict):
        raise RuleLoadError("规则文件应为字段表", file=file)
    check_keys(raw, _KEYS, file=file, where="")
    rule_id = text(raw, "id", file=file, where="id", required=True)
    if not RULE_ID.match(rule_id):
        raise RuleLoadError(f"id 只能用小写字母、数字和 -:{rule_id}", file=file, where="id")
    fields = _fields(raw.get("fields"), catalog, file=file)
    if raw.get("conditions") is None:
        raise RuleLoadError("缺少 conditions", file=file)
    by_id: dict[str, Field] = {}
    for item in fields:
        by_id.setdefault(item.id, item)
    sources = parse_sources(raw.get("sources"), file=file)
    cases_raw = raw.get("cases") or []
    if not isinstance(cases_raw, list):
        raise RuleLoadError("cases 应为列表", file=file, where="cases")
    return Rule(
        id=rule_id,
        title=text(raw, "title", file=file, where="title", required=True),
        summary=text(raw, "summary", file=file, where="summary"),
        fields=fields,
        conditions=parse_condition(
            raw["conditions"], by_id, file=file, cite=lambda source: cited(source, sources)[0]
        ),
        entries=_str_list(raw.get("entries"), file=file, where="entries"),
        valid_from=parse_date(raw.get("valid_from"), file=file, where="valid_from"),
        valid_until=parse_date(raw.get("valid_until"), file=file, where="valid_until"),
        review_after=parse_date(raw.get("review_after"), file=file, where="review_after"),
        validity_source=text(raw, "validity_source", file=file, where="validity_source"),
        outcomes=_outcomes(raw.get("outcomes"), file=file),
        next_steps=text(raw, "next_steps", file=file, where="next_steps") or NEXT_STEPS_DEFAULT,
        next_steps_source=text(raw, "next_steps_source", file=file, where="next_steps_source"),
        cases=tuple(
            _case(item, file=file, where=f"cases[{index}]") for index, item in enumerate(cases_raw)
        ),
        sources=sources,
        file=file,
    )


def load_rule_file(path: Path, *, catalog: Catalog | None = None) -> Rule:
    """Load one rule file; the catalog defaults to the shared files next to it."""
    return parse_rule(read_yaml(path), catalog=catalog or load_catalog(path.parent), file=path)


def load_rules(directory: Path = BUNDLED_RULES_DIR) -> list[Rule]:
    """Every rule of a directory (raises on the first invalid file; see ``check_all``)."""
    catalog = load_catalog(directory)
    return [load_rule_file(path, catalog=catalog) for path in rule_files(directory)]
