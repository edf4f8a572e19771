"""``policybot users|areas|departments|report``: roles, the service map and the monthly
report of service requests. Changes made here are logged with actor None (the operator)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bot.cli.context import CliContext, err, fail, out, state, write_file
from bot.cli.lazy import lazy_group
from services import roles as role_service
from services.report import monthly_report, report_csv, report_lines
from storage import roles
from storage import tickets as store
from storage.db import session_scope
from storage.models import UserRole
from storage.models_tickets import AreaKind

users_app = typer.Typer(
    cls=lazy_group({"export": "bot.cli.privacy:export_user"}),
    help="角色:授予、撤销、列出(专员/管理员)",
    no_args_is_help=True,
)
areas_app = typer.Typer(help="服务区域(区/园区/服务站)与服务地图导入", no_args_is_help=True)
departments_app = typer.Typer(help="转办部门", no_args_is_help=True)
report_app = typer.Typer(help="企业诉求统计报表", no_args_is_help=True)


# ------------------------------------------------------------------ users


@users_app.command("grant")
def users_grant(
    ctx: typer.Context,
    user_id: Annotated[int, typer.Argument(help="Telegram 数字 ID")],
    role: Annotated[str, typer.Argument(help="管理员 或 专员")],
    area: Annotated[str | None, typer.Option("--area", help="专员的服务区域编码")] = None,
    capacity: Annotated[int | None, typer.Option("--capacity", min=0, help="同时在办上限")] = None,
    name: Annotated[str | None, typer.Option("--name", help="专员对企业显示的称呼")] = None,
) -> None:
    """授予 管理员 或 专员 角色。"""
    if role not in (UserRole.ADMIN.value, UserRole.COMMISSIONER.value):
        fail("角色应为 管理员 或 专员。", code=2)
    engine = state(ctx).engine
    try:
        with session_scope(engine) as session:
            role_service.grant(
                session,
                actor_id=None,
                user_id=user_id,
                role=UserRole(role),
                area_code=area,
                capacity=capacity,
                name=name,
            )
    except role_service.RoleError as exc:
        fail(str(exc))
    out.print(f"已授予 {user_id}:{role}")


@users_app.command("revoke")
def users_revoke(
    ctx: typer.Context, user_id: Annotated[int, typer.Argument(help="Telegram 数字 ID")]
) -> None:
    """撤销授予的角色(其未办结工单需在 /queue 中改派)。"""
    context = state(ctx)
    settings, engine = context.settings, context.engine
    with session_scope(engine) as session:
        done = role_service.revoke(session, actor_id=None, user_id=user_id)
    if not done:
        fail(f"{user_id} 没有可撤销的角色。")
    out.print(f"已撤销 {user_id} 的角色。")
    if user_id in settings.admin_ids:
        err.print("[yellow]注意:该用户在 POLICYBOT_ADMIN_IDS 中,仍是管理员。[/yellow]")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """列出管理员和专员(区域、在办/容量)。"""
    context = state(ctx)
    settings, engine = context.settings, context.engine
    with session_scope(engine) as session:
        granted = roles.users_with_granted_roles(session)
        commissioners = {c.user_id: c for c in roles.list_commissioners(session)}
        load = store.open_load(session)
    rows = [[str(uid), "管理员(配置)", "", "", ""] for uid in settings.admin_ids]
    for user in granted:
        c = commissioners.get(user.id)
        rows.append(
            [
                str(user.id),
                user.role or "",
                c.name if c else "",
                (c.area_code or "-") if c else "",
                f"{load.get(user.id, 0)}/{c.capacity}" if c else "",
            ]
        )
    _print_table("角色", ("用户 ID", "角色", "称呼", "区域", "在办/容量"), rows)


def _print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """The table of a listing command (users, areas, departments list)."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    out.print(table)


def _remove(
    ctx: typer.Context, code: str, *, remove: Callable[..., bool], action: str, label: str
) -> None:
    """Delete an area or a department by its code, logged with actor None (the operator)."""
    with session_scope(state(ctx).engine) as session:
        if not remove(session, code=code):
            fail(f"没有编码为 {code} 的{label}。")
        roles.log_action(session, actor_id=None, action=action, target=code)
    out.print(f"已删除{label} {code}。")


# ------------------------------------------------------------------ areas


@areas_app.command("list")
def areas_list(ctx: typer.Context) -> None:
    """列出服务区域。"""
    with session_scope(state(ctx).engine) as session:
        rows = roles.list_areas(session)
    table = [(a.code, a.name, a.kind, a.district) for a in rows]
    _print_table(f"服务区域({len(rows)})", ("编码", "名称", "类型", "所属区"), table)


