"""Sample policy documents for the tests. Invented test fixtures of a fictitious 区; they
are never shipped as policy content."""

from __future__ import annotations

import io

from services.knowledge import KnowledgeBase

DISTRICT_DOC = """示例区促进小微企业发展若干措施
示例区人民政府
2024年5月6日
一、融资支持
1.贷款贴息。对区内小微企业的流动资金贷款给予贴息支持。
2.担保补助。对为小微企业提供担保的融资担保机构给予补助。
二、创新发展
1.研发奖励。对加大研发投入的小微企业给予奖励。
"""
QUESTION = "流动资金贷款贴息怎么申请"  # answered from DISTRICT_DOC once it is published
SAMPLE_TITLES = ("贷款贴息", "担保补助", "研发奖励")  # DISTRICT_DOC's measures


def finds_sample(knowledge: KnowledgeBase, question: str = QUESTION) -> bool:
    """Whether searching ``question`` offers any of DISTRICT_DOC's measures. The bundled
    document may answer the question too (its 2.2.6 is about small-firm loans), so "not
    answered" would test the bundled document rather than the index."""
    result = knowledge.search(question)
    found = (knowledge.entry(m.entry_id) for m in result.matches)
    return any(e is not None and e.title in SAMPLE_TITLES for e in found)


def docx_bytes(*, numbered: bool = True) -> bytes:
    """DISTRICT_DOC as a Word file; ``numbered``: items use Word's automatic numbering
    ("List Number" style) instead of typed numbers."""
    import docx

    document = docx.Document()
    lines = DISTRICT_DOC.strip().splitlines()
    for line in lines[:4]:
        document.add_paragraph(line)
    for line in lines[4:6]:
        document.add_paragraph(
            line[2:] if numbered else line, style="List Number" if numbered else None
        )
    document.add_paragraph(lines[6])
    document.add_paragraph(lines[7])
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "联系人"
    table.cell(0, 1).text = "见原文"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
