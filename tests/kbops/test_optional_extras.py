"""Optional extras (``pip install 'policybot[NAME]'``): when one is not installed, what needs
it says so in one line naming the install command, and everything else still works. A
missing library is simulated the way Python itself reports one: ``sys.modules[name] = None``
makes ``import name`` raise ModuleNotFoundError."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bot.cli import app
from knowledge.extras import EXTRAS, MissingExtra, require
from knowledge.importing import ImportFailed
from knowledge.importing.formats import read_file
from services import ebook, stats_chart
from services.stats import DayCount, StatsReport
from storage.stats import OptionalCounts
from tests.fixtures.formats.documents import KEJI
from tests.fixtures.formats.generate import docx_bytes

FORMATS = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
NOW = dt.datetime(2026, 3, 10, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def block(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)


@pytest.mark.parametrize("name", sorted(EXTRAS))
def test_require_names_the_install_command(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    require(name)  # the tests install every extra
    extra = EXTRAS[name]
    block(monkeypatch, extra.modules[0])
    with pytest.raises(MissingExtra) as caught:
        require(name)
    message = str(caught.value)
    assert f"pip install 'policybot[{name}]'" in message and extra.package in message
    assert "\n" not in message


def test_epub_needs_ebooklib_html_and_markdown_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    book = ebook.collect([], exported_at=NOW)
    block(monkeypatch, "ebooklib")
    with pytest.raises(MissingExtra, match=r"pip install 'policybot\[ebook\]'"):
        ebook.render(book, ebook.BookFormat.EPUB)
    assert b"<html" in ebook.render(book, ebook.BookFormat.HTML)
    assert ebook.render(book, ebook.BookFormat.MD).startswith(b"# ")


def test_chart_needs_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    day = NOW.date()
    report = StatsReport(
        days=1,
        start=day,
        end=day,
        per_day=(DayCount(day, 3, 2),),
        helpful=0,
        unhelpful=0,
        topics=(),
        unanswered=(),
        extras=OptionalCounts(),
    )
    assert stats_chart.chart_png(report).startswith(b"\x89PNG")
    block(monkeypatch, "matplotlib")
    with pytest.raises(MissingExtra, match=r"pip install 'policybot\[chart\]'"):
        stats_chart.chart_png(report)


@pytest.mark.parametrize(
    ("extra", "module", "file_name"),
    [
        ("word", "docx", "keji.docx"),
        ("pdf", "pdfplumber", "yangli-keji.pdf"),
        ("html", "trafilatura", "yangli-keji.html"),
    ],
)
def test_a_reader_without_its_library_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, extra: str, module: str, file_name: str
) -> None:
    data = docx_bytes(KEJI) if extra == "word" else (FORMATS / file_name).read_bytes()
    assert read_file(file_name, data).content  # readable with the library
    block(monkeypatch, module)
    with pytest.raises(ImportFailed) as caught:
        read_file(file_name, data)
    # the install command, not "the file is damaged"
    assert f"pip install 'policybot[{extra}]'" in str(caught.value)
    assert "损坏" not in str(caught.value)
    # text files never need an extra
    text = (FORMATS / "yangli-keji.txt").read_bytes()
    assert KEJI.lines[0] in read_file("keji.txt", text).content


# The command line in its own process, with the library made unimportable before
# ``policybot`` starts (argv[1]: the modules to block).
CLI = (
    "import sys; sys.modules.update(dict.fromkeys(sys.argv.pop(1).split(',')));"
    "sys.argv[0] = 'policybot'; from bot.cli import main; main()"
)


def run_without(modules: str, args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(POLICYBOT_DATA_DIR=str(tmp_path / "data"), POLICYBOT_LOAD_BUNDLED_KB="false")
    return subprocess.run(
        [sys.executable, "-c", CLI, modules, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_names_the_extra_on_stderr_without_traceback(tmp_path: Path) -> None:
    book = tmp_path / "book.epub"
    proc = run_without(
        "ebooklib", ["kb", "export", "--format", "epub", "--out", str(book)], tmp_path
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"错误:{EXTRAS['ebook'].purpose}需要可选组件 ebooklib(未安装),"
        "请运行:pip install 'policybot[ebook]'"
    ]
    assert not book.exists()


def test_cli_stats_prints_the_figures_then_names_the_chart_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("POLICYBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POLICYBOT_LOAD_BUNDLED_KB", "false")
    block(monkeypatch, "matplotlib")
    chart = tmp_path / "chart.png"
    result = CliRunner().invoke(app, ["stats", "--chart", str(chart)])
    # a clean exit with code 1, not an exception (which would print a traceback)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "近 30 天" in result.stdout  # the figures all the same
    assert result.stderr == f"错误:{MissingExtra(EXTRAS['chart'])}\n"
    assert not chart.exists()
