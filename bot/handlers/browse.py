"""/browse: category → level → paginated entries (edited in place, with back buttons)."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot import catalog
from bot.context import PolicyContext
from bot.features import Button, Command, Feature
from bot.handlers.common import answer_stale, callback_message
from bot.render import callbacks as cb
from bot.render import cards, keyboards, texts


async def browse_command(update: Update, context: PolicyContext) -> None:
    message = update.effective_message
    if message is None:
        return
    entries = context.services.knowledge.entries()
    names = catalog.categories(entries)
    if not entries:
        await message.reply_text(texts.BROWSE_EMPTY)
        return
    await message.reply_text(
        texts.CHOOSE_CATEGORY, reply_markup=keyboards.categories_keyboard(names)
    )


async def _show(message: Message, text: str, markup: InlineKeyboardMarkup) -> None:
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as exc:  # pressing the same button twice changes nothing
        if "not modified" not in str(exc).lower():
            raise


async def browse_button(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    message = callback_message(query)
    data = query.data or ""
    entries = context.services.knowledge.entries()
    if message is None:
        await answer_stale(query)
        return
    if await _facet(query, message, data, context):
        return
    if cb.BROWSE_ROOT_RE.match(data):
        names = catalog.categories(entries)
        await query.answer()
        await _show(message, texts.CHOOSE_CATEGORY, keyboards.categories_keyboard(names))
        return
    if match := cb.BROWSE_CAT_RE.match(data):
        index = int(match.group(1))
        category = catalog.category_at(entries, index)
        if category is None:
            await answer_stale(query)
            return
        levels = catalog.levels(entries, category)
        await query.answer()
        await _show(message, cards.levels_text(category), keyboards.levels_keyboard(index, levels))
        return
    match = cb.BROWSE_LEVEL_RE.match(data)
    page_match = cb.BROWSE_PAGE_RE.match(data)
    if match is None and page_match is None:
        await answer_stale(query)
        return
    found = match or page_match
    assert found is not None
    index, level = int(found.group(1)), found.group(2)
    number = int(page_match.group(3)) if page_match else 0
    category = catalog.category_at(entries, index)
    today = context.services.today()
    listed = catalog.in_category(entries, category, level) if category else []
    listed = catalog.current_first(listed, today)
    page = catalog.paginate(listed, number) if listed else None
    if category is None or page is None:
        await answer_stale(query)
        return
    await query.answer()
    heading = cards.browse_heading(category, level, page.total, page.page, page.pages)
    text = cards.entry_list_text(heading, page.items, first=page.first_number, today=today)
    markup = keyboards.browse_page_keyboard(
        page.items,
        index=index,
        level=level,
        page=page.page,
        pages=page.pages,
        first=page.first_number,
    )
    await _show(message, text, markup)


async def _facet(query: CallbackQuery, message: Message, data: str, context: PolicyContext) -> bool:
    """Browsing by 层级 or 发文机关 (across categories); False for other buttons."""
    services = context.services
    entries = services.knowledge.entries()
    if data == cb.BROWSE_LEVELS:
        await query.answer()
        levels = catalog.all_levels(entries)
        await _show(message, texts.CHOOSE_FACET_LEVEL, keyboards.facet_levels_keyboard(levels))
        return True
    if data == cb.BROWSE_ISSUERS:
        await query.answer()
        await _show(
            message, texts.CHOOSE_ISSUER, keyboards.issuers_keyboard(catalog.issuers(entries))
        )
        return True
    if match := cb.BROWSE_BY_LEVEL_RE.match(data):
        level, number = match.group(1), int(match.group(2))
        listed = catalog.at_level(entries, level)
        label, back = f"{level}级政策", cb.BROWSE_LEVELS

        def page_data(page: int) -> str:
            return cb.browse_by_level(level, page)

    elif match := cb.BROWSE_BY_ISSUER_RE.match(data):
        index, number = int(match.group(1)), int(match.group(2))
        issuer = catalog.issuer_at(entries, index)
        listed = catalog.by_issuer(entries, issuer) if issuer else []
        label, back = f"{issuer} 发文", cb.BROWSE_ISSUERS

        def page_data(page: int) -> str:
            return cb.browse_by_issuer(index, page)

    else:
        return False
    listed = catalog.current_first(listed, services.today())
    page = catalog.paginate(listed, number) if listed else None
    if page is None:
        await answer_stale(query)
        return True
    await query.answer()
    heading = cards.facet_heading(label, page.total, page.page, page.pages)
    text = cards.entry_list_text(
        heading, page.items, first=page.first_number, today=services.today()
    )
    markup = keyboards.facet_page_keyboard(
        page.items,
        page_data=page_data,
        back=back,
        page=page.page,
        pages=page.pages,
        first=page.first_number,
    )
    await _show(message, text, markup)
    return True


FEATURE = Feature(
    name="browse",
    commands=(Command("browse", "按分类浏览政策", browse_command),),
    buttons=(Button("brw:", browse_button),),
)
