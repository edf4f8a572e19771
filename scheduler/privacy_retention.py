"""``privacy:retention``: anonymise the personal fields of tickets closed more than
``POLICYBOT_RETENTION_DAYS`` days ago (0 = keep forever). Daily."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from services import privacy

if TYPE_CHECKING:
    from scheduler.ports import JobContext

log = logging.getLogger(__name__)

JOB_NAME = "privacy:retention"
INTERVAL_SECONDS = 24 * 3600


async def job(context: JobContext) -> None:
    services = context.bot_data
    days = services.settings.retention_days
    if days <= 0:
        return
    before = services.now() - dt.timedelta(days=days)
    count = await services.db(lambda s: privacy.purge_closed_tickets(s, before=before))
    log.info("%s: %d tickets anonymised", JOB_NAME, count)
