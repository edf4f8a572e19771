"""Fuzzing the document importer (``knowledge.importing``, ``services.kbops``,
``services.knowledge``, ``storage.kb``).

Generated inputs: arbitrary bytes under every accepted file name; 公文-like text (headings
一、/(一)/1./(1)/——, 附件, dates valid and not, 文号, Markdown titles) with random CJK,
control characters, NUL, BOMs, huge lines and numerals, in UTF-8, UTF-8 with BOM, GBK and
UTF-16; YAML manifests with wrong types, malformed syntax, invalid dates and alias bombs;
Word files that are truncated, bit-flipped or have garbage XML inside a valid zip; the
PDF, legacy Word and web-page fixtures cut off, bit-flipped or with garbage inside, and
web pages around 公文-like text with wrong charsets, dates and meta tags.

Properties:

* every reader returns a result or raises ``ImportFailed`` (a ``ValueError`` whose message
  is Chinese text for the user), never any other exception, and finishes promptly;
* a parsed document has a title, entries with unique numbering paths, titles or bodies,
  and text that comes from the input;
* an import into the database (SQLite and PostgreSQL, ``engine`` fixture) either commits
  fully (the document and every entry are stored, one import row with its events) or
  raises ``ImportFailed`` and leaves the database exactly as it was; an upload preview
  never changes the knowledge base.

``POLICYBOT_FUZZ_SCALE`` multiplies the numbers of examples (default 1: about 25 s).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine

from knowledge.importing import ImportFailed, decode_bytes, parse_text_document
from knowledge.importing.docx import docx_to_text
from knowledge.importing.htmldoc import decode_html, html_to_text
from knowledge.importing.msdoc import doc_to_text
from knowledge.importing.pdfdoc import pdf_to_text
from knowledge.importing.yamldoc import ImportBundle, parse_yaml_bundle
from knowledge.model import DocumentMeta, ParsedDocument
from services import kbops
from services.knowledge import apply_bundle, bundle_key, read_bundle
from storage import kb
from storage.db import session_scope
from storage.types import storable_text

# a failing example of 30,000 characters must be reported, not hidden by this warning
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
T = TypeVar("T")
SCALE = float(os.environ.get("POLICYBOT_FUZZ_SCALE", "1"))  # >1 for a longer local run
SECONDS = 10.0  # any one input must be read (not stored) within this


def examples(n: int) -> int:
    return max(1, int(n * SCALE))


FUZZ = settings(
    deadline=None,
    database=None,  # the same examples are not replayed from a local database
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # one database for all examples, on purpose
    ],
)
CJK = re.compile(r"[\u4e00-\u9fff]")


def refused_or(work: Callable[[], T]) -> T | None:
    """``work()``, or None when it raised ImportFailed with a Chinese message; any other
    exception fails the test, and so does taking longer than ``SECONDS``."""
    start = time.perf_counter()
    try:
        return work()
    except ImportFailed as exc:
        assert CJK.search(str(exc)), f"not a message for the user: {exc!r}"
        return None
    finally:
        assert time.perf_counter() - start < SECONDS, "the importer took too long"


# ------------------------------------------------------------------ strategies

CN_NUM = "一二三四五六七八九十百零〇两"
CJK_TEXT = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=30)
NOISE = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0, max_codepoint=0x1F),  # control characters, NUL included
    st.sampled_from(
        list("\x7f\x85\u2028\u2029\u200b\u202e\ufeff\u3000 。;;:：,、《》〔〕()（）#*-—")
    ),
    st.characters(codec="utf-8"),
)
NOISY_TEXT = st.text(NOISE, max_size=40)
TITLE_WORDS = st.sampled_from(["要点", "办法", "通知", "措施", "意见", "方案", "规定", "细则"])


def _date_line(year: int, month: int, day: int, chinese: bool) -> str:
    """A date line, valid or not ("2023年2月30日", "二〇二三年十三月十日")."""
    if not chinese:
        return f"{year}年{month}月{day}日"
    digits = "".join("〇一二三四五六七八九"[int(c)] for c in f"{year:04d}")
    return f"{digits}年{'一二三四五六七八九十'[(month - 1) % 10]}月{'十' * (day // 10)}日"


DATES = st.builds(
    _date_line, st.integers(0, 9999), st.integers(0, 13), st.integers(0, 35), st.booleans()
)
HEADING_PREFIX = st.one_of(
    st.sampled_from(["一、", "二、", "三、", "十、", "(一)", "(二)", "（三）", "1.", "2、", "3．"]),
    st.sampled_from(["(1)", "（2）", "——", "—", "--- ", "- ", "* ", "# ", "## ", "**一、**"]),
    st.sampled_from(["１．", "附件：", "附件2:", "一.", "(十一)", "99.", "1.5", "〇、"]),
    st.text(st.sampled_from(CN_NUM), min_size=1, max_size=60).map(lambda n: f"{n}、"),
    st.text(st.sampled_from(CN_NUM), min_size=1, max_size=30).map(lambda n: f"({n})"),
    st.integers(0, 10**6).map(lambda n: f"{n}."),
)
HEADER_LINE = st.one_of(
    st.builds(lambda t, w: f"{t}{w}", CJK_TEXT, TITLE_WORDS),
    DATES,
    st.builds(lambda t, y, n: f"{t}〔{y}〕{n}号", CJK_TEXT, st.integers(0, 9999), st.integers()),
    st.sampled_from(["各区人民政府:", "武汉市人民政府", "示例区促进小微企业发展若干措施"]),
    st.builds(lambda t: f"# {t}", NOISY_TEXT),
    st.builds(lambda t: f"《{t}》", NOISY_TEXT),
    NOISY_TEXT,
)  # fmt: skip
BODY_LINE = st.one_of(
    st.builds(lambda p, t, b: f"{p}{t}。{b}", HEADING_PREFIX, CJK_TEXT, NOISY_TEXT),
    st.builds(lambda p, t: f"{p}{t}", HEADING_PREFIX, NOISY_TEXT),
    NOISY_TEXT,
    CJK_TEXT,
    st.just(""),
    st.sampled_from(["====", "---", "附件1：申报表", "附 件", "二〇二三年三月三十一日"]),
    st.integers(1, 30_000).map(lambda n: "字" * n),  # a huge line
)
LINE_END = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def documents(draw: st.DrawFn) -> str:
    """公文-like text: a header (title, issuer, date, 文号), then numbered sections."""
    header = draw(st.lists(HEADER_LINE, max_size=6))
    title = draw(st.builds(lambda t, w: f"{t}{w}", CJK_TEXT, TITLE_WORDS))
    body = draw(st.lists(BODY_LINE, min_size=0, max_size=25))
    if draw(st.integers(0, 4)):  # mostly with a numbered item, so that more of them parse
        item = draw(st.builds(lambda p, t: f"{p}{t}", HEADING_PREFIX, CJK_TEXT))
        body.insert(draw(st.integers(0, len(body))), item)
    lines = [*header, title, *body] if draw(st.booleans()) else [title, *header, *body]
    return draw(LINE_END).join(lines)


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])


@st.composite
def encoded_documents(draw: st.DrawFn) -> bytes:
    document = draw(documents())
    encoding = draw(ENCODINGS)
    data = document.encode(encoding, errors="ignore")  # GBK cannot hold every character
    if draw(st.booleans()):  # truncated in the middle of a multi-byte character, maybe
        data = data[: draw(st.integers(0, len(data)))]
    return data


# YAML: values of the wrong type anywhere, or well-formed manifests
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), NOISY_TEXT, st.dates(), st.datetimes()
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NOISY_TEXT, inner, max_size=3),
    max_leaves=8,
)
FIELD = st.one_of(JSONISH, NOISY_TEXT, CJK_TEXT)
SOURCED = st.fixed_dictionaries({"value": FIELD, "source": FIELD})
ENTRY = st.fixed_dictionaries(
    {"id": st.one_of(st.sampled_from(["1", "2", "1.1", "a-b"]), JSONISH), "title": FIELD},
    optional={
        "body": FIELD,
        "number": FIELD,
        "path": st.one_of(st.lists(CJK_TEXT, max_size=3), JSONISH),
        "keywords": st.one_of(st.lists(CJK_TEXT, max_size=3), JSONISH),
        "guide": st.one_of(st.fixed_dictionaries({"conditions": SOURCED}), JSONISH),
    },
)  # fmt: skip
META = st.fixed_dictionaries(
    {},
    optional={
        "key": st.one_of(st.sampled_from(["doc-a", "wh-sme-2023", "x", "A"]), JSONISH),
        "title": FIELD,
        "level": st.one_of(st.sampled_from(["国家", "省", "市", "区"]), JSONISH),
        "issuer": FIELD,
        "region": FIELD,
        "doc_number": FIELD,
        "source_url": FIELD,
        "source_name": FIELD,
        "publish_date": st.one_of(st.dates(), st.sampled_from(["2023-02-30", "2023-1"]), JSONISH),
        "expiry_date": st.one_of(st.dates(), JSONISH),
    },
)  # fmt: skip
MANIFEST = st.fixed_dictionaries(
    {},
    optional={
        "document": st.one_of(META, JSONISH),
        "entries": st.one_of(st.lists(ENTRY, max_size=4), JSONISH),
        "enrich": st.one_of(st.dictionaries(st.sampled_from(["doc-a:1", "x:2"]), ENTRY), JSONISH),
        "categories": st.one_of(
            st.lists(st.fixed_dictionaries({"name": FIELD, "source": FIELD}), max_size=2), JSONISH
        ),
    },
)
BROKEN_YAML = st.sampled_from(
    [
        "document: {key: [unclosed",
        "entries:\n  - id: 1\n\ttitle: tab",
        "document:\n  publish_date: 2023-02-30\n",  # a timestamp that is not a date
        "document:\n  publish_date: 2023-13-01 10:00:00\n",
        'document: {key: doc-a, title: "a\\0b"}\nentries: [{id: "1", title: "\\0"}]',
        "[" * 3000 + "]" * 3000,  # deep nesting
        "a: &a [x, x, x, x, x, x, x, x]\n"  # an alias bomb: 8^8 strings if ever str()-ed
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d]\n"
        "f: &f [*e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f]\n"
        "document: {key: doc-a, title: t}\nentries: [{id: '1', title: *g, body: *g}]\n",
        "categories: 5\nenrich: {}\n",
        'document: {key: doc-a, title: t}\nentries: [{id: "1", title: "\\ud800"}]',
        'document: {key: doc-a, title: t}\nentries: [{id: "1", title: "\\ud83d\\ude00"}]',
        "enrich: {'doc-a:1': {1: x, keywords: [a]}}",  # a number among the field names
        "document: {key: doc-a, title: 标题, level: [国家]}\nentries: [{id: '1', title: t}]",
        "document: !!binary 'not base64'",
        "? [a, b]\n: c",
        "document: *undefined",
        "%YAML 9.9\n---\na: b",
        "\ufeffdocument: {key: doc-a, title: 标题}\nentries: [{id: '1', title: 条目}]",
    ]
)


NONEMPTY = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1)
GOOD_MANIFEST = st.fixed_dictionaries(  # accepted, mostly: the parts wrong types go into
    {
        "document": st.tuples(
            st.fixed_dictionaries({"key": st.sampled_from(["doc-a", "doc-c"]), "title": NONEMPTY}),
            META,
        ).map(lambda parts: {**parts[1], **parts[0]}),
        "entries": st.lists(
            st.tuples(st.fixed_dictionaries({"id": st.sampled_from(["1", "2", "1.1"]),
                                             "title": NONEMPTY}), ENTRY),
            min_size=1, max_size=4, unique_by=lambda parts: parts[0]["id"],
        ).map(lambda items: [{**extra, **good} for good, extra in items]),
    },
    optional={"enrich": st.dictionaries(st.sampled_from(["doc-a:1", "doc-a:2"]), ENTRY)},
)  # fmt: skip


YAML_WITH_NUL = (  # "\0" and JSON's escapes of 😀 in double-quoted strings
    'document: {key: doc-c, title: "标\\0题"}\n'
    'entries: [{id: "1", title: "\\0", body: "a\\ud83d\\ude00\\0"}, {id: "2", title: 条目}]'
)


def yaml_texts() -> st.SearchStrategy[str]:
    dumped = st.one_of(MANIFEST, GOOD_MANIFEST, GOOD_MANIFEST).map(
        lambda m: yaml.safe_dump(m, allow_unicode=True)
    )
    cut = st.tuples(dumped, st.floats(0, 1)).map(lambda p: p[0][: int(len(p[0]) * p[1])])
    return st.one_of(dumped, dumped, dumped, cut, BROKEN_YAML, NOISY_TEXT, st.just(YAML_WITH_NUL))


# Word files: a few real ones, then damaged
def _docx(paragraphs: list[tuple[str, str | None]], table: bool = False) -> bytes:
    import docx

    document = docx.Document()
    for line, style in paragraphs:
        document.add_paragraph(line, style=style)
    if table:
        grid = document.add_table(rows=2, cols=2)
        grid.cell(0, 0).text, grid.cell(1, 1).text = "联系人", "见原文"
        grid.cell(0, 0).merge(grid.cell(0, 1))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_BASES: list[bytes] = []


def docx_bases() -> list[bytes]:
    """Built once (python-docx takes ~50 ms a file)."""
    if not _BASES:
        _BASES.extend(
            [
                _docx(
                    [
                        ("示例区促进小微企业发展若干措施", None),
                        ("2024年5月6日", None),
                        ("融资支持", "List Number"),
                        ("贷款贴息。对区内小微企业的流动资金贷款给予贴息支持。", "List Number 2"),
                        ("创新发展", "List Number"),
                        ("研发奖励", "List Bullet"),
                    ],
                    table=True,
                ),
                _docx([("一、标题", None), ("正文", None)]),
                _docx([], table=True),
            ]
        )
    return _BASES


def _rezip(base: bytes, member: str, mutate: Callable[[bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, mutate(data) if info.filename == member else data)
    return out.getvalue()


@st.composite
def damaged_docx(draw: st.DrawFn) -> bytes:
    base = draw(st.sampled_from(docx_bases()))
    how = draw(st.sampled_from(["truncate", "flip", "member", "attribute", "garbage zip"]))
    if how == "truncate":
        return base[: draw(st.integers(0, len(base)))]
    if how == "flip":
        data = bytearray(base)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(2, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    members = zipfile.ZipFile(io.BytesIO(base)).namelist()
    member = draw(st.sampled_from(sorted(members)))
    if how == "member":  # one part replaced by garbage or cut XML
        garbage = draw(st.one_of(st.binary(max_size=200), NOISY_TEXT.map(str.encode)))
        cut = draw(st.floats(0, 1))
        return _rezip(base, member, lambda data: data[: int(len(data) * cut)] + garbage)
    if how == "attribute":  # an attribute value (w:val, w:ilvl, w:numId ...) replaced
        value = draw(st.sampled_from(["x", "-1", "", "99999999999999999999", "1.5", "\u4e00"]))
        index = draw(st.integers(0, 200))

        def mutate(data: bytes) -> bytes:
            spots = list(re.finditer(rb'="[^"]*"', data))
            if not spots:
                return data
            spot = spots[index % len(spots)]
            return data[: spot.start()] + b'="' + value.encode() + b'"' + data[spot.end() :]

        return _rezip(base, member, mutate)
    out = io.BytesIO()  # a zip that is no Word file
    with zipfile.ZipFile(out, "w") as target:
        names = st.sampled_from([*sorted(members), "x.txt"])
        for name in draw(st.lists(names, max_size=4, unique=True)):
            target.writestr(name, draw(st.binary(max_size=100)))
    return out.getvalue()


FILE_NAMES = st.sampled_from(
    ["a.txt", "a.md", "a.MARKDOWN", "a.docx", "a.yaml", "a.yml", "a.pdf", "noext", ".txt",
     "a.doc", "a.WPS", "a.html", "a.htm", "a.xlsx"]
)  # fmt: skip
FORMATS = Path(__file__).resolve().parents[1] / "fixtures" / "formats"


def _fixture(name: str) -> bytes:
    return (FORMATS / name).read_bytes()


@st.composite
def damaged_files(draw: st.DrawFn, names: list[str]) -> bytes:
    """A fixture (PDF, .doc or web page) cut off, with bytes flipped, or a stretch of it
    replaced by garbage."""
    data = bytearray(_fixture(draw(st.sampled_from(names))))
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["cut", "flip", "garbage"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if how == "cut":
            del data[at:]
        elif how == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        else:
            data[at : at + draw(st.integers(1, 200))] = draw(st.binary(min_size=1, max_size=200))
    return bytes(data)


PDFS = ["yangli-keji.pdf", "yangli-jiuye.pdf", "scanned.pdf"]
DOCS = ["yangli-keji.doc", "yangli-zhuanjing.doc"]
PAGES = ["yangli-keji.html", "yangli-jiuye.html"]


@st.composite
def web_pages(draw: st.DrawFn) -> bytes:
    """A page around a 公文-like text, with noisy markup, charsets and meta tags."""
    body = draw(documents())
    tags = draw(st.sampled_from(["p", "div", "td", "span", "h1"]))
    lines = "".join(f"<{tags}>{line}</{tags}>" for line in body.splitlines())
    metas = ["", '<meta name="PubDate" content="2023-02-30">', '<meta charset="gb2312">']
    metas += ['<meta name="ArticleTitle" content="">', '<meta charset="nonsense">']
    meta = draw(st.sampled_from(metas))
    info = draw(st.sampled_from(["", "发布日期:2023-13-45 来源:", "文号:号", "来源:" + "长" * 80]))
    page = f"<!DOCTYPE html><html><head>{meta}<title>{draw(NOISY_TEXT)}</title></head>"
    page += f"<body><div>{info}</div>{lines}{draw(NOISY_TEXT)}</body></html>"
    return page.encode(draw(st.sampled_from(["utf-8", "gb18030"])), errors="replace")


@st.composite
def uploads(draw: st.DrawFn) -> tuple[str, bytes]:
    """A (file name, bytes) pair as an admin could send it."""
    kind = draw(st.sampled_from(["text", "yaml", "docx", "bytes", "pdf", "doc", "html"]))
    if kind == "pdf":
        return draw(st.sampled_from(["a.pdf", "a.txt"])), draw(damaged_files(PDFS))
    if kind == "doc":
        return draw(st.sampled_from(["a.doc", "a.wps"])), draw(damaged_files(DOCS))
    if kind == "html":
        data = draw(st.one_of(damaged_files(PAGES), web_pages()))
        return draw(st.sampled_from(["a.html", "a.txt"])), data
    if kind == "text":
        return draw(st.sampled_from(["a.txt", "a.md"])), draw(encoded_documents())
    if kind == "yaml":
        return "a.yaml", draw(yaml_texts()).encode(draw(st.sampled_from(["utf-8", "gb18030"])))
    if kind == "docx":
        return "a.docx", draw(st.one_of(damaged_docx(), st.sampled_from(docx_bases())))
    return draw(FILE_NAMES), draw(
        st.one_of(
            st.binary(max_size=300),
            st.sampled_from([b"", b" \n\t", b"\xef\xbb\xbf", b"PK\x03\x04", b"\xd0\xcf\x11\xe0"]),
            st.sampled_from([b"%PDF-1.7\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"<html>"]),
        )
    )


# ------------------------------------------------------------------ checks of a result


def check_document(parsed: ParsedDocument, source: str) -> None:
    """What every parsed text document must satisfy."""
    assert parsed.title.strip(), "empty title"
    assert parsed.entries, "no entries"
    ids = [e.local_id for e in parsed.entries]
    assert len(set(ids)) == len(ids)
    # numbering path; "att1." for an attachment, "-2" for numbering that repeats
    assert all(re.fullmatch(r"(att\d+\.)?\d+(-\d+)?(\.\d+(-\d+)?)*", i) for i in ids), ids
    assert [e.position for e in parsed.entries] == list(range(len(parsed.entries)))
    assert parsed.content_hash == hashlib.sha256(parsed.body_text.encode()).hexdigest()
    for entry in parsed.entries:
        assert entry.title.strip() or entry.body.strip(), f"an empty entry: {entry}"
        assert entry.title.removesuffix("…") in parsed.body_text
        assert all(line in parsed.body_text for line in entry.body.splitlines())
        assert all(heading in parsed.body_text for heading in entry.path)
        for fact in entry.guide.values():  # every field is read from the text, with a source
            assert fact.source and all(line in parsed.body_text for line in fact.value.splitlines())
    for attachment in parsed.attachments:
        assert attachment in parsed.body_text
    assert parsed.title.removeprefix("《").removesuffix("》") in source.replace("**", "")


def check_bundle(bundle: ImportBundle) -> None:
    document = bundle.document
    if document is not None:
        assert isinstance(document.title, str) and document.title.strip()
        ids = [e.local_id for e in document.entries]
        assert ids and len(set(ids)) == len(ids)
        assert all(isinstance(e.title, str) and isinstance(e.body, str) for e in document.entries)
    meta = bundle.meta
    for name in ("key", "title", "doc_number", "issuer", "level", "region", "source_url"):
        assert isinstance(getattr(meta, name), str | None), (name, getattr(meta, name))


# ------------------------------------------------------------------ readers


@settings(FUZZ, max_examples=examples(250))
@given(upload=uploads())
@example(upload=("a.txt", ("要点\n一、标题\n" + "x" * 70_000 + "\x00\n").encode()))
@example(upload=("a.txt", "工作要点\n武汉市人民政府\n2023年2月30日\n一、标题".encode()))
@example(upload=("a.txt", "武汉市工作要点\n二〇二三年十三月一日\n一、标题".encode()))
@example(upload=("a.md", "# **  **\n一、标题".encode()))
@example(upload=("a.md", ("# " + "长" * 400 + "\n一、标题").encode()))
def test_uploads_are_read_or_refused(upload: tuple[str, bytes]) -> None:
    """``read_upload`` (decode or unzip, then parse) of anything an admin may send."""
    name, data = upload
    result = refused_or(lambda: kbops.read_upload(name, data))
    if result is None:
        return
    kind, decoded = result
    assert kind in ("text", "markdown", "docx", "yaml", "pdf", "doc", "html")
    assert decoded.strip()
    bundle = kbops.build_bundle(kind, decoded, {})
    check_bundle(bundle)
    if kind != "yaml":
        assert bundle.document is not None
        check_document(bundle.document, html_to_text(decoded)[0] if kind == "html" else decoded)


@settings(FUZZ, max_examples=examples(300))
@given(document=documents(), markdown=st.booleans())
def test_text_documents_parse_consistently(document: str, markdown: bool) -> None:
    parsed = refused_or(lambda: parse_text_document(document, markdown=markdown))
    if parsed is not None:
        check_document(parsed, document.replace("\u3000", " "))


@settings(FUZZ, max_examples=examples(150))
@given(data=st.one_of(encoded_documents(), st.binary(max_size=200)))
def test_decoding(data: bytes) -> None:
    decoded = refused_or(lambda: decode_bytes(data))
    if decoded is not None:
        assert decoded.strip()
        assert not decoded.startswith("\ufeff")  # the BOM is not part of the text


@settings(FUZZ, max_examples=examples(300))
@given(source=yaml_texts())
def test_yaml_manifests(source: str) -> None:
    bundle = refused_or(lambda: parse_yaml_bundle(source))
    if bundle is not None:
        check_bundle(bundle)


@settings(FUZZ, max_examples=examples(150))
@given(data=damaged_docx())
def test_word_files(data: bytes) -> None:
    decoded = refused_or(lambda: docx_to_text(data))
    if decoded is not None:
        assert decoded.strip()
        parsed = refused_or(lambda: parse_text_document(decoded))
        if parsed is not None:
            check_document(parsed, decoded)


@settings(FUZZ, max_examples=examples(40))
@given(data=damaged_files(PDFS))
def test_pdf_files(data: bytes) -> None:
    """Damaged PDFs: text or a one-line error, never another exception."""
    text = refused_or(lambda: pdf_to_text(data))
    assert text is None or text.strip()


@pytest.mark.skipif(shutil.which("catdoc") is None, reason="catdoc missing")
@settings(FUZZ, max_examples=examples(40))
@given(data=damaged_files(DOCS))
def test_legacy_word_files(data: bytes) -> None:
    text = refused_or(lambda: doc_to_text(data))
    assert text is None or text.strip()


@settings(FUZZ, max_examples=examples(80))
@given(data=st.one_of(damaged_files(PAGES), web_pages(), st.binary(max_size=300)))
def test_web_pages(data: bytes) -> None:
    markup = refused_or(lambda: decode_html(data))
    if markup is not None:
        read = refused_or(lambda: html_to_text(markup))
        if read is not None:
            text, info = read
            assert text.strip() and "\x00" not in text
            assert info.publish_date is None or 1900 < info.publish_date.year < 2200


@settings(FUZZ, max_examples=examples(60))
@given(name=FILE_NAMES, data=st.one_of(encoded_documents(), yaml_texts().map(str.encode)))
def test_files_on_disk(name: str, data: bytes) -> None:
    """``read_bundle`` (``policybot kb import``): the same readers from a file."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(data)
        bundle = refused_or(lambda: read_bundle(path))
        if bundle is not None:
            check_bundle(bundle)


