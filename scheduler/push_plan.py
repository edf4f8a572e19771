"""Job ``push:plan``: turn new policy events (imports) into notices and outbox rows.

Each batch is one transaction: the notices, their outbox rows and the events' planning
marks commit together, so a crash plans an event again from scratch or not at all.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from services.push import EVENT_BATCH, PlanReport, ProfileMatcher, plan_events

if TYPE_CHECKING:
    from scheduler.ports import JobContext, JobServices

log = logging.getLogger(__name__)

JOB_NAME = "push:plan"
INTERVAL_SECONDS = 20.0
FIRST_SECONDS = 5.0


async def plan_once(services: JobServices, matcher: ProfileMatcher) -> PlanReport:
    """Plan every unplanned event, ``EVENT_BATCH`` per transaction."""
    total = PlanReport()
    tz = services.settings.tz
    while True:
        work = functools.partial(plan_events, now=services.now(), tz=tz, matcher=matcher)
        report = await services.db(work)
        total.events += report.events
        total.notices += report.notices
        total.rows += report.rows
        total.stale += report.stale
        if report.events < EVENT_BATCH:
            break
    if total.events:
        log.info(
            "push plan: %d event(s) → %d notice(s), %d outbox row(s); %d no longer apply",
            total.events,
            total.notices,
            total.rows,
            total.stale,
        )
    return total


def make_job(matcher: ProfileMatcher) -> Callable[[JobContext], Coroutine[Any, Any, None]]:
    async def job(context: JobContext) -> None:
        await plan_once(context.bot_data, matcher)

    return job
