"""HTML and EPUB renderings of the policy e-book (``services.ebook_book``).

The HTML is one self-contained file (inline CSS, no scripts, fonts or images) laid out for
a phone first; the EPUB (ebooklib) has one chapter per level, a nested table of contents
and the same cards, in XHTML."""

from __future__ import annotations

import html
import io

from knowledge.extras import require
from knowledge.model import EntryView
from services.ebook_book import (
    LEVEL_ORDER,
    NOTE,
    UNKNOWN,
    Book,
    Section,
    facts,
    guide_known,
    guide_missing,
    level_label,
)

CSS = """
:root{--accent:#b3261e;--ink:#1f1f1f;--muted:#5f6368;--line:#e4e4e7;--bg:#f5f6f8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);
font:16px/1.7 -apple-system,"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC",
"Source Han Sans SC","Microsoft YaHei","WenQuanYi Zen Hei",sans-serif;
overflow-wrap:anywhere;word-break:break-word}
main{max-width:760px;margin:0 auto;padding:16px}
a{color:#0b57d0}
h1{font-size:1.55em;line-height:1.3;margin:0 0 .4em}
h2{font-size:1.3em;margin:1.6em 0 .4em;padding-left:.5em;border-left:4px solid var(--accent)}
h3{font-size:1.1em;margin:1.2em 0 .3em;color:var(--accent)}
h4{font-size:1.05em;line-height:1.45;margin:0 0 .5em}
h5{font-size:.95em;margin:1em 0 .3em;color:var(--muted)}
.cover,.toc,.card,.sources{background:#fff;border:1px solid var(--line);border-radius:12px;
padding:14px 16px;margin:12px 0}
.cover{border-top:4px solid var(--accent)}
.meta{color:var(--muted);margin:0}
.note{font-size:.9em;color:var(--muted);margin:.6em 0 0}
.toc ol{padding-left:1.3em;margin:.2em 0}
.toc li{margin:.15em 0}
.count{color:var(--muted);font-size:.85em}
.num{color:var(--accent);margin-right:.3em}
dl{margin:0}
dl>div{display:grid;grid-template-columns:6.5em minmax(0,1fr);gap:0 .8em;padding:.35em 0;
border-bottom:1px dashed var(--line)}
dl>div:last-child{border-bottom:0}
dt{color:var(--muted);font-weight:600}
dd{margin:0;min-width:0}
.body{margin:.6em 0;padding:.5em .8em;background:#fafafa;border-radius:8px}
.body p{margin:.3em 0}
.guide>.unknown{grid-template-columns:minmax(0,1fr)}
.unknown dd{color:var(--muted)}
cite{display:block;font-style:normal;font-size:.85em;color:var(--muted)}
.top{font-size:.85em;text-align:right;margin:.3em 0 0}
footer{color:var(--muted);font-size:.85em;text-align:center;margin:2em 0 1em}
.toc h2,.sources h2{margin-top:0}
.facts>div{grid-template-columns:4.5em minmax(0,1fr)}
@media (max-width:480px){main{padding:10px}.guide>div{grid-template-columns:minmax(0,1fr)}
.cover,.toc,.card,.sources{padding:12px}}
@media print{body{background:#fff}.card{break-inside:avoid}}
"""

