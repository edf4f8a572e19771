"""Job ``push:deadline``: remind subscribers of a 申报期限 ``POLICYBOT_DEADLINE_REMIND_DAYS``
days ahead (default 3). Hourly and idempotent: one notice per entry and deadline."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from services.push import PlanReport, ProfileMatcher, plan_deadlines

if TYPE_CHECKING:
    from scheduler.ports import JobContext, JobServices

log = logging.getLogger(__name__)

JOB_NAME = "push:deadline"
INTERVAL_SECONDS = 3600.0
FIRST_SECONDS = 30.0


async def remind_once(services: JobServices, matcher: ProfileMatcher) -> PlanReport:
    settings = services.settings
    now = services.now()
    report = await services.db(
        lambda session: plan_deadlines(
            session,
            now=now,
            tz=settings.tz,
            remind_days=settings.deadline_remind_days,
            matcher=matcher,
        )
    )
    if report.notices:
        log.info("push deadlines: %d reminder(s), %d outbox row(s)", report.notices, report.rows)
    return report


def make_job(matcher: ProfileMatcher) -> Callable[[JobContext], Coroutine[Any, Any, None]]:
    async def job(context: JobContext) -> None:
        await remind_once(context.bot_data, matcher)

    return job
