"""The rules at run time: lookups, stored facts, /match and the precise-push matcher."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.engine import Engine

from knowledge.model import EntryView
from knowledge.rules import FieldType
from knowledge.rules.model import Field
from services.eligibility import (
    PROFILE_FIELDS,
    ProfileRuleMatcher,
    Rules,
    bundled_rules,
    fact_to_json,
    facts_for,
    has_rules_for,
    match_profile,
    option_fact,
    rule_ref,
)
from services.knowledge import KnowledgeBase
from services.push import ProfileMatcher
from storage import profiles
from storage.db import session_scope

TODAY = dt.date(2023, 6, 1)
GZQ_FACTS: dict[str, bool | str] = {
    "district": "江汉区",
    "converted_from_individual": True,
    "is_four_above": True,
}


def test_lookups() -> None:
    rules = bundled_rules()
    assert rules is bundled_rules()  # loaded once
    assert {r.id for r in rules.for_entry("wh-sme-2023:1.2")} >= {"little-giant", "small-to-scale"}
    assert rules.for_entry("wh-sme-2023:2.4.19") == ()
    assert has_rules_for("wh-sme-2023:2.5.20") and not has_rules_for("no-such:1")
    assert rules.rule("tech-sme") is not None and rules.rule("nope") is None
    assert rules.by_ref(rule_ref("tech-sme")) is rules.rule("tech-sme")
    assert [f.id for f in rules.profile_fields()] == [
        i for i in PROFILE_FIELDS if rules.field(i) is not None
    ]
    long_id = "x" * 60
    assert rule_ref(long_id).startswith("~") and len(rule_ref(long_id)) == 13


def test_knowledge_base_offers_the_check_only_for_linked_entries(engine: Engine) -> None:
    knowledge = KnowledgeBase(engine)
    assert knowledge.has_eligibility_rules("wh-sme-2023:2.5.20")
    assert not knowledge.has_eligibility_rules("wh-sme-2023:2.4.19")


def test_stored_facts() -> None:
    assert fact_to_json(Decimal("12000")) == "12000"
    assert fact_to_json(Decimal("1.2E+4")) == "12000"
    assert fact_to_json(True) is True
    assert fact_to_json(dt.date(2023, 5, 1)) == "2023-05-01"
    yes_no = Field("f", "?", FieldType.YES_NO)
    assert option_fact(yes_no, 0) is True and option_fact(yes_no, 1) is False
    assert option_fact(yes_no, 2) is None
    rule = bundled_rules().rule("tech-sme")
    assert rule is not None
    facts = facts_for(rule, {"employees": "80", "annual_revenue": "x", "district": "江汉区"})
    assert facts == {"employees": Decimal(80)}  # invalid dropped, other rules' facts ignored


def test_match_profile_groups() -> None:
    rules = bundled_rules()
    report = match_profile(rules, GZQ_FACTS, today=TODAY)
    assert report.total == len(rules.rules)
    assert [v.rule.id for v in report.eligible] == ["individual-to-enterprise"]
    assert all(v.missing for v in report.undetermined)
    near = match_profile(rules, {**GZQ_FACTS, "is_four_above": False}, today=TODAY)
    assert "individual-to-enterprise" in [v.rule.id for v in near.nearly]
    confirm = match_profile(
        rules,
        {"district": "汉阳区", "is_sme": True, "financing_need": "中小企业融资应急资金"},
        today=TODAY,
    )
    assert "financing-guarantee" in [v.rule.id for v in confirm.to_confirm]


def entry(entry_id: str) -> EntryView:
    return EntryView(entry_id, "d", "d", (), "1", "t", "b")


def test_profile_matcher(engine: Engine) -> None:
    matcher: ProfileMatcher = ProfileRuleMatcher(Rules(bundled_rules().rules), today=lambda: TODAY)
    with session_scope(engine) as session:
        profiles.update_facts(session, user_id=1, facts=GZQ_FACTS)
        profiles.update_facts(session, user_id=2, facts={**GZQ_FACTS, "is_four_above": False})
        profiles.update_facts(session, user_id=3, facts={"district": "江汉区"})
        users = [1, 2, 3, 4]
        assert list(matcher.users_for(session, entry("wh-sme-2023:2.5.20"), users)) == [1]
        assert list(matcher.users_for(session, entry("wh-sme-2023:2.4.19"), users)) == []
        assert list(matcher.users_for(session, entry("wh-sme-2023:2.5.20"), [])) == []
    later = ProfileRuleMatcher(today=lambda: dt.date(2030, 1, 1))  # past review: still fits
    with session_scope(engine) as session:
        assert list(later.users_for(session, entry("wh-sme-2023:2.5.20"), [1])) == [1]
