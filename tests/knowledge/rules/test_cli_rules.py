"""``policybot rules`` sub-app (bot.cli.rules), run in-process with typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli.rules import app
from tests.knowledge.rules.builders import MINIMAL, rules_dir

runner = CliRunner()


def test_check_bundled_rules_passes() -> None:
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.stderr
    assert "high-tech-enterprise.yaml: ok" in result.stdout
    assert "案例" in result.stdout and "0 个失败" in result.stdout
    assert result.stderr == ""


def test_check_reports_failures_on_stderr_with_non_zero_exit(tmp_path: Path) -> None:
    wrong = MINIMAL.replace("    missing: [flag]", "    missing: [district]")
    broken = MINIMAL.replace("id: mini", "id: broken").replace("    type: yes_no", "    type: bool")
    unsourced = MINIMAL.replace("id: mini", "id: unsourced").replace(
        "      text: 满足\n      source: 《测试出处》第二条\n", "      text: 满足\n"
    )
    directory = rules_dir(tmp_path, mini=wrong, broken=broken, unsourced=unsourced)
    result = runner.invoke(app, ["check", str(directory)])
    assert result.exit_code == 1
    assert "mini.yaml: FAIL  案例 2/3 通过" in result.stdout
    assert "✗ mini:待定" in result.stderr
    assert "broken.yaml: 错误 broken.yaml: fields[1](flag): type 应为" in result.stderr
    assert "missing-source" in result.stderr
    assert "1 个无法加载" in result.stderr


def test_check_missing_directory(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "目录不存在" in result.stderr


def test_list_and_show() -> None:
    listed = runner.invoke(app, ["list"])
    assert listed.exit_code == 0
    assert any(
        line.split() == ["tech-sme", "科技型中小企业评价入库"]
        for line in listed.stdout.splitlines()
    )
    shown = runner.invoke(app, ["show", "high-tech-enterprise"])
    assert shown.exit_code == 0, shown.stderr
    out = shown.stdout
    assert "高新技术企业认定(high-tech-enterprise)" in out
    assert "tech_staff_ratio(number,单位 %)" in out
    assert "tech_staff_ratio ≥ 10%" in out
    assert "出处:《高新技术企业认定管理办法》(国科发火〔2016〕32号)第十一条(四)" in out
    confirm = runner.invoke(app, ["show", "little-giant"]).stdout
    assert "[需确认]" in confirm


def test_show_unknown_rule(tmp_path: Path) -> None:
    result = runner.invoke(app, ["show", "nope"])
    assert result.exit_code == 1
    assert "没有规则 nope" in result.stderr
    broken = rules_dir(tmp_path, mini=MINIMAL.replace("    type: yes_no", "    type: bool"))
    result = runner.invoke(app, ["show", "mini", "--dir", str(broken)])
    assert result.exit_code == 1
    assert "type 应为" in result.stderr
