"""The ``policybot`` command line (typer)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from knowledge.evaluation import evaluate, load_questions
from knowledge.importing import ImportFailed
from knowledge.matcher import SearchResult
from knowledge.model import DocumentMeta
from services.knowledge import KnowledgeBase
from storage.db import current_revision, make_engine, upgrade

app = typer.Typer(help="policybot — 中小企业政策助手", no_args_is_help=True, add_completion=False)
kb_app = typer.Typer(help="知识库:导入、列出、查看、未答问题", no_args_is_help=True)
db_app = typer.Typer(help="数据库结构升级", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(db_app, name="db")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)
log = logging.getLogger(__name__)


class _State:
    settings: Settings | None = None


def _settings() -> Settings:
    if _State.settings is None:
        try:
            _State.settings = Settings()
        except ValidationError as exc:
            _fail(f"配置有误:{exc.errors()[0]['loc']} {exc.errors()[0]['msg']}")
    assert _State.settings is not None
    return _State.settings


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]错误:[/red]{message}")
    raise typer.Exit(code)


def _db_failure_message(exc: BaseException) -> str | None:
    """A Chinese explanation of a full or unreachable database (None: another error)."""
    from storage.failures import DBFailure, cause, classify

    failure = classify(exc)
    if failure is DBFailure.FULL:
        return f"数据库存储空间已满({cause(exc)}),请清理磁盘空间后重试;"
    if failure is DBFailure.UNAVAILABLE:
        return f"数据库暂时无法访问({cause(exc)}),请稍后重试;"
    return None


def open_kb(settings: Settings, *, bundled: bool | None = None) -> KnowledgeBase:
    """Upgrade the schema, load the bundled documents into an empty DB, return the service."""
    settings.ensure_data_dir()
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
    except SQLAlchemyError as exc:
        _fail(f"无法连接或升级数据库({type(exc).__name__}),请检查 POLICYBOT_DATABASE_URL。")
    service = KnowledgeBase(
        engine,
        threshold=settings.answer_threshold,
        max_chars=settings.max_question_chars,
        index_dir=settings.resolved_index_dir,
    )
    if settings.load_bundled_kb if bundled is None else bundled:
        service.ensure_bundled()
    return service


def _match_json(result: SearchResult) -> dict[str, object]:
    return {
        "question": result.question,
        "answered": result.answered,
        "matches": [
            {"id": m.entry_id, "title": m.title, "path": list(m.path), "score": m.score}
            for m in result.matches
        ],
    }


def _print_answer(service: KnowledgeBase, result: SearchResult) -> None:
    if not result.matches:
        out.print("没有找到相关政策。可以换个说法,或咨询企业服务专员。")
        return
    if not result.answered:
        out.print("[yellow]没有找到确切答案[/yellow],以下条目可能相关:")
        for m in result.matches:
            out.print(f"  · {m.title}({m.entry_id},相关度 {m.score:.2f})")
        return
    best = result.matches[0]
    entry = service.entry(best.entry_id)
    assert entry is not None
    out.print(f"[bold]{entry.title}[/bold]  [dim]相关度 {best.score:.2f}[/dim]")
    out.print(f"[dim]出处:{entry.source_name}  {entry.section} {entry.number}[/dim]")
    out.print(entry.body)
    others = [m for m in result.matches[1:]]
    if others:
        out.print("[dim]相关:" + ";".join(m.title for m in others) + "[/dim]")


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="问题;用 - 从标准输入逐行读取")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON(每个问题一行)")] = False,
    top: Annotated[int, typer.Option("--top", min=1, max=50, help="返回条目数")] = 3,
) -> None:
    """问一个政策问题;不带参数时进入交互模式。"""
    service = open_kb(_settings())
    if question == "-":
        for line in sys.stdin:
            text = line.strip()
            if not text:
                continue
            result = service.ask(text, top=top).result
            _emit(service, result, as_json)
        return
    if question is not None:
        if not question.strip():
            _fail("问题不能为空。", code=2)
        _emit(service, service.ask(question, top=top).result, as_json)
        return
    out.print("policybot 政策问答(输入问题后回车,Ctrl-D 退出)")
    while True:
        try:
            text = input("问> ").strip()
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
        if text:
            _emit(service, service.ask(text, top=top).result, as_json)


def _emit(service: KnowledgeBase, result: SearchResult, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(_match_json(result), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        _print_answer(service, result)


@app.command("eval")
def eval_command(
    file: Annotated[Path, typer.Argument(help="YAML 问题集(questions: [{q, expect}])")],
    show_misses: Annotated[int, typer.Option("--misses", help="最多列出多少个未命中")] = 100,
) -> None:
    """在标注问题集上评估检索效果。"""
    try:
        questions = load_questions(file)
    except ImportFailed as exc:
        raise _fail(str(exc)) from exc
    service = open_kb(_settings())
    snapshot = service.snapshot
    texts = {e.entry_id: f"{e.title} {e.body}" for e in snapshot.entries.values()}
    unknown = {e for q in questions for e in q.expect} - texts.keys()
    if unknown:
        err.print(
            f"[yellow]注意:问题集引用了知识库中没有的条目:{', '.join(sorted(unknown))}[/yellow]"
        )
    report = evaluate(
        questions,
        lambda q: snapshot.matcher.search(q, top=3),
        entry_texts=texts,
        tokenize=snapshot.matcher.segmenter.tokens,
    )
    table = Table(title=f"评估 {file.name}")
    table.add_column("指标")
    table.add_column("数值", justify="right")
    for key, value in report.as_dict().items():
        table.add_row(key, f"{value:.1%}" if isinstance(value, float) else str(value))
    out.print(table)
    for miss in report.misses[:show_misses]:
        mark = "误答" if not miss.expect else ("未答" if not miss.answered else "错位")
        out.print(
            f"[{mark}] {miss.question}  期望 {','.join(miss.expect) or '拒答'}"
            f"  得到 {','.join(miss.got) or '-'} ({miss.score:.2f})"
        )


@kb_app.command("import")
def kb_import(
    paths: Annotated[list[Path], typer.Argument(help=".txt / .md / .docx / .yaml 文件")],
    key: Annotated[str | None, typer.Option(help="文档编号(key),如 wh-sme-2023")] = None,
    level: Annotated[str | None, typer.Option(help="国家/省/市/区")] = None,
    region: Annotated[str | None, typer.Option(help="地区,如 武汉")] = None,
    source_url: Annotated[str | None, typer.Option(help="官方原文链接")] = None,
    effective: Annotated[str | None, typer.Option(help="生效日期 YYYY-MM-DD")] = None,
    expiry: Annotated[str | None, typer.Option(help="失效日期 YYYY-MM-DD")] = None,
) -> None:
    """导入政策文件;重复导入会原位更新并报告新增、修改、删除的条目。"""
    if key is not None and len(paths) > 1:
        _fail("--key 只能用于单个文件。", code=2)
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
        raise _fail("日期格式应为 YYYY-MM-DD。", code=2) from None
    if level is not None and level not in ("国家", "省", "市", "区"):
        _fail("--level 应为 国家/省/市/区 之一。", code=2)
    service = open_kb(_settings())
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("导入中", total=len(paths))
        try:
            reports = service.import_paths(
                paths, meta=meta, progress=lambda _p: progress.advance(task)
            )
        except ImportFailed as exc:
            raise _fail(f"{exc}(数据库未改动)") from exc
        except SQLAlchemyError as exc:  # issue 8: a full or unreachable database
            message = _db_failure_message(exc)
            if message is None:
                raise
            raise _fail(f"{message}出错的文件未写入任何内容。") from exc
    for report in reports:
        out.print(
            f"{report.source}: {report.document_title or '补充信息'} — 新增 {len(report.added)},"
            f"修改 {len(report.changed)},删除 {len(report.removed)},未变 {report.unchanged}"
        )
        for kind, ids in (("+", report.added), ("~", report.changed), ("-", report.removed)):
            for entry_id in ids:
                out.print(f"  {kind} {entry_id}")


@kb_app.command("list")
def kb_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """列出所有当前条目。"""
    service = open_kb(_settings())
    entries = service.entries()
    if as_json:
        for e in entries:
            row = {
                "id": e.entry_id,
                "title": e.title,
                "path": list(e.path),
                "categories": list(e.categories),
            }
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"知识库条目({len(entries)})")
    for column in ("编号", "标题", "分类", "出处"):
        table.add_column(column)
    for e in entries:
        table.add_row(e.entry_id, e.title, "、".join(e.categories), e.document_title)
    out.print(table)


@kb_app.command("show")
def kb_show(entry_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """显示一个条目的全部字段。"""
    service = open_kb(_settings())
    entry = service.entry(entry_id)
    if entry is None:
        _fail(f"没有编号为 {entry_id} 的条目。可用 policybot kb list 查看。")
    assert entry is not None
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
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    out.print(f"[bold]{entry.title}[/bold]  ({entry.entry_id})")
    out.print(f"出处:{entry.source_name} › {entry.section} {entry.number}")
    out.print(entry.body)
    for name, value in entry.guide.items():
        out.print(f"· {name}:{value.value}  [dim]({value.source})[/dim]")
    if entry.categories:
        out.print(f"分类:{'、'.join(entry.categories)}")


@kb_app.command("unanswered")
def kb_unanswered(
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    days: Annotated[int | None, typer.Option(help="只看最近 N 天")] = None,
) -> None:
    """按频次列出未答和“没帮助”的问题(相似问法合并)。"""
    from bot import cli_kb_ops

    cli_kb_ops.print_unanswered(limit, days)


@app.command("run")
def run_command(
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

    settings = _settings()
    try:
        runner.token_of(settings)
        options = (
            runner.webhook_options(settings, url=url, listen=listen, port=port, secret=secret)
            if webhook
            else None
        )
        logging.getLogger("bot").setLevel(logging.INFO)
        service = open_kb(settings)
        runner.run(settings, knowledge=service, engine=service.engine, webhook=options)
    except runner.RunError as exc:
        raise _fail(str(exc)) from None


@app.command("shell")
def shell_command() -> None:
    """在终端里和机器人对话(内置本地 Bot API,无需令牌)。"""
    from bot import shell  # imports PTB and the local Bot API only for this command

    settings = _settings()
    service = open_kb(settings)
    shell.main(settings, knowledge=service, engine=service.engine)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "heads") -> None:
    """把数据库结构升级到最新版本。"""
    settings = _settings()
    settings.ensure_data_dir()
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine, revision)
    except SQLAlchemyError as exc:
        raise _fail(f"数据库升级失败({type(exc).__name__})。") from exc
    out.print(f"数据库结构版本:{current_revision(engine)}")


# Commands that answer a question must start fast (≤ 2 s to the first answer): they do
# not load the feature commands below, which pull in the bot, the rules and the e-book.
FAST_COMMANDS = frozenset({"ask", "eval", "db"})


def mount_feature_commands() -> None:
    """The feature groups: rules, push, users/areas/departments/report, kb ops, stats."""
    from bot import cli_kb_ops, cli_privacy, cli_rules
    from bot.cli_push import push_app
    from bot.cli_tickets import areas_app, departments_app, report_app, users_app

    app.add_typer(cli_rules.app, name="rules")
    app.add_typer(push_app, name="push")  # policy push: status, test USER
    app.add_typer(users_app, name="users")  # roles
    cli_privacy.register(users_app)  # `users export USER_ID`
    app.add_typer(areas_app, name="areas")  # service areas, `areas load` the service map
    app.add_typer(departments_app, name="departments")
    app.add_typer(report_app, name="report")  # `report monthly --month YYYY-MM [--csv]`
    cli_kb_ops.register(app, kb_app)  # kb history / rollback / export, stats


def _command_of(argv: list[str]) -> str | None:
    return next((arg for arg in argv[1:] if not arg.startswith("-")), None)


if _command_of(sys.argv) not in FAST_COMMANDS:
    mount_feature_commands()


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app()
