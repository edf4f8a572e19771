"""The 适用对象 tagger and profile fitting (pure). The phrasings are written by us in the
shapes government notices use; none is copied from a real document."""

from __future__ import annotations

import pytest

from knowledge.audience import (
    ABOVE_SCALE,
    CONVERTED,
    HIGH_TECH,
    INDIVIDUAL,
    SMALL,
    SME,
    SPECIALIZED,
    TECH_SME,
    Audience,
    district_of,
    entry_text,
    industries_asked,
    other_industry,
    profile_fits,
    read_audience,
)


@pytest.mark.parametrize(
    ("text", "industries", "sizes", "types", "districts"),
    [
        ("对区内小微企业的流动资金贷款给予贴息。", (), (SMALL,), (), ()),
        ("对首次纳入统计的规上工业企业奖励10万元。", ("B", "C", "D"), (ABOVE_SCALE,), (), ()),
        ("在洪山区注册的企业,新获认定的给予奖励。", (), (), (), ("洪山区",)),
        ("注册地在东湖高新区的软件和信息服务业企业。", ("I",), (), (), ("东湖新技术开发区",)),
        ("支持个体工商户稳定经营,给予一次性补贴。", (), (), (INDIVIDUAL,), ()),
        ("对新入库的科技型中小企业给予研发费用补助。", (), (SME,), (TECH_SME,), ()),
        ("对首次认定的国家高新技术企业奖励30万元。", (), (), (HIGH_TECH,), ()),
        ("支持专精特新“小巨人”企业做大做强。", (), (), (SPECIALIZED,), ()),
        ("个体工商户直接转为“四上”企业的,给予奖励。", (), (ABOVE_SCALE,), (CONVERTED,), ()),
        ("对限额以上批发和零售企业给予奖励。", ("F",), (ABOVE_SCALE,), (), ()),
        ("支持住宿和餐饮企业发放消费券。", ("H",), (), (), ()),
        ("对年营业收入首次突破1亿元的制造业企业奖励。", ("C",), (), (), ()),
        ("小型、微型企业和个体户均可申请。", (), (SMALL,), (INDIVIDUAL,), ()),
        ("落户江夏区的物流企业。", ("G",), (), (), ("江夏区",)),
        ("软件和信息技术企业", ("I",), (), (), ()),
        ("对完成“个转企”的企业给予一次性奖励。", (), (), (CONVERTED,), ()),
    ],
)
def test_phrasings(
    text: str,
    industries: tuple[str, ...],
    sizes: tuple[str, ...],
    types: tuple[str, ...],
    districts: tuple[str, ...],
) -> None:
    found = read_audience(text)
    assert (found.industries, found.sizes, found.types, found.districts) == (
        industries,
        sizes,
        types,
        districts,
    )


@pytest.mark.parametrize(
    "text",
    [
        "对新取得计算机软件著作权登记证书的企业给予每件500元补贴。",  # not a software firm
        "申报材料报送洪山区科技和经济信息化局。",  # an office, not where firms are
        "由区中小企业服务中心受理。",  # a service body named after SMEs
        "各类市场主体均可申报(房地产企业、金融机构除外)。",
        "个体工商户除外。",
        "纳入规划的重点项目给予支持。",  # 入规 inside 纳入规划
        "引导企业提高企业管理水平。",  # "高企" inside 提高企业
        "",
    ],
)
def test_negative_phrasings(text: str) -> None:
    found = read_audience(text)
    assert found.is_empty and found == Audience()


def test_document_title_and_region_fill_what_the_measure_does_not_say() -> None:
    measure = "对首次纳入统计的企业奖励5万元。"
    found = read_audience(
        measure, title="洪山区关于支持小微企业发展的若干措施", level="区", region="洪山"
    )
    assert found.sizes == (SMALL,) and found.districts == ("洪山区",)
    # the measure's own words win over the title's
    own = read_audience("对规上工业企业奖励。", title="关于支持小微企业发展的若干措施")
    assert own.sizes == (ABOVE_SCALE,)
    city = read_audience(
        "对软件企业奖励。", title="武汉市支持软件产业发展措施", level="市", region="武汉"
    )
    assert city.city == "武汉" and city.districts == () and city.industries == ("I",)


def test_district_of_regions() -> None:
    assert district_of("洪山") == "洪山区"
    assert district_of("江岸区") == "江岸区"
    assert district_of("东湖高新区") == "东湖新技术开发区"
    assert district_of("示例") == "示例"  # no such district: kept, fits nobody's profile
    assert district_of(None) is None


def test_entry_text_skips_procedure_fields_and_targets() -> None:
    text = entry_text(
        "贷款贴息",
        "对小微企业贷款贴息。全年新增规上工业企业300家,软件和信息技术服务业企业达到5000家。"
        "组织制造业企业供需对接活动10场。",
        {"conditions": "在江岸区注册的企业", "department": "洪山区金融局"},
        ["个体工商户"],
    )
    assert "江岸区注册" in text and "洪山区金融局" not in text and "个体工商户" in text
    assert "小微企业贷款贴息" in text and "300家" not in text and "5000家" not in text
    assert "对接" not in text
    found = read_audience(text)
    assert found.sizes == (SMALL,) and found.industries == ()


