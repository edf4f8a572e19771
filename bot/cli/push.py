"""``policybot push status`` and ``policybot push test USER`` (typer sub-app ``push``)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.context import out, state
from services import push_subs
from storage import push_admin
from storage.db import session_scope

app = typer.Typer(help="政策推送:发送状态、测试推送", no_args_is_help=True)

STATES = ("pending", "sending", "sent", "failed", "cancelled")


@app.command("status")
def status(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False
) -> None:
    """各状态的推送数量、失败原因、最近发送速率。"""
    context = state(ctx)
    settings, engine = context.settings, context.engine
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        report = push_admin.status(session, now=now)
    rates = {m: round(n / (m * 60), 2) for m, n in report.sent_last.items()}
    if as_json:
        data = {
            "by_state": {name: report.by_state.get(name, 0) for name in STATES},
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
    for name in STATES:
        table.add_row(name, str(report.by_state.get(name, 0)))
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


@app.command("test")
def test(
    ctx: typer.Context,
    user: Annotated[int, typer.Argument(metavar="USER_ID", help="接收测试推送的 Telegram 用户 id")],
) -> None:
    """给一个用户排入一条测试推送(由运行中的机器人发送,不受免打扰限制)。"""
    engine = state(ctx).engine
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        outbox_id = push_subs.queue_test_push(session, user_id=user, actor_id=None, now=now)
    out.print(f"已排入测试推送 #{outbox_id}(用户 {user}),运行中的机器人会在几秒内发送。")
    out.print("发送结果可用 policybot push status 查看。")
