"""/stats and /ebook for admins: usage statistics with a chart (photo), and the policy
e-book as a document. Both are built in a worker thread."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.context import PolicyContext
from bot.features import Access, Command, Feature
from bot.render import kb_stats as ui
from knowledge.extras import MissingExtra
from services import ebook, stats, stats_chart

DEFAULT_DAYS = 30


def _days(args: list[str] | None) -> int:
    try:
        return max(1, min(int((args or [])[0]), 365))
    except (IndexError, ValueError):
        return DEFAULT_DAYS


async def stats_command(update: Update, context: PolicyContext) -> None:
    message = update.effective_message
    if message is None:
        return
    services = context.services
    days = _days(context.args)
    report = await asyncio.to_thread(
        stats.collect, services.knowledge, days=days, now=services.now()
    )
    await message.reply_text(ui.stats_text(report))
    try:
        chart = await asyncio.to_thread(stats_chart.chart_png, report)
    except MissingExtra as exc:
        await message.reply_text(ui.missing_extra(exc))
        return
    await message.reply_photo(chart, caption=ui.chart_caption(report))


async def ebook_command(update: Update, context: PolicyContext) -> None:
    message = update.effective_message
    if message is None:
        return
    args = context.args or []
    try:
        fmt = ebook.BookFormat(args[0].lower().lstrip(".")) if args else ebook.BookFormat.HTML
    except ValueError:
        await message.reply_text(ui.EBOOK_USAGE)
        return
    services = context.services
    book = ebook.collect(services.knowledge.entries(), exported_at=services.now())
    if not book.total:
        await message.reply_text(ui.EBOOK_EMPTY)
        return
    try:
        data = await asyncio.to_thread(ebook.render, book, fmt)
    except MissingExtra as exc:
        await message.reply_text(ui.missing_extra(exc) + "\n" + ui.EBOOK_WITHOUT_EXTRAS)
        return
    await message.reply_document(
        data,
        filename=ebook.file_name(book, fmt),
        caption=ui.ebook_caption(book.total, book.date_label),
    )


FEATURE = Feature(
    name="stats",
    commands=(
        Command("stats", "使用统计(可加天数,如 /stats 7)", stats_command, access=Access.ADMIN),
        Command("ebook", "导出政策汇编(html、epub 或 md)", ebook_command, access=Access.ADMIN),
    ),
)
