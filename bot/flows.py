"""One conversation model for every multi-step feature.

A *flow* is a feature that waits for the person's next input: the request form, the
self-check, a profile edit, the subscribe wizard, a ticket reply, a broadcast draft, a
knowledge-base edit prompt. Each feature module declares its :class:`Flow` once — its
title, the persistent ``ConversationHandler`` (and which of its states) or the
``user_data`` keys that hold its draft, and hooks to close and to resume it.

The rules, enforced here for all of them (``bot/handlers/flows.py`` wires them in):

- at most one flow is open per person; starting another suspends the open one and says
  so in one line; ``/resume`` continues the suspended one;
- ``/cancel`` ends whatever is open and names it;
- a flow without activity for ``flow_expiry_minutes`` ends before the next update is
  handled, so it never captures a text typed days later; a suspended one that long
  unresumed ends too. The person is told what they can do next (the flow's ``restart``);
  a flow that keeps what was entered itself (the self-check) is offered again by
  /resume (``on_offer``).

What is open is recorded in ``user_data`` (persisted and shared between instances like
the conversation states it describes).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.context import PolicyContext

log = logging.getLogger(__name__)

OPEN_KEY = "flow"  # {"name", "chat", "at", "state"}: the open flow
PAUSED_KEY = "flow_paused"  # {"name", "chat", "at", "state", "data"}: the suspended one


class Closing(enum.Enum):
    CANCEL = "cancel"  # /cancel, or a flow dropped for good
    SUSPEND = "suspend"  # another flow started; /resume brings it back
    EXPIRE = "expire"  # abandoned


CloseHook = Callable[[PolicyContext, int, Closing], Awaitable[None]]
ResumeHook = Callable[[Update, PolicyContext], Awaitable[None]]
OfferHook = Callable[[Update, PolicyContext], Awaitable[bool]]


@dataclass(frozen=True)
class Flow:
    """A multi-step feature, declared once in its handler module."""

    name: str
    title: str  # shown to the person: 已暂停「资格自测」
    conversation: str | None = None  # the name of its persistent ConversationHandler
    states: frozenset[object] | None = None  # the conversation's states that are this flow
    keys: tuple[str, ...] = ()  # user_data keys of its draft
    on_close: CloseHook | None = None  # extra clean-up (e.g. the self-check's table row)
    on_resume: ResumeHook | None = None  # shows the current step again
    # /resume with nothing open or suspended: offers to go on from what the feature
    # stored itself (a self-check paused by inactivity); True when it did
    on_offer: OfferHook | None = None
    # told when the flow ends by itself: how the person starts it again ("发送 /request"),
    # and whether what they entered is kept (then that way goes on where it was)
    restart: str = ""
    kept: bool = False

    def state_in(self, conversations: Mapping[object, object], key: tuple[int, int]) -> object:
        """This flow's conversation state for ``key`` (None: not in this flow)."""
        if self.conversation is None:
            return None
        state = conversations.get(key)
        if state is None or not isinstance(state, int | str):
            return None  # absent, or a pending non-blocking state
        if self.states is not None and state not in self.states:
            return None
        return state


@dataclass(frozen=True)
class Open:
    flow: Flow
    chat_id: int
    state: object  # the conversation state (None for draft-only flows)


