"""Job ``kb:expiry-digest``: every Monday at 09:00 (Asia/Shanghai) the admins get the list
of policies that expire within the next 30 days."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram.error import TelegramError

from storage import kbops

if TYPE_CHECKING:
    from scheduler.ports import JobContext, JobServices

log = logging.getLogger(__name__)

JOB_NAME = "kb:expiry-digest"
DIGEST_TIME = dt.time(9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DIGEST_DAYS = (1,)  # PTB's run_daily: 0 = Sunday, so 1 = Monday
HORIZON_DAYS = 30


async def admin_ids(services: JobServices) -> list[int]:
    """``POLICYBOT_ADMIN_IDS`` and the users granted the admin role."""
    granted = await services.db(lambda session: kbops.admin_ids(session))
    return sorted({*services.settings.admin_ids, *granted})


async def job(context: JobContext) -> int:
    """Send the digest to every admin; returns how many received it (0: nothing expires)."""
    services = context.bot_data
    text = services.messages.expiry_digest(
        services.knowledge.entries(), today=services.today(), days=HORIZON_DAYS
    )
    if text is None:
        log.info("expiry digest: nothing expires within %d days", HORIZON_DAYS)
        return 0
    sent = 0
    for chat_id in await admin_ids(services):
        try:
            await context.bot.send_message(chat_id, text)
            sent += 1
        except TelegramError as exc:  # blocked the bot, never started it, ...
            log.warning("expiry digest to admin %d failed: %s", chat_id, type(exc).__name__)
    log.info("expiry digest sent to %d admin(s)", sent)
    return sent
