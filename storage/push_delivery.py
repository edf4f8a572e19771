"""Delivering the push outbox: lease recovery, claims with ``FOR UPDATE SKIP LOCKED``
and the outcome of each send.

Keyword-only functions; callers own the session (one transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

from sqlalchemy import case, func, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select as ModelSelect

from storage.models_push import NoticeKind, OutboxState, PushNotice, PushOutbox, PushPrefs
from storage.push import Prefs, rowcount
from storage.push_outbox import Claimed, notice_data, prefs_of

Hold = Callable[[Prefs, NoticeKind], dt.datetime | None]


def recover_expired(session: Session, *, now: dt.datetime, lease: dt.timedelta) -> int:
    """Rows left in ``sending`` longer than ``lease`` (a crash) go back to pending; they
    are the only possible duplicates, counted in ``resends``."""
    stmt = (
        update(PushOutbox)
        .where(
            col(PushOutbox.state) == OutboxState.SENDING.value,
            col(PushOutbox.claimed_at) < now - lease,
        )
        .values(
            state=OutboxState.PENDING.value,
            resends=col(PushOutbox.resends) + 1,
            claimed_at=None,
            due_at=now,
        )
    )
    return rowcount(session.execute(stmt))


def _due_rows(now: dt.datetime) -> ModelSelect[PushOutbox, PushNotice, PushPrefs]:
    return (
        select(PushOutbox, PushNotice, PushPrefs)
        .join(PushNotice, col(PushNotice.id) == col(PushOutbox.notice_id))
        .outerjoin(PushPrefs, col(PushPrefs.user_id) == col(PushOutbox.user_id))
        .where(
            col(PushOutbox.state) == OutboxState.PENDING.value,
            col(PushOutbox.due_at) <= now,
        )
        .order_by(col(PushOutbox.due_at), col(PushOutbox.id))
        .with_for_update(skip_locked=True, of=PushOutbox)
    )


def claim_due(
    session: Session, *, now: dt.datetime, limit: int, per_user: int, hold: Hold
) -> list[Claimed]:
    """Claim due rows (``sending`` + ``claimed_at``), up to ``limit`` first rows plus the
    other due rows of their users (``per_user`` each), so a user's notices travel together.

    ``hold(prefs, kind)`` may return a later time (quiet hours): those rows wait."""
    first = list(session.execute(_due_rows(now).limit(limit)).all())
    users = {row[0].user_id for row in first}
    seen = {row[0].id for row in first}
    more = []
    if users:
        extra = _due_rows(now).where(
            col(PushOutbox.user_id).in_(users), col(PushOutbox.id).not_in(seen)
        )
        more = list(session.execute(extra.limit(per_user * len(users))).all())
    taken: dict[int, int] = {}
    claimed: list[Claimed] = []
    cancelled: dict[str, list[int]] = {}
    held: dict[dt.datetime, list[int]] = {}
    for outbox, notice, prefs_row in [*first, *more]:
        prefs = prefs_of(prefs_row)
        assert outbox.id is not None
        if prefs.paused_reason is not None:
            cancelled.setdefault(prefs.paused_reason, []).append(outbox.id)
        elif (later := hold(prefs, NoticeKind(notice.kind))) is not None:
            held.setdefault(later, []).append(outbox.id)
        elif taken.get(outbox.user_id, 0) < per_user:
            taken[outbox.user_id] = taken.get(outbox.user_id, 0) + 1
            claimed.append(
                Claimed(
                    outbox_id=outbox.id,
                    user_id=outbox.user_id,
                    digest=outbox.digest,
                    attempts=outbox.attempts,
                    notice=notice_data(notice),
                    cadence=prefs.cadence,
                )
            )
    # a few set-based UPDATEs instead of one per row (the claim runs while messages go out)
    for reason, ids in cancelled.items():
        values = {"state": OutboxState.CANCELLED.value, "error": f"paused: {reason}"[:300]}
        session.execute(update(PushOutbox).where(_ids(ids)).values(**values))
    for later, ids in held.items():
        session.execute(update(PushOutbox).where(_ids(ids)).values(due_at=later))
    if claimed:
        sending = {"state": OutboxState.SENDING.value, "claimed_at": now}
        ids = [row.outbox_id for row in claimed]
        session.execute(update(PushOutbox).where(_ids(ids)).values(**sending))
    return claimed


def _ids(ids: Collection[int]) -> ColumnElement[bool]:
    return col(PushOutbox.id).in_(list(ids))


def mark_sent(
    session: Session, *, outbox_ids: Collection[int], message_id: int | None, now: dt.datetime
) -> None:
    stmt = (
        update(PushOutbox)
        .where(_ids(outbox_ids), col(PushOutbox.state) == OutboxState.SENDING.value)
        .values(state=OutboxState.SENT.value, sent_at=now, message_id=message_id, error=None)
    )
    session.execute(stmt)


def mark_retry(
    session: Session,
    *,
    outbox_ids: Collection[int],
    due_at: dt.datetime,
    error: str,
    max_attempts: int,
    count_attempt: bool = True,
) -> None:
    """Back to pending at ``due_at``; after ``max_attempts`` failed attempts: failed."""
    attempts = col(PushOutbox.attempts) + (1 if count_attempt else 0)
    state = case(
        (attempts >= max_attempts, OutboxState.FAILED.value), else_=OutboxState.PENDING.value
    )
    stmt = (
        update(PushOutbox)
        .where(_ids(outbox_ids), col(PushOutbox.state) == OutboxState.SENDING.value)
        .values(attempts=attempts, state=state, due_at=due_at, error=error[:300], claimed_at=None)
    )
    session.execute(stmt)


def mark_failed(session: Session, *, outbox_ids: Collection[int], error: str) -> None:
    stmt = (
        update(PushOutbox)
        .where(_ids(outbox_ids))
        .values(
            state=OutboxState.FAILED.value,
            attempts=col(PushOutbox.attempts) + 1,
            error=error[:300],
        )
    )
    session.execute(stmt)


def outbox_rows(session: Session, *, user_id: int | None = None) -> list[PushOutbox]:
    """Rows (of one user), oldest first: for tests and the CLI."""
    stmt = select(PushOutbox)
    if user_id is not None:
        stmt = stmt.where(PushOutbox.user_id == user_id)
    return list(session.exec(stmt.order_by(col(PushOutbox.id))))


def count_by_state(session: Session) -> dict[str, int]:
    stmt = select(PushOutbox.state, func.count()).group_by(col(PushOutbox.state))
    return {state: int(count) for state, count in session.exec(stmt)}
