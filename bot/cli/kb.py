"""``policybot kb``: import, list, show, unanswered (and, loaded only when run, the
operations in ``bot.cli.kb_ops``: history, rollback, export)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from bot.cli.context import db_failure_message, err, fail, out, state
from bot.cli.lazy import lazy_group
from knowledge.model import GUIDE_FIELDS, DocumentMeta, EntryView

if TYPE_CHECKING:
    from services.knowledge import FileResult

app = typer.Typer(
    cls=lazy_group(
        {
            "history": "bot.cli.kb_ops:history",
            "rollback": "bot.cli.kb_ops:rollback",
            "remove": "bot.cli.kb_ops:remove",
            "export": "bot.cli.kb_ops:export",
        }
    ),
    help="知识库:导入、列出、查看、未答问题",
    no_args_is_help=True,
)


@app.command("import")
def kb_import(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...", help="文件或文件夹:.txt .md .docx .doc .wps .pdf .html .yaml"
        ),
    ],
    key: Annotated[str | None, typer.Option(help="文档编号(key),如 wh-sme-2023")] = None,
    level: Annotated[str | None, typer.Option(help="国家/省/市/区")] = None,
    region: Annotated[str | None, typer.Option(help="地区,如 武汉")] = None,
    source_url: Annotated[str | None, typer.Option(help="官方原文链接(网页导入时作为出处)")] = None,
    effective: Annotated[str | None, typer.Option(help="生效日期 YYYY-MM-DD")] = None,
    expiry: Annotated[str | None, typer.Option(help="失效日期 YYYY-MM-DD")] = None,
) -> None:
    """导入政策文件或整个文件夹;每个文件单独提交,重复导入会原位更新并报告新增、修改、删除的条目。"""
    from services.knowledge import ImportInterrupted, collect_paths

    try:
        meta = DocumentMeta(
            key=key,
            level=level,
            region=region,
            source_url=source_url,
            effective_date=dt.date.fromisoformat(effective) if effective else None,
            expiry_date=dt.date.fromisoformat(expiry) if expiry else None,
        )
    except ValueError:
        fail("日期格式应为 YYYY-MM-DD。", code=2)
    if level is not None and level not in ("国家", "省", "市", "区"):
        fail("--level 应为 国家/省/市/区 之一。", code=2)
    files = collect_paths(paths)
    if not files:
        fail("没有找到要导入的文件。", code=2)
    if key is not None and len(files) > 1:
        fail("--key 只能用于单个文件。", code=2)
    service = state(ctx).open_kb()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("已导入 {task.fields[saved]} 个,未导入 {task.fields[failed]} 个"),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("导入中", total=len(files), saved=0, failed=0)
        counts = {"saved": 0, "failed": 0}

        def advance(result: FileResult) -> None:
            counts["saved" if result.report is not None else "failed"] += 1
            progress.update(
                task,
                advance=1,
                description=f"导入中 {result.path.name}",
                saved=counts["saved"],
                failed=counts["failed"],
            )

        message: str | None = None
        interrupted: Path | None = None
        try:
            results = service.import_files(files, meta=meta, progress=advance)
        except ImportInterrupted as exc:  # a full or unreachable database
            message = db_failure_message(exc.__cause__ or exc)
            if message is None:
                raise
            results, interrupted = exc.results, exc.path
    _print_results(results, many=len(files) > 1)
    saved = [r for r in results if r.report is not None]
    failed = [r for r in results if r.error is not None]
    if message is not None:
        rest = ""
        if len(files) > 1:
            done = f"此前的 {len(saved)} 个文件已导入(见上表);" if saved else ""
            rest = f"{done}{interrupted} 及之后的文件未导入。"
        fail(f"{message}出错的文件未写入任何内容。{rest}")
    if failed and len(files) == 1:
        fail(f"{failed[0].error}(数据库未改动)")
    if failed:
        where = f",其余 {len(saved)} 个文件已导入" if saved else ""
        fail(f"{len(failed)} 个文件未导入(原因见上表;这些文件没有写入任何内容{where})。")


def _print_results(results: list[FileResult], *, many: bool) -> None:
    """One table row per file (what was saved, what was not), then the changed entries."""
    if not results:
        return
    if many:
        table = Table(title=f"导入结果({len(results)} 个文件)")
        for column in ("文件", "文档", "新增", "修改", "删除", "未变", "导入编号", "错误"):
            table.add_column(column, overflow="fold")
        for result in results:
            report = result.report
            if report is None:
                error = escape(result.error or "")
                table.add_row(escape(str(result.path)), *[""] * 6, error)
                continue
            table.add_row(
                escape(str(result.path)),
                escape(report.document_title or "补充信息"),
                str(len(report.added)),
                str(len(report.changed)),
                str(len(report.removed)),
                str(report.unchanged),
                str(report.import_id or ""),
                "",
            )
        out.print(table)
    for result in results:
        report = result.report
        if report is None:
            continue
        out.print(
            f"{escape(report.source)}: {escape(report.document_title or '补充信息')} — "
            f"新增 {len(report.added)},修改 {len(report.changed)},删除 {len(report.removed)},"
            f"未变 {report.unchanged}(导入编号 {report.import_id},"
            f"撤销:policybot kb rollback {report.import_id})"
        )
        for kind, ids in (("+", report.added), ("~", report.changed), ("-", report.removed)):
            for entry_id in ids:
                out.print(f"  {kind} {escape(entry_id)}")


@app.command("list")
def kb_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """列出所有当前条目。"""
    service = state(ctx).open_kb()
    entries = service.entries()
    today = service.today()
    if as_json:
        for e in entries:
            row = {
                "id": e.entry_id,
                "title": e.title,
                "path": list(e.path),
                "categories": list(e.categories),
                "document_key": e.document_key,
                "status": e.status_on(today).value,
            }
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"知识库条目({len(entries)})")
    # ids are printed whole at any width (the other columns wrap instead)
    widest = max((len(e.entry_id) for e in entries), default=2)
    table.add_column("编号", no_wrap=True, min_width=widest)
    for column in ("标题", "分类", "出处"):
        table.add_column(column)
    for e in entries:
        table.add_row(e.entry_id, e.title, "、".join(e.categories), e.document_title)
    out.print(table)


_DOC_LABELS = {
    "document_key": "文档",
    "doc_number": "文号",
    "issuer": "发文机关",
    "level": "层级",
    "region": "地区",
    "publish_date": "印发日期",
    "effective_date": "生效日期",
    "expiry_date": "失效日期",
    "status": "状态",
    "replaced_by": "替代文件",
}


def document_json(entry: EntryView, today: dt.date) -> dict[str, str | None]:
    """The document's metadata (ISO dates; None where no source gives it) and status."""

    def iso(day: dt.date | None) -> str | None:
        return day.isoformat() if day else None

    return {
        "document_key": entry.document_key,
        "doc_number": entry.doc_number,
        "issuer": entry.issuer,
        "level": entry.level,
        "region": entry.region,
        "publish_date": iso(entry.publish_date),
        "effective_date": iso(entry.effective_date),
        "expiry_date": iso(entry.expiry_date),
        "status": entry.status_on(today).value,
        "replaced_by": entry.replaced_by,
    }


