"""Job ``push:deliver``: send due outbox rows through PTB.

Each round claims a batch (``sending`` + ``claimed_at``, ``SKIP LOCKED``) and sends one
message per user (a digest or a single notice; broadcasts alone), recording each user's
outcome as soon as it is known. Sends are paced below Telegram's 30 messages/s (the
Application's AIORateLimiter stays underneath and retries any 429) and spaced ≥ 1 s per
chat. Rows stuck in ``sending`` after a crash are re-sent once their lease expires.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import Session
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from services.push_delivery import (
    ChatSpacing,
    Delivery,
    DeliveryStats,
    Outcome,
    Pacer,
    Result,
    messages_for,
    record_outcomes,
)
from services.push_schedule import hold
from storage import push_delivery
from storage.push_outbox import Claimed

if TYPE_CHECKING:
    from bot.settings import Settings
    from scheduler.ports import JobContext, JobMessages, JobServices

log = logging.getLogger(__name__)

JOB_NAME = "push:deliver"
INTERVAL_SECONDS = 1.0
BUDGET_SECONDS = 45.0  # one run keeps going while rows are due, at most this long
PER_USER = 20  # notices in one message (one digest)


@dataclass(eq=False)
class DeliveryState:
    """Per running bot: the pace, the per-chat spacing, one delivery run at a time."""

    pacer: Pacer
    spacing: ChatSpacing = field(default_factory=ChatSpacing)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    totals: DeliveryStats = field(default_factory=DeliveryStats)


_STATES: weakref.WeakKeyDictionary[object, DeliveryState] = weakref.WeakKeyDictionary()


def state_for(owner: object, settings: Settings) -> DeliveryState:
    state = _STATES.get(owner)
    if state is None:
        state = _STATES[owner] = DeliveryState(pacer=Pacer(settings.push_rate))
    return state


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # int before PTB_TIMEDELTA=true, timedelta after
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def send_one(bot: Bot, messages: JobMessages, delivery: Delivery, today: dt.date) -> Outcome:
    notices = [row.notice for row in delivery.rows]
    text, markup = messages.push_notice(notices, digest=delivery.digest, today=today)
    try:
        sent = await bot.send_message(chat_id=delivery.user_id, text=text, reply_markup=markup)
    except Forbidden as exc:
        reason = exc.message if exc.message.startswith("Forbidden") else f"Forbidden: {exc.message}"
        return Outcome(delivery, Result.FORBIDDEN, error=reason)
    except RetryAfter as exc:
        seconds = _retry_seconds(exc)
        return Outcome(delivery, Result.RATE_LIMITED, error="429 RetryAfter", retry_after=seconds)
    except BadRequest as exc:
        return Outcome(delivery, Result.FAILED, error=f"BadRequest: {exc.message}")
    except TelegramError as exc:
        return Outcome(delivery, Result.RETRY, error=f"{type(exc).__name__}: {exc.message}")
    except Exception as exc:  # never leave a claimed row behind for a programming error
        log.exception("push: unexpected error while sending")
        return Outcome(delivery, Result.RETRY, error=type(exc).__name__)
    return Outcome(delivery, Result.SENT, message_id=sent.message_id)


async def _send_user(
    bot: Bot,
    messages: JobMessages,
    state: DeliveryState,
    deliveries: Sequence[Delivery],
    today: dt.date,
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for delivery in deliveries:
        if outcomes and outcomes[-1].result is Result.FORBIDDEN:
            outcomes.append(Outcome(delivery, Result.FORBIDDEN, error=outcomes[-1].error))
            continue
        await state.spacing.wait(delivery.user_id)
        async with state.pacer.slot():
            outcomes.append(await send_one(bot, messages, delivery, today))
    return outcomes


async def _record(services: JobServices, outcomes: list[Outcome]) -> DeliveryStats:
    done = services.now()
    return await services.db(lambda s: record_outcomes(s, outcomes=outcomes, now=done))


async def _send_and_record(
    services: JobServices,
    bot: Bot,
    state: DeliveryState,
    deliveries: Sequence[Delivery],
    today: dt.date,
    records: list[asyncio.Task[DeliveryStats]],
) -> None:
    """One user's messages; their outcome is written at once in the background, so a
    crash can only duplicate a message whose record had not committed yet."""
    outcomes = await _send_user(bot, services.messages, state, deliveries, today)
    records.append(asyncio.create_task(_record(services, outcomes)))


async def _claim(services: JobServices, total: DeliveryStats) -> list[Claimed]:
    """Re-queue rows whose lease expired, then claim a batch of due rows."""
    settings = services.settings
    lease = dt.timedelta(seconds=settings.push_lease_seconds)
    now, tz = services.now(), settings.tz

    def claim(session: Session) -> tuple[int, list[Claimed]]:
        recovered = push_delivery.recover_expired(session, now=now, lease=lease)
        claimed = push_delivery.claim_due(
            session,
            now=now,
            limit=max(1, round(settings.push_rate)),
            per_user=PER_USER,
            hold=lambda prefs, kind: hold(prefs, kind, now, tz),
        )
        return recovered, claimed

    recovered, claimed = await services.db(claim)
    if recovered:
        log.warning("push: %d row(s) re-sent after their lease expired", recovered)
    total.recovered += recovered
    total.claimed += len(claimed)
    return claimed


async def deliver_due(
    services: JobServices, bot: Bot, state: DeliveryState, *, budget: float = BUDGET_SECONDS
) -> DeliveryStats:
    """Send due rows batch by batch until none is due or ``budget`` seconds have passed.

    A batch is claimed when the previous one is out, while nothing is being sent; the
    pacer's small bucket makes up for that pause."""
    loop = asyncio.get_running_loop()
    end = loop.time() + budget
    total = DeliveryStats()
    records: list[asyncio.Task[DeliveryStats]] = []
    try:
        while loop.time() < end:
            claimed = await _claim(services, total)
            if not claimed:
                break
            today = services.now().astimezone(services.settings.tz).date()
            await asyncio.gather(
                *(
                    _send_and_record(services, bot, state, deliveries, today, records)
                    for deliveries in messages_for(claimed).values()
                )
            )
    finally:
        for result in await asyncio.gather(*records, return_exceptions=True):
            if isinstance(result, BaseException):
                log.error("push: recording a delivery failed: %s", type(result).__name__)
            else:
                total.add(result)
    if total.messages:
        log.info(
            "push: %d message(s) for %d row(s): %s; %d user(s) paused",
            total.messages,
            total.claimed,
            ", ".join(f"{k} {v}" for k, v in sorted(total.results.items())),
            total.paused_users,
        )
    state.totals.add(total)
    return total


async def run(services: JobServices, bot: Bot, owner: object) -> DeliveryStats | None:
    """One delivery run for ``owner`` (the Application); None when one is running."""
    state = state_for(owner, services.settings)
    if state.lock.locked():
        return None
    async with state.lock:
        return await deliver_due(services, bot, state)


async def job(context: JobContext) -> None:
    """JobQueue callback."""
    await run(context.bot_data, context.bot, context.application)
