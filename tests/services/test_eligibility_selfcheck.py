"""The self-check steps on the stored state (SQLite and PostgreSQL): one question at a time,
profile facts not asked again, 不清楚/跳过, 上一步, pause/resume, saving to the profile."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from knowledge.rules import Outcome
from services import selfcheck
from services.eligibility import Rules, bundled_rules
from services.selfcheck import Step
from storage import profiles
from storage.db import session_scope
from storage.profiles import CheckStatus

NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 28)
USER = 7_000_001


def rules() -> Rules:
    return bundled_rules()


def test_one_question_at_a_time_to_the_result(engine: Engine) -> None:
    rule = rules().rule("individual-to-enterprise")
    assert rule is not None
    with session_scope(engine) as s:
        step: Step | None = selfcheck.start(
            s, rules(), user_id=USER, chat_id=USER, rule=rule, entry_id=None, now=NOW, today=TODAY
        )
        assert step is not None and step.field is not None
        assert step.field.id == "district" and step.number == 1
        assert (
            selfcheck.answer(  # not the current question: nothing changes
                s, rules(), user_id=USER, field_id="is_four_above", value=True, now=NOW, today=TODAY
            )
            is None
        )
        assert (
            selfcheck.answer(  # not a value the field accepts (forged)
                s, rules(), user_id=USER, field_id="district", value="火星区", now=NOW, today=TODAY
            )
            is None
        )
        step = selfcheck.answer(
            s, rules(), user_id=USER, field_id="district", value="江汉区", now=NOW, today=TODAY
        )
        assert step is not None and step.field is not None and step.number == 2
        assert step.field.id == "converted_from_individual"
        back = selfcheck.back(
            s, rules(), user_id=USER, field_id=step.field.id, now=NOW, today=TODAY
        )
        assert back is not None and back.field is not None and back.field.id == "district"
        again = selfcheck.back(s, rules(), user_id=USER, field_id="district", now=NOW, today=TODAY)
        assert again is not None and again.number == 1  # at the first question: stays
        for field_id, value in (
            ("district", "江汉区"),
            ("converted_from_individual", True),
            ("is_four_above", None),  # 不清楚
        ):
            step = selfcheck.answer(
                s, rules(), user_id=USER, field_id=field_id, value=value, now=NOW, today=TODAY
            )
        assert step is not None and step.finished
        assert step.verdict.outcome is Outcome.UNDETERMINED
        assert [f.id for f in step.verdict.missing] == ["is_four_above"]
        assert step.answered == {"district": "江汉区", "converted_from_individual": True}
    with session_scope(engine) as s:
        state = profiles.get_check(s, user_id=USER)
        assert state is not None and state.status == CheckStatus.DONE
        assert state.asked == ["district", "converted_from_individual", "is_four_above"]
        # 修改上一个回答 on the result
        step = selfcheck.back(s, rules(), user_id=USER, field_id=None, now=NOW, today=TODAY)
        assert step is not None and step.field is not None and step.field.id == "is_four_above"
        step = selfcheck.answer(
            s, rules(), user_id=USER, field_id="is_four_above", value=True, now=NOW, today=TODAY
        )
        assert step is not None and step.verdict.outcome is Outcome.ELIGIBLE
        saved = selfcheck.save_answers(
            s, rules(), user_id=USER, rule_id="individual-to-enterprise", now=NOW
        )
        assert saved == 3
        assert selfcheck.save_answers(s, rules(), user_id=USER, rule_id="tech-sme", now=NOW) is None
        profile = profiles.get_profile(s, user_id=USER)
        assert profile is not None and profile.facts["is_four_above"] is True


def test_profile_facts_are_not_asked_again(engine: Engine) -> None:
    rule = rules().rule("tech-sme")
    assert rule is not None
    with session_scope(engine) as s:
        profiles.update_facts(
            s,
            user_id=USER,
            facts={"resident_enterprise": True, "employees": "80", "district": "江汉区"},
        )
        profiles.update_facts(s, user_id=USER, facts={"annual_revenue": "not a number"})
        step = selfcheck.start(
            s, rules(), user_id=USER, chat_id=USER, rule=rule, entry_id=None, now=NOW, today=TODAY
        )
        # a stored fact the field does not accept is ignored (asked), never an error
        assert step.field is not None and step.field.id == "annual_revenue"
        assert [(f.id, str(v)) for f, v in step.prefilled] == [
            ("resident_enterprise", "True"),
            ("employees", "80"),
        ]


def test_pause_resume_and_cancel(engine: Engine) -> None:
    rule = rules().rule("first-loan")
    assert rule is not None
    with session_scope(engine) as s:
        assert (
            selfcheck.resume(s, rules(), user_id=USER, chat_id=USER, now=NOW, today=TODAY) is None
        )
        selfcheck.start(
            s, rules(), user_id=USER, chat_id=USER, rule=rule, entry_id=None, now=NOW, today=TODAY
        )
        assert selfcheck.pause(s, user_id=USER, now=NOW)
        assert not selfcheck.pause(s, user_id=USER, now=NOW)  # once
        assert (
            selfcheck.answer(
                s, rules(), user_id=USER, field_id="district", value="江汉区", now=NOW, today=TODAY
            )
            is None
        )  # a paused check takes no answers until 继续
        step = selfcheck.resume(s, rules(), user_id=USER, chat_id=USER, now=NOW, today=TODAY)
        assert step is not None and step.field is not None and step.state.status == "active"
        assert selfcheck.cancel(s, user_id=USER)
        assert not selfcheck.cancel(s, user_id=USER)
        assert selfcheck.current(s, rules(), user_id=USER, today=TODAY) is None
