"""``policybot users export USER_ID``: the PIPL right of access — everything the bot stores
about one user, as JSON on stdout. Listed lazily in the ``users`` group."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli.context import state
from services import privacy
from storage.db import session_scope


def export_user(
    ctx: typer.Context,
    user_id: Annotated[int, typer.Argument(help="Telegram 用户 ID")],
) -> None:
    """导出某用户的全部个人数据(JSON)。"""
    with session_scope(state(ctx).engine) as session:
        data = privacy.export_user(session, user_id=user_id)
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
