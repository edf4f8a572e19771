"""``policybot push status`` and ``policybot push test USER`` (typer sub-app ``push``)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from services import push_subs
from storage import push_admin
from storage.db import make_engine, session_scope, upgrade

push_app = typer.Typer(help="政策推送:发送状态、测试推送", no_args_is_help=True)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)
STATES = ("pending", "sending", "sent", "failed", "cancelled")


def _open() -> tuple[Settings, Engine]:
    try:
        settings = Settings()
    except ValidationError as exc:
        err.print(f"[red]错误:[/red]配置有误:{exc.errors()[0]['loc']} {exc.errors()[0]['msg']}")
        raise typer.Exit(1) from None
    settings.ensure_data_dir()
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
    except SQLAlchemyError as exc:
        err.print(f"[red]错误:[/red]无法连接或升级数据库({type(exc).__name__})。")
        raise typer.Exit(1) from None
    return settings, engine


@push_app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False) -> None:
    """各状态的推送数量、失败原因、最近发送速率。"""
    settings, engine = _open()
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        report = push_admin.status(session, now=now)
    rates = {m: round(n / (m * 60), 2) for m, n in report.sent_last.items()}
    if as_json:
        data = {
            "by_state": {state: report.by_state.get(state, 0) for state in STATES},
            "failures": [{"reason": r, "count": n} for r, n in report.failures],
            "sent_last_minutes": report.sent_last,
            "rate_per_second": rates,
            "in_flight_resent": report.in_flight_resent,
            "subscriptions": report.subscriptions,
            "subscribers": report.subscribers,
            "paused_users": report.paused_users,
            "unplanned_events": report.unplanned_events,
            "next_due": report.next_due.isoformat() if report.next_due else None,
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    table = Table(title="推送队列")
    table.add_column("状态")
    table.add_column("条数", justify="right")
    for state in STATES:
        table.add_row(state, str(report.by_state.get(state, 0)))
    out.print(table)
    recent = ",".join(
        f"近 {m} 分钟 {report.sent_last[m]} 条({rates[m]}/秒)" for m in report.sent_last
    )
    out.print(f"最近发送:{recent}")
    out.print(f"租约过期后重发(可能重复):{report.in_flight_resent}")
    out.print(
        f"订阅:{report.subscriptions} 个,订阅用户 {report.subscribers} 人,"
        f"已暂停 {report.paused_users} 人;未规划的政策事件:{report.unplanned_events}"
    )
    if report.next_due is not None:
        next_due = report.next_due.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        out.print(f"下一条待发送:{next_due}")
    if report.failures:
        failures = Table(title="失败原因")
        failures.add_column("原因")
        failures.add_column("条数", justify="right")
        for reason, count in report.failures:
            failures.add_row(reason, str(count))
        out.print(failures)


@push_app.command("test")
def test(user: Annotated[int, typer.Argument(help="接收测试推送的 Telegram 用户 id")]) -> None:
    """给一个用户排入一条测试推送(由运行中的机器人发送,不受免打扰限制)。"""
    _, engine = _open()
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        outbox_id = push_subs.queue_test_push(session, user_id=user, actor_id=None, now=now)
    out.print(f"已排入测试推送 #{outbox_id}(用户 {user}),运行中的机器人会在几秒内发送。")
    out.print("发送结果可用 policybot push status 查看。")
