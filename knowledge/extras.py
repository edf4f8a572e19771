"""Optional libraries. What only some deployments use is an extra of the package
(``pip install 'policybot[chart]'``, the README's "Optional extras" says which and why) and
is imported inside the function that needs it, after :func:`require` has checked it is
there. A missing one is :class:`MissingExtra`, whose one-line message names the install
command (as httpx does for its command line); the command line prints it as its error and
the bot replies with it, never a traceback."""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Extra:
    name: str  # the extra in pyproject.toml
    package: str  # the library it installs, as the user knows it
    modules: tuple[str, ...]  # what must import
    purpose: str  # what needs it, for the message

    @property
    def install(self) -> str:
        return f"pip install 'policybot[{self.name}]'"


EXTRAS = {
    extra.name: extra
    for extra in (
        Extra("word", "python-docx", ("docx", "lxml"), "读取 Word(.docx)文件"),
        Extra("pdf", "pdfplumber", ("pdfplumber",), "读取 PDF 文件"),
        Extra(
            "html", "trafilatura", ("trafilatura", "lxml.html", "lxml_html_clean"), "读取网页文件"
        ),
        Extra("ebook", "ebooklib", ("ebooklib",), "导出 EPUB 格式的政策汇编"),
        Extra("chart", "matplotlib", ("matplotlib",), "生成统计图"),
    )
}


class MissingExtra(RuntimeError):
    """An optional library this installation does not have; ``str()`` is the message."""

    def __init__(self, extra: Extra) -> None:
        self.extra = extra
        super().__init__(
            f"{extra.purpose}需要可选组件 {extra.package}(未安装),请运行:{extra.install}"
        )


def require(name: str) -> None:
    """Raise :class:`MissingExtra` unless the modules of extra ``name`` import."""
    extra = EXTRAS[name]
    for module in extra.modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise MissingExtra(extra) from exc
