"""``policybot … --help`` names positional arguments the way click and man pages do
(``PATH...``, ``[QUESTION]``), without typer's ``{PATHS}`` braces and ``<list[Path]>`` types.
In process: --help opens no database."""

from __future__ import annotations

from typer.testing import CliRunner

from bot.cli import app


def help_text(*args: str) -> str:
    result = CliRunner().invoke(
        app, [*args, "--help"], env={"COLUMNS": "160"}, prog_name="policybot"
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_arguments_read_as_names() -> None:
    text = help_text("kb", "import")
    assert "Usage: policybot kb import [OPTIONS] PATH..." in text
    [row] = [line for line in text.splitlines() if "PATH..." in line and "文件或文件夹" in line]
    assert "<" not in row and "PATHS" not in row and "{" not in row
    assert "--source-url        SOURCE_URL" in text  # options keep their value names
    ask = help_text("ask")
    assert "Usage: policybot ask [OPTIONS] [QUESTION]" in ask and "<str>" not in ask
    assert "Usage: policybot kb remove [OPTIONS] DOC_KEY" in help_text("kb", "remove")
    assert "<html|epub|md>" in help_text("kb", "export")  # a choice keeps its values


def test_a_missing_argument_is_named_by_its_metavar() -> None:
    result = CliRunner().invoke(app, ["kb", "rollback"], env={"COLUMNS": "160"})
    assert result.exit_code == 2
    assert "Missing argument 'IMPORT_ID'" in result.output
