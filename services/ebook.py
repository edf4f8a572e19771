"""The policy e-book: every current policy entry as a 一策一表 card, grouped by level and
category, with a table of contents, the sources and the export date.

``collect`` builds the book from entry views (``services.ebook_book``); ``render`` writes
it as Markdown, HTML or EPUB (``services.ebook_formats``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from knowledge.model import EntryView
from services.ebook_book import Book, BookFormat, collect, to_markdown

__all__ = ["Book", "BookFormat", "collect", "export", "file_name", "render"]


def render(book: Book, fmt: BookFormat) -> bytes:
    """The book as a file in ``fmt``; EPUB needs the optional extra [ebook] (else
    ``knowledge.extras.MissingExtra``), HTML and Markdown need nothing more."""
    if fmt is BookFormat.MD:
        return to_markdown(book).encode("utf-8")
    from services import ebook_formats

    if fmt is BookFormat.HTML:
        return ebook_formats.to_html(book).encode("utf-8")
    return ebook_formats.to_epub(book)


def file_name(book: Book, fmt: BookFormat) -> str:
    return f"policybook-{book.exported_at:%Y%m%d}.{fmt.value}"


def export(entries: Sequence[EntryView], fmt: BookFormat, *, exported_at: dt.datetime) -> bytes:
    return render(collect(entries, exported_at=exported_at), fmt)