def test_json_round_trip_and_description() -> None:
    found = read_audience("落户江夏区的规上软件企业", level="市", region="武汉")
    assert found.describe() == "行业门类 I;规模 规上企业;区 江夏区;城市 武汉"
    assert Audience().describe() == ""
    assert Audience.from_json(found.to_json()) == found
    assert Audience.from_json(None) == Audience() and Audience().to_json() == {}
    assert Audience.from_json({"sizes": "bad", "city": 3}) == Audience()


WUHAN_SOFTWARE = Audience(industries=("I",), city="武汉")
HONGSHAN_SMALL = read_audience(
    "对区内小微企业贷款贴息。", title="洪山区促进小微企业发展措施", level="区", region="洪山"
)


@pytest.mark.parametrize(
    ("audience", "facts", "fits"),
    [
        (HONGSHAN_SMALL, {"district": "洪山区", "is_sme": True}, True),
        (HONGSHAN_SMALL, {"district": "洪山区"}, True),  # size unknown: no contradiction
        (HONGSHAN_SMALL, {"district": "江岸区", "is_sme": True}, False),
        (HONGSHAN_SMALL, {"district": "洪山区", "is_sme": False}, False),
        (HONGSHAN_SMALL, {}, False),  # nothing confirmed
        (Audience(industries=("I",)), {"industry": "I"}, True),
        (Audience(industries=("I",)), {"industry": "C"}, False),
        (Audience(sizes=(SME,)), {"is_sme": True}, False),  # 中小企业 alone confirms nothing
        (Audience(sizes=(SME,), industries=("C",)), {"is_sme": True, "industry": "C"}, True),
        (Audience(sizes=(SMALL,)), {"is_sme": True}, True),
        (Audience(sizes=(ABOVE_SCALE,)), {"is_four_above": True}, True),
        (Audience(sizes=(ABOVE_SCALE,)), {"is_four_above": False, "is_sme": True}, False),
        (Audience(sizes=(SME, ABOVE_SCALE)), {"is_four_above": True, "is_sme": False}, True),
        (Audience(types=(INDIVIDUAL,)), {"entity_type": "个体工商户"}, True),
        (Audience(types=(INDIVIDUAL,)), {"entity_type": "企业"}, False),
        (Audience(types=(CONVERTED,)), {"converted_from_individual": True}, True),
        (Audience(types=(SPECIALIZED,)), {"is_specialized_sme": False}, False),
        (Audience(types=(TECH_SME,)), {"is_sme": True}, False),  # no fact says so
        (
            Audience(industries=("I",), city="武汉"),
            {"industry": "I", "district": "武汉市以外"},
            False,
        ),
        (Audience(industries=("I",), city="武汉"), {"industry": "I", "district": "江汉区"}, True),
        (Audience(industries=("I",), city="北京"), {"industry": "I", "district": "江汉区"}, False),
    ],
)
def test_profile_fits(audience: Audience, facts: dict[str, object], fits: bool) -> None:
    assert profile_fits(audience, facts) is fits


def test_for_people_names_industries_then_sizes_and_types() -> None:
    found = read_audience("对小微企业中的软件企业、个体工商户新招用员工给予补贴。")
    assert found.for_people() == ("信息传输、软件和信息技术服务业", SMALL, INDIVIDUAL)
    assert Audience(districts=("洪山区",)).for_people() == ()  # the region says the place
    assert Audience().for_people() == ()


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("我们是做餐饮的,招高校毕业生有没有补贴", ("H",)),
        ("软件公司有什么补贴", ("I",)),
        ("制造业企业技改有奖励吗", ("C",)),
        ("搞物流的能贷款吗", ("G",)),
        # a section's word as a subject, not as who asks
        ("金融产品有哪些", ()),
        ("营商环境今年要提升到什么程度", ()),
        ("员工培训有补贴吗", ()),
        ("户外露营行业的,招高校毕业生有没有补贴", ()),  # no section has that name
    ],
)
def test_industries_asked(question: str, asked: tuple[str, ...]) -> None:
    assert industries_asked(question) == asked


def test_other_industry_only_when_the_measure_names_other_trades_only() -> None:
    software = ("信息传输、软件和信息技术服务业", SME)
    assert other_industry("我们是做餐饮的,有补贴吗", software) == (
        "住宿和餐饮业",
        "信息传输、软件和信息技术服务业",
    )
    assert other_industry("我们是做软件的,有补贴吗", software) is None  # its own trade
    assert other_industry("我们是做餐饮的,有补贴吗", (SME,)) is None  # names no trade
    assert other_industry("小微企业有补贴吗", software) is None  # the question names none
