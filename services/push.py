"""Planning policy push: policy events → notices → outbox rows (新政策, 更新, 政策已撤回 to
those told about a withdrawn entry), and deadline reminders.

Everything runs in the caller's session, so a notice, its outbox rows and the event's
planning mark are written in one transaction (``scheduler/push_plan.py`` supplies it).

Profile-based push ("符合我企业档案的政策") asks a :class:`ProfileMatcher`: the bot wires in
``services.push_profile.ProfilePushMatcher`` (eligibility rules, else 适用对象 tags);
:class:`NoProfileMatcher`, the default of ``scheduler.push_jobs.register``, matches nobody.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session

from knowledge.model import EntryView
from services.push_schedule import next_digest
from storage import push_events, push_outbox, push_withdraw
from storage.models_push import Cadence, NoticeKind, PushNotice
from storage.push_match import MatchTarget, match_clause, profile_clause, profile_subscribers
from storage.push_outbox import DigestSlots

log = logging.getLogger(__name__)

SUMMARY_CHARS = 160
EVENT_BATCH = 50
DEADLINE_FIELD = "deadline"


class ProfileMatcher(Protocol):
    """Chooses, among subscribers of "符合我企业档案的政策", those whose enterprise profile
    fits an entry (profiles and eligibility rules)."""

    def users_for(
        self, session: Session, entry: EntryView, user_ids: Sequence[int]
    ) -> Collection[int]: ...


class NoProfileMatcher:
    """No profile fits anything (the default without profile matching)."""

    def users_for(
        self, session: Session, entry: EntryView, user_ids: Sequence[int]
    ) -> Collection[int]:
        return ()


@dataclass(slots=True)
class PlanReport:
    events: int = 0
    notices: int = 0
    rows: int = 0
    stale: int = 0  # events of entries that no longer apply (expired, repealed, closed)


def applies(entry: EntryView, today: dt.date) -> bool:
    """Whether subscribers are told of the entry: not of an expired or repealed
    document's measures, nor of a past year's plan (目标, not news), nor of a measure whose
    application deadline has passed."""
    return entry.status_on(today).current and not entry.closed_on(today)


def target_of(entry: EntryView) -> MatchTarget:
    return MatchTarget(
        entry_id=entry.entry_id,
        categories=entry.categories,
        level=entry.level,
        region=entry.region,
        audiences=entry.audiences,
    )


def _notice(entry: EntryView, kind: NoticeKind, key: str, now: dt.datetime) -> PushNotice:
    body = " ".join(entry.body.split())
    summary = body if len(body) <= SUMMARY_CHARS else body[: SUMMARY_CHARS - 1] + "…"
    level = f"{entry.level}级" if entry.level else None
    scope = " · ".join(x for x in (entry.region, level) if x)
    return PushNotice(
        kind=kind.value,
        dedupe_key=key[:120],
        entry_id=entry.entry_id,
        title=entry.title[:300],
        summary=summary,
        source=(entry.source_name or entry.document_title)[:300],
        scope=scope[:80] or None,
        created_at=now,
    )


def digest_slots(session: Session, *, now: dt.datetime, tz: ZoneInfo) -> DigestSlots:
    """The next slot of every digest schedule in use (once per planning batch)."""
    daily: dict[int, dt.datetime] = {}
    weekly: dict[tuple[int, int], dt.datetime] = {}
    for cadence, minute, weekday in push_outbox.digest_schedules(session):
        due = next_digest(cadence, minute, weekday, now, tz)
        if cadence is Cadence.DAILY:
            daily[minute] = due
        else:
            weekly[(weekday, minute)] = due
    return DigestSlots(daily=daily, weekly=weekly)


def notify_entry(
    session: Session,
    *,
    entry: EntryView,
    notice: PushNotice,
    now: dt.datetime,
    matcher: ProfileMatcher,
    slots: DigestSlots | None,
    profile_users: Sequence[int],
) -> tuple[int | None, int]:
    """Create ``notice`` and its outbox rows for every matching subscriber; returns
    (notice id, rows), or (None, 0) when the notice exists already (its dedupe key).
    ``slots`` None: due now for everyone (no digest)."""
    notice_id = push_outbox.create_notice(session, notice=notice)
    if notice_id is None:
        return None, 0
    where = match_clause(target_of(entry))
    rows = push_outbox.fan_out(session, notice_id=notice_id, where=where, now=now, slots=slots)
    chosen = matcher.users_for(session, entry, profile_users) if profile_users else ()
    if chosen:
        rows += push_outbox.fan_out_users(
            session,
            notice_id=notice_id,
            user_ids=chosen,
            where=profile_clause(),
            now=now,
            slots=slots,
        )
    return notice_id, rows


def plan_events(
    session: Session,
    *,
    now: dt.datetime,
    tz: ZoneInfo,
    matcher: ProfileMatcher,
    limit: int = EVENT_BATCH,
) -> PlanReport:
    """Plan up to ``limit`` unplanned policy events: one notice per changed entry (新 or
    更新), a withdrawal notice per entry that is withdrawn (to those who were told about
    it); each event is marked planned in this transaction."""
    report = PlanReport()
    events = push_events.unplanned_events(session, limit=limit)
    if not events:
        return report
    wanted = {e.entry_id for e in events}
    entries = push_events.load_entries(session, entry_ids=wanted)
    gone = push_events.load_entries(session, entry_ids=wanted - entries.keys(), removed=True)
    added = {e.entry_id for e in events if e.kind == "added"}
    slots = digest_slots(session, now=now, tz=tz)
    profile_users = profile_subscribers(session)
    today = now.astimezone(tz).date()
    done: set[str] = set()
    for event in events:
        report.events += 1
        entry = entries.get(event.entry_id)
        notice_id, rows = None, 0
        if event.kind != "removed" and entry is not None and not applies(entry, today):
            report.stale += 1  # imported for reference: nobody is told of it as news
        elif event.kind != "removed" and entry is not None and event.entry_id not in done:
            done.add(event.entry_id)  # several events of one entry in a batch: one notice
            kind = NoticeKind.NEW if event.entry_id in added else NoticeKind.CHANGED
            notice_id, rows = notify_entry(
                session,
                entry=entry,
                notice=_notice(entry, kind, f"event:{event.id}", now),
                now=now,
                matcher=matcher,
                slots=slots,
                profile_users=profile_users,
            )
            report.notices += notice_id is not None
            report.rows += rows
        elif event.kind == "removed" and event.entry_id in gone and event.entry_id not in done:
            done.add(event.entry_id)
            notice_id, rows = withdraw_entry(
                session, entry=gone[event.entry_id], key=f"event:{event.id}", now=now
            )
            report.notices += notice_id is not None
            report.rows += rows
        push_events.mark_planned(
            session, event_id=event.id, notice_id=notice_id, recipients=rows, now=now
        )
    return report


def withdraw_entry(
    session: Session, *, entry: EntryView, key: str, now: dt.datetime
) -> tuple[int | None, int]:
    """An entry was withdrawn: its announcements still waiting are cancelled, and everyone
    who was sent one gets one short withdrawal notice (due now: it corrects a message
    they have; quiet hours still hold). Returns (notice id, rows) like ``notify_entry``."""
    push_withdraw.cancel_announcements(session, entry_id=entry.entry_id)
    if not push_withdraw.was_announced(session, entry_id=entry.entry_id):
        return None, 0  # nobody was told: no notice (a large removal makes none)
    notice = _notice(entry, NoticeKind.WITHDRAWN, key, now)
    notice.summary = None
    notice_id = push_outbox.create_notice(session, notice=notice)
    if notice_id is None:
        return None, 0
    rows = push_withdraw.queue_withdrawal(
        session, notice_id=notice_id, entry_id=entry.entry_id, now=now
    )
    return notice_id, rows


def plan_deadlines(
    session: Session,
    *,
    now: dt.datetime,
    tz: ZoneInfo,
    remind_days: int,
    matcher: ProfileMatcher,
) -> PlanReport:
    """Remind subscribers of entries whose 申报期限 (parsed only when unambiguous) is
    within ``remind_days``; once per entry and deadline (the notice's dedupe key).
    Reminders are time-critical: they never wait for a digest (quiet hours still hold)."""
    report = PlanReport()
    today = now.astimezone(tz).date()
    profile_users: Sequence[int] | None = None
    for entry in push_events.load_entries(session).values():
        fact = entry.guide.get(DEADLINE_FIELD)
        deadline = entry.deadline()
        if fact is None or deadline is None or not applies(entry, today):
            continue
        if not deadline - dt.timedelta(days=remind_days) <= today <= deadline:
            continue
        key = f"deadline:{entry.entry_id}:{deadline.isoformat()}"
        notice = _notice(entry, NoticeKind.DEADLINE, key, now)
        notice.deadline = deadline
        notice.deadline_text = fact.value[:200]
        if profile_users is None:
            profile_users = profile_subscribers(session)
        notice_id, rows = notify_entry(
            session,
            entry=entry,
            notice=notice,
            now=now,
            matcher=matcher,
            slots=None,
            profile_users=profile_users,
        )
        report.notices += notice_id is not None
        report.rows += rows
    return report
