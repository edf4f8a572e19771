"""``policybot push test USER`` and ``policybot push status``, as a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

EXE = shutil.which("policybot")
pytestmark = pytest.mark.skipif(EXE is None, reason="policybot is not installed")


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert EXE is not None
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


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