class FlowRegistry:
    """The declared flows and the operations on a person's flows."""

    def __init__(self, flows: Sequence[Flow], *, expiry: dt.timedelta) -> None:
        names = [flow.name for flow in flows]
        if len(set(names)) != len(names):
            raise ValueError(f"flow names must be unique: {names}")
        self.flows = tuple(flows)
        self.expiry = expiry
        self._by_name = {flow.name: flow for flow in flows}

    def get(self, name: object) -> Flow | None:
        return self._by_name.get(name) if isinstance(name, str) else None

    # ------------------------------------------------------------------ reading

    @staticmethod
    def _conversations(app: Application[Any, Any, Any, Any, Any, Any], name: str) -> Any:
        return app._conversation_handler_conversations.get(name)

    def open_flows(self, context: PolicyContext, chat_id: int, user_id: int) -> list[Open]:
        """Every declared flow that is open for this person in this chat."""
        return self.open_in(context.application, context.user_data or {}, chat_id, user_id)

    def open_in(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        data: Mapping[Any, Any],
        chat_id: int,
        user_id: int,
    ) -> list[Open]:
        """:meth:`open_flows` from the application and the person's ``user_data``."""
        found: list[Open] = []
        for flow in self.flows:
            if flow.conversation is not None:
                states = self._conversations(app, flow.conversation)
                state = flow.state_in(states or {}, (chat_id, user_id))
                if state is not None:
                    found.append(Open(flow, chat_id, state))
            elif any(key in data for key in flow.keys):
                found.append(Open(flow, chat_id, None))
        return found

    def recorded(self, context: PolicyContext, key: str = OPEN_KEY) -> dict[str, Any] | None:
        record = (context.user_data or {}).get(key)
        if isinstance(record, dict) and self.get(record.get("name")) is not None:
            return record
        return None

    def current(self, context: PolicyContext, user_id: int) -> Open | None:
        """The open flow as recorded, if it is still open."""
        record = self.recorded(context)
        if record is None:
            return None
        chat_id = int(record.get("chat") or 0)
        for found in self.open_flows(context, chat_id, user_id):
            if found.flow.name == record["name"]:
                return found
        return None

    def expired(self, record: Mapping[str, Any], now: dt.datetime) -> bool:
        try:
            at = dt.datetime.fromtimestamp(float(record.get("at", 0)), dt.UTC)
        except (TypeError, ValueError, OverflowError):
            return True
        return now - at > self.expiry

    # ------------------------------------------------------------------ changing

    def _remember(self, context: PolicyContext, found: Open) -> None:
        """Record ``found`` as the open flow; ``seen`` counts its updates (for telling two
        unrecognised inputs *in a row*, see :meth:`missed`)."""
        assert context.user_data is not None
        old = context.user_data.get(OPEN_KEY)
        if not isinstance(old, dict) or old.get("name") != found.flow.name:
            old = {"seen": -1}
        context.user_data[OPEN_KEY] = {
            "name": found.flow.name,
            "chat": found.chat_id,
            "state": found.state,
            "at": context.services.now().timestamp(),
            "seen": int(old.get("seen", 0)) + 1,
            "miss": old.get("miss"),
        }

    def missed(self, context: PolicyContext) -> int:
        """Count an input the open flow's step did not understand; returns how many in a
        row (an understood input in between starts again at 1)."""
        record = self.recorded(context)
        if record is None:
            return 0
        seen, miss = int(record.get("seen", 0)), record.get("miss")
        count = 1
        if isinstance(miss, list) and len(miss) == 2 and miss[0] == seen - 1:
            count = int(miss[1]) + 1
        record["miss"] = [seen, count]
        return count

    def forgive(self, context: PolicyContext) -> None:
        record = self.recorded(context)
        if record is not None:
            record["miss"] = None

    async def close(
        self, context: PolicyContext, user_id: int, found: Open, how: Closing
    ) -> dict[str, Any]:
        """End ``found``: its conversation state, its draft and its own clean-up. Returns
        the draft that was removed (kept for /resume when suspending)."""
        flow, data = found.flow, context.user_data
        if flow.conversation is not None:
            states = self._conversations(context.application, flow.conversation)
            conversation_key = (found.chat_id, user_id)
            if states is not None and flow.state_in(states, conversation_key) is not None:
                states.pop(conversation_key, None)  # tracked: the persistence writes the end
        draft: dict[str, Any] = {}
        if data is not None:
            for key in flow.keys:
                if key in data:
                    draft[key] = data.pop(key)
            record = data.get(OPEN_KEY)
            if isinstance(record, dict) and record.get("name") == flow.name:
                data.pop(OPEN_KEY, None)
        if flow.on_close is not None:
            await flow.on_close(context, user_id, how)
        log.info("flow %s closed (%s)", flow.name, how.value)
        return draft

    async def suspend(self, context: PolicyContext, user_id: int, found: Open) -> None:
        assert context.user_data is not None
        draft = await self.close(context, user_id, found, Closing.SUSPEND)
        await self.drop_paused(context, user_id)
        context.user_data[PAUSED_KEY] = {
            "name": found.flow.name,
            "chat": found.chat_id,
            "state": found.state,
            "data": draft,
            "at": context.services.now().timestamp(),
        }

    async def drop_paused(
        self, context: PolicyContext, user_id: int, how: Closing = Closing.CANCEL
    ) -> Flow | None:
        """Forget the suspended flow for good (its own clean-up runs, told ``how``)."""
        record = self.recorded(context, PAUSED_KEY)
        if context.user_data is not None:
            context.user_data.pop(PAUSED_KEY, None)
        if record is None:
            return None
        flow = self.get(record["name"])
        assert flow is not None
        if flow.on_close is not None:
            await flow.on_close(context, user_id, how)
        return flow

    async def offer_stored(self, update: Update, context: PolicyContext) -> bool:
        """/resume with nothing open or suspended: the first flow that can go on from
        what it stored itself offers to. True when one did."""
        for flow in self.flows:
            if flow.on_offer is not None and await flow.on_offer(update, context):
                return True
        return False

    async def restore(self, update: Update, context: PolicyContext, user_id: int) -> Flow | None:
        """Bring the suspended flow back (its state, its draft) and show its step."""
        record = self.recorded(context, PAUSED_KEY)
        assert context.user_data is not None
        context.user_data.pop(PAUSED_KEY, None)
        if record is None:
            return None
        flow = self.get(record["name"])
        assert flow is not None
        chat_id, state = int(record.get("chat") or 0), record.get("state")
        if flow.conversation is not None:
            states = self._conversations(context.application, flow.conversation)
            if states is None or state is None:
                return None
            states[(chat_id, user_id)] = state  # tracked: written like any new state
        draft = record.get("data")
        if isinstance(draft, dict):
            context.user_data.update({k: v for k, v in draft.items() if k in flow.keys})
        self._remember(context, Open(flow, chat_id, state))
        if flow.on_resume is not None:
            await flow.on_resume(update, context)
        return flow

    async def settle(self, context: PolicyContext, chat_id: int, user_id: int) -> Flow | None:
        """After an update: record the open flow; if a second one was started, suspend
        the one that was open before. Returns the suspended flow, if any."""
        if context.user_data is None:
            return None
        record = self.recorded(context)
        opened = self.open_flows(context, chat_id, user_id)
        before = None
        if record is not None:
            before_chat = int(record.get("chat") or 0)
            if before_chat == chat_id:
                before = next((f for f in opened if f.flow.name == record["name"]), None)
            else:
                before = self.current(context, user_id)
        new = [found for found in opened if found.flow.name != record_name(record)]
        suspended: Flow | None = None
        if new and record is not None:
            old_flow = self.get(record["name"])
            assert old_flow is not None
            if before is not None:  # still open beside the new one
                await self.suspend(context, user_id, before)
                suspended = old_flow
            elif old_flow.conversation is not None and any(
                f.flow.conversation == old_flow.conversation for f in new
            ):  # same conversation, another state (a profile edit during a check)
                state = record.get("state")
                await self.suspend(
                    context, user_id, Open(old_flow, int(record.get("chat") or 0), state)
                )
                suspended = old_flow
        if new:
            for extra in new[:-1]:  # never more than one: the newest wins
                await self.close(context, user_id, extra, Closing.CANCEL)
            self._remember(context, new[-1])
        elif before is not None:
            self._remember(context, before)  # activity: the expiry starts again
        elif record is not None and self.current(context, user_id) is None:
            context.user_data.pop(OPEN_KEY, None)  # it ended during this update
        return suspended


def record_name(record: Mapping[str, Any] | None) -> object:
    return record.get("name") if record is not None else None
