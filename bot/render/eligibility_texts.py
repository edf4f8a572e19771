"""Texts of 资格自测 (HTML, Simplified Chinese): questions, re-asks, the result card.

Everything that comes from rules, profiles or users is escaped here. Conditions, sources,
outcomes and next steps are shown as the rule data gives them (never invented).
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.numbers import Unit
from knowledge.rules import Field, FieldType, Outcome, Verdict, describe_value
from knowledge.rules.model import CHOICE_TYPES, FactValue, Group, Not
from knowledge.rules.render import documents_lines, validity_text

from .markup import esc, pack_blocks, shorten

# Short names of facts (for lists); a field not named here shows its question, shortened.
FIELD_LABELS: dict[str, str] = {
    "enterprise_name": "企业名称",
    "district": "所在区",
    "industry": "所属行业",
    "is_sme": "属于中小企业",
    "is_four_above": "已纳入“四上”统计",
    "annual_revenue": "上年度营业收入",
    "employees": "职工总数",
    "total_assets": "资产总额",
    "registered_years": "成立年限",
    "rd_ratio": "上年度研发费用占比",
    "rd_expense": "上年度研发费用",
    "rd_ratio_3y": "近三年研发费用占比",
    "is_specialized_sme": "已获省级专精特新称号",
    "invention_patent": "有发明专利申请",
    "resident_enterprise": "境内注册的居民企业",
    "abnormal_or_dishonest": "列入异常名录或失信名单",
    "restricted_products": "产品属禁止/限制/淘汰类",
    "niche_years": "从事细分市场年限",
    "tech_staff_ratio": "科技人员占比",
    "main_business_share": "主营业务收入占比",
    "main_business_growth_2y": "近2年主营业务收入增长率",
    "equity_financing_2y": "近2年新增股权融资",
    "had_bank_loan": "曾获得银行贷款",
    "entity_type": "办理贷款的身份",
    "converted_from_individual": "由个体户转为企业",
    "financing_need": "融资支持需求",
    "serious_incident_recent": "上年及当年发生重大事故或严重失信",
    "serious_incident_1y": "申请前一年内发生重大事故或违法",
    "tech_sme_score_ok": "科技型中小企业自评达标",
    "innovation_score_ok": "创新型中小企业自评达标",
    "innovation_direct": "满足创新型中小企业直通条件",
    "zjtx_score_ok": "专精特新自评达标",
    "zjtx_award_or_maker": "科技奖励或“创客中国”500强",
    "rd_expense_avg_2y": "近两年研发费用均值",
    "independent_legal_person": "独立法人",
    "violation_3y": "近三年发生重大事故或违法违规",
    "has_high_tech_cert": "有效期内高企证书",
    "tech_sme_direct_other": "满足科技型中小企业直接确认条件",
    "innovation_evaluation_ok": "企业创新能力评价达标",
    "core_ip": "拥有核心知识产权",
    "key_tech_field": "技术属国家重点支持高新领域",
    "domestic_rd_share": "境内研发费用占比",
    "high_tech_income_share": "高新技术产品收入占比",
    "tech_domain": "专利所属领域",
    "guidance_filing_done": "已办理上市辅导备案登记",
    "listing_application_accepted": "上市申请已获交易所受理",
    "wants_tech_vp": "有引进科技副总的需求",
}

_UNIT_HINTS: dict[Unit | None, str] = {
    Unit.YUAN: "请直接输入金额,例如 “50万”“1.2亿”。",
    Unit.WAN_YUAN: "请直接输入金额,例如 “800万”“1.2亿”“三千万”。",
    Unit.PERCENT: "请直接输入百分比,例如 “5%”“百分之十五”。",
    Unit.YEAR: (
        "请直接输入年数,例如 “3年”“两年半”;也可以写起始年份或日期,例如 “2019年成立”“去年刚成立”。"
    ),
    Unit.PERSON: "请直接输入人数,例如 “80人”。",
    None: "请直接输入数字。",
}

_HEADLINES: dict[str, tuple[str, str]] = {
    "eligible": ("✅", "你可能符合"),
    "not_eligible": ("❌", "暂不符合"),
    "missing": ("❓", "还需补充信息"),
    "confirm": ("❗", "需向主管部门确认"),
    "none": ("❓", "暂无适用的条件"),
}

CANCELLED = "已取消本次资格自测。需要时可以再用 /check 开始。"
NOTHING_TO_RESUME = "没有可以继续的自测,请用 /check 重新开始。"
ALREADY_ANSWERED = "这个问题已经回答过了"
FIRST_QUESTION = "已经是第一个问题了"
SAVED = "已保存到企业档案"
NOTHING_TO_SAVE = "没有可保存的回答"
PRIVATE_ONLY = "为保护企业信息,资格自测和企业档案请在与我的私聊中使用。"
DISCLAIMER = "<i>本结果依据您提供的情况与政策原文条件自动比对,仅供参考,以主管部门审核为准。</i>"


def field_label(field: Field) -> str:
    return FIELD_LABELS.get(field.id) or shorten(field.question.rstrip("?").rstrip("?"), 20)


def fact_text(field: Field, value: FactValue) -> str:
    return describe_value(field, value)


def answer_hint(field: Field) -> str:
    if field.type is FieldType.YES_NO:
        return "请点选“是”或“否”,也可以直接回复。"
    if field.type in CHOICE_TYPES:
        return "请点选下方选项,也可以直接输入名称。"
    if field.type is FieldType.DATE:
        return "请输入日期,例如 2023-05-01。"
    return _UNIT_HINTS.get(field.unit, _UNIT_HINTS[None])


def rules_menu(count: int, *, resume: str | None) -> str:
    lines = ["<b>✅ 资格自测</b>", "回答几个问题,看看贵企业是否符合政策条件。"]
    if resume is not None:
        lines.append(f"您有一个未完成的自测:《{esc(resume)}》,可以继续。")
    lines.append(f"请选择要自测的政策项目(共 {count} 项):")
    return "\n".join(lines)


def choose_rule_for_entry(entry_title: str) -> str:
    return f"《{esc(entry_title)}》涉及以下几项政策,请选择要自测的项目:"


def prefilled(facts: Sequence[tuple[Field, FactValue]]) -> str:
    shown = ";".join(f"{esc(field_label(f))}:{esc(fact_text(f, v))}" for f, v in facts)
    return f"📋 已根据您的企业档案填写:{shown}(可用 /profile 修改)"


def _sentence(text: str) -> str:
    """``text`` ending as a sentence: the parsers' hints ("请输入年数,例如 2年 或 3年半")
    have no full stop, and the /cancel hint follows them on the same line."""
    text = text.rstrip()
    return text if text.endswith(("。", "!", "?", "!", "?", ".")) else f"{text}。"


def question(
    title: str,
    field: Field,
    *,
    number: int,
    prefilled_facts: Sequence[tuple[Field, FactValue]] = (),
    error: str | None = None,
) -> str:
    """One question of a check; ``error`` explains why the last answer was not accepted."""
    lines: list[str] = []
    if error:
        lines += [f"⚠️ {esc(_sentence(error))}发送 /cancel 可退出自测。", ""]
    lines.append(f"<b>资格自测 · {esc(title)}</b>(第 {number} 题)")
    if prefilled_facts:
        lines.append(prefilled(prefilled_facts))
    lines += ["", f"<b>{esc(field.question)}</b>"]
    if field.help:
        lines.append(f"<i>{esc(field.help)}</i>")
    lines.append(answer_hint(field))
    return "\n".join(lines)


def _headline(verdict: Verdict) -> tuple[str, str]:
    if verdict.outcome is Outcome.ELIGIBLE:
        return _HEADLINES["eligible"]
    if verdict.outcome is Outcome.NOT_ELIGIBLE:
        return _HEADLINES["not_eligible"]
    if not verdict.applicable:
        return _HEADLINES["none"]
    return _HEADLINES["confirm" if verdict.confirm_only else "missing"]


def _trace(verdict: Verdict) -> list[str]:
    lines = ["<b>逐项核对</b>(✓ 符合 ✗ 不符合 ? 待补充;“标准待确认”须向主管部门核实)"]
    trace = list(verdict.trace)
    # the root "同时满足" without its own text adds nothing: list its children directly
    if trace and isinstance(trace[0].node, Group | Not) and not trace[0].text:
        trace = trace[1:]
        shift = 1
    else:
        shift = 0
    for line in trace:
        pad = "  " * max(line.depth - shift, 0)
        if not line.is_leaf:
            label = (
                "满足其一" if isinstance(line.node, Group) and line.node.kind == "any_of" else ""
            )
            label = label or ("不满足" if isinstance(line.node, Not) else "同时满足")
            text = f"{label}:{line.text}" if line.text else f"{label}:"
            lines.append(f"{pad}{line.mark} {esc(text)}")
        else:
            value = ""
            if line.field is not None and line.value is not None:
                value = f"(您的情况:{esc(fact_text(line.field, line.value))})"
            lines.append(f"{pad}{line.mark} {esc(line.text)}{value}")
        if line.source:
            lines.append(f"{pad}   <i>依据:{esc(line.source)}</i>")
    return lines


def result(verdict: Verdict) -> list[str]:
    """The result card as HTML messages (usually one)."""
    rule = verdict.rule
    emoji, headline = _headline(verdict)
    head = [f"{emoji} <b>{headline}:《{esc(rule.title)}》</b>"]
    if verdict.message:
        head.append(esc(verdict.message))
    if validity_text(verdict):
        head.append(f"⚠️ {esc(validity_text(verdict))}")
    blocks = ["\n".join(head), "\n".join(_trace(verdict))]
    if verdict.to_confirm:
        confirm = ["<b>需向主管部门确认</b>"]
        confirm += [f"· {esc(line.text)}" for line in verdict.to_confirm]
        if verdict.tentative is Outcome.ELIGIBLE:
            confirm.append("若上述标准经主管部门确认无误,则符合条件。")
        elif verdict.tentative is Outcome.NOT_ELIGIBLE:
            confirm.append("若上述标准经主管部门确认无误,则暂不符合条件。")
        blocks.append("\n".join(confirm))
    if verdict.missing:
        missing = ["<b>还需补充</b>(您回答了“不清楚”或跳过的问题)"]
        missing += [f"· {esc(field.question)}" for field in verdict.missing]
        blocks.append("\n".join(missing))
    if verdict.nearly_eligible:
        blocks.append(f"<b>只差一项</b>:{esc(verdict.blocking[0].text)}")
    blocks.append("\n".join(["<b>依据版本</b>", *(esc(x) for x in documents_lines(verdict))]))
    steps = f"<b>下一步</b>:{esc(rule.next_steps)}"
    if rule.next_steps_source:
        steps += f"\n<i>出处:{esc(rule.next_steps_source)}</i>"
    blocks += [steps, DISCLAIMER]
    return pack_blocks(blocks)


def paused_offer(title: str) -> str:
    return f"⏸ 您有一个暂停的资格自测:《{esc(title)}》,回答已保存。点“继续”可以接着回答。"


def paused(title: str, minutes: int) -> str:
    return (
        f"⏸ 《{esc(title)}》的资格自测已暂停({minutes} 分钟没有操作)。\n"
        "您的回答已保存,点“继续”可以接着回答。"
    )


def saved(count: int) -> str:
    return f"💾 已把 {count} 项回答保存到企业档案。可用 /profile 查看,用 /match 做政策体检。"
