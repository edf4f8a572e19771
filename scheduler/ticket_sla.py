"""Job ``tickets:sla``: remind assignees before a deadline, escalate overdue tickets to
admins. Each reminder/escalation is claimed in the database before it is sent, so it goes
out once per ticket and SLA cycle, even after a restart or with several instances."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from sqlmodel import Session
from telegram import Bot

from services.sla import Alert, claim_due_alerts, mark_sent
from storage import roles

if TYPE_CHECKING:
    from scheduler.ports import JobContext, JobServices

log = logging.getLogger(__name__)

JOB_NAME = "tickets:sla"
INTERVAL_SECONDS = 300.0


async def check(services: JobServices, bot: Bot) -> list[Alert]:
    """Claim the due alerts (one transaction), then send them; returns what was sent."""
    now, policy = services.now(), services.settings.sla_policy()

    def claim(session: Session) -> tuple[list[Alert], dict[int, str]]:
        alerts = claim_due_alerts(session, now=now, policy=policy)
        names = {c.user_id: c.name for c in roles.list_commissioners(session, active_only=False)}
        return alerts, names

    alerts, names = await services.db(claim)
    notifier = services.messages.ticket_alerts(services, bot)
    for alert in alerts:
        assignee = alert.ticket.assignee_id
        await notifier.alert(alert, names.get(assignee) if assignee else None)
        # recorded as sent only now: an instance dying before this line leaves the claim
        # unsent, and the next leader sends it after the lease (at least once)
        await services.db(functools.partial(mark_sent, alerts=[alert], now=services.now()))
        log.info("ticket %s: %s sent", alert.ticket.number, alert.kind.value)
    return alerts


async def job(context: JobContext) -> None:
    """JobQueue callback."""
    await check(context.bot_data, context.bot)
