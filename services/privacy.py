"""``/forget`` (PIPL): delete everything the bot keeps about one user, in one transaction.

Features register a cleanup function for their own tables::

    from services.privacy import register_forgetter

    register_forgetter("push_subscription", push_subs.forget_user)   # (session, *, user_id)

``forget_user(session, user_id=...)`` runs every registered function in registration order
(the ``bot_user`` row last) and reports the rows each one changed. The core tables and the
enterprise profile are registered here; register at import time of your service module,
with a unique name (registering a name again replaces the function).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Protocol

from sqlalchemy import update
from sqlmodel import Session, SQLModel, col, select

from storage import learning, privacy, profiles
from storage.models import BotState, BotUser, Feedback, QuestionLog
from storage.models_profile import EligibilityCheck, EnterpriseProfile
from storage.models_push import PushPrefs, Subscription
from storage.models_tickets import Ticket, TicketEvent, TicketStatus

log = logging.getLogger(__name__)


class Forgetter(Protocol):
    def __call__(self, session: Session, *, user_id: int) -> int: ...


_FORGETTERS: dict[str, Forgetter] = {}
_LAST = "bot_user"  # the user row goes after everything that may refer to it


def register_forgetter(name: str, forgetter: Forgetter) -> Forgetter:
    """Add (or replace) the cleanup ``name``; returns ``forgetter``."""
    _FORGETTERS[name] = forgetter
    return forgetter


def forgetters() -> list[tuple[str, Forgetter]]:
    ordered = [(n, f) for n, f in _FORGETTERS.items() if n != _LAST]
    if _LAST in _FORGETTERS:
        ordered.append((_LAST, _FORGETTERS[_LAST]))
    return ordered


def forget_user(session: Session, *, user_id: int) -> dict[str, int]:
    """Run every cleanup for ``user_id`` in the caller's transaction; rows changed by name."""
    report = {name: forgetter(session, user_id=user_id) for name, forgetter in forgetters()}
    log.info("forgot a user: %s", ", ".join(f"{k}={v}" for k, v in report.items()))
    return report


register_forgetter("enterprise_profile", profiles.delete_profile)
register_forgetter("eligibility_check", profiles.delete_check)
register_forgetter("question_log", privacy.anonymize_questions)
register_forgetter("feedback", privacy.delete_feedback)
register_forgetter("learned_evidence", learning.anonymize_evidence)
register_forgetter("bot_state", privacy.delete_bot_state)
register_forgetter(_LAST, privacy.delete_bot_user)


# ------------------------------------------------------------------ right of access


def _rows(session: Session, model: type[SQLModel], *where: Any) -> list[dict[str, Any]]:
    return [row.model_dump(mode="json") for row in session.exec(select(model).where(*where))]


def export_user(session: Session, *, user_id: int) -> dict[str, Any]:
    """Everything stored about ``user_id`` (PIPL right of access), JSON-ready: the user row,
    the enterprise profile, the self-check, push subscriptions and preferences, the tickets
    they filed with their visible timeline, feedback, questions asked, PTB state."""
    tickets = _rows(session, Ticket, col(Ticket.enterprise_id) == user_id)
    ticket_ids = [t["id"] for t in tickets]
    events = _rows(
        session,
        TicketEvent,
        col(TicketEvent.ticket_id).in_(ticket_ids),
        col(TicketEvent.internal).is_(False),
    )
    for ticket in tickets:
        ticket["events"] = [e for e in events if e["ticket_id"] == ticket["id"]]
    return {
        "user_id": user_id,
        "bot_user": _rows(session, BotUser, col(BotUser.id) == user_id),
        "profile": _rows(session, EnterpriseProfile, col(EnterpriseProfile.user_id) == user_id),
        "checks": _rows(session, EligibilityCheck, col(EligibilityCheck.user_id) == user_id),
        "subscriptions": _rows(session, Subscription, col(Subscription.user_id) == user_id),
        "push_prefs": _rows(session, PushPrefs, col(PushPrefs.user_id) == user_id),
        "tickets": tickets,
        "feedback": _rows(session, Feedback, col(Feedback.user_id) == user_id),
        "questions": _rows(session, QuestionLog, col(QuestionLog.user_id) == user_id),
        "bot_state": _rows(
            session,
            BotState,
            col(BotState.key).in_([str(user_id), f"[{user_id}]", f"[{user_id}, {user_id}]"]),
        ),
    }


# ------------------------------------------------------------------ retention

ANONYMISED = "(已匿名)"


def purge_closed_tickets(session: Session, *, before: dt.datetime) -> int:
    """Anonymise the personal fields (phone, enterprise name, description, rating comment)
    of tickets closed before ``before``; returns the number of tickets changed."""
    stmt = (
        update(Ticket)
        .where(
            col(Ticket.status) == TicketStatus.CLOSED.value,
            col(Ticket.closed_at).is_not(None),
            col(Ticket.closed_at) < before,
            col(Ticket.enterprise_name) != ANONYMISED,
        )
        .values(phone=None, enterprise_name=ANONYMISED, description=ANONYMISED, rating_comment=None)
    )
    result = session.connection().execute(stmt)
    count = getattr(result, "rowcount", 0)
    count = count if isinstance(count, int) and count > 0 else 0
    if count:
        log.info("retention: anonymised %d closed tickets", count)
    return count
