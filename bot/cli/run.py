"""``policybot run`` (the Telegram bot) and ``policybot shell`` (the bot in a terminal)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from bot.cli.context import fail, state


def run_command(
    ctx: typer.Context,
    webhook: Annotated[
        bool, typer.Option("--webhook", help="用 webhook 接收更新(默认长轮询)")
    ] = False,
    url: Annotated[
        str | None, typer.Option("--url", help="webhook 公网地址(默认 POLICYBOT_WEBHOOK_URL)")
    ] = None,
    listen: Annotated[
        str | None, typer.Option("--listen", help="webhook 监听地址(默认 POLICYBOT_WEBHOOK_LISTEN)")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="webhook 监听端口(默认 POLICYBOT_WEBHOOK_PORT)")
    ] = None,
    secret: Annotated[
        str | None,
        typer.Option("--secret", help="webhook secret token(默认 POLICYBOT_WEBHOOK_SECRET 或随机)"),
    ] = None,
) -> None:
    """运行 Telegram 机器人(令牌取自 POLICYBOT_TELEGRAM_TOKEN;Ctrl+C 或 SIGTERM 退出)。"""
    from bot import runner  # imports PTB only for this command

    context = state(ctx)
    settings = context.settings
    try:
        runner.token_of(settings)
        options = (
            runner.webhook_options(settings, url=url, listen=listen, port=port, secret=secret)
            if webhook
            else None
        )
        logging.getLogger("bot").setLevel(logging.INFO)
        service = context.open_kb()
        runner.run(settings, knowledge=service, engine=service.engine, webhook=options)
    except runner.RunError as exc:
        fail(str(exc))


def shell_command(ctx: typer.Context) -> None:
    """在终端里和机器人对话(内置本地 Bot API,无需令牌)。"""
    from bot import shell  # imports PTB and the local Bot API only for this command

    context = state(ctx)
    service = context.open_kb()
    shell.main(context.settings, knowledge=service, engine=service.engine)
