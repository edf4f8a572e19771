"""Domain value objects shared by the importer, the matcher and the renderers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from knowledge.deadlines import parse_deadline


class Level(StrEnum):
    """Administrative level of the issuing body (国家/省/市/区)."""

    NATIONAL = "国家"
    PROVINCE = "省"
    CITY = "市"
    DISTRICT = "区"


class DocStatus(StrEnum):
    """Whether a document still applies (``kb show --json`` prints the value)."""

    IN_FORCE = "in_force"
    EXPIRED = "expired"
    REPEALED = "repealed"
    PAST_YEAR = "past_year"  # a yearly work plan (年度工作要点) of a past year

    @property
    def current(self) -> bool:
        return self is DocStatus.IN_FORCE


# The 一策一表 guide fields, in display order, with their Chinese labels.
GUIDE_FIELDS: dict[str, str] = {
    "support_target": "支持对象",
    "support_content": "支持内容/标准",
    "conditions": "申报条件",
    "materials": "申报材料",
    "procedure": "办理流程",
    "department": "受理部门",
    "contact": "联系方式",
    "delivery_mode": "兑现方式",
    "deadline": "申报期限",
}
# what a guide says of the measure itself and who it is for: the entry's own text, as its
# body is (申报材料 lists papers to hand in; where and how to apply say nothing of it)
OWN_GUIDE_FIELDS = ("support_target", "support_content", "conditions")


@dataclass(frozen=True, slots=True)
class Sourced:
    """A fact together with where it comes from (document and section, or URL)."""

    value: str
    source: str


@dataclass(slots=True)
class ParsedEntry:
    """One unit of retrieval as read from a document (numbered item, goal, requirement)."""

    local_id: str  # numbering path inside the document, e.g. "2.2.6"
    number: str  # the item's own number as printed, e.g. "6." or "(一)" or "——"
    title: str
    body: str
    path: list[str]  # chain of section headings above the entry
    position: int
    # 一策一表 fields read from the document's field lines ("申报材料:…"), each with the
    # place it was read from; the document's shared 申报 section fills what is not given
    guide: dict[str, Sourced] = field(default_factory=dict)


@dataclass(slots=True)
class ParsedDocument:
    """A policy document as read by an importer, before it is stored."""

    title: str
    body_text: str
    content_hash: str
    entries: list[ParsedEntry]
    doc_number: str | None = None  # 文号
    issuer: str | None = None
    addressee: str | None = None
    publish_date: dt.date | None = None
    attachments: list[str] = field(default_factory=list)
    preamble: str | None = None
    level: str | None = None  # from the issuer's name
    region: str | None = None
    effective_date: dt.date | None = None  # "自…起施行"
    expiry_date: dt.date | None = None  # "有效期…年", "至…止"
    repeals: list[str] = field(default_factory=list)  # titles of documents it repeals


@dataclass(frozen=True, slots=True)
class EntryView:
    """A stored entry as the matcher and renderers see it (read-only snapshot)."""

    entry_id: str
    document_key: str
    document_title: str
    path: tuple[str, ...]
    number: str
    title: str
    body: str
    categories: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    alt_questions: tuple[str, ...] = ()
    guide: dict[str, Sourced] = field(default_factory=dict)
    level: str | None = None
    region: str | None = None
    source_url: str | None = None
    source_name: str | None = None
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    publish_date: dt.date | None = None
    doc_number: str | None = None
    issuer: str | None = None
    replaced_by: str | None = None  # key of the document that repealed this one
    replaced_by_title: str | None = None
    plan_year: int | None = None  # a yearly work plan's year (年度工作要点)
    text_fields: tuple[str, ...] = ()  # guide fields read from the document's field lines
    # who the measure is for as its text says it (Audience.for_people): industries, sizes,
    # types; empty when the text names no audience
    audience: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        """Human-readable section reference, e.g. "二、重点任务 › (二)… › 6"."""
        return " › ".join(self.path)

    def is_expired(self, today: dt.date) -> bool:
        return self.expiry_date is not None and self.expiry_date < today

    def deadline(self) -> dt.date | None:
        """The 申报期限 its source gives, when that is one clear date (not 每年…)."""
        fact = self.guide.get("deadline")
        return parse_deadline(fact.value) if fact else None

    def closed_on(self, today: dt.date) -> bool:
        """Whether the application deadline its source gives has passed."""
        deadline = self.deadline()
        return deadline is not None and deadline < today

    def status_on(self, today: dt.date) -> DocStatus:
        """In force, expired, repealed, or a yearly plan of a past year."""
        if self.replaced_by is not None:
            return DocStatus.REPEALED
        if self.is_expired(today):
            return DocStatus.EXPIRED
        if self.plan_year is not None and self.plan_year < today.year:
            return DocStatus.PAST_YEAR
        return DocStatus.IN_FORCE


@dataclass(slots=True)
class DocumentMeta:
    """Metadata that the document text may not carry (given by YAML or CLI options)."""

    key: str | None = None
    title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    level: str | None = None
    region: str | None = None
    publish_date: dt.date | None = None
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    source_url: str | None = None
    source_name: str | None = None


@dataclass(slots=True)
class Enrichment:
    """Fields added to an entry by an enrichment file, keyed by entry id."""

    categories: list[str] | None = None
    audiences: list[str] | None = None
    keywords: list[str] | None = None
    alt_questions: list[str] | None = None
    guide: dict[str, Sourced] | None = None
    title: str | None = None
