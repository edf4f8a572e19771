"""Job ``kb:refresh``: pick up documents imported by another process (CLI, other instance)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from services.knowledge import KnowledgeBase

if TYPE_CHECKING:
    from scheduler.ports import JobContext

log = logging.getLogger(__name__)

JOB_NAME = "kb:refresh"
# the staleness check is one indexed ``max(kb_import.id)``: cheap enough that a rollback
# or removal made elsewhere (the CLI, another instance) stops being answered within seconds
INTERVAL_SECONDS = 10.0


async def refresh_if_stale(knowledge: KnowledgeBase) -> bool:
    """Rebuild the index in a worker thread when the database has newer imports."""
    if not await asyncio.to_thread(knowledge.is_stale):
        return False
    snapshot = await asyncio.to_thread(knowledge.refresh)
    log.info(
        "knowledge base refreshed to import %d (%d entries)",
        snapshot.import_id,
        len(snapshot.entries),
    )
    return True


async def job(context: JobContext) -> None:
    """JobQueue callback."""
    await refresh_if_stale(context.bot_data.knowledge)
