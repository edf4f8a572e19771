"""``policybot db upgrade``: the database schema."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.context import fail, out, state
from storage.db import current_revision, upgrade

app = typer.Typer(help="数据库结构升级", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(
    ctx: typer.Context, revision: Annotated[str, typer.Argument(help="目标版本(Alembic)")] = "heads"
) -> None:
    """把数据库结构升级到最新版本。"""
    engine = state(ctx).connect()
    try:
        upgrade(engine, revision)
    except SQLAlchemyError as exc:
        fail(f"数据库升级失败({type(exc).__name__})。")
    out.print(f"数据库结构版本:{current_revision(engine)}")