@areas_app.command("add")
def areas_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="编码,如 demo-park")],
    name: Annotated[str, typer.Argument(help="名称")],
    kind: Annotated[str, typer.Option("--kind", help="区 / 园区 / 服务站")] = AreaKind.DISTRICT,
    district: Annotated[str | None, typer.Option("--district", help="所属区的编码")] = None,
) -> None:
    """新增或修改一个服务区域。"""
    if kind not in {k.value for k in AreaKind}:
        fail("--kind 应为 区 / 园区 / 服务站。", code=2)
    if kind != AreaKind.DISTRICT.value and not district:
        fail("园区和服务站需要 --district。", code=2)
    data = {"areas": [{"code": code, "name": name, "kind": kind, "district": district}]}
    _load(state(ctx), data)
    out.print(f"已保存区域 {code}。")


@areas_app.command("remove")
def areas_remove(
    ctx: typer.Context, code: Annotated[str, typer.Argument(help="区域编码(areas list)")]
) -> None:
    """删除一个服务区域。"""
    _remove(ctx, code, remove=roles.remove_area, action="remove_area", label="区域")


@areas_app.command("load")
def areas_load(
    ctx: typer.Context, path: Annotated[Path, typer.Argument(help="服务地图 YAML")]
) -> None:
    """从 YAML 导入区域、部门和专员(全部成功或全部不变)。"""
    try:
        data = role_service.read_service_map(path)
    except role_service.RoleError as exc:
        fail(str(exc))
    report = _load(state(ctx), data)
    out.print(f"已导入:区域 {report.areas},部门 {report.departments},专员 {report.commissioners}。")


def _load(context: CliContext, data: dict[str, Any]) -> role_service.MapReport:
    engine = context.engine
    try:
        with session_scope(engine) as session:
            return role_service.load_service_map(session, data)
    except role_service.RoleError as exc:
        fail(f"{exc}(数据库未改动)")


# ------------------------------------------------------------------ departments


@departments_app.command("list")
def departments_list(ctx: typer.Context) -> None:
    """列出转办部门。"""
    with session_scope(state(ctx).engine) as session:
        rows = roles.list_departments(session)
    table = [
        (d.code, d.name, str(d.chat_id), d.area_code or "-", ",".join(map(str, d.contacts)) or "-")
        for d in rows
    ]
    _print_table(f"部门({len(rows)})", ("编码", "名称", "会话 ID", "区域", "联系专员"), table)


@departments_app.command("add")
def departments_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="编码")],
    name: Annotated[str, typer.Argument(help="名称")],
    chat_id: Annotated[int, typer.Option("--chat", help="部门 Telegram 会话 ID(群组为负数)")],
    area: Annotated[str | None, typer.Option("--area", help="所属区域编码")] = None,
    contact: Annotated[
        list[int] | None, typer.Option("--contact", help="联系专员 ID,可多次")
    ] = None,
) -> None:
    """新增或修改一个部门。"""
    item = {"code": code, "name": name, "chat_id": chat_id, "area": area, "contacts": contact or []}
    _load(state(ctx), {"departments": [item]})
    out.print(f"已保存部门 {code}。")


@departments_app.command("remove")
def departments_remove(
    ctx: typer.Context, code: Annotated[str, typer.Argument(help="部门编码(departments list)")]
) -> None:
    """删除一个部门。"""
    _remove(ctx, code, remove=roles.remove_department, action="remove_department", label="部门")


# ------------------------------------------------------------------ report


@report_app.command("monthly")
def report_monthly(
    ctx: typer.Context,
    month: Annotated[
        str | None, typer.Option("--month", metavar="YYYY-MM", help="月份(默认本月)")
    ] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="另存为 CSV(UTF-8 BOM)")] = None,
) -> None:
    """月度报表:按状态/类别/区/专员计数、时限达标率、办结用时中位数、满意度。"""
    context = state(ctx)
    settings, engine = context.settings, context.engine
    now = dt.datetime.now(settings.tz)
    month = month or f"{now:%Y-%m}"  # as /report: the current month by default
    try:
        with session_scope(engine) as session:
            result = monthly_report(session, month=month, tz=settings.tz, now=now)
    except ValueError:
        fail("--month 应为 YYYY-MM。", code=2)
    for line in report_lines(result):
        out.print(line)
    if csv_path is not None:
        write_file(csv_path, report_csv(result).encode("utf-8-sig"))
        out.print(f"CSV 已保存:{csv_path}")
