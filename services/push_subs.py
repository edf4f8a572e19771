"""Subscription and preference changes, each with its audit-log row (one transaction).

Called by the handlers through ``services.db``; audit details hold filters and ids only,
never message texts or personal data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session

from services.privacy import register_forgetter
from services.push_schedule import next_digest
from storage import push, push_admin
from storage.models_push import Cadence
from storage.push import Filters, Prefs, SubscriptionView
from storage.push_admin import Audience


def _details(filters: Filters) -> dict[str, object]:
    return {
        "kind": filters.kind.value,
        "categories": list(filters.categories),
        "levels": list(filters.levels),
        "districts": list(filters.districts),
        "audiences": list(filters.audiences),
        "entry_id": filters.entry_id,
    }


def subscribe(
    session: Session, *, user_id: int, filters: Filters, now: dt.datetime
) -> SubscriptionView:
    resume(session, user_id=user_id, now=now)
    view = push.add_subscription(session, user_id=user_id, filters=filters, now=now)
    push.audit(
        session,
        actor_id=user_id,
        action="push.subscribe",
        target=f"subscription:{view.id}",
        details=_details(filters),
        now=now,
    )
    return view


def edit_subscription(
    session: Session, *, user_id: int, subscription_id: int, filters: Filters, now: dt.datetime
) -> SubscriptionView | None:
    view = push.update_subscription(
        session, user_id=user_id, subscription_id=subscription_id, filters=filters, now=now
    )
    if view is not None:
        push.audit(
            session,
            actor_id=user_id,
            action="push.subscription.edit",
            target=f"subscription:{view.id}",
            details=_details(filters),
            now=now,
        )
    return view


def unsubscribe(session: Session, *, user_id: int, subscription_id: int, now: dt.datetime) -> bool:
    removed = push.remove_subscription(session, user_id=user_id, subscription_id=subscription_id)
    if removed:
        push.audit(
            session,
            actor_id=user_id,
            action="push.unsubscribe",
            target=f"subscription:{subscription_id}",
            now=now,
        )
        if not push.list_subscriptions(session, user_id=user_id):
            push.cancel_policy_notices(session, user_id=user_id)
    return removed


def unsubscribe_all(session: Session, *, user_id: int, now: dt.datetime) -> int:
    count = push.remove_all_subscriptions(session, user_id=user_id)
    cancelled = push.cancel_policy_notices(session, user_id=user_id)
    push.audit(
        session,
        actor_id=user_id,
        action="push.unsubscribe_all",
        target=f"user:{user_id}",
        details={"subscriptions": count, "cancelled": cancelled},
        now=now,
    )
    return count


def change_prefs(
    session: Session, *, user_id: int, prefs: Prefs, now: dt.datetime, tz: ZoneInfo
) -> Prefs:
    """Store new preferences; waiting policy notices follow the new cadence and time."""
    before = push.get_prefs(session, user_id=user_id)
    push.set_prefs(session, user_id=user_id, prefs=prefs, now=now)
    after = push.get_prefs(session, user_id=user_id)
    schedule = (after.cadence, after.deliver_minute, after.weekday)
    if schedule != (before.cadence, before.deliver_minute, before.weekday):
        digest = after.cadence is not Cadence.INSTANT
        due = next_digest(after.cadence, after.deliver_minute, after.weekday, now, tz)
        push.reschedule_pending(session, user_id=user_id, due_at=due, digest=digest)
    changed = {
        f.name: getattr(after, f.name)
        for f in dataclasses.fields(after)
        if getattr(after, f.name) != getattr(before, f.name)
    }
    if changed:
        details = {k: v.value if isinstance(v, Cadence) else v for k, v in changed.items()}
        push.audit(
            session,
            actor_id=user_id,
            action="push.prefs",
            target=f"user:{user_id}",
            details=details,
            now=now,
        )
    return after


def pause(
    session: Session, *, user_id: int, reason: str, now: dt.datetime, actor_id: int | None = None
) -> int:
    """Pause the user's pushes (403: blocked or deactivated); returns cancelled rows."""
    cancelled = push.pause_user(session, user_id=user_id, reason=reason, now=now)
    push.audit(
        session,
        actor_id=actor_id,
        action="push.pause",
        target=f"user:{user_id}",
        details={"reason": reason, "cancelled": cancelled},
        now=now,
    )
    return cancelled


def resume(session: Session, *, user_id: int, now: dt.datetime) -> bool:
    resumed = push.resume_user(session, user_id=user_id, now=now)
    if resumed:
        push.audit(
            session, actor_id=user_id, action="push.resume", target=f"user:{user_id}", now=now
        )
    return resumed


def broadcast(
    session: Session, *, text: str, audience: Audience, actor_id: int, now: dt.datetime
) -> int:
    """Queue a broadcast for ``audience`` (audited without its text); returns recipients."""
    notice_id, recipients = push_admin.queue_broadcast(
        session, text=text, audience=audience, actor_id=actor_id, now=now
    )
    push.audit(
        session,
        actor_id=actor_id,
        action="push.broadcast",
        target=f"notice:{notice_id}",
        details={"audience": audience.key, "recipients": recipients, "chars": len(text)},
        now=now,
    )
    return recipients


def queue_test_push(
    session: Session, *, user_id: int, actor_id: int | None, now: dt.datetime
) -> int:
    """Queue a test push to ``user_id`` (audited); returns the outbox row id."""
    outbox_id = push_admin.queue_test(session, user_id=user_id, actor_id=actor_id, now=now)
    push.audit(
        session,
        actor_id=actor_id,
        action="push.test",
        target=f"user:{user_id}",
        details={"outbox_id": outbox_id},
        now=now,
    )
    return outbox_id


def forget_user(session: Session, *, user_id: int) -> int:
    """/forget (PIPL): the user's subscriptions, push settings and queued pushes."""
    return push.forget_user(session, user_id=user_id)


register_forgetter("push_subscription", forget_user)
