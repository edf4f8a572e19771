"""/search KEYWORD: a paginated list of matching entries.

The query is remembered in ``chat_data`` (persisted in the database) under a small
token, so the paging buttons stay short and keep working after a restart."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot import catalog
from bot.context import PolicyContext
from bot.features import Button, Command, Feature
from bot.handlers.common import answer_stale, callback_message
from bot.render import callbacks as cb
from bot.render import cards, keyboards, texts
from bot.render.markup import esc
from knowledge.model import EntryView

MAX_QUERY_CHARS = 50


def _remember(chat_data: dict[Any, Any], query: str, keep: int) -> int:
    state = chat_data.setdefault("search", {"next": 1, "queries": {}})
    token = int(state["next"])
    state["next"] = token + 1
    queries: dict[str, str] = state["queries"]
    queries[str(token)] = query
    for old in sorted(queries, key=int)[:-keep]:
        del queries[old]
    return token


def _recall(chat_data: dict[Any, Any] | None, token: int) -> str | None:
    state = (chat_data or {}).get("search") or {}
    query = state.get("queries", {}).get(str(token))
    return query if isinstance(query, str) else None


def _render(
    query: str, found: list[EntryView], token: int, number: int, today: dt.date | None = None
) -> tuple[str, InlineKeyboardMarkup] | None:
    page = catalog.paginate(found, number)
    if page is None:
        return None
    heading = cards.search_heading(query, page.total, page.page, page.pages)
    text = cards.entry_list_text(heading, page.items, first=page.first_number, today=today)
    markup = keyboards.search_page_keyboard(
        page.items, token=token, page=page.page, pages=page.pages, first=page.first_number
    )
    return text, markup


async def search_command(update: Update, context: PolicyContext) -> None:
    message = update.effective_message
    if message is None:
        return
    query = " ".join(context.args or []).strip()[:MAX_QUERY_CHARS]
    if not query:
        await message.reply_text(texts.SEARCH_USAGE)
        return
    found = await asyncio.to_thread(catalog.search_entries, context.services.knowledge, query)
    if not found:
        await message.reply_text(texts.SEARCH_NONE.format(query=esc(query)))
        return
    if context.chat_data is None:  # pragma: no cover - commands always come from a chat
        return
    token = _remember(context.chat_data, query, context.services.search_cache_size)
    rendered = _render(query, found, token, 0, context.services.today())
    assert rendered is not None
    await message.reply_text(rendered[0], reply_markup=rendered[1])


async def search_page(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    match = cb.SEARCH_PAGE_RE.match(query.data or "")
    message = callback_message(query)
    token = int(match.group(1)) if match else 0
    keyword = _recall(context.chat_data, token) if match else None
    if match is None or keyword is None or message is None:
        await answer_stale(query)
        return
    found = await asyncio.to_thread(catalog.search_entries, context.services.knowledge, keyword)
    today = context.services.today()
    rendered = _render(keyword, found, token, int(match.group(2)), today) if found else None
    if rendered is None:
        await answer_stale(query)
        return
    await query.answer()
    try:
        await message.edit_text(rendered[0], reply_markup=rendered[1])
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


FEATURE = Feature(
    name="search",
    commands=(Command("search", "关键词搜索政策,如 /search 贷款", search_command),),
    buttons=(Button("srch:", search_page),),
)
