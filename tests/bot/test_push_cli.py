"""``policybot push test USER`` and ``policybot push status`` (in-process,
tests/cli_support.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli_support import run


def test_push_test_and_status(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env = {**clean, "POLICYBOT_DATA_DIR": str(tmp_path / "data")}
    queued = run(["push", "test", "123456789"], env)
    assert queued.returncode == 0, queued.stderr
    assert "已排入测试推送" in queued.stdout
    status = run(["push", "status", "--json"], env)
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["by_state"]["pending"] == 1 and report["by_state"]["sent"] == 0
    assert report["in_flight_resent"] == 0 and report["next_due"]
    table = run(["push", "status"], env)
    assert "推送队列" in table.stdout and "最近发送" in table.stdout