EPUB_CSS = """
body{font-family:sans-serif;line-height:1.7}
h1{font-size:1.5em}h2{font-size:1.25em;color:#b3261e}h3{font-size:1.05em}
.card{border-top:1px solid #ddd;padding-top:.5em;margin-top:1em}
dl>div{margin:.3em 0}dt{font-weight:bold;color:#555}dd{margin:0 0 0 1em}
.unknown dd{color:#777}cite{display:block;font-style:normal;font-size:.85em;color:#777}
.body{margin:.5em 0;padding-left:.8em;border-left:3px solid #ddd}
.meta,.note{color:#555}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _dl(rows: list[tuple[str, str]], css: str) -> str:
    items = "".join(f"<div><dt>{_e(label)}</dt><dd>{_e(value)}</dd></div>" for label, value in rows)
    return f'<dl class="{css}">{items}</dl>'


def card_html(number: str, entry: EntryView, *, anchor: str, note: str = "") -> str:
    """One 一策一表 card (valid XHTML as well as HTML)."""
    parts = [f'<article class="card" id="{anchor}">']
    parts.append(f'<h4><span class="num">{_e(number)}</span>{_e(entry.title)}</h4>')
    parts.append(_dl(facts(entry, note), "facts"))
    lines = [line for line in entry.body.splitlines() if line.strip()] or ["—"]
    parts.append('<div class="body">' + "".join(f"<p>{_e(x)}</p>" for x in lines) + "</div>")
    parts.append("<h5>一策一表</h5>")
    items = [
        f"<div><dt>{_e(label)}</dt><dd>{_e(value)}<cite>来源:{_e(source)}</cite></dd></div>"
        for label, value, source in guide_known(entry)
    ]
    missing = guide_missing(entry)
    if missing:
        items.append(
            f'<div class="unknown"><dt>{"、".join(map(_e, missing))}</dt>'
            f"<dd>{_e(UNKNOWN)}</dd></div>"
        )
    parts.append('<dl class="guide">' + "".join(items) + "</dl>")
    url = entry.source_url or ""
    if url.startswith(("https://", "http://")) and len(url) <= 500:
        parts.append(f'<p class="link"><a href="{_e(url)}">官方原文链接</a></p>')
    parts.append("</article>")
    return "".join(parts)


def _section_html(number: int, section: Section, *, back: str | None) -> str:
    parts = [f'<section class="category" id="sec-{number}"><h3>{_e(section.category)}</h3>']
    for index, entry in enumerate(section.entries, 1):
        note = section.notes.get(entry.entry_id, "")
        parts.append(card_html(f"{number}.{index}", entry, anchor=f"e-{number}-{index}", note=note))
    if back:
        parts.append(f'<p class="top"><a href="{back}">↑ 返回目录</a></p>')
    parts.append("</section>")
    return "".join(parts)


def _sources_html(book: Book) -> str:
    items = []
    for source in book.sources:
        link = f' <a href="{_e(source.url)}">原文链接</a>' if source.url else ""
        items.append(f"<li>{_e(source.source_name)}{link}</li>")
    listing = "".join(items)
    return f'<section class="sources" id="sources"><h2>政策来源</h2><ol>{listing}</ol></section>'


def _cover(book: Book) -> str:
    return (
        f'<header class="cover"><h1>{_e(book.title)}</h1>'
        f'<p class="meta">导出日期:{_e(book.date_label)} · 共 {book.total} 条现行政策</p>'
        f'<p class="note">{_e(NOTE)}</p></header>'
    )


def to_html(book: Book) -> str:
    """One self-contained, responsive HTML page."""
    toc = ['<nav class="toc" id="toc" aria-label="目录"><h2>目录</h2><ol>']
    body: list[str] = []
    for level, sections in book.levels:
        anchor = f"level-{LEVEL_ORDER.index(level)}"
        toc.append(f'<li><a href="#{anchor}">{_e(level_label(level))}</a><ol>')
        body.append(f'<section class="level" id="{anchor}"><h2>{_e(level_label(level))}</h2>')
        for number, section in sections:
            count = f'<span class="count">({len(section.entries)})</span>'
            toc.append(f'<li><a href="#sec-{number}">{_e(section.category)}</a>{count}</li>')
            body.append(_section_html(number, section, back="#toc"))
        toc.append("</ol></li>")
        body.append("</section>")
    toc.append('<li><a href="#sources">政策来源</a></li></ol></nav>')
    if not book.sections:
        body.append('<p class="note">目前没有在有效期内的政策。</p>')
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(book.title)}</title><style>{CSS}</style></head><body><main>"
        + _cover(book)
        + "".join(toc)
        + "".join(body)
        + _sources_html(book)
        + f"<footer>{_e(book.title)} · {_e(book.date_label)} · 由政策助手生成</footer>"
        + "</main></body></html>\n"
    )


def to_epub(book: Book) -> bytes:
    """An EPUB 3 book: a cover page, one chapter per level, the sources; MissingExtra
    without ebooklib (the optional extra [ebook])."""
    require("ebook")
    from ebooklib import epub

    doc = epub.EpubBook()
    doc.set_identifier(f"policybot-book-{book.exported_at:%Y%m%d%H%M%S}")
    doc.set_title(book.title)
    doc.set_language("zh-CN")
    doc.add_author("政策助手 policybot")
    style = epub.EpubItem(
        uid="style", file_name="style/book.css", media_type="text/css", content=EPUB_CSS
    )
    doc.add_item(style)

    def chapter(title: str, name: str, content: str) -> epub.EpubHtml:
        page = epub.EpubHtml(title=title, file_name=name, lang="zh-CN")
        page.content = content
        page.add_item(style)
        doc.add_item(page)
        return page

    cover = chapter("封面与说明", "cover.xhtml", _cover(book))
    chapters = [cover]
    toc: list[object] = [cover]
    for level, sections in book.levels:
        name = f"level-{LEVEL_ORDER.index(level)}.xhtml"
        content = f"<h2>{_e(level_label(level))}</h2>" + "".join(
            _section_html(number, section, back=None) for number, section in sections
        )
        page = chapter(level_label(level), name, content)
        chapters.append(page)
        links = [
            epub.Link(f"{name}#sec-{n}", f"{s.category}({len(s.entries)})", f"sec-{n}")
            for n, s in sections
        ]
        toc.append((epub.Section(level_label(level), href=name), links))
    sources = chapter("政策来源", "sources.xhtml", _sources_html(book))
    chapters.append(sources)
    toc.append(sources)
    doc.toc = toc
    doc.add_item(epub.EpubNcx())
    doc.add_item(epub.EpubNav())
    doc.spine = ["nav", *chapters]
    buffer = io.BytesIO()
    epub.write_epub(buffer, doc)
    return buffer.getvalue()
