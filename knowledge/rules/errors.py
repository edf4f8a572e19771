"""Errors of the rules package; messages are in Chinese and name the file and the spot."""

from __future__ import annotations

from pathlib import Path


class RuleLoadError(ValueError):
    """A rule file cannot be loaded. ``str()`` reads "file: where: message"."""

    def __init__(self, message: str, *, file: Path | None = None, where: str = "") -> None:
        self.message = message
        self.file = file
        self.where = where
        prefix = ": ".join(part for part in (file.name if file else "", where) if part)
        super().__init__(f"{prefix}: {message}" if prefix else message)
