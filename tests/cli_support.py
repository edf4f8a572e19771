"""Running ``policybot`` in the CLI tests.

:func:`run` calls the same typer app in-process through typer's ``CliRunner``: the same
commands, settings read from the given environment, the same database and files, without
starting Python and importing the bot again for every call (~2-3 s each, dozens per test).
An exception that escapes a command is raised in the test (never turned into an exit code),
so "no traceback" stays something a test can fail on. :func:`run_installed` runs the
installed ``policybot`` entry point as a real subprocess, for the few tests that prove it
(exit codes, stdin, stderr, terminal width, logging set up by ``main()``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.context import err, out

EXE = shutil.which("policybot")
installed = pytest.mark.skipif(EXE is None, reason="policybot is not installed")


@dataclass(frozen=True)
class Ran:
    """What a command left, as ``subprocess.CompletedProcess`` gives it."""

    returncode: int
    stdout: str
    stderr: str


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> Ran:
    """``policybot ARGS`` in-process with ``env`` as the whole environment."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    # a pipe, as for a subprocess: rich uses COLUMNS, else 80 columns
    columns = env.get("COLUMNS", "")
    for console in (out, err):
        console.width = int(columns) if columns.isdigit() else 80
    try:
        result = CliRunner().invoke(app, args, input=stdin, catch_exceptions=False)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return Ran(result.exit_code, result.stdout, result.stderr)


def run_installed(
    args: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``policybot ARGS`` as a real subprocess (the installed entry point)."""
    assert EXE is not None
    return subprocess.run(
        [EXE, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120, check=False
    )
