"""Evaluating a profile against every bundled rule, and the plain-text rendering."""

from __future__ import annotations

import datetime as dt

from knowledge.rules import (
    Outcome,
    evaluate,
    evaluate_all,
    format_verdict,
    load_rules,
    next_question,
)

RULES = load_rules()
BY_ID = {rule.id: rule for rule in RULES}
TODAY = dt.date(2023, 6, 1)


def test_evaluate_all_ranks_eligible_first() -> None:
    facts = {"district": "东湖新技术开发区", "wants_tech_vp": True, "is_sme": False}
    verdicts = evaluate_all(RULES, facts, today=TODAY)
    assert len(verdicts) == len(RULES)
    assert verdicts[0].rule.id == "tech-vice-president"
    assert verdicts[0].outcome is Outcome.ELIGIBLE
    order = [v.outcome for v in verdicts]
    assert order.index(Outcome.NOT_ELIGIBLE) > order.index(Outcome.UNDETERMINED)
    assert all(
        v.outcome is Outcome.NOT_ELIGIBLE for v in verdicts[order.index(Outcome.NOT_ELIGIBLE) :]
    )


def test_next_question_is_the_most_shared_field() -> None:
    first = next_question(RULES, {})
    assert first is not None and first.id == "district"
    after = next_question(RULES, {"district": "江岸区"})
    assert after is not None and after.id != "district"
    everything_known = {"district": "武汉市以外", "is_sme": False, "resident_enterprise": False,
                        "registered_years": 0}  # fmt: skip
    assert next_question(RULES, everything_known) is None


def test_one_profile_serves_every_rule() -> None:
    profile = {"district": "江汉区", "is_sme": True, "annual_revenue": "3000万"}
    for rule in RULES:
        verdict = evaluate(rule, profile, today=TODAY)
        asked = {f.id for f in verdict.missing}
        assert not asked & profile.keys(), rule.id


def test_format_verdict_mentions_outcome_sources_and_next_steps() -> None:
    text = format_verdict(
        evaluate(BY_ID["patent-fast-track"], {"district": "江岸区", "invention_patent": True,
                                              "tech_domain": "其他领域"}, today=TODAY)
    )  # fmt: skip
    assert text.startswith("《专利快审“绿色通道”》:待定")
    assert "需向主管部门确认:" in text
    assert "若上述标准经主管部门确认无误,则符合条件。" in text
    assert "✓ (标准待确认) 工作要点列举的是光电子信息" in text
    assert "按《武汉市2023年中小企业工作要点》判断" in text
    assert f"判断日期:{TODAY}" in text
    assert "《武汉市2023年中小企业工作要点》二、(三)11" in text
    assert "下一步:工作要点提出依托武汉知识产权保护中心" in text
    old = format_verdict(evaluate(BY_ID["tech-vice-president"], {}, today=dt.date(2026, 1, 1)))
    assert "现行政策可能已调整" in old
    assert "还需要了解:\n- 贵企业注册在武汉哪个区(或功能区)?" in old


def test_format_verdict_names_the_near_miss() -> None:
    facts = {"district": "江汉区", "converted_from_individual": True, "is_four_above": False}
    verdict = evaluate(BY_ID["individual-to-enterprise"], facts, today=TODAY)
    assert verdict.nearly_eligible
    assert "只差一项:转企后已成为“四上”企业" in format_verdict(verdict, with_trace=False)
