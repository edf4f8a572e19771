"""Knowledge-base operations on the command line: ``kb history``, ``kb rollback``,
``kb remove``, ``kb export`` and the top-level ``stats``. Listed lazily by ``bot.cli`` and
``bot.cli.kb``: the e-book and statistics libraries load only when one of these runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.context import fail, out, state, write_file
from knowledge.extras import MissingExtra
from services import ebook, kbpublish, stats

_ACTIONS = {"publish": "发布", "remove": "移除", "rollback": "撤销"}
_CLI_ACTIONS = {**_ACTIONS, "publish": "导入"}


def history(ctx: typer.Context, limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """列出导入记录(机器人上传、命令行导入、移除与撤销)。"""
    context = state(ctx)
    rows = kbpublish.history(context.open_kb().engine, limit=limit)
    if not rows:
        out.print("暂无导入记录。")
        return
    tz = context.settings.tz
    table = Table(title="导入记录")
    # ids are printed whole at any width (the other columns wrap instead)
    keys = [row.document_key or "补充信息" for row in rows]
    table.add_column("导入编号", no_wrap=True, min_width=max(len(str(r.import_id)) for r in rows))
    for column in ("操作", "时间", "操作人", "文件"):
        table.add_column(column)
    table.add_column("文档", no_wrap=True, min_width=max(len(key) for key in keys))
    for column in ("变化", "状态"):
        table.add_column(column)
    for row in rows:
        report = row.report
        changes = (
            f"+{len(report.get('added', []))} ~{len(report.get('changed', []))} "
            f"-{len(report.get('removed', []))}"
        )
        table.add_row(
            str(row.import_id),
            _ACTIONS.get(row.action, row.action)
            if row.actor != "cli"
            else _CLI_ACTIONS[row.action],
            row.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            escape(row.actor),
            escape(row.file_name),
            row.document_key or "补充信息",
            changes,
            "已撤销" if row.rolled_back else "",
        )
    out.print(table)


def rollback(
    ctx: typer.Context,
    import_id: Annotated[int, typer.Argument(help="要撤销的导入编号(kb history)")],
    force: Annotated[bool, typer.Option("--force", help="之后的导入也改动过时仍然撤销")] = False,
) -> None:
    """撤销一次导入、发布、移除或撤销:把相关条目恢复到它之前的状态(记录为新的导入)。"""
    service = state(ctx).open_kb()
    try:
        report = kbpublish.rollback(service, import_id, actor="cli", force=force)
    except kbpublish.PublishError as exc:
        fail(str(exc))
    out.print(
        f"已撤销导入 {import_id}(新导入编号 {report.import_id}):恢复 {len(report.added)},"
        f"修改 {len(report.changed)},移除 {len(report.removed)},未变 {report.unchanged}"
    )
    for kind, ids in (("+", report.added), ("~", report.changed), ("-", report.removed)):
        for entry_id in ids:
            out.print(f"  {kind} {entry_id}")


def remove(
    ctx: typer.Context,
    document_key: Annotated[
        str, typer.Argument(metavar="DOC_KEY", help="文档编号(key:条目编号中冒号前的部分)")
    ],
) -> None:
    """撤下一份文档的全部条目(记录为一次导入,可用 kb rollback 恢复)。"""
    service = state(ctx).open_kb()
    try:
        report = kbpublish.remove_document(service, document_key, actor="cli")
    except kbpublish.PublishError as exc:
        fail(str(exc))
    out.print(
        f"已移除文档 {document_key}({report.document_title}):撤下 {len(report.removed)} 条"
        f"(导入编号 {report.import_id},恢复:policybot kb rollback {report.import_id})"
    )
    for entry_id in report.removed:
        out.print(f"  - {entry_id}")


def export(
    ctx: typer.Context,
    fmt: Annotated[ebook.BookFormat, typer.Option("--format", help="html / epub / md")] = (
        ebook.BookFormat.HTML
    ),
    out_path: Annotated[Path | None, typer.Option("--out", help="输出文件(默认当前目录)")] = None,
) -> None:
    """把所有现行政策编成一本汇编(目录、一策一表、出处、导出日期)。"""
    context = state(ctx)
    service = context.open_kb()
    book = ebook.collect(service.entries(), exported_at=dt.datetime.now(context.settings.tz))
    path = out_path or Path(ebook.file_name(book, fmt))
    try:
        data = ebook.render(book, fmt)
    except MissingExtra as exc:
        fail(str(exc))
    write_file(path, data)
    out.print(f"已导出 {book.total} 条现行政策到 {path}")


def stats_command(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", min=1, max=365, help="统计最近 N 天")] = 30,
    chart: Annotated[Path | None, typer.Option("--chart", help="把图表保存为 PNG")] = None,
) -> None:
    """使用统计:每日提问、回答率、好评率、热门主题、未答高频问题。"""
    context = state(ctx)
    service = context.open_kb()
    report = stats.collect(service, days=days, now=dt.datetime.now(context.settings.tz))
    rate = stats_rate(report.answered_rate)
    out.print(f"[bold]近 {days} 天[/bold]({report.start} 至 {report.end})")
    out.print(f"提问 {report.asked},已回答 {report.answered}(回答率 {rate})")
    out.print(
        f"反馈:有帮助 {report.helpful},没帮助 {report.unhelpful}"
        f"(好评率 {stats_rate(report.helpful_rate)})"
    )
    table = Table(title="每日提问")
    for column in ("日期", "提问", "已回答"):
        table.add_column(column, justify="right")
    for day in report.per_day:
        if day.asked:
            table.add_row(day.day.isoformat(), str(day.asked), str(day.answered))
    out.print(table)
    if report.topics:
        out.print("热门主题:" + escape(";".join(f"{name} {n}" for name, n in report.topics)))
    for number, group in enumerate(report.unanswered, 1):
        out.print(f"未答 {number}. {escape(group.example)} ×{group.count}")
    if report.outside:
        subjects = ";".join(f"{name} {n}" for name, n in report.outside)
        out.print("未收录的主题(文件里没有讲到):" + escape(subjects))
    extras = report.extras
    if extras.subscribers is not None:
        out.print(f"订阅用户:{extras.subscribers}")
    if extras.pushes_sent is not None:
        out.print(f"推送送达:{extras.pushes_sent}")
    if extras.tickets_by_status is not None:
        tickets = ";".join(f"{k} {v}" for k, v in sorted(extras.tickets_by_status.items()))
        out.print(f"服务工单:{tickets or '暂无'}")
    if chart is not None:
        from services import stats_chart

        try:
            png = stats_chart.chart_png(report)
        except MissingExtra as exc:
            fail(str(exc))
        write_file(chart, png)
        out.print(f"图表已保存到 {chart}")


def stats_rate(value: float | None) -> str:
    return f"{value:.0%}" if value is not None else "—"
