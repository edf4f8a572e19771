"""``policybot users export USER_ID``: the PIPL right of access — everything the bot stores
about one user, as JSON on stdout (issue 8)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli_tickets import _engine, _settings
from services import privacy
from storage.db import session_scope


def export_user(
    user_id: Annotated[int, typer.Argument(help="Telegram 用户 ID")],
) -> None:
    """导出某用户的全部个人数据(JSON)。"""
    engine = _engine(_settings())
    try:
        with session_scope(engine) as session:
            data = privacy.export_user(session, user_id=user_id)
    finally:
        engine.dispose()
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def register(users_app: typer.Typer) -> None:
    users_app.command("export")(export_user)
