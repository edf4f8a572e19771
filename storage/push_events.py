"""Policy events not yet planned for push, their entries, and the planning marks.

Keyword-only functions; callers own the session (one transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from knowledge.model import EntryView
from storage.kb import entry_view
from storage.models import PolicyDocument, PolicyEntry, PolicyEvent
from storage.models_push import PushEventPlan


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    entry_id: str
    kind: str  # added / changed / removed


def unplanned_events(session: Session, *, limit: int) -> list[EventRow]:
    """The oldest events without a planning mark, locked (``SKIP LOCKED``: another
    instance planning at the same time takes the next ones)."""
    stmt = (
        select(PolicyEvent)
        .outerjoin(PushEventPlan, col(PushEventPlan.event_id) == col(PolicyEvent.id))
        .where(col(PushEventPlan.event_id).is_(None))
        .order_by(col(PolicyEvent.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=PolicyEvent)
    )
    rows: list[EventRow] = []
    for event in session.exec(stmt):
        assert event.id is not None
        rows.append(EventRow(id=event.id, entry_id=event.entry_id, kind=event.kind))
    return rows


def count_unplanned(session: Session) -> int:
    stmt = (
        select(func.count())
        .select_from(PolicyEvent)
        .outerjoin(PushEventPlan, col(PushEventPlan.event_id) == col(PolicyEvent.id))
        .where(col(PushEventPlan.event_id).is_(None))
    )
    return int(session.exec(stmt).one())


def mark_planned(
    session: Session,
    *,
    event_id: int,
    notice_id: int | None,
    recipients: int,
    now: dt.datetime,
) -> None:
    session.add(
        PushEventPlan(event_id=event_id, notice_id=notice_id, recipients=recipients, planned_at=now)
    )
    session.flush()


def load_entries(
    session: Session, *, entry_ids: Collection[str] | None = None, removed: bool = False
) -> dict[str, EntryView]:
    """Current (not removed) entries read from the database, by id; all when ``entry_ids``
    is None. The database, not the bot's in-memory index, which may lag an import.
    ``removed``: the withdrawn entries instead of the current ones."""
    stmt = select(PolicyEntry, PolicyDocument).join(
        PolicyDocument, col(PolicyEntry.document_id) == col(PolicyDocument.id)
    )
    gone = col(PolicyEntry.removed_at).is_not(None)
    stmt = stmt.where(gone if removed else col(PolicyEntry.removed_at).is_(None))
    if entry_ids is not None:
        stmt = stmt.where(col(PolicyEntry.entry_id).in_(list(entry_ids)))
    views: dict[str, EntryView] = {}
    for entry, document in session.exec(stmt):
        views[entry.entry_id] = entry_view(entry, document)
    return views
