"""Shared pieces of the ticket handlers: who is acting, doing an action, refusals."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update

from bot.context import BotServices, PolicyContext
from bot.render import ticket_buttons as kb
from bot.render import tickets as tx
from bot.ticket_notify import TicketNotifier
from services.sla import SlaPolicy
from services.ticket_access import (
    Action,
    Actor,
    Refused,
    can_view,
    check,
    is_assignee,
    is_department,
    is_enterprise,
    load_actor,
    viewer_party,
)
from services.tickets import Change, act
from storage import roles
from storage import tickets as store
from storage.models_tickets import Ticket, TicketStatus

log = logging.getLogger(__name__)

REFUSALS = {"forbidden": tx.FORBIDDEN, "state": tx.STATE_CHANGED, "missing": tx.MISSING}


def sla_policy(services: BotServices) -> SlaPolicy:
    return services.settings.sla_policy()


async def actor_of(update: Update, context: PolicyContext) -> Actor | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    services = context.services
    admin_ids = services.settings.admin_ids
    return await services.db(
        lambda s: load_actor(s, user_id=user.id, chat_id=chat.id, admin_ids=admin_ids)
    )


def notifier(context: PolicyContext) -> TicketNotifier:
    return TicketNotifier(context.services, context.bot)


async def perform(
    context: PolicyContext,
    actor: Actor,
    ticket_id: int,
    action: Action,
    *,
    text: str | None = None,
    department_id: int | None = None,
    assignee_id: int | None = None,
    rating: str | None = None,
    file: tuple[str, str] | None = None,
) -> Change | str:
    """Do the action in one transaction; the Change, or the refusal text."""
    services = context.services
    now, policy = services.now(), sla_policy(services)
    try:
        change = await services.db(
            lambda s: act(
                s,
                ticket_id=ticket_id,
                action=action,
                actor=actor,
                now=now,
                policy=policy,
                text=text,
                department_id=department_id,
                assignee_id=assignee_id,
                rating=rating,
                file=file,
            )
        )
    except Refused as refused:
        log.info("ticket %d: %s refused (%s)", ticket_id, action.value, refused.reason)
        return REFUSALS.get(refused.reason, tx.FORBIDDEN)
    log.info("ticket %s: %s by user %d", change.ticket.number, action.value, actor.user_id)
    return change


async def refuse(query: CallbackQuery, text: str) -> None:
    await query.answer(text, show_alert=True)


async def probe(
    context: PolicyContext, actor: Actor, ticket_id: int, action: Action
) -> Ticket | str:
    """The ticket if ``actor`` may do ``action`` on it now, else the refusal text."""

    def load(session: Session) -> Ticket | str:
        ticket = store.get_ticket(session, ticket_id=ticket_id)
        if ticket is None:
            return tx.MISSING
        try:
            check(action, ticket, actor)
        except Refused as refused:
            return REFUSALS.get(refused.reason, tx.FORBIDDEN)
        return ticket

    return await context.services.db(load)


def keyboard_for(ticket: Ticket, actor: Actor) -> InlineKeyboardMarkup | None:
    """The buttons this viewer gets under the ticket."""
    assert ticket.id is not None
    if is_assignee(ticket, actor):
        return kb.assignee_keyboard(ticket.id, ticket.status)
    if actor.is_admin and actor.private:
        return kb.admin_keyboard(ticket.id, ticket.status)
    if is_enterprise(ticket, actor):
        if ticket.status == TicketStatus.RESOLVED.value and ticket.rating is None:
            return kb.rating_keyboard(ticket.id)
        return kb.enterprise_keyboard(ticket.id, ticket.status)
    if is_department(ticket, actor):
        return kb.department_keyboard(ticket.id)
    return None


async def ticket_view(
    context: PolicyContext, actor: Actor, *, ticket_id: int | None = None, number: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The ticket card with its timeline as this viewer may see it; None: not visible."""
    services = context.services
    tz, now = services.settings.tz, services.now()

    def load(session: Session) -> tuple[str, InlineKeyboardMarkup | None] | None:
        if ticket_id is not None:
            ticket = store.get_ticket(session, ticket_id=ticket_id)
        else:
            ticket = store.get_ticket_by_number(session, number=number or "")
        if ticket is None or ticket.id is None or not can_view(ticket, actor):
            return None
        internal = viewer_party(ticket, actor) == "internal"
        assignee = (
            roles.get_commissioner(session, user_id=ticket.assignee_id)
            if ticket.assignee_id
            else None
        )
        department = (
            roles.get_department(session, department_id=ticket.department_id)
            if ticket.department_id
            else None
        )
        area = roles.get_area(session, code=ticket.area_code) if ticket.area_code else None
        contact = is_assignee(ticket, actor) or (actor.is_admin and actor.private)
        card = tx.ticket_card(
            ticket,
            tz=tz,
            now=now,
            internal=internal,
            assignee_name=assignee.name if assignee else None,
            department_name=department.name if department else None,
            area_name=area.name if area else None,
            with_contact=contact,
        )
        events = store.events(session, ticket_id=ticket.id, include_internal=internal)
        return card + "\n\n" + tx.timeline(events, tz=tz, internal=internal), keyboard_for(
            ticket, actor
        )

    return await services.db(load)


MAX_TEXT = 3000


async def relay(
    context: PolicyContext,
    message: Message,
    actor: Actor,
    ticket_id: int,
    action: Action,
    *,
    text: str | None,
    file: tuple[str, str] | None = None,
) -> None:
    """Perform a relaying action and tell the sender where the message went."""
    result = await perform(context, actor, ticket_id, action, text=text, file=file)
    if isinstance(result, str):
        await message.reply_text(result)
        return
    delivered = await notifier(context).dispatch(result, actor)
    if delivered:
        await message.reply_text(tx.RELAY_SENT)
    elif result.ticket.assignee_id is None:
        await message.reply_text(tx.RELAY_QUEUED)
    else:
        await message.reply_text(tx.RELAY_FAILED)


def message_content(message: Message) -> tuple[str | None, tuple[str, str] | None]:
    """(text or caption, (kind, file_id) of a photo or document)."""
    text = message.text or message.caption
    file: tuple[str, str] | None = None
    if message.photo:
        file = ("photo", message.photo[-1].file_id)
    elif message.document is not None:
        file = ("document", message.document.file_id)
    return (text[:MAX_TEXT] if text else None), file
