"""Precise push for any document (SQLite and PostgreSQL): a policy no eligibility rule
links reaches the profile subscribers its 适用对象 fits; rule-linked policies keep
following the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from knowledge.audience import Audience
from knowledge.lexicon import Segmenter, default_lexicon
from knowledge.model import DocumentMeta
from services import kbpublish
from services import push as planner
from services.eligibility import ProfileRuleMatcher
from services.knowledge import KnowledgeBase
from services.push_profile import ProfilePushMatcher
from storage import kb, profiles, push
from storage.db import session_scope
from storage.models_push import PushNotice, PushOutbox, SubscriptionKind
from storage.profiles import ProfileView
from storage.push import Filters

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SH)
TODAY = NOW.date()
# a test fixture written by us: a fictitious notice, not a real policy
NOTICE = """洪山区促进小微企业发展若干措施(测试用虚构文件)
一、融资支持
1.贷款贴息。对区内小微企业的流动资金贷款给予贴息支持。
2.入规奖励。对首次纳入统计的规上工业企业给予奖励。
二、行业支持
1.软件企业房租补贴。对软件和信息服务业企业给予房租补贴。
"""
PROFILES: dict[int, dict[str, bool | str]] = {
    1: {"district": "洪山区", "is_sme": True, "is_four_above": False, "industry": "I"},
    2: {"district": "江岸区", "is_sme": True, "industry": "I"},  # another district
    3: {"district": "洪山区", "industry": "C", "is_four_above": True},
    4: {},  # subscribed, profile empty
    # fits the tags of 个转企 but not its rule (is 四上 unknown): the rule decides
    5: {"district": "江汉区", "converted_from_individual": True},
}


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter(default_lexicon())


def matcher() -> ProfilePushMatcher:
    return ProfilePushMatcher(ProfileRuleMatcher(today=lambda: TODAY), today=lambda: TODAY)


def plan(engine: Engine) -> planner.PlanReport:
    with session_scope(engine) as session:
        return planner.plan_events(session, now=NOW, tz=SH, matcher=matcher())


def received(engine: Engine) -> dict[int, list[str]]:
    with Session(engine) as session:
        stmt = select(PushOutbox, PushNotice).where(PushOutbox.notice_id == PushNotice.id)
        found: dict[int, list[str]] = {}
        for row, notice in session.exec(stmt.order_by(col(PushOutbox.id))):
            found.setdefault(row.user_id, []).append(notice.entry_id or "")
        return found


def test_an_uploaded_notice_reaches_the_profiles_it_is_for(
    engine: Engine, segmenter: Segmenter, tmp_path: Path
) -> None:
    knowledge = KnowledgeBase(engine, segmenter=segmenter)
    knowledge.ensure_bundled()
    with session_scope(engine) as session:
        planner.plan_events(session, now=NOW, tz=SH, matcher=matcher())  # the seed: nobody
        for user_id, facts in PROFILES.items():
            profiles.update_facts(session, user_id=user_id, facts=facts)
            filters = Filters(kind=SubscriptionKind.PROFILE)
            push.add_subscription(session, user_id=user_id, filters=filters, now=NOW)
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE, encoding="utf-8")
    [report] = knowledge.import_paths(
        [path], meta=DocumentMeta(key="qu-hs", level="区", region="洪山")
    )
    assert len(report.added) == 3
    with Session(engine) as session:
        tags = {e: kb.audience_of(session, entry_id=e) or Audience() for e in report.added}
    loan, scale, software = sorted(report.added)
    assert tags[loan].districts == ("洪山区",) and tags[loan].sizes == ("小微企业",)
    assert tags[scale].industries == ("B", "C", "D")
    assert tags[software].industries == ("I",) and tags[software].districts == ("洪山区",)

    plan(engine)
    assert received(engine) == {1: [loan, software], 3: [loan, scale]}


def test_rule_linked_entries_follow_the_rules(engine: Engine, segmenter: Segmenter) -> None:
    knowledge = KnowledgeBase(engine, segmenter=segmenter)
    knowledge.ensure_bundled()
    entry = knowledge.entry("wh-sme-2023:2.5.20")
    assert entry is not None
    with session_scope(engine) as session:
        for user_id in (5, 6):
            profiles.update_facts(session, user_id=user_id, facts=PROFILES[5])
        profiles.update_facts(session, user_id=6, facts={"is_four_above": True})
        audience = kb.audience_of(session, entry_id=entry.entry_id)
        assert audience is not None and "个转企" in audience.types  # the tags alone: both
        assert list(matcher().users_for(session, entry, [5, 6])) == [6]  # the rule: one


def test_tags_follow_reimports_rollbacks_and_old_rows(
    engine: Engine, segmenter: Segmenter, tmp_path: Path
) -> None:
    knowledge = KnowledgeBase(engine, segmenter=segmenter)
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE, encoding="utf-8")
    meta = DocumentMeta(key="qu-hs", level="区", region="洪山")
    knowledge.import_paths([path], meta=meta)
    path.write_text(NOTICE.replace("区内小微企业", "个体工商户"), encoding="utf-8")
    [second] = knowledge.import_paths([path], meta=meta)
    [loan] = second.changed
    with session_scope(engine) as session:
        audience = kb.audience_of(session, entry_id=loan)
        assert audience is not None and audience.types == ("个体工商户",)
        assert audience.sizes == ("小微企业",)  # from the document's title
        stored = kb.get_entry(session, entry_id=loan)
        assert stored is not None
        stored.audience_tags = None  # as stored before the tags existed
        session.add(stored)
    with session_scope(engine) as session:
        audience = kb.audience_of(session, entry_id=loan)
        assert audience is not None and audience.types == ("个体工商户",)
    assert second.import_id is not None
    kbpublish.rollback(knowledge, second.import_id, actor="cli")
    with session_scope(engine) as session:
        stored = kb.get_entry(session, entry_id=loan)
        assert stored is not None and stored.audience_tags is not None
        assert "types" not in stored.audience_tags
        assert kb.audience_of(session, entry_id="qu-none:1") is None


def test_profiles_are_read_once_per_planning_batch(
    engine: Engine, segmenter: Segmenter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    knowledge = KnowledgeBase(engine, segmenter=segmenter)
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE, encoding="utf-8")
    knowledge.import_paths([path], meta=DocumentMeta(key="qu-hs", level="区", region="洪山"))
    with session_scope(engine) as session:
        for user_id, facts in PROFILES.items():
            profiles.update_facts(session, user_id=user_id, facts=facts)
    reads: list[int] = []
    original = profiles.profiles_of

    def counted(session: Session, *, user_ids: Sequence[int]) -> dict[int, ProfileView]:
        reads.append(len(user_ids))
        return original(session, user_ids=user_ids)

    monkeypatch.setattr(profiles, "profiles_of", counted)
    chosen = matcher()
    users = list(PROFILES)
    with session_scope(engine) as session:
        found = [
            sorted(chosen.users_for(session, entry, users))
            for entry in knowledge.entries()
            if entry.document_key == "qu-hs"
        ]
    assert found == [[1, 3], [3], [1]] and reads == [5]
    with session_scope(engine) as session:  # the next batch reads them again
        chosen.users_for(session, knowledge.entries()[-1], users)
    assert reads == [5, 5]
