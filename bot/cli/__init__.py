"""The ``policybot`` command line (typer).

Layout:

- ``__init__.py`` (this file): the root app, ``main()`` (the ``policybot`` entry point) and
  ``COMMANDS``, the table of top-level commands and groups.
- ``context.py``: the start-up context (settings, engine, ``open_kb``), the consoles
  ``out``/``err`` and ``fail``, the one error path. Commands import these public names and
  nothing private from each other.
- ``lazy.py``: groups whose commands are imported only when run, so ``policybot ask`` does
  not pay for the bot, the rules or the e-book.
- one module per command group: ``ask`` (ask, eval), ``kb`` (import, list, show,
  unanswered), ``kb_ops`` (kb history/rollback/export, stats), ``db``, ``run`` (run, shell),
  ``rules``, ``push``, ``tickets`` (users, areas, departments, report), ``privacy``
  (users export).

To add a command group: write ``bot/cli/<group>.py`` with ``app = typer.Typer(help=...)`` and
its commands (a command takes ``ctx: typer.Context`` and calls ``state(ctx)`` for settings,
engine and knowledge base; it reports errors with ``fail``), then add
``"<group>": "bot.cli.<group>:app"`` to ``COMMANDS``. To add a command to an existing group,
add it to that group's module (or, if it pulls in heavy imports, to the group's own
``lazy_group({...})`` table, as ``kb`` does for ``kb_ops``).
"""

from __future__ import annotations

import logging

import typer

from bot.cli.context import CliContext
from bot.cli.lazy import lazy_group

# name -> "module:attribute" (a typer.Typer group or a command function), in --help order.
COMMANDS = {
    "ask": "bot.cli.ask:ask",
    "eval": "bot.cli.ask:eval_command",
    "run": "bot.cli.run:run_command",
    "shell": "bot.cli.run:shell_command",
    "stats": "bot.cli.kb_ops:stats_command",
    "kb": "bot.cli.kb:app",
    "db": "bot.cli.db:app",
    "rules": "bot.cli.rules:app",
    "push": "bot.cli.push:app",
    "users": "bot.cli.tickets:users_app",
    "areas": "bot.cli.tickets:areas_app",
    "departments": "bot.cli.tickets:departments_app",
    "report": "bot.cli.tickets:report_app",
}

app = typer.Typer(
    cls=lazy_group(COMMANDS),
    help="policybot — 中小企业政策助手",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def startup(ctx: typer.Context) -> None:
    # One context per invocation; its engine is disposed when the command ends.
    context = CliContext()
    ctx.obj = context
    ctx.call_on_close(context.close)


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app()
