"""Delivery through the local Bot API: 403 pauses, 429 is retried, other errors back off
and finally fail with the reason, and a restart re-sends only what was in flight."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from scheduler import push_deliver
from services import push_subs
from services.push_delivery import ChatSpacing
from storage import push, push_admin
from storage.db import session_scope
from storage.push_delivery import claim_due
from tests.bot.e2e_support import Bot
from tests.bot.push_support import Clock, at, build, deliver, rows, subscribe


def queue(bot: Bot, user_ids: list[int], clock: Clock, text: str = "测试通知") -> None:
    """A broadcast to ``user_ids`` (they subscribe to everything first)."""
    for user_id in user_ids:
        subscribe(bot.engine, user_id, clock())
    with session_scope(bot.engine) as session:
        audience = push_admin.Audience()
        push_admin.queue_broadcast(session, text=text, audience=audience, actor_id=1, now=clock())


async def test_blocked_user_is_paused_and_pending_rows_cancelled(harness: Bot) -> None:
    clock = Clock(at(10))
    async with harness.run(build(harness, clock)) as app:
        blocked, gone, fine = [await harness.user() for _ in range(3)]
        harness.api.faults.block(blocked.id)  # the bot learns it from the 403 only
        await harness.client.deactivate_user(gone)
        queue(harness, [blocked.id, gone.id, fine.id], clock, "第一条")
        stats = await deliver(app)
        assert (stats.sent, stats.failed, stats.paused_users) == (1, 2, 2)
        [first] = rows(harness.engine, blocked.id)
        assert first.state == "failed" and first.error and "blocked" in first.error
        with Session(harness.engine) as session:
            assert push.get_prefs(session, user_id=blocked.id).paused_reason == "blocked"
            assert push.get_prefs(session, user_id=gone.id).paused_reason == "deactivated"
            audit = push.audit_entries(session, action_prefix="push.pause")
        assert {row.target for row in audit} == {f"user:{blocked.id}", f"user:{gone.id}"}
        queue(harness, [], clock, "第二条")  # paused users are not addressed any more
        assert [r.state for r in rows(harness.engine, blocked.id)] == ["failed"]
        assert (await deliver(app)).sent == 1
        # coming back (unblock, /subscriptions) lifts the pause
        await harness.client.unblock_bot(blocked)
        await harness.client.wait_for_delivery()
        [listing] = await harness.command(blocked, "subscriptions")
        assert "我的订阅" in (listing.text or "")
        with Session(harness.engine) as session:
            assert push.get_prefs(session, user_id=blocked.id).paused_reason is None


async def test_429_is_retried_by_the_rate_limiter(
    harness: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    clock = Clock(at(10))
    async with harness.run(build(harness, clock)) as app:
        user = await harness.user()
        queue(harness, [user.id], clock)
        harness.api.faults.add(method="sendMessage", status=429, retry_after=1)
        stats = await deliver(app)
        assert stats.sent == 1 and stats.retried == 0
        [message] = await harness.next(user)
        assert "测试通知" in (message.text or "")
        errors = harness.client.stats()["errors"]
        assert errors.get("sendMessage:429") == 1
        await harness.client.expect_no_messages(user, within=0.2)  # sent once


async def test_other_errors_back_off_then_fail_with_the_reason(harness: Bot) -> None:
    clock = Clock(at(10))
    # each delivery's sendMessage is first retried 3 times by the rate limiter (bot/retry.py);
    # 10 ms instead of 0.5 s before the first retry: the same calls without 3.5 s of waiting
    async with harness.run(build(harness, clock, api_retry_delay=0.01)) as app:
        # the ≥ 1 s between two messages to one chat is counted on the test's clock, which
        # moves 30 s and more between the attempts (not 1 s of real waiting per attempt)
        spacing = ChatSpacing(clock=lambda: clock().timestamp())
        push_deliver.state_for(app, harness.settings).spacing = spacing
        user, other = await harness.user(), await harness.user()
        queue(harness, [user.id, other.id], clock)
        harness.api.faults.add(method="sendMessage", status=500, count=None, chat_id=user.id)
        waits = []
        for attempt in range(1, 6):
            await deliver(app)
            [row] = rows(harness.engine, user.id)
            assert row.attempts == attempt and row.error and "Internal Server Error" in row.error
            if attempt < 5:
                assert row.state == "pending"
                waits.append((row.due_at - clock()).total_seconds())
                clock.set(row.due_at)
        assert waits == [30, 60, 120, 240]
        assert row.state == "failed"
        # 5 deliveries, each the call and its 3 retries
        assert harness.client.stats()["errors"].get("sendMessage:500") == 5 * 4
        with Session(harness.engine) as session:
            report = push_admin.status(session, now=clock())
        assert report.by_state["failed"] == 1 and report.by_state["sent"] == 1
        assert report.failures[0][0].startswith("NetworkError")
        [received] = await harness.next(other)
        assert "测试通知" in (received.text or "")


async def test_restart_resends_only_rows_in_flight(harness: Bot) -> None:
    clock = Clock(at(10))

    def test_push(user_id: int) -> None:
        with session_scope(harness.engine) as session:
            push_subs.queue_test_push(session, user_id=user_id, actor_id=None, now=clock())

    async with harness.run(build(harness, clock)) as app:
        done, crashed = await harness.user(), await harness.user()
        test_push(done.id)
        assert (await deliver(app)).sent == 1
        test_push(crashed.id)
        with session_scope(harness.engine) as session:  # claimed, then the process died
            [claimed] = claim_due(
                session, now=clock(), limit=10, per_user=20, hold=lambda prefs, kind: None
            )
        assert claimed.user_id == crashed.id
    clock.advance(seconds=30)
    async with harness.run(build(harness, clock, push_lease_seconds=60)) as app:  # restart
        stats = await deliver(app)
        assert stats.sent == 0 and stats.recovered == 0  # the lease still runs
        clock.advance(seconds=31)
        stats = await deliver(app)
        assert (stats.recovered, stats.sent) == (1, 1)
        [message] = await harness.next(crashed)
        assert "测试推送" in (message.text or "")
        assert len(harness.client.messages(done)) == 1  # sent rows are never sent again
        assert (await deliver(app)).messages == 0
        with Session(harness.engine) as session:
            assert push_admin.status(session, now=clock()).in_flight_resent == 1


async def test_test_push_ignores_quiet_hours(harness: Bot) -> None:
    clock = Clock(at(23))
    async with harness.run(build(harness, clock)) as app:
        user = await harness.user()
        with session_scope(harness.engine) as session:
            push_subs.queue_test_push(session, user_id=user.id, actor_id=None, now=clock())
        queue(harness, [user.id], clock, "夜间广播")
        assert (await deliver(app)).sent == 1
        [message] = await harness.next(user)
        assert "测试推送" in (message.text or "")
        assert sorted(r.state for r in rows(harness.engine, user.id)) == ["pending", "sent"]
