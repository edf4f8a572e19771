"""``policybot rules`` sub-app (bot.cli.rules), run in-process with typer's CliRunner."""

from __future__ import annotations

import json
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


HIGH_TECH_SCORE_UNDER_60 = """\
# answers as an enterprise types them (test fixture)
resident_enterprise: 是
employees: 120人
annual_revenue: 8000万
total_assets: 0.6亿
restricted_products: false
serious_incident_recent: 否
abnormal_or_dishonest: false
tech_sme_score_ok: 否
has_high_tech_cert: 是
"""


def test_eval_reads_typed_answers_and_prints_the_trace_with_sources(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(HIGH_TECH_SCORE_UNDER_60 + "unknown_field: 1\n", encoding="utf-8")
    result = runner.invoke(
        app, ["eval", "tech-sme", "--answers", str(answers), "--date", "2024-05-01"]
    )
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith("《科技型中小企业评价入库》:符合")
    law = "《科技型中小企业评价办法》(国科发政〔2017〕115号)"
    assert f"✓ 资产总额不超过2亿元(您的回答:6000万元) — {law}第六条(二)" in text
    assert "✗ 综合评价得分不低于60分" in text
    cert = "✓ 或拥有有效期内的高新技术企业资格证书(可直接确认)(您的回答:是)"
    assert f"{cert} — {law}第八条(一)" in text
    assert "判断日期:2024-05-01" in text
    assert "已忽略:unknown_field" in result.stderr


def test_eval_json_from_stdin_with_missing_fields_and_dated_versions() -> None:
    answers = '{"is_sme": true, "independent_legal_person": "是", "abnormal_or_dishonest": false,'
    answers += ' "restricted_products": false, "violation_3y": false, "niche_years": "2019年开始",'
    answers += ' "rd_expense": "150万", "rd_ratio": "4.5%", "annual_revenue": "800万"}'
    old = runner.invoke(
        app,
        ["eval", "specialized-sme", "--answers", "-", "--json", "--date", "2023-06-30"],
        input=answers,
    )
    assert old.exit_code == 0, old.stderr
    data = json.loads(old.stdout)
    assert data["outcome"] == "undetermined" and data["as_of"] == "2023-06-30"
    assert [m["field"] for m in data["missing"]] == [
        "equity_financing_2y",
        "zjtx_score_ok",
        "rd_expense_avg_2y",
        "zjtx_award_or_maker",
    ]
    niche = next(line for line in data["trace"] if line["field"] == "niche_years")
    assert niche["value"] == "3.41" and niche["mark"] == "✓"  # 2019年开始, as of 2023-06-30
    assert niche["source"].endswith("附件2《专精特新中小企业认定标准》(一)")
    assert data["documents"][0]["number"] == "工信部企业〔2022〕63号"
    assert data["documents"][0]["superseded"] is False
    # after the 2026 revision the 2022 thresholds are to be confirmed, and the verdict says so
    new = runner.invoke(
        app,
        ["eval", "specialized-sme", "--answers", "-", "--json", "--date", "2026-03-01"],
        input=answers,
    )
    data = json.loads(new.stdout)
    niche = next(line for line in data["trace"] if line["field"] == "niche_years")
    assert niche["mark"] == "✓ (标准待确认)" and niche["value"] == "6.16"
    assert data["documents"][0]["superseded"] is True
    assert "本项目尚未收录新标准" in data["documents"][0]["note"]


def test_eval_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("employees: 很多\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "tech-sme", "--answers", str(bad)])
    assert result.exit_code == 1 and "回答无法识别:employees:" in result.stderr
    assert "Traceback" not in result.stderr
    missing = runner.invoke(app, ["eval", "no-such-rule", "--answers", "-"], input="{}")
    assert missing.exit_code == 1 and "没有规则 no-such-rule" in missing.stderr
    listing = runner.invoke(app, ["eval", "tech-sme", "--answers", "-"], input="[1, 2]")
    assert listing.exit_code == 1 and "字段: 值" in listing.stderr
    date = runner.invoke(
        app, ["eval", "tech-sme", "--answers", "-", "--date", "2024-13-01"], input="{}"
    )
    assert date.exit_code == 2 and "YYYY-MM-DD" in date.stderr
    nofile = runner.invoke(app, ["eval", "tech-sme", "--answers", str(tmp_path / "nope.yaml")])
    assert nofile.exit_code == 1 and "无法读取回答文件" in nofile.stderr


def test_check_lists_the_facts_to_confirm_per_programme() -> None:
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.stderr
    blocks = result.stdout.split("yaml: ")
    giant = next(b for b in blocks if b.startswith("ok") and "从事特定细分市场时间达到3年以上" in b)
    assert "  需确认:主营业务收入总额占营业收入总额比重不低于70%" in giant
    tech = result.stdout.split("tech-sme.yaml: ok")[1].split(".yaml")[0]
    assert "需确认" not in tech
