"""What a feature declares, once, in its handler module: its commands (name, menu text,
who may use them, in which chats), its callback prefixes with their handlers, its flows
and its scheduled jobs. ``bot/registry.py`` lists the features; ``bot/app.py`` loops over
them; the command menu, /help, the fuzz command list and the role matrix are derived
from the same declarations.

One access guard serves every role check (:func:`require`): it answers a refused command
or button with one role-aware text (``texts.refused``) that names whom the command is
for. Ticket-level checks (is this ticket yours?) stay with the tickets
(``services.ticket_access``).
"""

from __future__ import annotations

import enum
import functools
import logging
import re
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, JobQueue, filters

from bot.context import BotServices, PolicyContext
from bot.flows import Flow
from bot.render import texts
from bot.settings import Settings
from services.ticket_access import load_actor
from storage.models import UserRole

log = logging.getLogger(__name__)
R = TypeVar("R")
Callback = Callable[[Update, PolicyContext], Coroutine[Any, Any, R]]
# a handler's callback returns None, or a ConversationHandler state
Handler = BaseHandler[Update, PolicyContext, Any]
# registers a feature's scheduled jobs (PTB JobQueue); small and named
Schedule = Callable[[JobQueue[PolicyContext], BotServices], None]


class Access(enum.Enum):
    """Who may use a command or a button."""

    EVERYONE = "everyone"
    # 企业服务专员 (an active commissioner) or a department's member in its group chat
    STAFF = "staff"
    # 管理员 (POLICYBOT_ADMIN_IDS or granted), in a private chat: admin tools show
    # people's questions and tickets, never in a group
    ADMIN = "admin"


class Chats(enum.Enum):
    """Where a command is answered. PRIVATE commands are ignored in groups (a bare
    /command there may be meant for another bot, and these show personal data)."""

    ANY = "any"
    PRIVATE = "private"


async def permits(update: Update, context: PolicyContext, access: Access) -> bool:
    """Whether the person behind ``update`` may use something declared with ``access``."""
    if access is Access.EVERYONE:
        return True
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return False
    services = context.services
    if access is Access.ADMIN:
        return chat.type == ChatType.PRIVATE and await services.role(user.id) is UserRole.ADMIN
    admin_ids = services.settings.admin_ids
    actor = await services.db(
        lambda s: load_actor(s, user_id=user.id, chat_id=chat.id, admin_ids=admin_ids)
    )
    return actor.is_commissioner or bool(actor.department_ids)


async def require(
    update: Update,
    context: PolicyContext,
    access: Access,
    *,
    command: str | None = None,
    hint: str = "",
) -> bool:
    """The access guard: True when allowed; otherwise the one refusal text (a reply to a
    command, an alert for a button) and False."""
    if await permits(update, context, access):
        return True
    text = texts.refused(
        f"/{command}" if command else None,
        texts.AUDIENCES[access.value],
        private=_in_group(update) and await _would_be_allowed_in_private(update, context, access),
        hint=hint,
    )
    query = update.callback_query
    if query is not None:
        await query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return False


def _in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type != ChatType.PRIVATE


async def _would_be_allowed_in_private(
    update: Update, context: PolicyContext, access: Access
) -> bool:
    user = update.effective_user
    if access is not Access.ADMIN or user is None:
        return False
    return await context.services.role(user.id) is UserRole.ADMIN


def guarded(
    callback: Callback[R], access: Access, *, command: str | None = None, hint: str = ""
) -> Callback[R | None]:
    """``callback`` behind the access guard (refused updates end there, returning None)."""
    if access is Access.EVERYONE:
        return callback

    @functools.wraps(callback)
    async def wrapper(update: Update, context: PolicyContext) -> R | None:
        if not await require(update, context, access, command=command, hint=hint):
            return None
        return await callback(update, context)

    return wrapper


@dataclass(frozen=True)
class Command:
    """A /command: its name, its text in the menu (None: not in the menu), who may use
    it and where. ``hint`` follows the refusal (e.g. where to look instead)."""

    name: str
    menu: str | None
    callback: Callback[Any]
    access: Access = Access.EVERYONE
    chats: Chats = Chats.ANY
    hint: str = ""

    def handler(self) -> Handler:
        """Its CommandHandler (also as a ConversationHandler entry point)."""
        chat_filter = filters.ChatType.PRIVATE if self.chats is Chats.PRIVATE else None
        callback = guarded(self.callback, self.access, command=self.name, hint=self.hint)
        return CommandHandler(self.name, callback, filters=chat_filter)


@dataclass(frozen=True)
class Button:
    """Inline buttons whose callback data starts with ``prefix``; ``pattern`` (default:
    the prefix) selects the ones ``callback`` takes."""

    prefix: str
    callback: Callback[Any]
    pattern: str | re.Pattern[str] | None = None
    access: Access = Access.EVERYONE

    def handler(self) -> Handler:
        pattern = self.pattern if self.pattern is not None else f"^{re.escape(self.prefix)}"
        return CallbackQueryHandler(guarded(self.callback, self.access), pattern=pattern)


HandlerBuilder = Callable[[Settings], Sequence[Handler]]


@dataclass(frozen=True)
class Feature:
    """One feature module's declarations. ``build`` returns its handlers for group 0, in
    priority order (default: its commands, then its buttons); ``early`` maps an earlier
    group to handlers that must see updates before the features (group -1 and below)."""

    name: str
    commands: tuple[Command, ...] = ()
    buttons: tuple[Button, ...] = ()
    flows: tuple[Flow, ...] = ()
    jobs: tuple[Schedule, ...] = ()
    build: HandlerBuilder | None = None
    early: dict[int, HandlerBuilder] = field(default_factory=dict)

    def handlers(self, settings: Settings) -> list[Handler]:
        if self.build is not None:
            return list(self.build(settings))
        return [c.handler() for c in self.commands] + [b.handler() for b in self.buttons]


def all_commands(features: Sequence[Feature]) -> Iterator[Command]:
    for feature in features:
        yield from feature.commands


def commands_for(features: Sequence[Feature], role: UserRole | None) -> list[Command]:
    """The menu of someone with ``role``: everyone's commands, then their role's own."""
    own = (
        {
            UserRole.COMMISSIONER: Access.STAFF,
            UserRole.ADMIN: Access.ADMIN,
        }.get(role)
        if role is not None
        else None
    )
    menu = [c for c in all_commands(features) if c.menu and c.access is Access.EVERYONE]
    if own is not None:
        menu += [c for c in all_commands(features) if c.menu and c.access is own]
    return menu


# ------------------------------------------------------------------ the command menu


def menu_of(commands: Sequence[Command]) -> list[BotCommand]:
    return [BotCommand(c.name, c.menu) for c in commands if c.menu]


async def publish_default_menu(bot: Bot, features: Sequence[Feature]) -> None:
    """Everyone's menu (enterprises, citizens, and anyone not yet known)."""
    await bot.set_my_commands(menu_of(commands_for(features, None)))


async def publish_menu(
    bot: Bot, features: Sequence[Feature], *, user_id: int, role: UserRole | None
) -> bool:
    """The menu of one person's private chat: their role's commands added, or the
    default again when they have no role of their own. False when Telegram refused (the
    person has not started the bot yet: their next /start sets it)."""
    scope = BotCommandScopeChat(user_id)
    try:
        if role in (UserRole.COMMISSIONER, UserRole.ADMIN):
            await bot.set_my_commands(menu_of(commands_for(features, role)), scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    except TelegramError as exc:
        log.info("menu of a user not set: %s", type(exc).__name__)
        return False
    return True
