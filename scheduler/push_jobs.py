"""Registers the push jobs on the JobQueue (called once by the composition root)."""

from __future__ import annotations

from typing import Any

from telegram.ext import JobQueue

from scheduler import push_deadline, push_deliver, push_plan
from scheduler.leader import leader_only
from services.push import NoProfileMatcher, ProfileMatcher


def register(
    jobs: JobQueue[Any],
    *,
    profile_matcher: ProfileMatcher | None = None,
    scan_seconds: float | None = None,
) -> None:
    """``profile_matcher``: the enterprise-profile matching; ``scan_seconds``
    overrides the planning scans' intervals (``POLICYBOT_SCAN_INTERVAL_SECONDS``)."""
    matcher = profile_matcher or NoProfileMatcher()
    jobs.run_repeating(
        leader_only(push_plan.make_job(matcher)),  # one planner cluster-wide
        interval=scan_seconds or push_plan.INTERVAL_SECONDS,
        first=min(push_plan.FIRST_SECONDS, scan_seconds or push_plan.FIRST_SECONDS),
        name=push_plan.JOB_NAME,
    )
    jobs.run_repeating(
        # one sender per bot: Telegram's ~30 messages/s limit is the bot's, not an
        # instance's, and a second sender could claim half of a user's due notices, which
        # would then arrive as two messages instead of one digest
        leader_only(push_deliver.job),
        interval=push_deliver.INTERVAL_SECONDS,
        first=push_deliver.INTERVAL_SECONDS,
        name=push_deliver.JOB_NAME,
        # a long delivery run holds a lock; later ticks return at once instead of being
        # skipped with a warning by APScheduler
        job_kwargs={"max_instances": 3, "coalesce": True},
    )
    jobs.run_repeating(
        leader_only(push_deadline.make_job(matcher)),
        interval=scan_seconds or push_deadline.INTERVAL_SECONDS,
        first=min(push_deadline.FIRST_SECONDS, scan_seconds or push_deadline.FIRST_SECONDS),
        name=push_deadline.JOB_NAME,
    )
