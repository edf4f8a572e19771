"""``policybot kb import`` prints its import id, ``kb rollback`` undoes it, ``kb remove``
withdraws a document and ``kb rollback`` brings it back — in-process (tests/cli_support.py)
on one SQLite database (an admin's terminal session)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tests.cli_support import run
from tests.kbops.samples import DISTRICT_DOC


def ok(args: list[str], env: dict[str, str]) -> str:
    done = run(args, env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def import_id(output: str) -> str:
    match = re.search(r"导入编号 (\d+)", output)
    assert match is not None, output
    return match.group(1)


def listed(env: dict[str, str], key: str) -> list[str]:
    rows = [json.loads(line) for line in ok(["kb", "list", "--json"], env).splitlines()]
    return sorted(row["id"] for row in rows if row["id"].startswith(f"{key}:"))


def test_import_rollback_remove_and_undo_the_removal(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env = {**clean, "POLICYBOT_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "250"}
    doc = tmp_path / "措施.txt"
    doc.write_text(DISTRICT_DOC, encoding="utf-8")

    imported = ok(["kb", "import", str(doc), "--key", "qu-cli"], env)
    first = import_id(imported)
    assert f"policybot kb rollback {first}" in imported and "新增 3" in imported

    undone = ok(["kb", "rollback", first], env)
    assert f"已撤销导入 {first}" in undone and "移除 3" in undone

    again = import_id(ok(["kb", "import", str(doc), "--key", "qu-cli"], env))
    assert again != first
    removed = ok(["kb", "remove", "qu-cli"], env)
    assert "撤下 3 条" in removed and "  - qu-cli:" in removed
    removal = import_id(removed)
    refused = run(["kb", "remove", "qu-cli"], env)
    assert refused.returncode != 0 and "已没有现行条目" in refused.stderr

    restored = ok(["kb", "rollback", removal], env)
    entries = listed(env, "qu-cli")
    assert "恢复 3" in restored and len(entries) == 3
    shown = json.loads(ok(["kb", "show", entries[0], "--json"], env))
    assert shown["audience"]["sizes"] == ["小微企业"]  # what profile push matches
    history = ok(["kb", "history"], env)
    for number, action in ((first, "导入"), (again, "导入"), (removal, "移除")):
        assert re.search(rf"{number}\s.*{action}", history), history
    assert history.count("撤销") >= 2 and "措施.txt" in history
