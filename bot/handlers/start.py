"""/start (welcome, role choice, deep links) and /help."""

from __future__ import annotations

import contextlib

from sqlmodel import Session
from telegram import Update
from telegram.error import BadRequest

from bot.context import PolicyContext
from bot.features import Button, Command, Feature, commands_for, publish_menu
from bot.handlers.common import callback_message, send_card
from bot.render import callbacks as cb
from bot.render import keyboards, texts
from storage import users
from storage.models import UserRole


async def start(update: Update, context: PolicyContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.services
    # deep link from an inline-mode card: /start e_<hash>
    if context.args and (link := cb.DEEP_LINK_RE.match(context.args[0])):
        entry_ids = services.knowledge.snapshot.entries.keys()
        entry_id = services.refs.from_hash(link.group(1), entry_ids)
        entry = services.knowledge.entry(entry_id) if entry_id else None
        if entry is not None:
            await send_card(message, services, entry, question_id=None)
            return
    is_admin = user.id in services.settings.admin_ids

    def register(session: Session) -> str | None:
        row = users.get_or_create_user(session, user_id=user.id, language_code=user.language_code)
        if is_admin and row.role != UserRole.ADMIN.value:
            row = users.set_role(session, user_id=user.id, role=UserRole.ADMIN)
        return row.role

    role = await services.db(register)
    if role in (UserRole.COMMISSIONER.value, UserRole.ADMIN.value):
        # their own commands in the menu (at start-up their chat may not have existed)
        await publish_menu(context.bot, services.features, user_id=user.id, role=UserRole(role))
        await message.reply_text(texts.welcome(user.first_name) + "\n\n" + texts.granted_role(role))
        return
    await message.reply_text(texts.welcome(user.first_name), reply_markup=keyboards.role_keyboard())


async def choose_role(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    match = cb.ROLE_RE.match(query.data or "")
    choice = texts.ROLE_CHOICES.get(match.group(1)) if match else None
    if choice is None:  # forged, e.g. role:admin: granted roles are never self-chosen
        await query.answer(texts.ROLE_REFUSED, show_alert=True)
        return
    wanted = choice[0]
    user_id = query.from_user.id
    row = await context.services.db(
        lambda session: users.choose_role(session, user_id=user_id, role=wanted)
    )
    role = row.role or wanted.value
    label = texts.ROLE_LABELS.get(role, role)
    await query.answer(f"已选择:{label}" if role == wanted.value else f"您的身份是:{label}")
    message = callback_message(query)
    if message is None:
        return
    if message.reply_markup is not None:  # the keyboard is used up
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(reply_markup=None)
    chosen = role == wanted.value
    await message.reply_text(texts.role_chosen(role) if chosen else texts.granted_role(role))


async def help_command(update: Update, context: PolicyContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None:
        return
    services = context.services
    role = await services.role(user.id) if user is not None else None
    menu = [(c.name, c.menu) for c in commands_for(services.features, role) if c.menu]
    await message.reply_text(texts.help_text(menu, context.bot.username))


FEATURE = Feature(
    name="start",
    commands=(
        Command("start", "开始使用 / 选择身份", start),
        Command("help", "使用帮助", help_command),
    ),
    buttons=(Button("role:", choose_role),),
)
