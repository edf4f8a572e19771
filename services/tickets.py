"""Service requests: numbering, routing, the state machine and relayed messages.

Functions take the session of one transaction (``services.db``) and return a ``Change``
that tells the bot whom to notify; nothing here knows Telegram.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session

from services.sla import SlaPolicy
from services.ticket_access import (
    ACTOR_LABELS,
    SYSTEM,
    Action,
    Actor,
    Party,
    Refused,
    actor_label,
    check,
)
from storage import roles
from storage import tickets as store
from storage.models_tickets import Commissioner, Department, Rating, Ticket, TicketStatus

S = TicketStatus
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# area codes: 010 and 02X have three digits, all others four; local numbers 7–8 digits
_LANDLINE = re.compile(r"^(0[12]\d|0[3-9]\d{2})([2-9]\d{6,7})$")


def normalize_phone(text: str) -> str | None:
    """A mainland mobile (1[3-9] + 9 digits, +86 allowed) or a landline with its area code
    (e.g. 027-87654321); None when it is neither."""
    raw = re.sub(r"[\s\-()()]", "", text.strip())
    if raw.startswith("+86"):
        raw = raw[3:]
    elif raw.startswith("86") and len(raw) == 13:
        raw = raw[2:]
    if _MOBILE.match(raw):
        return raw
    if match := _LANDLINE.match(raw):
        return f"{match.group(1)}-{match.group(2)}"
    return None


@dataclass(frozen=True, slots=True)
class ProfileHint:
    """What the enterprise profile or the enterprise's last ticket tells us."""

    enterprise_name: str | None = None
    area_code: str | None = None


ProfileLookup = Callable[[Session, int], ProfileHint | None]


def enterprise_profile(session: Session, user_id: int) -> ProfileHint | None:
    """The 企业档案: the enterprise name, and its district matched to a service area
    (by name or code). The only place that reads the profile for tickets."""
    from storage import profiles

    profile = profiles.get_profile(session, user_id=user_id)
    if profile is None or profile.is_empty:
        return None
    district = profile.district
    areas = roles.list_areas(session) if district else []
    area = next((a for a in areas if district in (a.name, a.code)), None)
    return ProfileHint(profile.name, area.code if area else None)


def profile_hint(
    session: Session, *, user_id: int, lookup: ProfileLookup = enterprise_profile
) -> ProfileHint | None:
    """The profile's name and area, each completed from the enterprise's last ticket."""
    hint = lookup(session, user_id) or ProfileHint()
    last = store.last_ticket_of(session, enterprise_id=user_id)
    name = hint.enterprise_name or (last.enterprise_name if last else None)
    area = hint.area_code or (last.area_code if last else None)
    return ProfileHint(name, area) if name or area else None


@dataclass(frozen=True, slots=True)
class Draft:
    category: str
    description: str
    enterprise_name: str
    area_code: str | None = None
    phone: str | None = None
    attachments: tuple[tuple[str, str], ...] = ()  # (kind, file_id)
    policy_entry_id: str | None = None
    share_contact: bool = False


@dataclass(frozen=True, slots=True)
class Change:
    """The result of an action: the ticket after it and what the notifier needs."""

    ticket: Ticket
    action: Action | None  # None: the ticket was created
    previous_status: str
    previous_assignee: int | None = None
    assignee: Commissioner | None = None
    department: Department | None = None
    text: str | None = None
    file_id: str | None = None
    file_kind: str | None = None
    rating: str | None = None
    attachments: tuple[tuple[str, str], ...] = field(default=())

    @property
    def status_changed(self) -> bool:
        return self.previous_status != self.ticket.status


def route(session: Session, *, area_code: str | None) -> Commissioner | None:
    """The commissioner of the area; else the least-loaded one of its district (open
    tickets against capacity); None: the default queue."""
    load = store.open_load(session)
    active = roles.list_commissioners(session, active_only=True)

    def spare(c: Commissioner) -> bool:
        return load.get(c.user_id, 0) < c.capacity

    def key(c: Commissioner) -> tuple[float, int, int]:
        n = load.get(c.user_id, 0)
        return (n / max(c.capacity, 1), n, c.user_id)

    area = roles.get_area(session, code=area_code) if area_code else None
    if area is None:
        return None
    local = [c for c in active if c.area_code == area.code and spare(c)]
    if local:
        return min(local, key=key)
    district = {a.code for a in roles.list_areas(session) if a.district == area.district}
    nearby = [c for c in active if c.area_code in district and spare(c)]
    return min(nearby, key=key) if nearby else None


