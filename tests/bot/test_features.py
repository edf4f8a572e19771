"""The declarations (bot/features.py, bot/registry.py) are what is wired: every command
handler comes from a declared command and every declared command and button is wired
once; every button namespace is declared; menus and the refusal follow the roles."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot import registry
from bot.features import Access, Chats, commands_for
from bot.flows import FlowRegistry
from bot.handlers import flows
from bot.render import texts
from storage.models import UserRole
from tests.bot.e2e_support import make_settings


def _walk(handlers: Any) -> Iterator[BaseHandler[Any, Any, Any]]:
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            yield from _walk(handler.entry_points)
            for steps in handler.states.values():
                yield from _walk(steps)
            yield from _walk(handler.fallbacks)
        else:
            yield handler


def _wired() -> list[BaseHandler[Any, Any, Any]]:
    """Every handler the composition root adds, as bot/app.py adds them."""
    settings = make_settings()
    found: list[BaseHandler[Any, Any, Any]] = []
    flow_registry = FlowRegistry(
        [flow for feature in registry.FEATURES for flow in feature.flows],
        expiry=dt.timedelta(minutes=30),
    )
    for group in flows.build_handlers(flow_registry).values():
        found += _walk(group)
    for feature in registry.FEATURES:
        for build in feature.early.values():
            found += _walk(build(settings))
        found += _walk(feature.handlers(settings))
    return found


def _pattern(handler: CallbackQueryHandler[Any, Any]) -> str | None:
    pattern = handler.pattern
    return pattern.pattern if isinstance(pattern, re.Pattern) else None


def test_every_command_handler_is_a_declared_command_wired_once() -> None:
    wired = [name for h in _wired() if isinstance(h, CommandHandler) for name in h.commands]
    declared = [command.name for command in registry.commands()]
    assert sorted(wired) == sorted(declared)
    assert len(set(declared)) == len(declared)


def test_every_button_is_declared_under_a_declared_prefix() -> None:
    declared = [b for feature in registry.FEATURES for b in feature.buttons]
    for button in declared:
        pattern = button.pattern
        text = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
        assert text is None or text.startswith("^" + button.prefix.split(":")[0] + ":"), button
    namespaces = {button.prefix.split(":")[0] for button in declared}
    wired = [_pattern(h) for h in _wired() if isinstance(h, CallbackQueryHandler)]
    # the one without a pattern is the fallback's stale-button answer
    assert sum(p is None for p in wired) == 1
    undeclared = [p for p in wired if p and p.lstrip("^(").split(":")[0] not in namespaces]
    assert undeclared == []


def test_menus_by_role() -> None:
    everyone = [c.name for c in commands_for(registry.MENU, None)]
    assert everyone[:4] == ["start", "help", "browse", "search"]
    assert everyone[-2:] == ["cancel", "resume"]
    commissioner = [c.name for c in commands_for(registry.MENU, UserRole.COMMISSIONER)]
    assert commissioner == [*everyone, "inbox"]
    admin = [c.name for c in commands_for(registry.MENU, UserRole.ADMIN)]
    assert admin[: len(everyone)] == everyone and "inbox" not in admin
    declared_admin = {c.name for c in registry.commands() if c.menu and c.access is Access.ADMIN}
    assert set(admin[len(everyone) :]) == declared_admin
    # self-chosen roles see everyone's menu
    assert [c.name for c in commands_for(registry.MENU, UserRole.HANDLER)] == everyone
    # every command with a menu text is in some menu: its feature is in MENU
    in_menus = {c.name for role in (None, *UserRole) for c in commands_for(registry.MENU, role)}
    assert {c.name for c in registry.commands() if c.menu} == in_menus


def test_menu_texts_fit_telegram() -> None:
    for command in registry.commands():
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command.name), command.name
        assert command.menu is None or 1 <= len(command.menu) <= 256, command.name
        assert not (command.access is Access.ADMIN and command.chats is Chats.PRIVATE), (
            "admin commands answer in groups with the refusal; PRIVATE would ignore them"
        )


def test_the_one_refusal_names_whom_it_is_for() -> None:
    staff, admin = texts.AUDIENCES["staff"], texts.AUDIENCES["admin"]
    assert texts.refused("/inbox", staff) == "/inbox 仅限企业服务专员和部门使用。"
    assert texts.refused("/queue", admin, hint="查看您提交的诉求请发送 /myrequests。") == (
        "/queue 仅限管理员使用。查看您提交的诉求请发送 /myrequests。"
    )
    assert texts.refused("/stats", admin, private=True) == "/stats 仅限管理员在与我的私聊中使用。"
    assert texts.refused(None, admin) == "该功能仅限管理员使用。"
