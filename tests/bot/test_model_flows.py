"""A model-based test of the flow rules: Hypothesis' ``RuleBasedStateMachine`` drives the
real Application (``process_update``, the local Bot API, the real database) with random
sequences of every menu command, the buttons of the newest message, typed questions,
numbers and chatter, for several users. After every step:

- the update got a visible response (a message, an edit or a callback answer);
- at most one flow is open per user;
- /cancel leaves the user idle;
- when idle, a known question is answered with its card.

CI runs a bounded number of steps on SQLite and PostgreSQL; ``POLICYBOT_MODEL_SCALE``
scales it (e.g. ``POLICYBOT_MODEL_SCALE=20`` for a long run). The steps run are written
per database to ``test-artifacts/model-steps-<database>.txt`` (the two may run in
different test workers).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from bot import registry
from bot.features import Access
from bot.flows import OPEN_KEY
from policybot_localapi.api import Injected, MessageRecord, User
from tests.bot.e2e_support import CARD_TITLE, QUESTION
from tests.fuzz.fuzz_support import ARTIFACTS, FuzzWorld, session_on

SCALE = float(os.environ.get("POLICYBOT_MODEL_SCALE", "1"))
EXAMPLES = max(1, int(6 * SCALE))
STEPS = 30
USERS = ("enterprise", "other_enterprise", "admin")
# everyone's declared commands, and two that are for other roles (refused, cheaply)
MENU = sorted(
    {c.name for c in registry.commands() if c.access is Access.EVERYONE} | {"inbox", "queue"}
)
# the commands that open, end or continue flows come up more often than the others
FLOW_COMMANDS = ("request", "check", "subscribe", "profile", "cancel", "resume")
COMMAND = st.one_of(st.sampled_from(FLOW_COMMANDS), st.sampled_from(MENU))
TYPED = st.one_of(
    st.sampled_from(
        [
            QUESTION,
            "小微企业贷款有什么支持",
            "融资担保费率现在是多少",
            "個體戶轉成公司有獎勵嗎",
            "今天武汉天气怎么样",
            "洪山区",
            "江汉",
            "是",
            "否",
            "不清楚",
            "武汉示例科技有限公司(测试)",
            "13800000000",
            "027-88880000",
            "嗯嗯",
            "你好",
            "取消",
        ]
    ),
    st.integers(-5, 10**9).map(str),
    st.sampled_from(["80人", "1.2亿", "3000万元", "-5人", "很多"]),
)
STEPS_RUN: dict[str, int] = {}


def open_flows(world: FuzzWorld, user: User) -> list[str]:
    app = world.app
    registry = app.bot_data.flows
    assert registry is not None
    data = app.user_data.get(user.id, {})
    return [found.flow.name for found in registry.open_in(app, data, user.id, user.id)]


class FlowMachine(RuleBasedStateMachine):
    world: ClassVar[FuzzWorld]
    db: ClassVar[str]

    def _feed(self, injected: Injected, what: str) -> None:
        world = self.world
        outcome = world.run(world.feed(injected))
        STEPS_RUN[self.db] = STEPS_RUN.get(self.db, 0) + 1
        errors = world.unexpected_errors()
        assert not errors, f"{what}: {errors}"
        assert outcome.delivered and outcome.answered, f"no visible response to {what}"

    def _new_texts(self, user: User, before: int) -> str:
        records = self.world.client.messages(user.id)[before:]
        return "\n".join(r.text or "" for r in records)

    def _count(self, user: User) -> int:
        return len(self.world.client.messages(user.id))

    @rule(who=st.sampled_from(USERS), command=COMMAND)
    def command(self, who: str, command: str) -> None:
        user = self.world.people[who]
        self._feed(self.world.run(self.world.client.send_command(user, command)), f"/{command}")
        if command == "cancel":
            assert open_flows(self.world, user) == [], "/cancel left a flow open"
            assert OPEN_KEY not in self.world.app.user_data.get(user.id, {})

    @rule(who=st.sampled_from(USERS), which=st.sampled_from(["request", "check", "subscribe"]))
    def start_flow(self, who: str, which: str) -> None:
        """A flow starter and its first tap (a programme, a kind of subscription)."""
        self.command(who, which)
        if which != "request":
            self.press(who, 1 if which == "check" else 0)

    @rule(who=st.sampled_from(USERS), text=TYPED)
    def typed(self, who: str, text: str) -> None:
        user = self.world.people[who]
        self._feed(self.world.run(self.world.client.send_message(user, text)), repr(text))

    @rule(who=st.sampled_from(USERS), index=st.integers(0, 40))
    def press(self, who: str, index: int) -> None:
        user = self.world.people[who]
        newest = self._newest_with_buttons(user)
        if newest is None:
            return
        data = [b["callback_data"] for b in newest.buttons if "callback_data" in b]
        if not data:
            return
        chosen = data[index % len(data)]
        injected = self.world.run(self.world.client.press_raw(user, newest, chosen))
        self._feed(injected, f"button {chosen}")

    @rule(who=st.sampled_from(USERS))
    def known_question_when_idle(self, who: str) -> None:
        user = self.world.people[who]
        if open_flows(self.world, user):
            return
        before = self._count(user)
        self._feed(self.world.run(self.world.client.send_message(user, QUESTION)), "question")
        assert CARD_TITLE in self._new_texts(user, before), "idle: the known question"

    @invariant()
    def one_flow_per_user(self) -> None:
        for who in USERS:
            flows = open_flows(self.world, self.world.people[who])
            assert len(flows) <= 1, f"{who} has {flows} open"

    def _newest_with_buttons(self, user: User) -> MessageRecord | None:
        for record in reversed(self.world.client.messages(user.id)):
            if record.from_bot and record.buttons:
                return record
        return None


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, FuzzWorld]]:
    try:
        with session_on(request.param, tmp_path_factory.mktemp("model"), "model") as session:
            yield request.param, session.world
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        steps = STEPS_RUN.get(request.param, 0)
        (ARTIFACTS / f"model-steps-{request.param}.txt").write_text(f"{steps}\n", encoding="utf-8")


def test_flow_model(world: tuple[str, FuzzWorld]) -> None:
    db, fuzz_world = world
    FlowMachine.world, FlowMachine.db = fuzz_world, db
    options: Any = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    run_state_machine_as_test(FlowMachine, settings=options)
