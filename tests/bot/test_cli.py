"""The CLI contract (``policybot ask|kb|eval|db``): in-process (tests/cli_support.py), and
as the installed entry point in a real subprocess where that is the subject (stdin, exit
codes and stderr, a narrow terminal)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.cli_support import installed, run, run_installed
from tests.fixtures.formats.documents import JIUYE, KEJI


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    return {**clean, "POLICYBOT_DATA_DIR": str(tmp_path / "data")}


@installed
def test_ask_json_stdin_writes_one_object_per_line(env: dict[str, str]) -> None:
    questions = "个体户转成公司有奖励吗\n\n今天天气怎么样\n融资担保肥率\n专精特新怎么申报\n"
    proc = run_installed(["ask", "--json", "--top", "2", "-"], env, stdin=questions)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["question"] for line in lines] == [
        "个体户转成公司有奖励吗",
        "今天天气怎么样",
        "融资担保肥率",
        "专精特新怎么申报",
    ]
    first, weather, typo, programme = lines
    assert first["answered"] is True
    assert first["matches"][0]["id"] == "wh-sme-2023:2.5.20"
    assert set(first["matches"][0]) == {"id", "title", "path", "score"}
    assert len(first["matches"]) == 2
    assert first["matches"][0]["score"] >= first["matches"][1]["score"]
    assert 0.0 <= first["matches"][0]["score"] <= 1.0
    assert weather["answered"] is False and weather["clarify"] is False
    # declined by name: no document speaks of the weather
    assert weather["outside"] == "天气" and first["outside"] is None
    assert first["clarify"] is False
    # several items are about 专精特新: the bot would ask, the candidates are the matches
    assert programme["answered"] is False and programme["clarify"] is True
    assert len(programme["matches"]) == 2
    assert "specialized-sme" in programme["self_checks"]
    assert typo["matches"][0]["id"] == "wh-sme-2023:2.2.6"


def test_kb_show_list_and_unanswered(env: dict[str, str]) -> None:
    shown = run(["kb", "show", "wh-sme-2023:2.5.20", "--json"], env)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["title"] == "加快推进“个转企”"
    listed = run(["kb", "list", "--json"], env)
    assert len(listed.stdout.splitlines()) == 32
    run(["ask", "附近哪家火锅好吃"], env)
    said = run(["ask", "发票怎么开"], env)
    assert "已收录的政策文件里没有关于「发票」的内容" in said.stdout
    assert "/browse" not in said.stdout  # a bot command means nothing on the command line
    listed = run(["ask", "中小企业有哪些奖励"], env)  # the card, then the others as the bot does
    assert "与您的问题相关的还有" in listed.stdout and "加快推进“个转企”" in listed.stdout
    as_json = json.loads(run(["ask", "--json", "中小企业有哪些奖励"], env).stdout)
    assert as_json["listing"] is True and len(as_json["matches"]) > 3
    unanswered = run(["kb", "unanswered"], env)
    assert "附近哪家火锅好吃" in unanswered.stdout


@installed
def test_errors_go_to_stderr_with_nonzero_exit(env: dict[str, str], tmp_path: Path) -> None:
    missing = run_installed(["kb", "show", "no-such:1"], env)
    assert missing.returncode != 0 and "没有编号" in missing.stderr
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02")
    imported = run_installed(["kb", "import", str(binary)], env)
    assert imported.returncode != 0 and "二进制" in imported.stderr
    assert "Traceback" not in imported.stderr


def test_import_reports_changes_then_nothing(env: dict[str, str], tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("# 某区措施办法\n## 一、支持\n1. 贴息。给予贴息。\n", encoding="utf-8")
    first = run(["kb", "import", "--key", "qu-doc", "--level", "区", str(doc)], env)
    assert first.returncode == 0, first.stderr
    assert "新增 1" in first.stdout and "+ qu-doc:1.1" in first.stdout
    again = run(["kb", "import", "--key", "qu-doc", str(doc)], env)
    assert "新增 0,修改 0,删除 0" in again.stdout


def test_eval_prints_rates(env: dict[str, str], tmp_path: Path) -> None:
    qs = tmp_path / "qs.yaml"
    qs.write_text(
        "questions:\n  - q: 个体户转企业有奖励吗\n    expect: [wh-sme-2023:2.5.20]\n"
        "  - q: 今天天气怎么样\n    expect: []\n",
        encoding="utf-8",
    )
    proc = run(["eval", str(qs)], env)
    assert proc.returncode == 0, proc.stderr
    for label in ("首位命中率", "前三命中率", "范围内回答率", "范围外拒答率"):
        assert label in proc.stdout


FORMATS = Path(__file__).resolve().parents[1] / "fixtures" / "formats"


def test_a_folder_is_imported_file_by_file(env: dict[str, str], tmp_path: Path) -> None:
    """PDF, web page and .doc fixtures (test documents) with a damaged file of each format
    and a scan, in a folder with a subfolder: the good files are saved, each bad one is
    reported, and a second run changes nothing."""
    folder = tmp_path / "policies"
    (folder / "web").mkdir(parents=True)
    (folder / ".cache").mkdir()
    for name in ("yangli-keji.pdf", "damaged.pdf", "scanned.pdf", "damaged.doc"):
        shutil.copy(FORMATS / name, folder / name)
    for name in ("yangli-jiuye.html", "damaged.html"):
        shutil.copy(FORMATS / name, folder / "web" / name)
    (folder / ".cache" / "junk.txt").write_bytes(b"\x00")  # hidden: skipped
    good = 2
    if shutil.which("catdoc"):
        shutil.copy(FORMATS / "yangli-zhuanjing.doc", folder / "yangli-zhuanjing.doc")
        good = 3
    env = {**env, "COLUMNS": "250"}
    first = run(["kb", "import", str(folder)], env)
    assert first.returncode == 1
    assert "Traceback" not in first.stderr
    assert f"4 个文件未导入(原因见上表;这些文件没有写入任何内容,其余 {good} 个文件已导入)" in (
        first.stderr
    )
    assert "数据库未改动" not in first.stderr
    assert f"导入结果({good + 4} 个文件)" in first.stdout
    assert "扫描件" in first.stdout and "网页文件不完整" in first.stdout
    assert f"新增 {KEJI.entry_count()},修改 0,删除 0" in first.stdout  # yangli-keji.pdf
    assert f"新增 {JIUYE.entry_count()},修改 0,删除 0" in first.stdout  # web/yangli-jiuye.html
    listed = run(["kb", "list", "--json"], env).stdout.splitlines()
    again = run(["kb", "import", str(folder)], env)
    assert again.returncode == 1
    assert again.stdout.count("新增 0,修改 0,删除 0") == good
    assert run(["kb", "list", "--json"], env).stdout.splitlines() == listed


def test_a_failed_file_among_several_does_not_hide_the_saved_ones(
    env: dict[str, str], tmp_path: Path
) -> None:
    first, second, bad = tmp_path / "a.md", tmp_path / "b.md", tmp_path / "c.txt"
    first.write_text("# 某区甲措施办法\n## 一、支持\n1. 贴息。给予贴息。\n", encoding="utf-8")
    second.write_text("# 某区乙措施办法\n## 一、支持\n1. 补助。给予补助。\n", encoding="utf-8")
    bad.write_bytes(b"\x00\x01\x02")
    proc = run(["kb", "import", str(first), str(bad), str(second)], env)
    assert proc.returncode == 1
    assert "数据库未改动" not in proc.stderr
    assert "1 个文件未导入(原因见上表;这些文件没有写入任何内容,其余 2 个文件已导入)" in proc.stderr
    assert proc.stdout.count("新增 1,修改 0,删除 0") == 2  # the files after the bad one too


def test_kb_learned_lists_and_undoes(env: dict[str, str]) -> None:
    from services import learning
    from storage.db import make_engine, session_scope
    from storage.models import QuestionLog
    from storage.models_learning import EvidenceKind

    assert run(["kb", "learned"], env).stdout.strip() == "暂无学到的问法。"  # creates the DB
    engine = make_engine(f"sqlite:///{Path(env['POLICYBOT_DATA_DIR']) / 'policybot.db'}")
    with session_scope(engine) as session:
        asked = QuestionLog(question="小店升级公司", normalized="小店升级公司", answered=False)
        session.add(asked)
        session.flush()
        learning.record(
            session,
            question_id=asked.id,
            entry_id="wh-sme-2023:2.5.20",
            user_id=42,
            kind=EvidenceKind.ADMIN,
            min_users=3,
        )
    engine.dispose()
    [row] = [json.loads(line) for line in run(["kb", "learned", "--json"], env).stdout.splitlines()]
    assert (row["question"], row["entry_id"], row["basis"]) == (
        "小店升级公司",
        "wh-sme-2023:2.5.20",
        "admin",
    )
    assert row["confirmed_by"] == 42 and row["undone_at"] is None
    table = run(["kb", "learned"], env)
    assert "小店升级公司" in table.stdout and "管理员 42" in table.stdout
    undone = run(["kb", "learned", "--undo", str(row["id"])], env)
    assert undone.returncode == 0 and "已撤销" in undone.stdout
    again = run(["kb", "learned", "--undo", str(row["id"])], env)
    assert again.returncode == 1 and "错误" in again.stderr
    [row] = [json.loads(line) for line in run(["kb", "learned", "--json"], env).stdout.splitlines()]
    assert row["undone_at"] is not None
    shown = json.loads(run(["kb", "show", "wh-sme-2023:2.5.20", "--json"], env).stdout)
    assert "小店升级公司" not in shown.get("alt_questions", [])


def test_kb_show_json_carries_the_document_metadata_and_status(
    env: dict[str, str],
) -> None:
    library = Path(__file__).resolve().parents[1] / "fixtures" / "library"
    old, new = library / "c0-city-specialized-old.txt", library / "c1-city-specialized.txt"
    imported = run(["kb", "import", str(old), str(new)], env)
    assert imported.returncode == 0, imported.stderr
    shown = json.loads(run(["kb", "show", "doc-1b4cd5a690:1.1", "--json"], env).stdout)
    assert shown["doc_number"] == "示经信规〔2026〕1号"
    assert shown["issuer"] == "示范市经济和信息化局 示范市财政局"
    assert (shown["level"], shown["region"]) == ("市", "示范")
    assert shown["publish_date"] == "2026-02-01" and shown["effective_date"] == "2026-03-01"
    assert shown["expiry_date"] == "2029-02-28"
    assert shown["status"] == "in_force" and shown["replaced_by"] is None
    assert shown["guide"]["materials"]["value"] == "认定文件、营业执照、申请表"
    assert shown["guide"]["contact"]["source"].endswith("三、(三)联系方式")
    repealed = json.loads(run(["kb", "show", "doc-4f2f63b18d:1.1", "--json"], env).stdout)
    assert repealed["status"] == "repealed" and repealed["replaced_by"] == "doc-1b4cd5a690"
    assert repealed["effective_date"] == "2021-06-01" and repealed["expiry_date"] is None
    seed = json.loads(run(["kb", "show", "wh-sme-2023:2.5.20", "--json"], env).stdout)
    assert seed["status"] == "past_year" and seed["effective_date"] is None
    assert seed["publish_date"] == "2023-03-31"
    rows = [json.loads(line) for line in run(["kb", "list", "--json"], env).stdout.splitlines()]
    statuses = {row["document_key"]: row["status"] for row in rows}
    assert statuses == {
        "wh-sme-2023": "past_year",
        "doc-4f2f63b18d": "repealed",
        "doc-1b4cd5a690": "in_force",
    }


@installed
def test_narrow_output_keeps_whole_ids_and_chinese_labels(
    env: dict[str, str], tmp_path: Path
) -> None:
    narrow = {**env, "COLUMNS": "60"}
    listed = run_installed(["kb", "list"], narrow)
    assert listed.returncode == 0, listed.stderr
    assert "wh-sme-2023:2.5.20" in listed.stdout
    shown = run_installed(["kb", "show", "wh-sme-2023:2.5.20"], narrow)
    assert "· 支持对象:" in shown.stdout and "support_target" not in shown.stdout
    chart = tmp_path / "no-such-folder" / "chart.png"
    failed = run_installed(["stats", "--chart", str(chart)], narrow)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    [line] = [x for x in failed.stderr.splitlines() if "错误" in x]
    assert line == f"错误:无法写入 {chart}:No such file or directory"


def test_ask_warns_when_the_measure_names_another_trade(env: dict[str, str]) -> None:
    library = Path(__file__).resolve().parents[1] / "fixtures" / "library"
    imported = run(["kb", "import", str(library / "d1-district-software.txt")], env)
    assert imported.returncode == 0, imported.stderr
    said = run(["ask", "我们是做餐饮的,招高校毕业生有没有补贴"], env).stdout
    assert "吸纳高校毕业生社保补贴" in said
    assert "您提到的行业是「住宿和餐饮业」" in said
    said = run(["ask", "我们是做软件的,招高校毕业生有没有补贴"], env).stdout
    assert "吸纳高校毕业生社保补贴" in said and "您提到的行业" not in said