@app.command("show")
def kb_show(
    ctx: typer.Context,
    entry_id: Annotated[str, typer.Argument(help="条目编号,如 wh-sme-2023:2.5.20(kb list)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """显示一个条目的全部字段。"""
    service = state(ctx).open_kb()
    entry = service.entry(entry_id)
    if entry is None:
        fail(f"没有编号为 {entry_id} 的条目。可用 policybot kb list 查看。")
    from services.push_profile import entry_audience

    audience = entry_audience(service.engine, entry.entry_id)  # what profile push matches
    if as_json:
        data = {
            "id": entry.entry_id,
            "title": entry.title,
            "path": list(entry.path),
            "number": entry.number,
            "body": entry.body,
            "categories": list(entry.categories),
            "audiences": list(entry.audiences),
            "keywords": list(entry.keywords),
            "alt_questions": list(entry.alt_questions),
            "guide": {k: {"value": v.value, "source": v.source} for k, v in entry.guide.items()},
            "document": entry.document_title,
            "source": entry.source_name,
            **document_json(entry, service.today()),
        }
        data["audience"] = audience.to_json() if audience else {}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    out.print(f"[bold]{entry.title}[/bold]  ({entry.entry_id})")
    out.print(f"出处:{entry.source_name} › {entry.section} {entry.number}")
    facts = document_json(entry, service.today())
    out.print(
        " · ".join(
            f"{label}:{escape(str(facts[key]))}" for key, label in _DOC_LABELS.items() if facts[key]
        )
    )
    out.print(entry.body)
    for name, value in entry.guide.items():
        label = GUIDE_FIELDS.get(name, name)
        out.print(f"· {label}:{value.value}  [dim]({value.source})[/dim]")
    if entry.categories:
        out.print(f"分类:{'、'.join(entry.categories)}")
    if audience is not None and audience.describe():
        out.print(f"适用对象标签(读自原文,用于画像推送):{escape(audience.describe())}")


@app.command("unanswered")
def kb_unanswered(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    days: Annotated[int | None, typer.Option(help="只看最近 N 天")] = None,
) -> None:
    """按频次列出未答和“没帮助”的问题(相似问法合并)。"""
    from services import unanswered

    context = state(ctx)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days) if days else None
    groups = unanswered.list_groups(context.open_kb().engine, since=since, limit=limit)
    if not groups:
        out.print("暂无未答问题。")
        return
    table = Table(title="未答问题(相似问法已合并)")
    table.add_column("次数", justify="right")
    table.add_column("问题", no_wrap=True)
    for column in ("未答/没帮助", "最近", "最接近条目"):
        table.add_column(column)
    tz = context.settings.tz
    for g in groups:
        similar = "\n".join(f"[dim]≈ {escape(v)}[/dim]" for v in g.variants[:3])
        table.add_row(
            str(g.count),
            escape(g.example) + (f"\n{similar}" if similar else ""),
            f"{g.unanswered}/{g.unhelpful}",
            g.last_asked.astimezone(tz).strftime("%m-%d %H:%M"),
            g.best_entry_id or "-",
        )
    out.print(table)


@app.command("learned")
def kb_learned(
    ctx: typer.Context,
    undo: Annotated[int | None, typer.Option("--undo", help="撤销编号为 ID 的学习问法")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """列出从使用中学到的问法(点选澄清选项、👍、管理员归入),或撤销其中一条。"""
    from services import learning
    from storage.db import session_scope

    context = state(ctx)
    engine = context.open_kb().engine
    if undo is not None:
        with session_scope(engine) as session:
            done = learning.undo(session, wording_id=undo, user_id=None) is not None
        if not done:
            fail(f"没有可撤销的学习问法 {undo}(编号不存在或已撤销)。")
        out.print(f"已撤销学习问法 {undo};下次索引刷新后不再作为备选问法。")
        return
    with session_scope(engine) as session:
        rows = [
            {
                "id": r.id,
                "entry_id": r.entry_id,
                "question": r.question,
                "basis": r.basis,
                "confirmed_by": r.confirmed_by,
                "users": r.users,
                "confirmed_at": r.confirmed_at.isoformat(),
                "undone_at": r.undone_at.isoformat() if r.undone_at else None,
                "undone_by": r.undone_by,
            }
            for r in learning.listing(session)
        ]
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    if not rows:
        out.print("暂无学到的问法。")
        return
    table = Table(title="学到的问法(作为条目的备选问法)")
    for column in ("编号", "问法", "条目", "依据", "时间", "状态"):
        table.add_column(column)
    tz = context.settings.tz
    for row in rows:
        basis = (
            f"管理员 {row['confirmed_by'] or ''}".strip()
            if row["basis"] == "admin"
            else f"{row['users']} 位用户"
        )
        when = dt.datetime.fromisoformat(str(row["confirmed_at"])).astimezone(tz)
        status = "已撤销" if row["undone_at"] else "生效"
        table.add_row(
            str(row["id"]),
            escape(str(row["question"])),
            str(row["entry_id"]),
            basis,
            when.strftime("%m-%d %H:%M"),
            status,
        )
    out.print(table)
