"""Small YAML helpers shared by the catalog and rule loaders (errors name file and spot)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from knowledge.rules.errors import RuleLoadError
from knowledge.rules.model import Choice

# YAML folds line breaks of long Chinese texts into spaces; Chinese puts none between words
# (nor after the ASCII punctuation our texts use in place of full-width marks).
_FOLDED_SPACE = re.compile(r"(?:(?<=[^\x00-\x7f])|(?<=[,;:]))\s+(?=[^\x00-\x7f])")


def read_yaml(path: Path) -> Any:
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleLoadError(f"无法读取文件:{exc}", file=path) from exc
    try:
        return yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise RuleLoadError(f"YAML 格式错误:{exc}", file=path, where=where) from exc
    except ValueError as exc:  # e.g. a timestamp such as 2023-02-30
        raise RuleLoadError(f"日期无效或值无法解析:{exc}", file=path) from exc


def parse_choices(raw: Any, *, file: Path | None, where: str) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        raise RuleLoadError("应为非空的选项列表", file=file, where=where)
    choices: list[Choice] = []
    for index, item in enumerate(raw):
        spot = f"{where}[{index}]"
        if isinstance(item, str | int) and not isinstance(item, bool):
            choices.append(Choice(str(item), str(item)))
            continue
        if not isinstance(item, dict) or not item.get("value"):
            raise RuleLoadError(
                "选项应为文字,或含 value(及 label、aliases)的表", file=file, where=spot
            )
        unknown = set(item) - {"value", "label", "aliases"}
        if unknown:
            raise RuleLoadError(f"未知的键:{', '.join(sorted(unknown))}", file=file, where=spot)
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list):
            raise RuleLoadError("aliases 应为文字列表", file=file, where=f"{spot}.aliases")
        value = str(item["value"])
        label = str(item.get("label") or value)
        choices.append(Choice(value, label, tuple(str(a) for a in aliases)))
    values = [c.value for c in choices]
    if len(set(values)) != len(values):
        raise RuleLoadError("选项的 value 有重复", file=file, where=where)
    return tuple(choices)


def parse_date(value: Any, *, file: Path | None, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        raise RuleLoadError("应为日期 YYYY-MM-DD(不含时间)", file=file, where=where)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RuleLoadError(f"日期无效(应为 YYYY-MM-DD):{value}", file=file, where=where) from None


def text(raw: Any, key: str, *, file: Path | None, where: str, required: bool = False) -> str:
    value = raw.get(key) if isinstance(raw, dict) else None
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RuleLoadError(f"缺少 {key}", file=file, where=where)
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise RuleLoadError(f"{key} 应为文字", file=file, where=where)
    return _FOLDED_SPACE.sub("", str(value).strip())


def check_keys(raw: dict[str, Any], allowed: set[str], *, file: Path | None, where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        names = ", ".join(sorted(map(str, unknown)))
        raise RuleLoadError(
            f"未知的键:{names}(可用:{', '.join(sorted(allowed))})", file=file, where=where
        )