# ------------------------------------------------------------------ the database

KB_TABLES = ("policy_document", "policy_entry", "kb_import", "policy_event")


def kb_state(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table: [tuple(row) for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in KB_TABLES
        }


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar() or 0)


def text_bundle(document: str, key: str | None = "doc-a") -> ImportBundle:
    parsed = parse_text_document(document, markdown=document.startswith("#"))
    return ImportBundle(meta=DocumentMeta(key=key), document=parsed)


@st.composite
def bundles(draw: st.DrawFn) -> ImportBundle | None:
    """A bundle the readers accept (None after a few inputs they all refuse): text
    documents under a few keys, so that imports also update and remove entries of earlier
    ones, and YAML manifests (documents with entries, enrichment of doc-a)."""
    for _ in range(5):
        try:
            if draw(st.integers(0, 3)) == 0:
                return parse_yaml_bundle(draw(yaml_texts()))
            return text_bundle(draw(documents()), draw(st.sampled_from(["doc-a", "doc-b", None])))
        except ImportFailed:
            continue
    return None


@settings(FUZZ, max_examples=examples(150))
@given(bundle=bundles())
@example(bundle=text_bundle("工作要点\n" + "一" * 30 + "、标题"))  # the 序号 is too long
@example(bundle=text_bundle("# " + "长" * 400 + "\n一、标题"))  # the title is too long
@example(bundle=text_bundle("工作要点\n" + "(" + "二" * 80 + ")" + "条目\n——目标"))
@example(bundle=text_bundle("工作要点\n一、标题\x00。正文\x00"))
@example(bundle=parse_yaml_bundle(YAML_WITH_NUL))
def test_imports_commit_fully_or_not_at_all(engine: Engine, bundle: ImportBundle | None) -> None:
    if bundle is None:
        return
    before = kb_state(engine)

    def store() -> kb.ImportReport:
        with session_scope(engine) as session:
            return apply_bundle(session, bundle=bundle, source="fuzz")

    report = refused_or(store)
    if report is None:
        event("import refused")
        assert kb_state(engine) == before, "a refused import changed the database"
        return
    event("import stored")
    after = kb_state(engine)
    assert len(after["kb_import"]) == len(before["kb_import"]) + 1
    changes = report.added + report.changed + report.removed
    events = len(after["policy_event"]) - len(before["policy_event"])
    assert events == len(changes) == report.total_changes
    if bundle.document is None:  # enrichment only
        return
    key = bundle_key(bundle)
    assert key is not None and report.document_key == key
    with session_scope(engine) as session:
        stored = kb.get_document(session, key=key)
        assert stored is not None
        views = {v.entry_id: v for v in kb.load_entry_views(session) if v.document_key == key}
    expected = {f"{key}:{e.local_id}": e for e in bundle.document.entries}
    assert set(views) == set(expected)
    assert stored.title == storable_text(bundle.meta.title or bundle.document.title)
    for entry_id, parsed in expected.items():
        view = views[entry_id]
        path = tuple(storable_text(heading) for heading in parsed.path)
        assert (view.body, view.path) == (storable_text(parsed.body), path)
        extra = bundle.enrich.get(entry_id)
        if not (extra and extra.title):
            assert view.title == storable_text(parsed.title)


@settings(FUZZ, max_examples=examples(60))
@given(upload=uploads())
@example(upload=("a.txt", ("要点\n一、标题\n" + "x" * 70_000 + "\x00\n").encode()))  # NUL at 70 KB
@example(upload=("a.yaml", YAML_WITH_NUL.encode()))
def test_upload_previews_never_change_the_knowledge_base(
    engine: Engine, upload: tuple[str, bytes]
) -> None:
    """``create_upload`` stores a pending upload and previews it in a transaction that is
    rolled back; a refused file leaves no pending upload."""
    name, data = upload
    before = kb_state(engine)
    pending = "SELECT count(*) FROM kb_pending_upload WHERE status = 'pending'"
    waiting = count(engine, pending)
    preview = refused_or(lambda: kbops.create_upload(engine, user_id=1, file_name=name, data=data))
    assert kb_state(engine) == before
    assert count(engine, pending) == waiting + (preview is not None)
