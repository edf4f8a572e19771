"""Measures, field lines, shared 申报 sections, regulation numbering and attachments."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.importing import parse_text_document
from knowledge.model import ParsedDocument

# 测试用虚构文件:机构、电话均为虚构。
DISTRICT_NOTICE = """【测试用虚构文件,非真实政策】
示范市试点区人民政府办公室关于印发试点区支持软件企业发展若干措施的通知
试政办〔2026〕8号
各街道办事处,区直各部门:
现将有关措施印发给你们,请认真贯彻执行。
一、支持企业做大
(一)首次入规奖励
对首次纳入规上统计的软件企业,一次性奖励10万元。
申报材料:营业执照复印件、纳统证明、申请表
受理部门:区科技和经济信息化局
(二)对当年新取得计算机软件著作权登记证书的企业,按每件500元给予补贴,每家企业每年最高2万元。
申报条件:在本区注册并纳统的软件企业。
二、稳岗支持
(一)吸纳高校毕业生社保补贴
支持标准:按企业实际缴纳社会保险费的50%给予补贴,期限1年。
适用对象:区内中小微软件企业
三、申报程序
(一)申报时间:2026年12月1日至2026年12月31日。
(二)受理部门:区科技和经济信息化局企业服务科
(三)联系方式:027-8000 0000(测试号码)
(四)兑现方式:审核通过后直接拨付至企业对公账户。
本措施自2026年12月1日起施行,有效期2年。原《试点区软件企业扶持办法》同时废止。
示范市试点区人民政府办公室
2026年11月20日
(此件公开发布)
"""


@pytest.fixture(scope="module")
def notice() -> ParsedDocument:
    return parse_text_document(DISTRICT_NOTICE)


def test_field_lines_are_fields_of_their_measure_not_entries(notice: ParsedDocument) -> None:
    ids = [e.local_id for e in notice.entries]
    assert ids == ["1.1", "1.2", "2.1"]  # 申报材料 / 受理部门 / 三、申报程序 are no entries
    first = notice.entries[0]
    assert first.title == "首次入规奖励"
    assert first.guide["materials"].value == "营业执照复印件、纳统证明、申请表"
    assert first.guide["materials"].source.endswith("》一、(一) 申报材料")
    # the measure's own 受理部门 wins over the shared section's
    assert first.guide["department"].value == "区科技和经济信息化局"
    assert "奖励10万元" in first.guide["support_content"].value


def test_a_measure_without_heading_is_titled_by_its_whole_first_clause(
    notice: ParsedDocument,
) -> None:
    second = notice.entries[1]
    assert second.title == (
        "对当年新取得计算机软件著作权登记证书的企业,按每件500元给予补贴,每家企业每年最高2万元"
    )
    assert not second.title.endswith("…")
    # the amount it states is its 支持内容/标准 (never "未载明" under a printed amount)
    assert "500元" in second.guide["support_content"].value
    assert second.guide["conditions"].value == "在本区注册并纳统的软件企业。"


def test_the_shared_section_applies_to_every_measure(notice: ParsedDocument) -> None:
    for entry in notice.entries:
        assert entry.guide["deadline"].value.startswith("2026年12月1日")
        assert entry.guide["contact"].value.startswith("027-8000 0000")
        assert "三、(三)联系方式" in entry.guide["contact"].source
        assert entry.guide["delivery_mode"].value.startswith("审核通过后")
    third = notice.entries[2]
    assert third.guide["department"].value == "区科技和经济信息化局企业服务科"
    assert third.guide["support_target"].value == "区内中小微软件企业"
    assert third.guide["support_content"].value.startswith("按企业实际缴纳")


def test_metadata_comes_from_title_sign_off_and_text(notice: ParsedDocument) -> None:
    assert notice.issuer == "示范市试点区人民政府办公室"
    assert notice.level == "区" and notice.region == "试点"
    assert notice.publish_date == dt.date(2026, 11, 20)
    assert notice.doc_number == "试政办〔2026〕8号"
    assert notice.effective_date == dt.date(2026, 12, 1)
    assert notice.expiry_date == dt.date(2028, 11, 30)
    assert notice.repeals == ["试点区软件企业扶持办法"]
    # the sign-off is no part of the last measure
    assert all("2026年11月20日" not in e.body for e in notice.entries)


REGULATION = """样板省中小企业发展促进办法
(测试用虚构文件)
第一章 总则
第一条 为促进本省中小企业健康发展,制定本办法。
第二章 扶持措施
第二条 【创新券】对购买检验检测服务的中小企业,按服务费用的30%给予补贴,单个企业每年最高5万元。
申报条件:
(一)在本省登记注册;
(二)上年度营业收入不超过2亿元。
第三条 中小企业首次获得银行贷款的,按贷款利息的50%给予贴息。企业应当符合下列条件:
(一)信用良好;
(二)无重大违法记录。
第三章 附则
第四条 受理部门:样板省中小企业服务中心。
第五条 本办法自2024年1月1日起施行,有效期至2025年12月31日。
样板省人民政府
2023年12月1日
附件1
创新券申报指南
一、申报材料
(一)营业执照复印件
(二)服务合同及发票
二、联系方式:0000-00000000(测试号码)
"""


def test_regulation_articles_are_measures_and_their_lists_stay_inside() -> None:
    doc = parse_text_document(REGULATION)
    by_title = {e.title: e for e in doc.entries}
    assert "创新券" in by_title
    voucher = by_title["创新券"]
    assert voucher.number == "第二条" and voucher.path == ["第二章 扶持措施"]
    assert "(一)在本省登记注册" in voucher.guide["conditions"].value
    loan = next(e for e in doc.entries if e.number == "第三条")
    assert "(一)信用良好" in loan.body and "(二)无重大违法记录" in loan.body
    # 第四条 is a field article: for the whole regulation, not an entry
    assert all(e.number != "第四条" for e in doc.entries)
    assert voucher.guide["department"].value.startswith("样板省中小企业服务中心")
    # the attachment (a 申报指南 naming the measure) fills that measure's fields
    assert voucher.guide["materials"].value == "(一)营业执照复印件\n(二)服务合同及发票"
    assert "附件1 创新券申报指南" in voucher.guide["materials"].source
    assert "materials" not in loan.guide
    assert doc.level == "省" and doc.issuer == "样板省人民政府"
    assert doc.effective_date == dt.date(2024, 1, 1)
    assert doc.expiry_date == dt.date(2025, 12, 31)


def test_a_notice_numbered_only_by_articles_is_read() -> None:
    text = "关于做好测试工作的通知\n第一条 做好测试。\n第二条 做好检查。\n第三条 受理部门:测试办。"
    doc = parse_text_document(text)
    assert [e.title for e in doc.entries] == ["做好测试", "做好检查"]
    assert doc.entries[0].guide["department"].value == "测试办。"


def test_lists_restarting_inside_articles_are_not_duplicates() -> None:
    text = (
        "测试管理办法\n第一条 总则。\n第六条 申报条件:\n(一)甲;\n(二)乙。\n"
        "第十一条 下列情形不予支持:\n(一)丙;\n(二)丁。\n"
    )
    doc = parse_text_document(text)
    assert len({e.local_id for e in doc.entries}) == len(doc.entries) == 2
    assert "(一)丙" in doc.entries[-1].body


def test_more_than_999_items_stay_apart() -> None:
    items = "\n".join(f"{n}.第{n}项任务。内容{n}。" for n in range(1, 1203))
    doc = parse_text_document(f"测试工作清单\n一、任务\n{items}\n")
    assert len(doc.entries) == 1202
    assert doc.entries[-1].local_id == "1.1202" and doc.entries[-1].body == "内容1202。"
    assert doc.entries[998].body == "内容999。"


def test_a_list_that_restarts_under_one_heading_gets_distinct_ids() -> None:
    doc = parse_text_document("测试工作方案\n一、任务\n1.甲。\n2.乙。\n1.丙。\n")
    assert [e.local_id for e in doc.entries] == ["1.1", "1.2", "1.1-2"]
    assert [e.title for e in doc.entries] == ["甲", "乙", "丙"]


def test_numbered_field_lines_under_a_heading_and_an_open_label() -> None:
    text = (
        "测试区稳岗措施\n一、稳岗返还\n1.支持标准:按上年度失业保险费的60%返还。\n"
        "2.申报材料:\n(1)申请表\n(2)缴费证明\n3.受理部门:测试区人社局\n二、以工代训\n"
        "对开展以工代训的企业给予每人每月500元补贴。\n"
    )
    doc = parse_text_document(text)
    assert [e.title for e in doc.entries] == ["稳岗返还", "以工代训"]
    refund = doc.entries[0]
    assert refund.guide["materials"].value == "(1)申请表\n(2)缴费证明"
    assert refund.guide["department"].value == "测试区人社局"
    assert "500元" in doc.entries[1].guide["support_content"].value


def test_repeal_sentences_name_the_repealed_documents() -> None:
    from knowledge.importing.metadata import repealed_titles

    text = (
        "本办法自2026年1月1日起施行。原《示范市专精特新企业培育办法》(某〔2020〕1号)同时废止;"
        "《测试区旧的扶持规定》不再执行。《测试区另一个办法》继续有效。"
    )
    assert repealed_titles(text) == ["示范市专精特新企业培育办法", "测试区旧的扶持规定"]