def create_ticket(
    session: Session, *, draft: Draft, enterprise_id: int, now: dt.datetime, policy: SlaPolicy
) -> Change:
    day = now.astimezone(policy.tz).date()
    number = store.ticket_number(day, store.next_sequence(session, day=day))
    area = roles.get_area(session, code=draft.area_code) if draft.area_code else None
    assignee = route(session, area_code=area.code if area else None)
    ticket = store.add_ticket(
        session,
        Ticket(
            number=number,
            enterprise_id=enterprise_id,
            category=draft.category,
            description=draft.description,
            enterprise_name=draft.enterprise_name,
            area_code=area.code if area else None,
            district_code=area.district if area else None,
            phone=draft.phone,
            policy_entry_id=draft.policy_entry_id,
            share_contact=draft.share_contact,
            status=(S.ASSIGNED if assignee else S.QUEUED).value,
            assignee_id=assignee.user_id if assignee else None,
            first_contact_due=policy.first_contact_due(now),
            resolve_due=policy.resolve_due(now),
            created_at=now,
            updated_at=now,
        ),
    )
    assert ticket.id is not None
    event = _events(session, ticket, enterprise_id, "企业", now)
    event("created", text=draft.description, details={"category": draft.category})
    for kind, file_id in draft.attachments:
        event("attachment", file_id=file_id, file_kind=kind)
    if assignee is not None:
        event("assigned", system=True, details={"assignee": assignee.user_id})
    else:
        event("queued", system=True)
    return Change(ticket, None, "", assignee=assignee, attachments=tuple(draft.attachments))


@dataclass(slots=True)
class _Timeline:
    """Adds events of one ticket by one actor at one moment."""

    session: Session
    ticket_id: int
    actor_id: int | None
    role: str
    now: dt.datetime

    def __call__(
        self,
        kind: str,
        *,
        text: str | None = None,
        file_id: str | None = None,
        file_kind: str | None = None,
        internal: bool = False,
        details: dict[str, object] | None = None,
        system: bool = False,
    ) -> None:
        store.add_event(
            self.session,
            ticket_id=self.ticket_id,
            actor_id=None if system else self.actor_id,
            actor_role=SYSTEM if system else self.role,
            kind=kind,
            at=self.now,
            internal=internal,
            text=text,
            file_id=file_id,
            file_kind=file_kind,
            details=details,
        )


def _events(
    session: Session, ticket: Ticket, actor_id: int | None, role: str, now: dt.datetime
) -> _Timeline:
    assert ticket.id is not None
    return _Timeline(session, ticket.id, actor_id, role, now)


