# ruff: noqa: E501  (the metadata table: one document a line)
"""Per fixture of the test library: its measures, and every field its text gives is filled
in (with a source), nothing more."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from knowledge.importing.docx import docx_to_text
from knowledge.importing.textdoc import FIELD_LABELS, decode_bytes, parse_text_document
from knowledge.model import ParsedDocument

LIBRARY = Path(__file__).resolve().parents[1] / "fixtures" / "library"

# measure → the 一策一表 fields the text gives it (its own lines, the document's shared
# 申报 section, an attachment's 申报指南, the amounts it states)
EXPECTED: dict[str, dict[str, str]] = {
    "c0-city-specialized-old.txt": {
        "1.1": "contact department materials support_content",
        "1.2": "contact department support_content",
    },
    "c1-city-specialized.txt": {
        "1.1": "contact deadline delivery_mode department materials support_content",
        "1.2": "conditions contact deadline delivery_mode department support_content",
        "2.1": "contact deadline delivery_mode department support_content",
        "2.2": "contact deadline delivery_mode department support_content",
    },
    "c2-city-rnd-expired.md": {
        "1": "department support_content",
        "2": "support_content",
        "3": "",  # 附则
    },
    "c3-city-rnd-current.docx": {
        "1": "conditions contact deadline department materials support_content",
        "2": "contact deadline department support_content",
        "3": "contact deadline department support_content",
    },
    "c4-city-finance.txt": {
        "1": "contact department support_content",
        "2": "contact department materials",  # a fee rate, no support amount
        "3": "contact department support_content support_target",
    },
    "d1-district-software.txt": {
        "1.1": "contact deadline delivery_mode department materials support_content",
        "1.2": "conditions contact deadline delivery_mode department support_content",
        "2.1": "contact deadline delivery_mode department support_content support_target",
        "2.2": "contact deadline delivery_mode department support_content",
    },
    "d2-district-building.docx": {
        "1": "contact department",  # 第一条 (purpose)
        "2": "contact department materials support_content",
        "3": "conditions contact department support_content",
        "4": "contact department support_content",
        "7": "contact department",  # 第七条 (entry into force)
    },
    "d3-district-individual.md": {
        "1": "contact deadline department materials support_content",
        "2": "contact deadline department support_content",
        "3": "contact deadline department support_content support_target",
    },
    "n1-national-specialized.md": {
        "1.1": "conditions contact deadline department support_content support_target",
        "1.2": "contact deadline department materials support_content support_target",
        "1.3": "contact deadline department support_content",
    },
    "n2-national-startup-loan.txt": {
        "1": "contact delivery_mode department materials support_content support_target",
        "2": "conditions contact delivery_mode department support_content",
        "3": "contact delivery_mode department support_content",
    },
    "p1-province-sme-measures.txt": {
        "1.1": "contact department",
        "1.2": "contact department",
        "2.3": "conditions contact department materials procedure support_content",
        "2.4": "contact department support_content",
        "2.5": "contact department",  # a fee rate, no support amount
        "2.6": "contact department materials support_content",
        "3.9": "contact department",
    },
    "p2-province-jobs.docx": {
        "1": "contact deadline delivery_mode department support_content",
        "2": "contact deadline department materials support_content",
        "3": "contact deadline department support_content support_target",
    },
    "p3-province-export.md": {
        "1": "contact deadline department materials support_content",
        "2": "contact deadline department support_content",
        "3": "conditions contact deadline department support_content",
    },
}
# level, issuer, date of issue, effective, expiry, repeals — as the documents state them
METADATA: dict[str, tuple[str, str, str, str | None, str | None]] = {
    "c0-city-specialized-old.txt": ("市", "示范市经济和信息化局", "2021-05-10", "2021-06-01", None),
    "c1-city-specialized.txt": ("市", "示范市经济和信息化局", "2026-02-01", "2026-03-01", "2029-02-28"),
    "c2-city-rnd-expired.md": ("市", "示范市科学技术局", "2021-12-20", "2022-01-01", "2024-12-31"),
    "c3-city-rnd-current.docx": ("市", "示范市科学技术局", "2025-12-25", "2026-01-01", "2028-12-31"),
    "c4-city-finance.txt": ("市", "示范市地方金融工作局", "2026-03-05", None, None),
    "d1-district-software.txt": ("区", "示范市试点区人民政府办公室", "2026-11-20", "2026-12-01", "2028-11-30"),
    "d2-district-building.docx": ("区", "示范市试点区人民政府", "2026-01-10", "2026-02-01", "2028-01-31"),
    "d3-district-individual.md": ("区", "示范市创新区人民政府", "2026-06-01", None, None),
    "n1-national-specialized.md": ("国家", "国家中小企业样板发展局", "2026-02-10", "2026-02-10", None),
    "n2-national-startup-loan.txt": ("国家", "国家中小企业样板发展局", "2026-01-15", None, "2029-01-14"),
    "p1-province-sme-measures.txt": ("省", "样板省人民政府", "2025-01-20", "2025-03-01", "2029-12-31"),
    "p2-province-jobs.docx": ("省", "样板省人力资源和社会保障厅", "2025-12-10", "2026-01-01", "2027-12-31"),
    "p3-province-export.md": ("省", "样板省商务厅", "2026-04-15", "2026-05-01", "2028-04-30"),
}  # fmt: skip
_LABEL = "|".join(sorted((x for xs in FIELD_LABELS.values() for x in xs), key=len, reverse=True))
_FIELD_LINE = re.compile(
    rf"^(?:[((]?[一二三四五六七八九十\d]+[))、.．]?\s*)?(?:{_LABEL})\S{{0,6}}?[::](.+)$"
)


def read(name: str) -> tuple[str, ParsedDocument]:
    data = (LIBRARY / name).read_bytes()
    text = docx_to_text(data) if name.endswith(".docx") else decode_bytes(data)
    return text, parse_text_document(text, markdown=name.endswith(".md"))


def test_the_library_has_what_the_issue_asks_for() -> None:
    files = sorted(p.name for p in LIBRARY.iterdir() if p.suffix in (".txt", ".md", ".docx"))
    assert files == sorted(EXPECTED) and len(files) >= 12
    assert {Path(f).suffix for f in files} == {".txt", ".md", ".docx"}
    assert {level for level, *_ in METADATA.values()} == {"国家", "省", "市", "区"}
    for name in files:  # every one is labelled as a test fixture
        assert "测试用虚构文件" in read(name)[0].splitlines()[0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_field_the_text_gives_is_filled(name: str) -> None:
    text, doc = read(name)
    got = {e.local_id: " ".join(sorted(e.guide)) for e in doc.entries}
    assert got == EXPECTED[name]
    values = "\n".join(fact.value for e in doc.entries for fact in e.guide.values())
    for line in text.splitlines():  # no field line of the text is lost
        match = _FIELD_LINE.match(line.replace("\u3000", " ").strip())
        if match:
            assert match.group(1).strip() in values, line
    for entry in doc.entries:
        assert "未载明" not in entry.title + entry.body
        for fact in entry.guide.values():
            assert fact.value.strip() and fact.source.startswith(f"《{doc.title}》")


@pytest.mark.parametrize("name", sorted(METADATA))
def test_metadata_is_read_from_the_text(name: str) -> None:
    _, doc = read(name)
    level, issuer, published, effective, expiry = METADATA[name]
    assert doc.level == level
    assert doc.issuer is not None and doc.issuer.split()[0] == issuer
    assert doc.publish_date == dt.date.fromisoformat(published)
    assert doc.effective_date == (dt.date.fromisoformat(effective) if effective else None)
    assert doc.expiry_date == (dt.date.fromisoformat(expiry) if expiry else None)


def test_the_new_city_measures_repeal_the_old_ones() -> None:
    _, doc = read("c1-city-specialized.txt")
    assert doc.repeals == ["示范市专精特新企业培育办法"]
    assert read("c0-city-specialized-old.txt")[1].title == "示范市专精特新企业培育办法"
