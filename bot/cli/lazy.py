"""Command groups whose subcommands are imported only when they are run (or listed in
``--help``), the pattern click documents as "lazily loading subcommands".

A lazy command is named by ``"module:attribute"``: the attribute is either a ``typer.Typer``
(a command group) or a command function."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import typer
import typer.main
from typer.core import TyperArgument, TyperGroup


def load_command(spec: str, name: str) -> Any:
    """The click command behind ``"module:attribute"``."""
    module_name, _, attribute = spec.partition(":")
    target = getattr(importlib.import_module(module_name), attribute)
    if isinstance(target, typer.Typer):
        command: Any = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name  # --help lists a command by its own name
    readable_metavars(command)
    return command


class ReadableArgument(TyperArgument):
    """A positional argument shown by its name alone, as click shows one: ``PATH...`` and
    ``[QUESTION]`` in the usage line and the arguments panel, without typer's ``{PATH}``
    braces and its ``<list[Path]>`` / ``<str>`` type beside the name (a choice keeps its
    ``<a|b>``, which says more than a name)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return super().display_type_rich(ctx) if self.type_descriptor.is_choice else None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        return name if self.required else f"[{name}]"


def readable_metavars(command: Any) -> None:
    """``--month MONTH``, ``PATH...`` and ``[QUESTION]`` in --help instead of typer's
    ``<str>``, ``{PATHS}... <list[Path]>`` and ``[QUESTION] <str>``; flags (``--json``,
    ``--help``) show no value. An argument's metavar is its name in capitals (``DOC_KEY``,
    ``IMPORT_ID``) unless it declares one; a list's ends in ``...``. Sub-commands already
    built are done too."""
    help_option = command.get_help_option(typer.Context(command))
    params = [*getattr(command, "params", []), *([help_option] if help_option else [])]
    for param in params:
        if type(param) is TyperArgument:
            param.__class__ = ReadableArgument  # the same object, shown the click way
        if param.metavar is not None:
            continue
        descriptor = getattr(param, "type_descriptor", None)
        if getattr(param, "is_flag", False):
            param.metavar = ""
        elif descriptor is not None and descriptor.is_choice:
            continue  # <html|epub|md> says more than a name
        elif param.param_type_name == "option":
            param.metavar = max(param.opts, key=len).lstrip("-").replace("-", "_").upper()
        else:
            name = (param.name or "value").upper()
            param.metavar = name if param.nargs == 1 else f"{name}..."
    commands = getattr(command, "commands", None)
    if isinstance(commands, dict):
        for sub in commands.values():
            readable_metavars(sub)


class _LazyCommands(MutableMapping[str, Any]):
    """The group's commands: the eager ones first, then the lazy ones in declared order;
    a lazy one is imported on first lookup. Listing names imports nothing."""

    def __init__(self, eager: Mapping[str, Any], lazy: Mapping[str, str]) -> None:
        self._loaded: dict[str, Any] = dict(eager)
        self._lazy = {name: spec for name, spec in lazy.items() if name not in self._loaded}

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            spec = self._lazy.pop(name)  # KeyError: no such command
            self._loaded[name] = load_command(spec, name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._lazy.pop(name, None)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if self._lazy.pop(name, None) is None:
            del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from list(self._loaded)
        yield from list(self._lazy)

    def __len__(self) -> int:
        return len(self._loaded) + len(self._lazy)

    def __contains__(self, name: object) -> bool:
        return name in self._loaded or name in self._lazy


class LazyGroup(TyperGroup):
    lazy_commands: Mapping[str, str] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        readable_metavars(self)
        self.commands = _LazyCommands(self.commands, self.lazy_commands)


def lazy_group(commands: Mapping[str, str]) -> type[TyperGroup]:
    """A group class for ``typer.Typer(cls=...)`` with these lazily imported commands."""
    return type("LazyGroup", (LazyGroup,), {"lazy_commands": dict(commands)})