def act(
    session: Session,
    *,
    ticket_id: int,
    action: Action,
    actor: Actor,
    now: dt.datetime,
    policy: SlaPolicy,
    text: str | None = None,
    department_id: int | None = None,
    assignee_id: int | None = None,
    rating: str | None = None,
    file: tuple[str, str] | None = None,
) -> Change:
    """Do ``action`` (state transition or relayed message); raises ``Refused``."""
    ticket = store.get_ticket(session, ticket_id=ticket_id, lock=True)
    if ticket is None:
        raise Refused("missing")
    check(action, ticket, actor)
    before, before_assignee = ticket.status, ticket.assignee_id
    event = _events(session, ticket, actor.user_id, actor_label(ticket, actor), now)
    file_kind, file_id = file if file else (None, None)
    department = (
        roles.get_department(session, department_id=ticket.department_id)
        if ticket.department_id
        else None
    )
    assignee: Commissioner | None = None
    if action is Action.ACCEPT:
        ticket.status = S.IN_PROGRESS.value
        ticket.first_contact_at = ticket.first_contact_at or now
        event("accepted")
    elif action is Action.TRANSFER:
        department = roles.get_department(session, department_id=department_id or 0)
        if department is None:
            raise Refused("missing")
        ticket.department_id, ticket.status = department.id, S.TRANSFERRED.value
        event("transferred", text=text, details={"department": department.code})
    elif action is Action.RESOLVE:
        ticket.status, ticket.resolved_at = S.RESOLVED.value, now
        event("resolved", text=text)
    elif action is Action.RETURN:
        ticket.status, ticket.assignee_id = S.QUEUED.value, None
        event("returned", text=text, internal=True)
    elif action is Action.ASSIGN:
        assignee = roles.get_commissioner(session, user_id=assignee_id or 0)
        if assignee is None or not assignee.active:
            raise Refused("missing")
        _reopen_if_reviewed(ticket, now, policy)
        ticket.assignee_id, ticket.status = assignee.user_id, S.ASSIGNED.value
        ticket.sla_cycle += 1
        event("reassigned", details={"assignee": assignee.user_id, "from": before_assignee})
    elif action is Action.BACK:
        _reopen_if_reviewed(ticket, now, policy)
        ticket.status = S.IN_PROGRESS.value
        ticket.sla_cycle += 1
        event("back")
    elif action is Action.CLOSE:
        ticket.status, ticket.closed_at = S.CLOSED.value, now
        event("closed", text=text)
    elif action is Action.RATE:
        if rating not in {r.value for r in Rating}:
            raise Refused("state")
        ticket.rating = rating
        if rating == Rating.BAD.value:
            ticket.status, ticket.reopen_count = S.REVIEW.value, ticket.reopen_count + 1
        else:
            ticket.status, ticket.closed_at = S.CLOSED.value, now
        event("rated", details={"rating": rating})
    elif action is Action.COMMENT:
        ticket.rating_comment = text
        event("comment", text=text)
    elif action is Action.INFO:
        event("info_request", text=text, file_id=file_id, file_kind=file_kind)
    else:  # relayed messages
        if action is Action.DEPT_REPLY and ticket.status == S.TRANSFERRED.value:
            ticket.status = S.IN_PROGRESS.value
        internal = action in (Action.DEPT_REPLY, Action.TO_DEPARTMENT)
        sender, receiver = _MESSAGE_PARTIES[action]
        event(
            "message",
            text=text,
            file_id=file_id,
            file_kind=file_kind,
            internal=internal,
            details={"from": sender, "to": receiver},
        )
    ticket.updated_at = now
    session.add(ticket)
    session.flush()
    if assignee is None and ticket.assignee_id is not None:
        assignee = roles.get_commissioner(session, user_id=ticket.assignee_id)
    return Change(
        ticket,
        action,
        before,
        previous_assignee=before_assignee,
        assignee=assignee,
        department=department,
        text=text,
        file_id=file_id,
        file_kind=file_kind,
        rating=rating,
        attachments=_attachments(session, ticket) if action is Action.ASSIGN else (),
    )


_MESSAGE_PARTIES: dict[Action, tuple[str, str]] = {
    Action.REPLY: (Party.ASSIGNEE, Party.ENTERPRISE),
    Action.ENT_REPLY: (Party.ENTERPRISE, Party.ASSIGNEE),
    Action.TO_DEPARTMENT: (Party.ASSIGNEE, Party.DEPARTMENT),
    Action.DEPT_REPLY: (Party.DEPARTMENT, Party.ASSIGNEE),
}


def _reopen_if_reviewed(ticket: Ticket, now: dt.datetime, policy: SlaPolicy) -> None:
    """A ticket back from review gets a fresh resolution deadline."""
    if ticket.status == S.REVIEW.value:
        ticket.resolved_at = None
        ticket.resolve_due = policy.resolve_due(now)


def _attachments(session: Session, ticket: Ticket) -> tuple[tuple[str, str], ...]:
    assert ticket.id is not None
    rows = store.attachments(session, ticket_id=ticket.id, include_internal=False)
    return tuple((r.file_kind or "document", r.file_id) for r in rows if r.file_id)


AWAITING_KINDS = ("message", "info_request")
ENTERPRISE_ROLE = ACTOR_LABELS["enterprise"]


def awaiting_enterprise(session: Session, *, enterprise_id: int) -> Ticket | None:
    """The enterprise's open ticket whose last public word (a reply, a request for
    materials) is the service side's: it waits for the enterprise's answer."""
    for ticket in store.tickets_of_enterprise(session, enterprise_id=enterprise_id, limit=5):
        if ticket.id is None or ticket.status in (TicketStatus.CLOSED, TicketStatus.RESOLVED):
            continue
        said = [
            event
            for event in store.events(session, ticket_id=ticket.id, include_internal=False)
            if event.kind in AWAITING_KINDS
        ]
        if said and said[-1].actor_role != ENTERPRISE_ROLE:
            return ticket
    return None
