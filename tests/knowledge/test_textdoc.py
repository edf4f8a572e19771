from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge.importing import ImportFailed, decode_bytes, parse_text_document

SEED = (
    Path(__file__).resolve().parents[2]
    / "knowledge"
    / "data"
    / "seeds"
    / "wuhan-2023-sme-work-plan.txt"
)


@pytest.fixture(scope="module")
def seed_text() -> str:
    return decode_bytes(SEED.read_bytes())


def test_seed_header_is_read_from_the_document(seed_text: str) -> None:
    doc = parse_text_document(seed_text)
    assert doc.title == "武汉市2023年中小企业工作要点"
    assert doc.issuer == "武汉市促进中小企业发展工作领导小组"
    assert doc.addressee == "各区人民政府,各有关单位"
    assert doc.publish_date == dt.date(2023, 3, 31)
    assert doc.attachments == ["武汉市2023年中小企业工作要点任务清单"]
    assert doc.preamble is not None and doc.preamble.startswith("为深入贯彻")


def test_seed_has_goals_tasks_and_requirements_as_entries(seed_text: str) -> None:
    doc = parse_text_document(seed_text)
    ids = [e.local_id for e in doc.entries]
    assert len(ids) == 32
    assert ids[:5] == ["1.1", "1.2", "1.3", "1.4", "1.5"]
    assert ids[-4:] == ["3.1", "3.2", "3.3", "3.4"]
    tasks = [e for e in doc.entries if e.local_id.startswith("2.")]
    assert [int(e.local_id.split(".")[-1]) for e in tasks] == list(range(1, 24))
    by_id = {e.local_id: e for e in doc.entries}
    assert by_id["1.1"].title == "企业总量上台阶"
    assert by_id["2.2.6"].title == "扩大小微企业贷款规模"
    assert by_id["2.2.6"].path == ["二、重点任务", "(二)开展融资服务改善行动,助推企业进一步做大"]
    assert "1%以下" in by_id["2.2.6"].body
    assert by_id["3.1"].title == "统筹组织领导"
    assert by_id["3.1"].path == ["三、工作要求"]


def test_gbk_and_bom_decode_to_the_same_document(seed_text: str) -> None:
    gbk = decode_bytes(seed_text.encode("gbk"))
    bom = decode_bytes(b"\xef\xbb\xbf" + seed_text.encode("utf-8"))
    assert parse_text_document(gbk).content_hash == parse_text_document(seed_text).content_hash
    assert parse_text_document(bom).content_hash == parse_text_document(seed_text).content_hash


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空"),
        (b"   \n\n ", "空"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "二进制"),
        (b"%PDF-1.4\x00\x01\x02", "二进制"),
    ],
)
def test_empty_or_binary_input_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ImportFailed, match=message):
        decode_bytes(data)


def test_structureless_text_is_refused() -> None:
    with pytest.raises(ImportFailed, match="编号结构"):
        parse_text_document("这是一段没有任何编号的文字。\n第二段也没有。")


def test_markdown_document_with_nested_numbering() -> None:
    text = """# 关于支持小微企业发展的若干措施

## 一、融资支持
### (一)贷款贴息
1. 首次贷款贴息。对首次获得贷款的企业给予贴息。
2. 担保费补贴。对融资担保费给予补贴。
### (二)应急转贷
对临时资金困难企业提供应急转贷。
## 二、附则
本措施自发布之日起施行。
"""
    doc = parse_text_document(text, markdown=True)
    assert doc.title == "关于支持小微企业发展的若干措施"
    by_id = {e.local_id: e for e in doc.entries}
    assert set(by_id) == {"1.1.1", "1.1.2", "1.2", "2"}
    assert by_id["1.1.1"].title == "首次贷款贴息"
    assert by_id["1.1.1"].path == ["一、融资支持", "(一)贷款贴息"]
    assert by_id["1.2"].body == "对临时资金困难企业提供应急转贷。"
    assert by_id["2"].title == "附则"


def test_doc_number_is_taken_from_the_header() -> None:
    text = (
        "鄂政办发〔2023〕12号\n湖北省人民政府办公厅\n2023年5月6日\n"
        "关于促进中小企业发展的意见\n一、总体要求\n(一)目标。做强做优。\n"
    )
    doc = parse_text_document(text)
    assert doc.doc_number == "鄂政办发〔2023〕12号"
    assert doc.title == "关于促进中小企业发展的意见"
    assert doc.publish_date == dt.date(2023, 5, 6)


def test_classic_mac_line_endings_read_like_unix_ones(seed_text: str) -> None:
    unix = parse_text_document(seed_text)
    mac = parse_text_document(seed_text.replace("\n", "\r"))
    assert [e.title for e in mac.entries] == [e.title for e in unix.entries]
    assert len(mac.entries) == len(unix.entries) > 20


def test_a_word_file_that_unpacks_too_big_is_refused() -> None:
    import io
    import zipfile

    from knowledge.importing.docx import MAX_UNZIPPED_BYTES, docx_to_text

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * (MAX_UNZIPPED_BYTES + 1))
    with pytest.raises(ImportFailed, match="解压后超过"):
        docx_to_text(buffer.getvalue())


@pytest.mark.parametrize("data", ["\u3000\u3000".encode(), "\u0085".encode(), b"\xa1\xa1"])
def test_text_of_unicode_blanks_only_is_empty(data: bytes) -> None:
    with pytest.raises(ImportFailed, match="空"):
        decode_bytes(data)
