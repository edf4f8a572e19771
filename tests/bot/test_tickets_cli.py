"""``policybot users|areas|departments|report`` (in-process, on a SQLite file)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage import roles
from storage.db import make_engine, session_scope
from tests.bot.tickets_support import MAP


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("POLICYBOT_ADMIN_IDS", "POLICYBOT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POLICYBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return CliRunner()


def test_service_map_roles_and_report(cli: CliRunner, tmp_path: Path) -> None:
    loaded = cli.invoke(app, ["areas", "load", str(MAP)])
    assert loaded.exit_code == 0, loaded.output
    assert "区域 3,部门 2,专员 2" in loaded.output
    assert "示例产业园" in cli.invoke(app, ["areas", "list"]).output
    added = cli.invoke(
        app, ["departments", "add", "demo-tax", "示例区税务服务窗口", "--chat", "-5"]
    )
    assert added.exit_code == 0, added.output
    assert "demo-tax" in cli.invoke(app, ["departments", "list"]).output
    granted = cli.invoke(
        app,
        [
            "users",
            "grant",
            "777",
            "专员",
            "--area",
            "demo-park",
            "--capacity",
            "4",
            "--name",
            "测试专员",
        ],
    )
    assert granted.exit_code == 0, granted.output
    listed = cli.invoke(app, ["users", "list"]).output
    assert "测试专员" in listed and "0/4" in listed
    assert cli.invoke(app, ["users", "grant", "778", "专员", "--area", "nowhere"]).exit_code == 1
    assert cli.invoke(app, ["users", "grant", "778", "市民"]).exit_code == 2
    assert cli.invoke(app, ["users", "revoke", "777"]).exit_code == 0
    assert cli.invoke(app, ["users", "revoke", "777"]).exit_code == 1
    assert cli.invoke(app, ["areas", "remove", "demo-station"]).exit_code == 0
    assert cli.invoke(app, ["departments", "remove", "demo-tax"]).exit_code == 0
    again = cli.invoke(app, ["departments", "remove", "demo-tax"])  # nothing logged
    assert again.exit_code == 1 and "没有编码为 demo-tax 的部门" in again.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("areas:\n  - {code: 'a b', name: 坏}\n", encoding="utf-8")
    assert cli.invoke(app, ["areas", "load", str(bad)]).exit_code == 1
    out = tmp_path / "r.csv"
    report = cli.invoke(app, ["report", "monthly", "--month", "2026-11", "--csv", str(out)])
    assert report.exit_code == 0, report.output
    assert "2026-11 企业诉求月报" in report.output and "工单总数:0" in report.output
    assert out.read_text(encoding="utf-8-sig").startswith("section,key,value")
    assert cli.invoke(app, ["report", "monthly", "--month", "11/2026"]).exit_code == 2
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with session_scope(engine) as session:
        actions = [a.action for a in roles.admin_actions(session)]
        assert roles.get_commissioner(session, user_id=777) is not None
    engine.dispose()
    assert actions[:4] == ["remove_department", "remove_area", "revoke", "grant"]


def test_report_defaults_to_this_month_and_a_missing_folder_is_one_line(
    cli: CliRunner, tmp_path: Path
) -> None:
    this_month = dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    report = cli.invoke(app, ["report", "monthly"])
    assert report.exit_code == 0, report.output
    assert f"{this_month} 企业诉求月报" in report.output
    missing = tmp_path / "no-such-folder" / "r.csv"
    failed = cli.invoke(app, ["report", "monthly", "--csv", str(missing)])
    assert failed.exit_code == 1
    [line] = [x for x in failed.output.splitlines() if "错误" in x]
    assert line.startswith("错误:无法写入") and str(missing) in line
    assert "Traceback" not in failed.output
