"""Sends what a ticket change means to each party (enterprise, commissioner, department
chat, admins) and links every sent message to the ticket, so a reply to it is relayed.

Used by the ticket handlers and the SLA job. Delivery problems (a user who blocked the
bot, a department chat the bot left) are logged with the ticket number only.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import TelegramError

from bot.render import ticket_buttons as kb
from bot.render import tickets as tx
from services.sla import Alert, AlertKind
from services.ticket_access import Action, Actor, Party
from services.tickets import Change
from storage import roles
from storage import tickets as store
from storage.models_tickets import Ticket, TicketStatus

if TYPE_CHECKING:
    from scheduler.ports import JobServices

log = logging.getLogger(__name__)
S = TicketStatus


class TicketNotifier:
    def __init__(self, services: JobServices, bot: Bot) -> None:
        self.services = services
        self.bot = bot

    # ------------------------------------------------------------------ primitives
    async def admin_ids(self) -> list[int]:
        stored = await self.services.db(lambda s: roles.admin_user_ids(s))
        return sorted({*self.services.settings.admin_ids, *stored})

    async def link(self, message: Message, ticket: Ticket, peer: Party) -> None:
        assert ticket.id is not None
        chat_id, message_id, ticket_id = message.chat_id, message.message_id, ticket.id
        await self.services.db(
            lambda s: store.add_link(
                s, chat_id=chat_id, message_id=message_id, ticket_id=ticket_id, peer=peer.value
            )
        )

    async def send(
        self,
        chat_id: int,
        text: str,
        ticket: Ticket,
        *,
        peer: Party | None = None,
        markup: InlineKeyboardMarkup | None = None,
        file: tuple[str, str] | None = None,
    ) -> bool:
        try:
            if file is None:
                sent = await self.bot.send_message(chat_id, text, reply_markup=markup)
            elif file[0] == "photo":
                sent = await self.bot.send_photo(
                    chat_id, file[1], caption=text, reply_markup=markup
                )
            else:
                sent = await self.bot.send_document(
                    chat_id, file[1], caption=text, reply_markup=markup
                )
        except TelegramError as exc:
            log.warning(
                "ticket %s: could not notify a party: %s", ticket.number, type(exc).__name__
            )
            return False
        if peer is not None:
            await self.link(sent, ticket, peer)
        return True

    async def to_admins(self, text: str, ticket: Ticket, *, with_keyboard: bool = True) -> None:
        assert ticket.id is not None
        markup = kb.admin_keyboard(ticket.id, ticket.status) if with_keyboard else None
        for admin in await self.admin_ids():
            await self.send(admin, text, ticket, markup=markup)

    async def to_enterprise_status(self, change: Change) -> bool:
        ticket = change.ticket
        assert ticket.id is not None
        name = change.assignee.name if change.assignee else None
        text = tx.status_for_enterprise(ticket, assignee_name=name, text=change.text)
        markup = (
            kb.rating_keyboard(ticket.id)
            if ticket.status == S.RESOLVED.value
            else kb.enterprise_keyboard(ticket.id, ticket.status)
        )
        return await self.send(
            ticket.enterprise_id, text, ticket, peer=Party.ASSIGNEE, markup=markup
        )

    async def _card(self, change: Change, *, with_contact: bool = True) -> str:
        services, code = self.services, change.ticket.area_code
        area = await services.db(lambda s: roles.get_area(s, code=code) if code else None)
        return tx.ticket_card(
            change.ticket,
            tz=services.settings.tz,
            now=services.now(),
            internal=True,
            assignee_name=change.assignee.name if change.assignee else None,
            area_name=area.name if area else None,
            with_contact=with_contact,
        )

    async def to_assignee_new(self, change: Change, *, reassigned: bool) -> bool:
        ticket, assignee = change.ticket, change.assignee
        if assignee is None or ticket.id is None:
            return False
        text = tx.new_for_assignee(ticket, await self._card(change), reassigned=reassigned)
        markup = kb.assignee_keyboard(ticket.id, ticket.status)
        ok = await self.send(assignee.user_id, text, ticket, peer=Party.ENTERPRISE, markup=markup)
        for kind, file_id in change.attachments:
            caption = tx.relay(ticket, sender="企业附件", text=None, kind=kind)
            await self.send(
                assignee.user_id, caption, ticket, peer=Party.ENTERPRISE, file=(kind, file_id)
            )
        return ok

    # ------------------------------------------------------------------ dispatch
    async def created(self, change: Change) -> None:
        if change.assignee is not None:
            await self.to_assignee_new(change, reassigned=False)
        else:
            await self.to_admins(
                tx.queued_for_admins(change.ticket, await self._card(change), None), change.ticket
            )

    async def dispatch(self, change: Change, actor: Actor) -> bool:
        """Notify everyone concerned; False when the main recipient was not reached."""
        ticket, action = change.ticket, change.action
        assert ticket.id is not None
        assignee = change.assignee
        if action in (Action.ACCEPT, Action.TRANSFER, Action.RESOLVE, Action.BACK):
            if action is Action.TRANSFER and change.department is not None:
                sender = f"专员 {assignee.name}" if assignee else "专员"
                text = tx.transfer_for_department(ticket, sender=sender, note=change.text)
                ok = await self.send(
                    change.department.chat_id,
                    text,
                    ticket,
                    peer=Party.ASSIGNEE,
                    markup=kb.department_keyboard(ticket.id),
                )
                await self.to_enterprise_status(change)
                return ok
            if action is Action.BACK and assignee is not None:
                text = tx.for_assignee(ticket, "管理员已将复核工单退回给您,请继续办理。")
                markup = kb.assignee_keyboard(ticket.id, ticket.status)
                await self.send(
                    assignee.user_id, text, ticket, peer=Party.ENTERPRISE, markup=markup
                )
            return await self.to_enterprise_status(change)
        if action is Action.RETURN:
            await self.to_admins(
                tx.queued_for_admins(ticket, await self._card(change), change.text), ticket
            )
            return await self.to_enterprise_status(change)
        if action is Action.ASSIGN:
            if change.previous_assignee and change.previous_assignee != ticket.assignee_id:
                await self.send(change.previous_assignee, tx.reassigned_away(ticket), ticket)
            ok = await self.to_assignee_new(change, reassigned=True)
            await self.to_enterprise_status(change)
            return ok
        if action is Action.CLOSE:
            if assignee is not None:
                await self.send(
                    assignee.user_id, tx.for_assignee(ticket, "工单已由管理员关闭。"), ticket
                )
            return await self.to_enterprise_status(change)
        if action in (Action.RATE, Action.COMMENT):
            return await self._rated(change)
        return await self._relay(change, actor)

    async def _rated(self, change: Change) -> bool:
        ticket, assignee = change.ticket, change.assignee
        rating = ticket.rating or ""
        comment = change.text if change.action is Action.COMMENT else None
        if assignee is not None:
            await self.send(assignee.user_id, tx.rated(ticket, rating, comment), ticket)
        if ticket.status == S.REVIEW.value:
            text = (
                tx.review_for_admins(ticket, await self._card(change))
                if change.action is Action.RATE
                else tx.rated(ticket, rating, comment)
            )
            await self.to_admins(text, ticket, with_keyboard=change.action is Action.RATE)
        if change.action is Action.RATE:
            return await self.to_enterprise_status(change)
        return True

    async def _relay(self, change: Change, actor: Actor) -> bool:
        ticket, action, assignee = change.ticket, change.action, change.assignee
        assert ticket.id is not None
        file = (change.file_kind, change.file_id) if change.file_id and change.file_kind else None
        if action in (Action.REPLY, Action.INFO):
            mine = assignee is not None and actor.user_id == assignee.user_id
            sender = f"专员 {assignee.name}" if mine and assignee else "管理员"
            if action is Action.INFO:
                text = tx.info_request(ticket, sender=sender, text=change.text or "")
            else:
                text = tx.relay(ticket, sender=sender, text=change.text, kind=change.file_kind)
            markup = kb.enterprise_keyboard(ticket.id, ticket.status)
            return await self.send(
                ticket.enterprise_id, text, ticket, peer=Party.ASSIGNEE, markup=markup, file=file
            )
        if action is Action.TO_DEPARTMENT:
            if change.department is None:
                return False
            sender = f"专员 {assignee.name}" if assignee else "专员"
            text = tx.relay(ticket, sender=sender, text=change.text, kind=change.file_kind)
            return await self.send(
                change.department.chat_id,
                text,
                ticket,
                peer=Party.ASSIGNEE,
                markup=kb.department_keyboard(ticket.id),
                file=file,
            )
        if assignee is None:  # a message for a ticket still in the queue
            return False
        if action is Action.DEPT_REPLY:
            name = change.department.name if change.department else ""
            text = tx.relay(ticket, sender=f"部门 {name}", text=change.text, kind=change.file_kind)
            ok = await self.send(
                assignee.user_id,
                text,
                ticket,
                peer=Party.DEPARTMENT,
                markup=kb.reply_keyboard(ticket.id, to_department=True),
                file=file,
            )
            if change.status_changed:
                await self.to_enterprise_status(change)
            return ok
        text = tx.relay(
            ticket, sender=f"企业 {ticket.enterprise_name}", text=change.text, kind=change.file_kind
        )
        return await self.send(
            assignee.user_id,
            text,
            ticket,
            peer=Party.ENTERPRISE,
            markup=kb.reply_keyboard(ticket.id, to_department=False),
            file=file,
        )

    # ------------------------------------------------------------------ SLA
    async def alert(self, alert: Alert, assignee_name: str | None) -> None:
        ticket, tz = alert.ticket, self.services.settings.tz
        if alert.kind in (AlertKind.REMIND_FIRST, AlertKind.REMIND_RESOLVE):
            if ticket.assignee_id is not None and ticket.id is not None:
                text = tx.reminder(ticket, alert.kind.value, alert.due, tz)
                markup = kb.assignee_keyboard(ticket.id, ticket.status)
                await self.send(
                    ticket.assignee_id, text, ticket, peer=Party.ENTERPRISE, markup=markup
                )
            return
        text = tx.escalation(ticket, alert.kind.value, alert.due, tz, assignee_name)
        await self.to_admins(text, ticket)
