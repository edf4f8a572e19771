"""``policybot ask`` and ``policybot eval``: questions on the command line.

Kept light: ``ask`` is the command that must answer fast, so this module imports only
the knowledge base and what printing an answer needs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.context import err, fail, out, state
from bot.render.cards import (
    MARK_NOTES,
    deadline_note,
    other_industry_note,
    outside_text,
    status_mark,
    status_note,
)
from knowledge.audience import other_industry
from knowledge.evaluation import evaluate, load_questions
from knowledge.importing import ImportFailed
from knowledge.matcher import Match, SearchResult
from knowledge.model import DocStatus
from knowledge.text import asks_for_list
from services.knowledge import KnowledgeBase, search_top

# eval's metrics in the table people read (``as_dict`` keeps the keys machines read)
METRIC_NAMES = {
    "questions": "问题数",
    "in_scope": "范围内问题",
    "off_topic": "范围外问题",
    "top1": "首位命中率",
    "top3": "前三命中率",
    "answered_in_scope": "范围内回答率",
    "declined_off_topic": "范围外拒答率",
    "low_overlap_questions": "低词语重合问题",
    "low_overlap_top1": "低词语重合首位命中率",
}


def _match_json(result: SearchResult) -> dict[str, object]:
    return {
        "question": result.question,
        "answered": result.answered,
        # not answered, but the bot would ask which of ``matches`` was meant
        "clarify": result.clarify,
        "self_checks": list(result.self_checks),
        # the question asks which measures there are (有什么补贴): ``matches`` are the list
        "listing": asks_for_list(result.question),
        # declined: a subject no document speaks of (the word of the question naming it)
        "outside": result.outside or None,
        "matches": [
            {"id": m.entry_id, "title": m.title, "path": list(m.path), "score": m.score}
            for m in result.matches
        ],
    }


def _print_answer(service: KnowledgeBase, result: SearchResult) -> None:
    """The answer as the bot gives it: the card's status note (a past year's plan, expired,
    repealed) and the list marks (〔已失效〕) come from the same texts as the bot's."""
    shown = result.matches if result.answered or result.clarify else service.suggested(result)
    if result.outside:
        out.print(outside_text(result.outside, result.outside_label, tip=False), markup=False)
        return
    if not shown:
        out.print("没有找到相关政策。可以换个说法,或咨询企业服务专员。")
        return
    today = service.today()
    marks: set[str] = set()

    def line(match: Match) -> str:
        entry = service.entry(match.entry_id)
        mark = status_mark(entry, today) if entry is not None else ""
        marks.add(mark)
        return f"{escape(match.title)}{mark}({match.entry_id},相关度 {match.score:.2f})"

    listing = asks_for_list(result.question)
    if result.clarify or not result.answered:
        if result.clarify:
            head = "与您的问题相关的有以下几项:" if listing else "您是想了解以下哪项?"
            out.print(f"[yellow]{head}[/yellow]")
        else:
            out.print("[yellow]没有找到确切答案[/yellow],以下条目可能相关:")
        for n, m in enumerate(shown, start=1):
            bullet = f"{n}." if result.clarify else "·"
            out.print(f"  {bullet} {line(m)}")
        for mark, text in MARK_NOTES.items():
            if mark in marks:
                out.print(f"[dim]{text}[/dim]")
        return
    best = result.matches[0]
    entry = service.entry(best.entry_id)
    assert entry is not None
    out.print(f"[bold]{escape(entry.title)}[/bold]  [dim]相关度 {best.score:.2f}[/dim]")
    source = entry.source_name or f"《{entry.document_title}》"
    out.print(f"[dim]出处:{escape(source)}  {entry.section} {entry.number}[/dim]")
    note = status_note(entry, today)
    if note:
        out.print(f"[yellow]⚠️ {escape(note)}[/yellow]")
    other = other_industry(result.question, entry.audience)
    if other:
        out.print(f"[yellow]{escape(other_industry_note(*other))}[/yellow]")
    out.print(entry.body, markup=False)
    closed = deadline_note(entry, today)
    if closed:
        out.print(f"[yellow]{escape(closed)}[/yellow]")
    also = service.also_listed(result) if listing else ()
    if also:
        out.print("与您的问题相关的还有:")
        for n, entry in enumerate(also, start=1):
            out.print(f"  {n}. {escape(entry.title)}({entry.entry_id})")
        return
    others = [m for m in result.matches[1:]]
    if others:
        out.print("[dim]相关:" + ";".join(m.title for m in others) + "[/dim]")


def ask(
    ctx: typer.Context,
    question: Annotated[str | None, typer.Argument(help="问题;用 - 从标准输入逐行读取")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON(每个问题一行)")] = False,
    top: Annotated[int, typer.Option("--top", min=1, max=50, help="返回条目数")] = 3,
) -> None:
    """问一个政策问题;不带参数时进入交互模式。"""
    service = state(ctx).open_kb()
    if question == "-":
        for line in sys.stdin:
            text = line.strip()
            if not text:
                continue
            _emit(service, _ask(service, text, top), as_json)
        return
    if question is not None:
        if not question.strip():
            fail("问题不能为空。", code=2)
        _emit(service, _ask(service, question, top), as_json)
        return
    out.print("policybot 政策问答(输入问题后回车,Ctrl-D 退出)")
    while True:
        try:
            text = input("问> ").strip()
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
        if text:
            _emit(service, _ask(service, text, top), as_json)


def _ask(service: KnowledgeBase, text: str, top: int) -> SearchResult:
    """As the bot asks: a question asking which measures there are looks further down."""
    return service.ask(text, top=search_top(text, top)).result


def _emit(service: KnowledgeBase, result: SearchResult, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(_match_json(result), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        _print_answer(service, result)


def eval_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="YAML 问题集(questions: [{q, expect}])")],
    show_misses: Annotated[int, typer.Option("--misses", help="最多列出多少个未命中")] = 100,
) -> None:
    """在标注问题集上评估检索效果。"""
    try:
        questions = load_questions(file)
    except ImportFailed as exc:
        fail(str(exc))
    service = state(ctx).open_kb()
    snapshot = service.snapshot
    texts = {e.entry_id: f"{e.title} {e.body}" for e in snapshot.entries.values()}
    unknown = {e for q in questions for e in q.expect} - texts.keys()
    if unknown:
        err.print(
            f"[yellow]注意:问题集引用了知识库中没有的条目:{', '.join(sorted(unknown))}[/yellow]"
        )
    today = service.today()
    entries = snapshot.entries
    report = evaluate(
        questions,
        lambda q: service.search(q, top=3),  # as users are answered: current documents first
        entry_texts=texts,
        tokenize=snapshot.matcher.segmenter.tokens,
        is_stale=lambda entry_id: (
            entry_id in entries
            and entries[entry_id].status_on(today) in (DocStatus.REPEALED, DocStatus.EXPIRED)
        ),
    )
    table = Table(title=f"评估 {file.name}")
    table.add_column("指标")
    table.add_column("数值", justify="right")
    for key, value in report.as_dict().items():
        label = METRIC_NAMES.get(key, key)
        table.add_row(label, f"{value:.1%}" if isinstance(value, float) else str(value))
    out.print(table)
    for miss in report.misses[:show_misses]:
        mark = "误答" if not miss.expect else ("未答" if not miss.answered else "错位")
        out.print(
            f"[{mark}] {miss.question}  期望 {','.join(miss.expect) or '拒答'}"
            f"  得到 {','.join(miss.got) or '-'} ({miss.score:.2f})"
        )
